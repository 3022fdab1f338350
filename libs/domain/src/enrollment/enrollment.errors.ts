import { RuleViolation } from '../shared/rule-violation';

/**
 * The enrollment rules' codes (422 at the API). Besides the contract's, four are additions:
 * - UNKNOWN_TEACHER: EnrollTeacher for a teacher not registered at any school;
 * - NOT_ENROLLED: a command on a teacher who is not (or no longer) enrolled in the batch;
 * - BAD_HOURS: hours that are not a positive number of at most two decimals, or implausibly many;
 * - POINT_NOT_CHOSEN: evidence for an ability point the teacher did not choose;
 * - UNKNOWN_HOURS_CATEGORY: offline hours for a category the rulebook does not have (or none
 *   named where the rulebook has several).
 * - PRACTICE_NOT_GRADED: AssessPractice under a rulebook that grades nothing (Lianyungang).
 * BATCH_ENDED comes from requireBatchRunning, OUTSIDE_PROGRAMME from requireInsideProgramme.
 * UNKNOWN_BATCH and UNKNOWN_PERIOD come from requireScheduledPeriod (programme context).
 */
export type EnrollmentRuleCode =
  | 'SCHOOL_CLOSED'
  | 'UNKNOWN_TEACHER'
  | 'UNKNOWN_SCHOOL'
  | 'ALREADY_ENROLLED'
  | 'EXEMPT_TEACHER'
  | 'NOT_ENROLLED'
  | 'DEADLINE_PASSED'
  | 'DEADLINE_NOT_PASSED'
  | 'BAD_POINT_CHOICE'
  | 'POINT_NOT_CHOSEN'
  | 'BAD_HOURS'
  | 'UNKNOWN_HOURS_CATEGORY'
  | 'OUTSIDE_STUDY_WINDOW'
  | 'ONLINE_NOT_PASSED'
  | 'EVIDENCE_MISSING'
  | 'PEER_REVIEW_MISSING'
  | 'REQUIREMENTS_NOT_MET'
  | 'RETAKES_EXHAUSTED'
  | 'PRACTICE_NOT_GRADED'
  | 'UNKNOWN_CERTIFICATE_KIND'
  | 'NOT_FOUND';

export class EnrollmentRuleViolation extends RuleViolation {
  constructor(
    override readonly code: EnrollmentRuleCode,
    message: string,
    details: Record<string, unknown>,
  ) {
    super(code, message, details);
  }
}

/** Details name the school and batch where known (a command on no record names neither). */
export function schoolClosed(schoolId: string | undefined, batchId: string | undefined): RuleViolation {
  return new EnrollmentRuleViolation(
    'SCHOOL_CLOSED',
    'The school has closed (结项) in this batch; it can do nothing more',
    {
      ...(schoolId === undefined ? {} : { schoolId }),
      ...(batchId === undefined ? {} : { batchId }),
    },
  );
}

export function notEnrolled(batchId: string, teacherId: string, status: string): RuleViolation {
  return new EnrollmentRuleViolation('NOT_ENROLLED', `Teacher ${teacherId} is not enrolled in batch ${batchId}`, {
    batchId,
    teacherId,
    status,
  });
}

export function badHours(hours: unknown, max: number): RuleViolation {
  return new EnrollmentRuleViolation(
    'BAD_HOURS',
    `Hours must be more than 0 and at most ${max}, in hundredths at most`,
    { hours, max },
  );
}
