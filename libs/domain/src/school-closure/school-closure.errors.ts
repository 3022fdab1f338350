import { RuleViolation } from '../shared/rule-violation';

/**
 * The school-closure rules' codes (422 at the API). Added to the contract:
 * - `PLAN_NOT_UPLOADED`: ApplyForClosure before any 规划书 (training follows the plan: 依据本校项目规划有序开展施训).
 * - `TEACHER_NOT_IN_SCHOOL`: an excellent video of a teacher not enrolled at this school in this batch.
 * - `VIDEO_ALREADY_USED`: one video counted for two teachers or subjects would inflate the 30% count.
 * - `UNKNOWN_BATCH` (as the quota context uses it): the rules come from a scheduled batch.
 */
export type SchoolClosureRuleCode =
  | 'SCHOOL_CLOSED'
  | 'UNKNOWN_BATCH'
  | 'PLAN_THRESHOLD_NOT_MET'
  | 'PLAN_NOT_UPLOADED'
  | 'TEACHER_NOT_IN_SCHOOL'
  | 'NOT_EXCELLENT'
  | 'VIDEO_ALREADY_USED'
  | 'CLOSURE_THRESHOLD_NOT_MET'
  | 'EXCELLENT_VIDEOS_SHORT'
  | 'NOT_APPLIED'
  | 'NOT_APPROVED'
  | 'ASSESSMENT_INCOMPLETE'
  | 'NO_CLOSURE'
  | 'UNKNOWN_SCHOOL'
  | 'BAD_DATE';

class SchoolClosureRuleViolation extends RuleViolation {
  constructor(
    override readonly code: SchoolClosureRuleCode,
    message: string,
    details: Record<string, unknown>,
  ) {
    super(code, message, details);
  }
}

/** 结项后学校不可再进行任何操作. Exported for the contexts that act on a school's teachers. */
export function schoolClosedViolation(batchId: string, schoolId: string): RuleViolation {
  return new SchoolClosureRuleViolation(
    'SCHOOL_CLOSED',
    `School ${schoolId} has closed batch ${batchId}; nothing more can be done`,
    {
      batchId,
      schoolId,
    },
  );
}

export function unknownBatch(batchId: string): RuleViolation {
  return new SchoolClosureRuleViolation('UNKNOWN_BATCH', `Batch ${batchId} is not scheduled`, { batchId });
}

export function planThresholdNotMet(chosen: number, enrolled: number, requiredPercent: number | null): RuleViolation {
  return new SchoolClosureRuleViolation(
    'PLAN_THRESHOLD_NOT_MET',
    `${chosen} of ${enrolled} enrolled teachers have chosen ability points; ${requiredPercent}% must have`,
    { chosen, enrolled, requiredPercent },
  );
}

export function planNotUploaded(schoolId: string): RuleViolation {
  return new SchoolClosureRuleViolation('PLAN_NOT_UPLOADED', `School ${schoolId} has uploaded no plan yet`, {
    schoolId,
  });
}

export function teacherNotInSchool(teacherId: string, schoolId: string, teacherSchoolId: string | null): RuleViolation {
  return new SchoolClosureRuleViolation(
    'TEACHER_NOT_IN_SCHOOL',
    `Teacher ${teacherId} is not enrolled at ${schoolId} in this batch`,
    {
      teacherId,
      schoolId,
      // Absent when the teacher is not enrolled in the batch at all.
      ...(teacherSchoolId === null ? {} : { teacherSchoolId }),
    },
  );
}

export function notExcellent(teacherId: string, grade: string | null): RuleViolation {
  return new SchoolClosureRuleViolation('NOT_EXCELLENT', `Teacher ${teacherId} is not graded excellent`, {
    teacherId,
    grade,
  });
}

export function videoAlreadyUsed(videoRef: string, teacherId: string, subject: string): RuleViolation {
  return new SchoolClosureRuleViolation(
    'VIDEO_ALREADY_USED',
    `Video ${videoRef} is already uploaded for ${teacherId} (${subject})`,
    {
      videoRef,
      teacherId,
      subject,
    },
  );
}

export function closureThresholdNotMet(
  passed: number,
  candidates: number,
  assessed: number,
  requiredPercent: number | null,
): RuleViolation {
  return new SchoolClosureRuleViolation(
    'CLOSURE_THRESHOLD_NOT_MET',
    `${passed} of the school's ${candidates} 参考教师 (active enrolled teachers) passed; ${requiredPercent}% must pass`,
    { passed, candidates, assessed, requiredPercent },
  );
}

/** 整校推进: every 参考教师 is graded before the school applies. */
export function assessmentIncomplete(candidates: number, assessed: number): RuleViolation {
  return new SchoolClosureRuleViolation(
    'ASSESSMENT_INCOMPLETE',
    `${candidates - assessed} of the school's ${candidates} 参考教师 are not graded yet; the rulebook closes whole schools`,
    { candidates, assessed, ungraded: candidates - assessed },
  );
}

/** The rulebook has no 结项 (Lianyungang, Ningde). */
export function noClosure(rulebookId: string): RuleViolation {
  return new SchoolClosureRuleViolation('NO_CLOSURE', `Rulebook ${rulebookId} has no school closure (结项)`, {
    rulebook: rulebookId,
  });
}

export function unknownSchool(schoolId: string): RuleViolation {
  return new SchoolClosureRuleViolation('UNKNOWN_SCHOOL', `${schoolId} is not a registered school`, { schoolId });
}

export function badDate(field: string, value: string): RuleViolation {
  return new SchoolClosureRuleViolation('BAD_DATE', `${field} must be a real date written YYYY-MM-DD`, {
    field,
    value,
  });
}

export interface ExcellentVideoShortfall {
  required: number;
  uploaded: number;
  /** Videos still to upload for the count (0 when only subjects are missing). */
  short: number;
  missingSubjects: string[];
  fullTimeTeachers: number;
  requiredPercent: number;
}

export function excellentVideosShort(shortfall: ExcellentVideoShortfall): RuleViolation {
  const parts = [
    ...(shortfall.short > 0
      ? [`${shortfall.short} more videos needed (${shortfall.uploaded} of ${shortfall.required})`]
      : []),
    ...(shortfall.missingSubjects.length > 0 ? [`no video for ${shortfall.missingSubjects.join(', ')}`] : []),
  ];
  return new SchoolClosureRuleViolation('EXCELLENT_VIDEOS_SHORT', `Excellent videos fall short: ${parts.join('; ')}`, {
    ...shortfall,
  });
}

export function notApplied(schoolId: string, status: string): RuleViolation {
  return new SchoolClosureRuleViolation(
    'NOT_APPLIED',
    `School ${schoolId} has no closure application awaiting a decision`,
    {
      schoolId,
      status,
    },
  );
}

export function notApproved(schoolId: string, status: string): RuleViolation {
  return new SchoolClosureRuleViolation(
    'NOT_APPROVED',
    `School ${schoolId}'s closure has not been approved by its county`,
    {
      schoolId,
      status,
    },
  );
}
