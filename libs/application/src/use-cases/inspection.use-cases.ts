import {
  BatchEvent,
  batchEvolver,
  batchStreamId,
  decideDrawInspectionSample,
  decideRecordInspectionFinding,
  DrawInspectionSample,
  fold,
  INSPECTION_OUTCOMES,
  InspectionCandidate,
  InspectionEvent,
  inspectionDecider,
  inspectionStreamId,
  OrgUnitEvent,
  orgUnitDecider,
  orgUnitStreamId,
  QuotaEvent,
  quotaLedgerDecider,
  quotaStreamId,
  RecordInspectionFinding,
} from '@tip/domain';
import { z } from 'zod';
import { defineUseCase, UseCaseServices } from '../command-pipeline/use-case';
import { identifier } from './identifiers';

const inspections = inspectionDecider();
const orgUnits = orgUnitDecider();

/**
 * The schools taking part in a batch under a unit: followed down the quota cascade, period by
 * period, from the unit to every school that received seats; each is grouped under its parent
 * (a county, or the city for a city-direct school).
 */
async function candidateSchools(
  services: UseCaseServices,
  batchId: string,
  scopeUnitId: string,
): Promise<InspectionCandidate[]> {
  const batch = fold(batchEvolver, (await services.load(batchStreamId(batchId))) as BatchEvent[]);
  if (batch.status !== 'scheduled') return [];
  const candidates = new Map<string, InspectionCandidate>();
  const visited = new Set<string>();
  const visit = async (unitId: string): Promise<void> => {
    if (visited.has(unitId)) return;
    visited.add(unitId);
    const unit = fold(orgUnits, (await services.load(orgUnitStreamId(unitId))) as OrgUnitEvent[]);
    if (unit.status !== 'registered') return;
    if (unit.kind === 'school') {
      candidates.set(unitId, { schoolId: unitId, countyId: unit.parentId ?? unitId });
      return;
    }
    const children = new Set<string>();
    for (const period of batch.periods) {
      const ledger = fold(
        quotaLedgerDecider,
        (await services.load(quotaStreamId(batchId, period.periodId, unitId))) as QuotaEvent[],
      );
      for (const childId of Object.keys(ledger.handedOn)) children.add(childId);
    }
    for (const childId of children) await visit(childId);
  };
  await visit(scopeUnitId);
  return [...candidates.values()];
}

export const drawInspectionSample = defineUseCase({
  name: 'DrawInspectionSample',
  schema: z
    .object({
      sampleId: identifier.optional(),
      batchId: identifier,
      scopeUnitId: identifier,
      ratePercent: z.number().gt(0).max(100),
      seed: z.union([z.string().trim().min(1).max(100), z.number().int()]),
    })
    .strict()
    // Candidates are gathered, and a missing sample id derived from the command, before deciding.
    .transform((data) => ({ ...data, sampleId: data.sampleId ?? '', candidates: [] as InspectionCandidate[] })),
  roles: ['inspector'],
  scope: (data) => ({ kind: 'unit', unitId: data.scopeUnitId }),
  prepare: async (data, services, { commandId }) => ({
    ...data,
    // The same command (a retry under one Idempotency-Key) names the same sample.
    sampleId: data.sampleId || `S-${commandId}`,
    candidates: await candidateSchools(services, data.batchId, data.scopeUnitId),
  }),
  streams: (data) => ({ sample: inspectionStreamId(data.sampleId), batch: batchStreamId(data.batchId) }),
  primaryStream: 'sample',
  decide: (command, history) => ({
    sample: decideDrawInspectionSample(
      command as unknown as DrawInspectionSample,
      fold(inspections, history.sample as InspectionEvent[]),
      fold(batchEvolver, history.batch as BatchEvent[]),
      command.data.candidates,
    ),
  }),
});

export const recordInspectionFinding = defineUseCase({
  name: 'RecordInspectionFinding',
  schema: z
    .object({
      sampleId: identifier,
      schoolId: identifier,
      outcome: z.enum(INSPECTION_OUTCOMES),
      notes: z.string().trim().max(5000),
    })
    .strict(),
  roles: ['inspector'],
  scope: (data) => ({ kind: 'unit', unitId: data.schoolId }),
  streams: (data) => ({ sample: inspectionStreamId(data.sampleId) }),
  primaryStream: 'sample',
  decide: (command, history) => ({
    sample: decideRecordInspectionFinding(
      command as RecordInspectionFinding,
      fold(inspections, history.sample as InspectionEvent[]),
    ),
  }),
});
