import { InspectionFindingRecorded, InspectionSampleDrawn } from '@tip/domain';
import { Projection, recorded, ViewChange } from '../engine/view-changes';
import { InspectionSampleRow } from './inspections.entities';

/** Spot checks (抽检): each sample as drawn, and its findings so far. */
export const inspectionsProjection: Projection = {
  name: 'inspections',
  tables: { inspection_samples: 'state' },

  handles: (event) => event.streamId.startsWith('inspection-'),

  prefetch: (event) => [{ table: 'inspection_samples', key: [(event.data as { sampleId: string }).sampleId] }],

  project(event, rows): ViewChange[] {
    if (event.type === 'InspectionSampleDrawn') {
      const data = recorded<InspectionSampleDrawn>(event).data;
      const row: InspectionSampleRow = {
        sampleId: data.sampleId,
        batchId: data.batchId,
        scopeUnitId: data.scopeUnitId,
        ratePercent: data.ratePercent,
        seed: data.seed,
        rule: data.rule,
        algorithm: data.algorithm,
        candidatesTotal: data.candidates.length,
        size: data.size,
        allocation: data.allocation,
        drawn: data.drawn,
        drawnAt: event.metadata.businessTime,
        drawnBy: event.metadata.actor.sub,
        findings: [],
      };
      return [{ op: 'put', table: 'inspection_samples', row: { ...row } }];
    }
    if (event.type === 'InspectionFindingRecorded') {
      const { sampleId, schoolId, outcome, notes } = recorded<InspectionFindingRecorded>(event).data;
      const sample = rows.get<InspectionSampleRow>('inspection_samples', sampleId);
      if (!sample) return [];
      const finding = {
        schoolId,
        outcome,
        notes,
        recordedAt: event.metadata.businessTime,
        recordedBy: event.metadata.actor.sub,
      };
      return [{ op: 'put', table: 'inspection_samples', row: { ...sample, findings: [...sample.findings, finding] } }];
    }
    return [];
  },
};
