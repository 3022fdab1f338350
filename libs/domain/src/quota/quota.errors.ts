import { RuleViolation } from '../shared/rule-violation';

/**
 * The quota rules' codes (422 at the API). `REVOKE_EXCEEDS_ALLOCATION` is an addition to the
 * contract: taking back more than was ever handed to that child is a different mistake from
 * taking back seats the child has passed on or used (`QUOTA_IN_USE`), and callers fix it differently.
 */
export type QuotaRuleCode =
  | 'BAD_SEATS'
  | 'NOT_A_CHILD'
  | 'QUOTA_EXCEEDED'
  | 'QUOTA_IN_USE'
  | 'REVOKE_EXCEEDS_ALLOCATION'
  | 'NO_SEAT_LEFT'
  | 'NO_QUOTAS'
  | 'OUTSIDE_PROGRAMME';

class QuotaRuleViolation extends RuleViolation {
  constructor(
    override readonly code: QuotaRuleCode,
    message: string,
    details: Record<string, unknown>,
  ) {
    super(code, message, details);
  }
}

/** A programme whose rulebook hands out no seats (quotas: false). */
export function noQuotas(batchId: string): RuleViolation {
  return new QuotaRuleViolation(
    'NO_QUOTAS',
    `Batch ${batchId} belongs to a programme without quotas: schools enroll without seats`,
    {
      batchId,
    },
  );
}

/** A unit above or beside the city that runs the programme. */
export function outsideProgramme(batchId: string, unitId: string, ownerUnitId: string): RuleViolation {
  return new QuotaRuleViolation(
    'OUTSIDE_PROGRAMME',
    `${unitId} is outside the programme of batch ${batchId}, which ${ownerUnitId} runs`,
    { batchId, unitId, ownerUnitId },
  );
}

export function badSeats(seats: unknown): RuleViolation {
  return new QuotaRuleViolation('BAD_SEATS', 'Seats must be a positive whole number', { seats });
}

export function notAChild(fromUnitId: string, toUnitId: string, toParentId: string | undefined): RuleViolation {
  return new QuotaRuleViolation('NOT_A_CHILD', `${toUnitId} is not a child unit of ${fromUnitId}`, {
    fromUnitId,
    toUnitId,
    // Absent when the unit is unknown; present when it hangs under another parent.
    ...(toParentId === undefined ? {} : { toParentId }),
  });
}

export function quotaExceeded(left: number, requested: number): RuleViolation {
  return new QuotaRuleViolation('QUOTA_EXCEEDED', `Only ${left} seats are left to hand on, ${requested} requested`, {
    left,
    requested,
  });
}

export function revokeExceedsAllocation(allocated: number, requested: number): RuleViolation {
  return new QuotaRuleViolation(
    'REVOKE_EXCEEDS_ALLOCATION',
    `Only ${allocated} seats were handed to this child, ${requested} requested back`,
    { allocated, requested },
  );
}

export function quotaInUse(left: number, requested: number): RuleViolation {
  return new QuotaRuleViolation(
    'QUOTA_IN_USE',
    `The child has only ${left} seats neither handed on nor used, ${requested} requested back`,
    { left, requested },
  );
}

export function noSeatLeft(schoolId: string, left: number): RuleViolation {
  return new QuotaRuleViolation('NO_SEAT_LEFT', `${schoolId} has no seat left in this period`, { schoolId, left });
}
