import { EntityManager } from 'typeorm';
import { InspectionSampleRow } from '../inspections/inspections.entities';
import { ViewNotFound } from './progress.views';

export class InspectionViews {
  constructor(private readonly reader: EntityManager) {}

  /** The sample as drawn (seed, rule, candidates counted, allocation) and each school's latest finding. */
  async sample(sampleId: string) {
    const sample = await this.reader.getRepository(InspectionSampleRow).findOneBy({ sampleId });
    if (!sample) throw new ViewNotFound(`No inspection sample ${sampleId}`);
    const latest = new Map(sample.findings.map((finding) => [finding.schoolId, finding]));
    return {
      sampleId: sample.sampleId,
      batchId: sample.batchId,
      scopeUnitId: sample.scopeUnitId,
      seed: sample.seed,
      ratePercent: sample.ratePercent,
      rule: sample.rule,
      algorithm: sample.algorithm,
      candidatesTotal: sample.candidatesTotal,
      size: sample.size,
      allocation: sample.allocation,
      drawnAt: sample.drawnAt,
      drawnBy: sample.drawnBy,
      schools: (sample.drawn as { schoolId: string }[]).map((school) => ({
        ...school,
        finding: latest.get(school.schoolId) ?? null,
      })),
      findings: sample.findings,
    };
  }
}
