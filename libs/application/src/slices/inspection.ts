import {
  batchStream,
  batchStreamId,
  drawInspectionSampleDecision,
  INSPECTION_OUTCOMES,
  InspectionCandidate,
  orgUnitStream,
  orgUnitStreamId,
  quotaLedgerStream,
  quotaStreamId,
  recordInspectionFindingDecision,
} from '@tip/domain';
import { z } from 'zod';
import { CommandServices, defineCommand, defineCommandWithFacts } from '../commands/command-slice';
import { atUnit } from '../commands/scope';
import { identifier } from './identifiers';
import { text } from './text';

/**
 * The schools taking part in a batch under a unit: followed down the quota cascade, period by
 * period, from the unit to every school that received seats; each is grouped under its parent
 * (a county, or the city for a city-direct school).
 */
async function candidateSchools(
  services: CommandServices,
  batchId: string,
  scopeUnitId: string,
): Promise<InspectionCandidate[]> {
  const batch = await services.read(batchStream, batchStreamId(batchId));
  if (batch.status !== 'scheduled') return [];
  const candidates = new Map<string, InspectionCandidate>();
  const visited = new Set<string>();
  const visit = async (unitId: string): Promise<void> => {
    if (visited.has(unitId)) return;
    visited.add(unitId);
    const unit = await services.read(orgUnitStream, orgUnitStreamId(unitId));
    if (unit.status !== 'registered') return;
    if (unit.kind === 'school') {
      candidates.set(unitId, { schoolId: unitId, countyId: unit.parentId ?? unitId });
      return;
    }
    const children = new Set<string>();
    for (const period of batch.periods) {
      const ledger = await services.read(quotaLedgerStream, quotaStreamId(batchId, period.periodId, unitId));
      for (const childId of Object.keys(ledger.handedOn)) children.add(childId);
    }
    for (const childId of children) await visit(childId);
  };
  await visit(scopeUnitId);
  return [...candidates.values()];
}

export const drawInspectionSample = defineCommandWithFacts({
  name: 'DrawInspectionSample',
  description:
    "Draws the schools to inspect under a unit (the province, or a city), at least the rulebook's rate " +
    '(Jiangsu: 10%), reproducibly from the seed; the same request again appends nothing. Sent by system or an ' +
    'inspector over the unit, during or after the batch. Refuses UNKNOWN_UNIT, SAMPLE_ALREADY_DRAWN, UNKNOWN_BATCH, ' +
    'RATE_TOO_LOW, NOTHING_TO_SAMPLE.',
  schema: z
    .object({
      sampleId: identifier.optional(),
      batchId: identifier,
      scopeUnitId: identifier,
      ratePercent: z.number().gt(0).max(100),
      seed: z.union([text(100), z.number().int()]),
    })
    .strict()
    // A missing sample id is derived from the command once it has an id (complete).
    .transform((data) => ({ ...data, sampleId: data.sampleId ?? '' })),
  roles: ['inspector'],
  scope: (data) => atUnit(data.scopeUnitId),
  // The same command (a retry under one Idempotency-Key) names the same sample.
  complete: async (data, { commandId }) => ({ ...data, sampleId: data.sampleId || `S-${commandId}` }),
  facts: async ({ data }, services) => ({
    candidates: await candidateSchools(services, data.batchId, data.scopeUnitId),
  }),
  decision: drawInspectionSampleDecision,
});

export const recordInspectionFinding = defineCommand({
  name: 'RecordInspectionFinding',
  description:
    'Records what the experts found at a sampled school (satisfactory, needs-improvement, unsatisfactory); a ' +
    'different finding supersedes the last. Sent by system or an inspector over the school. Refuses ' +
    'UNKNOWN_SCHOOL, UNKNOWN_SAMPLE, NOT_IN_SAMPLE.',
  schema: z
    .object({
      sampleId: identifier,
      schoolId: identifier,
      outcome: z.enum(INSPECTION_OUTCOMES),
      notes: text(5000, { min: 0 }),
    })
    .strict(),
  roles: ['inspector'],
  scope: (data) => atUnit(data.schoolId),
  decision: recordInspectionFindingDecision,
});
