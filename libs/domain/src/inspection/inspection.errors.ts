import { RuleViolation } from '../shared/rule-violation';

/**
 * The inspection rules' codes (422 at the API, VALIDATION_FAILED 400). Added to the contract:
 * - `SAMPLE_ALREADY_DRAWN`: a sample id names one draw; a different request under it is refused
 *   (the same request again appends nothing).
 * - `NOTHING_TO_SAMPLE`: the scope has no candidate school, so there is nothing to draw.
 * - `UNKNOWN_SAMPLE`: a finding for a sample never drawn.
 * - `UNKNOWN_BATCH` (as the quota context uses it): the minimum rate comes from a scheduled batch.
 */
export type InspectionRuleCode =
  | 'VALIDATION_FAILED'
  | 'UNKNOWN_BATCH'
  | 'RATE_TOO_LOW'
  | 'NOTHING_TO_SAMPLE'
  | 'SAMPLE_ALREADY_DRAWN'
  | 'UNKNOWN_SAMPLE'
  | 'NOT_IN_SAMPLE';

class InspectionRuleViolation extends RuleViolation {
  constructor(
    override readonly code: InspectionRuleCode,
    message: string,
    details: Record<string, unknown>,
  ) {
    super(code, message, details);
  }
}

export function invalidField(field: string, problem: string): RuleViolation {
  return new InspectionRuleViolation('VALIDATION_FAILED', `${field} ${problem}`, { problems: [{ field, problem }] });
}

export function unknownBatch(batchId: string): RuleViolation {
  return new InspectionRuleViolation('UNKNOWN_BATCH', `Batch ${batchId} is not scheduled`, { batchId });
}

export function rateTooLow(ratePercent: number, minimumPercent: number | null, rulebookId: string): RuleViolation {
  return new InspectionRuleViolation(
    'RATE_TOO_LOW',
    `A sample of ${ratePercent}% is below the minimum of ${minimumPercent}%`,
    {
      ratePercent,
      minimumPercent,
      rulebookId,
    },
  );
}

export function nothingToSample(batchId: string, scopeUnitId: string): RuleViolation {
  return new InspectionRuleViolation(
    'NOTHING_TO_SAMPLE',
    `${scopeUnitId} has no school to sample in batch ${batchId}`,
    {
      batchId,
      scopeUnitId,
    },
  );
}

export function sampleAlreadyDrawn(sampleId: string): RuleViolation {
  return new InspectionRuleViolation(
    'SAMPLE_ALREADY_DRAWN',
    `Sample ${sampleId} was already drawn from another request`,
    { sampleId },
  );
}

export function unknownSample(sampleId: string): RuleViolation {
  return new InspectionRuleViolation('UNKNOWN_SAMPLE', `No sample ${sampleId} has been drawn`, { sampleId });
}

export function notInSample(sampleId: string, schoolId: string): RuleViolation {
  return new InspectionRuleViolation('NOT_IN_SAMPLE', `School ${schoolId} is not in sample ${sampleId}`, {
    sampleId,
    schoolId,
  });
}
