import { Role } from '../shared/messages';
import { NotPermitted } from '../shared/rule-violation';
import { AssessmentRule, Rulebook } from '../programme/rulebook';
import { studyWindowOf, isWithinStudyWindow } from '../programme/batch';
import { addToInstant, instantMs, isoOf } from '../shared/calendar';
import {
  abilityPointChoiceProblems,
  abilityPointDeadline,
  isAbilityPointDeadlinePassed,
  PointChoiceProblem,
} from '../programme/rulebook-queries';
import {
  AssessPractice,
  Grade,
  RecordOfflineHours,
  RecordOnlineHours,
  RecordPeerReview,
  ReturnEvidence,
  SelectAbilityPoints,
  SubmitPracticeEvidence,
} from './enrollment.commands';
import {
  actorOf,
  EnrollmentContext,
  EnrollmentStreamContext,
  isPlausibleHours,
  MAX_HOURS_PER_ENTRY,
  requireActive,
  requireRunningBatch,
  rulebookOf,
} from './enrollment.context';
import { badHours, EnrollmentRuleViolation } from './enrollment.errors';
import { EnrollmentEvent, PracticeAssessed } from './enrollment.events';
import { adminLevelOf, offlineHoursCategories, onlineMinimumBeforePractice } from './enrollment.rules';
import {
  attemptsOf,
  chosenAbilityPoints,
  Enrollment,
  hasPeerReviewed,
  hasSubmittedEvidence,
  onlineHoursCredited,
  overallGrade,
  pointGrade,
  withGraded,
} from './enrollment.state';

/** BAD_POINT_CHOICE details: the catalogue rule's problems, and two of the enrollment's own. */
export type AbilityPointSelectionProblem =
  | PointChoiceProblem
  /** A 1.0 rulebook has no ability points to choose. */
  | { problem: 'no-ability-points'; rulebook: string; version: string }
  /** Points that already carry practice evidence cannot be dropped. */
  | { problem: 'points-with-evidence-dropped'; points: string[] };

/**
 * Who may pick, by the actor's role: the teacher until the rulebook's deadline (Jiangsu: 7 days
 * from enrollment), then the school admin (默认由校级管理员代为选择), who may not pick before
 * it. `system` (the platform itself) may pick at any time. Any other role is taken as an admin
 * acting for the school (the API lets only teacher and school-admin send the command). Where the
 * rulebook sets no deadline (Yueyang), teacher and school admin may both pick at any time: the
 * seed has the school report each teacher's 能力点选择 in its sheet.
 * Refuses SCHOOL_CLOSED, NOT_ENROLLED, BAD_POINT_CHOICE (1.0 rulebook), DEADLINE_PASSED,
 * DEADLINE_NOT_PASSED, then BAD_POINT_CHOICE for the choice itself. The same choice again appends nothing.
 */
export function decideSelectAbilityPoints(command: SelectAbilityPoints, context: EnrollmentContext): EnrollmentEvent[] {
  const { batchId, teacherId, points } = command.data;
  const enrollment = requireActive(context, batchId, teacherId);
  const rulebook = rulebookOf(context.batch, enrollment);
  const rule = rulebook.abilityPoints;
  if (rule === null) {
    throw badPointChoice(`Rulebook ${rulebook.id} (${rulebook.version}) has no ability points to choose`, [
      { problem: 'no-ability-points', rulebook: rulebook.id, version: rulebook.version },
    ]);
  }
  if (enrollment.abilityPoints !== null && isSameSet(points, enrollment.abilityPoints.points)) return [];

  const now = command.metadata.now;
  const deadline = abilityPointDeadline(rulebook, enrollment.enrolledAt);
  const passed = isAbilityPointDeadlinePassed(rulebook, enrollment.enrolledAt, now);
  const picker = pickerOf(command.metadata.actor.role);
  if (picker === 'teacher' && passed) {
    throw new EnrollmentRuleViolation('DEADLINE_PASSED', `The teacher could pick ability points until ${deadline}`, {
      deadline,
      at: now,
    });
  }
  if (picker === 'school' && deadline !== null && !passed) {
    throw new EnrollmentRuleViolation(
      'DEADLINE_NOT_PASSED',
      `The teacher picks ability points until ${deadline}; the school only after`,
      {
        deadline,
        at: now,
      },
    );
  }
  if (picker === 'school' && passed && rule.afterDeadlinePickedBy !== 'school-admin') {
    throw new EnrollmentRuleViolation('DEADLINE_PASSED', `Rulebook ${rulebook.id} lets nobody pick after ${deadline}`, {
      deadline,
      at: now,
    });
  }

  const problems: AbilityPointSelectionProblem[] = abilityPointChoiceProblems(rule, points);
  const dropped = [
    ...new Set(enrollment.evidence.filter((item) => item.status !== 'returned').map((item) => item.abilityPoint)),
  ].filter((point) => !points.includes(point));
  if (dropped.length > 0) problems.push({ problem: 'points-with-evidence-dropped', points: dropped });
  if (problems.length > 0) throw badPointChoice('The choice of ability points breaks the rulebook', problems);

  return [
    {
      type: 'AbilityPointsSelected',
      data: { batchId, teacherId, points: [...points], selectedBy: actorOf(command), selectedAt: now },
    },
  ];
}

/**
 * The course-platform feed. Counts in the rulebook's online category when its business time is
 * inside the teacher's study window (studyWindowOf: Jiangsu one month from enrollment within the
 * period, Lianyungang the period's 40 days, Ningde and Yueyang the whole batch).
 * Refuses SCHOOL_CLOSED, NOT_ENROLLED, BAD_HOURS, then OUTSIDE_STUDY_WINDOW; a recordId seen
 * before appends nothing, whatever it carries (the first arrival is the record).
 */
export function decideRecordOnlineHours(command: RecordOnlineHours, context: EnrollmentContext): EnrollmentEvent[] {
  const { batchId, teacherId, recordId, courseId, hours } = command.data;
  const enrollment = requireActive(context, batchId, teacherId);
  if (!isPlausibleHours(hours)) throw badHours(hours, MAX_HOURS_PER_ENTRY);
  if (enrollment.onlineHours.some((entry) => entry.recordId === recordId)) return [];
  const rulebook = rulebookOf(context.batch, enrollment);
  const category = rulebook.onlineStudy?.categoryId;
  if (category === undefined) {
    throw new EnrollmentRuleViolation('UNKNOWN_HOURS_CATEGORY', `Rulebook ${rulebook.id} has no online study`, {
      category: null,
      categories: [],
    });
  }
  const at = command.metadata.now;
  const where = { periodId: enrollment.periodId, enrolledAt: enrollment.enrolledAt };
  if (!isWithinStudyWindow(context.batch, { ...where, at })) {
    throw new EnrollmentRuleViolation(
      'OUTSIDE_STUDY_WINDOW',
      `Online hours at ${at} fall outside the teacher's study window`,
      {
        recordId,
        at,
        window: studyWindowOf(context.batch, where),
      },
    );
  }
  return [
    { type: 'OnlineHoursRecorded', data: { batchId, teacherId, recordId, courseId, category, hours, recordedAt: at } },
  ];
}

/**
 * Refuses SCHOOL_CLOSED, NOT_ENROLLED, ONLINE_NOT_PASSED where online study must pass first
 * (Jiangsu: 在线学习合格后方可参加线下实践应用考核), POINT_NOT_CHOSEN where the rulebook has ability
 * points, then RETAKES_EXHAUSTED: new evidence for a point already graded is a retake, allowed while
 * the point has had fewer gradings than the rulebook's cap. The same evidence again appends nothing
 * unless it was returned (then it is resubmitted).
 */
export function decideSubmitPracticeEvidence(
  command: SubmitPracticeEvidence,
  context: EnrollmentContext,
): EnrollmentEvent[] {
  const { batchId, teacherId, abilityPoint, evidenceRef } = command.data;
  const enrollment = requireActive(context, batchId, teacherId);
  const rulebook = rulebookOf(context.batch, enrollment);
  requireOnlinePassed(enrollment, onlineMinimumBeforePractice(rulebook));
  if (rulebook.abilityPoints !== null) {
    const chosen = chosenAbilityPoints(enrollment);
    if (!chosen.includes(abilityPoint)) {
      throw new EnrollmentRuleViolation(
        'POINT_NOT_CHOSEN',
        `Ability point ${abilityPoint} is not one the teacher chose`,
        { abilityPoint, chosen },
      );
    }
  }
  const earlier = enrollment.evidence.find(
    (item) => item.abilityPoint === abilityPoint && item.evidenceRef === evidenceRef,
  );
  if (earlier !== undefined && earlier.status !== 'returned') return [];
  if (rulebook.assessment !== null) requireRetakeLeft(enrollment, abilityPoint, rulebook.assessment);
  return [
    {
      type: 'PracticeEvidenceSubmitted',
      data: { batchId, teacherId, abilityPoint, evidenceRef, submittedAt: command.metadata.now },
    },
  ];
}

/** Refuses SCHOOL_CLOSED, NOT_ENROLLED. The same comment on the same video again appends nothing; a new one replaces it. */
export function decideRecordPeerReview(command: RecordPeerReview, context: EnrollmentStreamContext): EnrollmentEvent[] {
  const { batchId, teacherId, videoId, comment } = command.data;
  const enrollment = requireActive(context, batchId, teacherId);
  if (enrollment.peerReviews.some((review) => review.videoId === videoId && review.comment === comment)) return [];
  return [
    { type: 'PeerReviewRecorded', data: { batchId, teacherId, videoId, comment, reviewedAt: command.metadata.now } },
  ];
}

/**
 * Sends back the point's evidence awaiting assessment. Refuses SCHOOL_CLOSED, NOT_ENROLLED,
 * EVIDENCE_MISSING (nothing submitted for the point, or all of it graded or returned already).
 */
export function decideReturnEvidence(command: ReturnEvidence, context: EnrollmentStreamContext): EnrollmentEvent[] {
  const { batchId, teacherId, abilityPoint, reason } = command.data;
  const enrollment = requireActive(context, batchId, teacherId);
  const pending = pendingEvidence(enrollment, abilityPoint);
  if (pending.length === 0) throw evidenceMissing(enrollment, abilityPoint);
  return [
    {
      type: 'EvidenceReturned',
      data: {
        batchId,
        teacherId,
        abilityPoint,
        evidenceRefs: pending.map((item) => item.evidenceRef),
        reason,
        returnedBy: actorOf(command),
        returnedAt: command.metadata.now,
      },
    },
  ];
}

/**
 * Grades points: one PracticeAssessed (one attempt) per point. Where the rulebook grades evidence
 * (Jiangsu, Ningde), the points with evidence awaiting assessment (one point, or every point), in
 * the order their evidence came in. Where it grades without evidence (Yueyang's 校本应用考核), the
 * named point or every chosen point (a 1.0 rulebook without points grades `abilityPoint`, default
 * 'practice'); a point whose last grade already is this grade is left as it is. The last grade
 * counts (see pointGrade); every attempt stays on record.
 * Refuses SCHOOL_CLOSED, NOT_ENROLLED, PRACTICE_NOT_GRADED (the rulebook grades nothing:
 * Lianyungang), BATCH_ENDED, ONLINE_NOT_PASSED (where online study must pass first), then
 * EVIDENCE_MISSING (nothing awaits assessment) or POINT_NOT_CHOSEN, and RETAKES_EXHAUSTED.
 */
export function decideAssessPractice(command: AssessPractice, context: EnrollmentContext): EnrollmentEvent[] {
  const { batchId, teacherId, grade, abilityPoint } = command.data;
  const now = command.metadata.now;
  const enrollment = requireActive(context, batchId, teacherId);
  const rulebook = rulebookOf(context.batch, enrollment);
  const rule = rulebook.assessment;
  if (rule === null) {
    throw new EnrollmentRuleViolation(
      'PRACTICE_NOT_GRADED',
      `Rulebook ${rulebook.id} grades no practice: its certificate rests on hours alone`,
      { rulebook: rulebook.id },
    );
  }
  requireRunningBatch(context.batch, enrollment, now);
  requireOnlinePassed(enrollment, onlineMinimumBeforePractice(rulebook));

  const graded = rule.evidenceRequired
    ? pointsWithPendingEvidence(enrollment, abilityPoint)
    : pointsToGradeWithoutEvidence(enrollment, rulebook, abilityPoint, grade);
  graded.forEach((each) => requireRetakeLeft(enrollment, each.point, rule));

  const events: PracticeAssessed[] = [];
  let after: Enrollment = enrollment;
  for (const { point, evidenceRefs } of graded) {
    after = withGraded(after, point, evidenceRefs, grade);
    const attempt = attemptsOf(after, point).length + 1;
    const assessedBy = actorOf(command);
    after = {
      ...after,
      attempts: [...after.attempts, { abilityPoint: point, attempt, grade, evidenceRefs, assessedBy, assessedAt: now }],
    };
    events.push({
      type: 'PracticeAssessed',
      data: {
        batchId,
        teacherId,
        abilityPoint: point,
        evidenceRefs,
        grade,
        attempt,
        pointGrade: pointGrade(after, point),
        overallGrade: overallGrade(after),
        assessedBy,
        assessedAt: now,
      },
    });
  }
  return events;
}

interface PointToGrade {
  point: string;
  evidenceRefs: string[];
}

/** The points with evidence awaiting assessment; EVIDENCE_MISSING when there are none. */
function pointsWithPendingEvidence(enrollment: Enrollment, abilityPoint: string | undefined): PointToGrade[] {
  const pending = pendingEvidence(enrollment, abilityPoint);
  if (pending.length === 0) throw evidenceMissing(enrollment, abilityPoint);
  return [...new Set(pending.map((item) => item.abilityPoint))].map((point) => ({
    point,
    evidenceRefs: pending.filter((item) => item.abilityPoint === point).map((item) => item.evidenceRef),
  }));
}

/**
 * Grading without evidence: the named point or every chosen one, less those already at this grade
 * (an identical retry grades nothing). Any evidence the teacher sent anyway is graded with it.
 */
function pointsToGradeWithoutEvidence(
  enrollment: Enrollment,
  rulebook: Rulebook,
  abilityPoint: string | undefined,
  grade: Grade,
): PointToGrade[] {
  let points: string[];
  if (rulebook.abilityPoints === null) {
    points = [abilityPoint ?? 'practice'];
  } else {
    const chosen = chosenAbilityPoints(enrollment);
    points = abilityPoint === undefined ? chosen : [abilityPoint];
    if (points.length === 0 || points.some((point) => !chosen.includes(point))) {
      throw new EnrollmentRuleViolation(
        'POINT_NOT_CHOSEN',
        abilityPoint === undefined
          ? 'The teacher has chosen no ability points to grade'
          : `Ability point ${abilityPoint} is not one the teacher chose`,
        { ...(abilityPoint === undefined ? {} : { abilityPoint }), chosen },
      );
    }
  }
  return points
    .filter((point) => pointGrade(enrollment, point) !== grade)
    .map((point) => ({
      point,
      evidenceRefs: pendingEvidence(enrollment, point).map((item) => item.evidenceRef),
    }));
}

/** RETAKES_EXHAUSTED once a point has had as many gradings as the rulebook allows. */
function requireRetakeLeft(enrollment: Enrollment, abilityPoint: string, rule: AssessmentRule): void {
  const attempts = attemptsOf(enrollment, abilityPoint);
  const max = rule.maxAttemptsPerPoint;
  if (max === null || attempts.length < max) return;
  throw new EnrollmentRuleViolation(
    'RETAKES_EXHAUSTED',
    `Ability point ${abilityPoint} has been graded ${attempts.length} times, the most the rulebook allows`,
    { abilityPoint, attempts: attempts.length, maxAttemptsPerPoint: max, lastGrade: attempts.at(-1)?.grade ?? null },
  );
}

/**
 * Sets the teacher's hours in one offline category (a later entry replaces the earlier one; the
 * same hours again append nothing). `schoolFinishedAt` is supplied by the handler: the instant the
 * whole school finished its training in this batch (全校培训完成), as the school's progress tells
 * it; undefined while it has not, and then no entry deadline runs yet.
 * Refuses SCHOOL_CLOSED, NOT_ENROLLED, BAD_HOURS, UNKNOWN_HOURS_CATEGORY, then, as the rulebook
 * asks: PEER_REVIEW_MISSING (Jiangsu: 线下实践应用成果提交与学习点评都完成后方可获取线下实践应用学时;
 * details name what is missing, evidence or peer review), EVIDENCE_MISSING (Ningde: evidence
 * alone is asked), DEADLINE_PASSED (Jiangsu: entered 全校培训完成后一周内).
 */
export function decideRecordOfflineHours(
  command: RecordOfflineHours,
  context: EnrollmentContext & { schoolFinishedAt?: string },
): EnrollmentEvent[] {
  const { batchId, teacherId, hours } = command.data;
  const enrollment = requireActive(context, batchId, teacherId);
  if (!isPlausibleHours(hours)) throw badHours(hours, MAX_HOURS_PER_ENTRY);
  const rulebook = rulebookOf(context.batch, enrollment);
  const category = recordableCategory(rulebook, command);
  if (enrollment.offlineHours.some((entry) => entry.category === category && entry.hours === hours)) return [];
  requireRunningBatch(context.batch, enrollment, command.metadata.now);

  const practice = rulebook.offlinePractice;
  const evidenceMissing = practice.evidenceRequired && !hasSubmittedEvidence(enrollment);
  if (practice.peerReviewRequired) {
    const missing = [...(evidenceMissing ? ['evidence'] : []), ...(hasPeerReviewed(enrollment) ? [] : ['peer-review'])];
    if (missing.length > 0) {
      throw new EnrollmentRuleViolation(
        'PEER_REVIEW_MISSING',
        'Offline hours need submitted evidence and a peer review',
        { missing },
      );
    }
  } else if (evidenceMissing) {
    throw new EnrollmentRuleViolation('EVIDENCE_MISSING', 'Offline hours need submitted practice evidence', {
      reason: 'nothing-submitted',
    });
  }

  const now = command.metadata.now;
  const days = practice.hoursEntryDeadlineDays;
  if (days !== null && context.schoolFinishedAt !== undefined) {
    const deadline = isoOf(addToInstant(instantMs(context.schoolFinishedAt), days, 'days'));
    if (instantMs(now) > instantMs(deadline)) {
      throw new EnrollmentRuleViolation(
        'DEADLINE_PASSED',
        `Offline hours were due by ${deadline}, ${days} days after the school finished`,
        {
          deadline,
          schoolFinishedAt: context.schoolFinishedAt,
          at: now,
        },
      );
    }
  }
  return [
    {
      type: 'OfflineHoursRecorded',
      data: { batchId, teacherId, category, hours, recordedBy: actorOf(command), recordedAt: now },
    },
  ];
}

/**
 * The category an offline entry credits: the one named, or the only one the actor's level records.
 * Refuses UNKNOWN_HOURS_CATEGORY (no such category, or none named where several fit); a category
 * recorded by another level is not the actor's to credit (NotPermitted, 403).
 */
function recordableCategory(rulebook: Rulebook, command: RecordOfflineHours): string {
  const role = command.metadata.actor.role;
  const level = adminLevelOf(role) ?? undefined;
  const anyRecorder = offlineHoursCategories(rulebook).map((each) => each.id);
  const mine = role === 'system' ? anyRecorder : offlineHoursCategories(rulebook, level).map((each) => each.id);
  const named = command.data.category;
  // Another level's hours (named, or all there are when this level records none) are not the actor's to credit.
  const othersOnly = named === undefined ? mine.length === 0 && anyRecorder.length > 0 : anyRecorder.includes(named);
  if (othersOnly && !mine.includes(named ?? '')) {
    const admins = (id: string) =>
      (rulebook.hours.categories.find((each) => each.id === id)?.recordedBy ?? []).filter(
        (each) => each !== 'platform',
      );
    const recordedBy = [...new Set(named === undefined ? anyRecorder.flatMap(admins) : admins(named))];
    throw new NotPermitted(
      `${named === undefined ? `Offline hours of rulebook ${rulebook.id}` : `${named} hours`} are recorded by ${recordedBy.join(' or ')}`,
      { category: named ?? null, recordedBy },
    );
  }
  const category = named ?? (mine.length === 1 ? mine[0] : undefined);
  if (category === undefined || !mine.includes(category)) {
    throw new EnrollmentRuleViolation(
      'UNKNOWN_HOURS_CATEGORY',
      `Offline hours go to one of the categories ${mine.join(', ')}`,
      { category: named ?? null, categories: mine },
    );
  }
  return category;
}

function pickerOf(role: Role): 'teacher' | 'school' | 'system' {
  if (role === 'teacher') return 'teacher';
  return role === 'system' ? 'system' : 'school';
}

function requireOnlinePassed(enrollment: Enrollment, required: number): void {
  const credited = onlineHoursCredited(enrollment);
  if (credited < required) {
    throw new EnrollmentRuleViolation(
      'ONLINE_NOT_PASSED',
      `Online study needs ${required} hours first; ${credited} credited`,
      { required, credited },
    );
  }
}

function pendingEvidence(enrollment: Enrollment, abilityPoint: string | undefined) {
  return enrollment.evidence.filter(
    (item) => item.status === 'submitted' && (abilityPoint === undefined || item.abilityPoint === abilityPoint),
  );
}

function evidenceMissing(enrollment: Enrollment, abilityPoint: string | undefined): EnrollmentRuleViolation {
  const items = enrollment.evidence.filter((item) => abilityPoint === undefined || item.abilityPoint === abilityPoint);
  // Nothing pending here; say whether anything was ever submitted.
  const reason =
    items.length === 0
      ? 'nothing-submitted'
      : items.some((item) => item.status === 'graded')
        ? 'already-assessed'
        : 'returned';
  return new EnrollmentRuleViolation('EVIDENCE_MISSING', 'No practice evidence awaits assessment', {
    ...(abilityPoint === undefined ? {} : { abilityPoint }),
    reason,
  });
}

function badPointChoice(message: string, problems: AbilityPointSelectionProblem[]): EnrollmentRuleViolation {
  return new EnrollmentRuleViolation('BAD_POINT_CHOICE', message, { problems });
}

function isSameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && new Set(a).size === a.length && a.every((each) => b.includes(each));
}
