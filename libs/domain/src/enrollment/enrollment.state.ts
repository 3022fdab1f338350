import { Decider } from '../shared/decider';
import { assertNever } from '../shared/rule-violation';
import { quotaStreamId } from '../quota/quota.ledger';
import { Grade } from './enrollment.commands';
import { ActorRef, EnrollmentEvent, EnrollmentRules } from './enrollment.events';

/**
 * One stream per teacher per batch: the teacher's whole training record in that batch. Ids never
 * contain ':' (the API sees to that), so the parts cannot run into each other.
 */
export function enrollmentStreamId(batchId: string, teacherId: string): string {
  return `enrollment-${batchId}:${teacherId}`;
}

export interface OnlineHoursEntry {
  recordId: string;
  courseId: string;
  hours: number;
  recordedAt: string;
}

/** submitted: awaits the group leader; returned: sent back for rework (counts for nothing); graded: final. */
export type EvidenceStatus = 'submitted' | 'returned' | 'graded';

export interface EvidenceItem {
  abilityPoint: string;
  evidenceRef: string;
  submittedAt: string;
  status: EvidenceStatus;
  grade: Grade | null;
  returnReason: string | null;
}

export interface PeerReview {
  videoId: string;
  comment: string;
  reviewedAt: string;
}

export interface OfflineHoursEntry {
  category: string;
  hours: number;
  recordedBy: ActorRef;
  recordedAt: string;
}

/** The kind of a certificate recorded before rulebooks named kinds: the rulebook's only one. */
export const LEGACY_CERTIFICATE_KIND = 'certificate';

export interface Certificate {
  certificateCode: string;
  /** The rulebook's certificate kind. */
  kind: string;
  issuedAt: string;
  hours: Record<string, number>;
  totalHours: number;
  /** 学分 where the rulebook converts; null otherwise. */
  credits: number | null;
  grade: Grade | null;
  revocation: { reason: string; revokedAt: string } | null;
}

/** One grading of one point: the first, or a retake. The last attempt's grade is the point's grade. */
export interface AssessmentAttempt {
  abilityPoint: string;
  /** From 1, per point. */
  attempt: number;
  grade: Grade;
  /** The evidence graded; empty where the rulebook grades without evidence. */
  evidenceRefs: string[];
  assessedBy: ActorRef;
  assessedAt: string;
}

export interface AbilityPointChoice {
  points: string[];
  selectedBy: ActorRef;
  selectedAt: string;
}

/**
 * A teacher's record in one batch. Plain data (arrays, no Map or Set) so the audit view can show
 * a rebuilt state as JSON; caller-chosen ids (record, point, video) are never used as object keys.
 */
export interface Enrollment {
  status: 'enrolled' | 'confirmed' | 'withdrawn';
  batchId: string;
  periodId: string;
  teacherId: string;
  /** The school the teacher trains with now (changes on transfer). */
  schoolId: string;
  fullTime: boolean;
  /** An exempt teacher taking part voluntarily: outside every target and denominator. */
  voluntary: boolean;
  enrolledAt: string;
  confirmedAt: string | null;
  withdrawal: { reason: string; withdrawnAt: string } | null;
  transfers: { fromSchoolId: string; toSchoolId: string; transferredAt: string }[];
  rules: EnrollmentRules;
  abilityPoints: AbilityPointChoice | null;
  onlineHours: OnlineHoursEntry[];
  evidence: EvidenceItem[];
  peerReviews: PeerReview[];
  /** Every grading, oldest first (the transcript shows them all). */
  attempts: AssessmentAttempt[];
  /** The latest entry per category. */
  offlineHours: OfflineHoursEntry[];
  /** Every certificate ever issued, oldest first; at most the last one is unrevoked. */
  certificates: Certificate[];
  /** When practice was last assessed: with every point graded, when this teacher finished. */
  lastAssessedAt: string | null;
}

export type EnrollmentState = { status: 'not-enrolled' } | Enrollment;

export function initialEnrollment(): EnrollmentState {
  return { status: 'not-enrolled' };
}

export function evolveEnrollment(state: EnrollmentState, event: EnrollmentEvent): EnrollmentState {
  if (event.type === 'TeacherEnrolled') {
    // Enrolling again after a withdrawal starts a fresh record.
    const { batchId, periodId, teacherId, schoolId, fullTime, enrolledAt, rules } = event.data;
    return {
      status: 'enrolled',
      batchId,
      periodId,
      teacherId,
      schoolId,
      fullTime,
      voluntary: event.data.voluntary ?? false,
      enrolledAt,
      confirmedAt: null,
      withdrawal: null,
      transfers: [],
      rules,
      abilityPoints: null,
      onlineHours: [],
      evidence: [],
      peerReviews: [],
      attempts: [],
      offlineHours: [],
      certificates: [],
      lastAssessedAt: null,
    };
  }
  // Total over any history: facts about a record that does not exist change nothing.
  if (state.status === 'not-enrolled') return state;
  switch (event.type) {
    case 'EnrollmentConfirmed':
      return { ...state, status: 'confirmed', confirmedAt: event.data.confirmedAt };
    case 'TeacherWithdrawn':
      return {
        ...state,
        status: 'withdrawn',
        withdrawal: { reason: event.data.reason, withdrawnAt: event.data.withdrawnAt },
      };
    case 'TeacherTransferred': {
      const { fromSchoolId, toSchoolId, transferredAt } = event.data;
      return {
        ...state,
        schoolId: toSchoolId,
        transfers: [...state.transfers, { fromSchoolId, toSchoolId, transferredAt }],
      };
    }
    case 'AbilityPointsSelected':
      return {
        ...state,
        abilityPoints: {
          points: [...event.data.points],
          selectedBy: event.data.selectedBy,
          selectedAt: event.data.selectedAt,
        },
      };
    case 'OnlineHoursRecorded': {
      const { recordId, courseId, hours, recordedAt } = event.data;
      if (state.onlineHours.some((entry) => entry.recordId === recordId)) return state;
      return { ...state, onlineHours: [...state.onlineHours, { recordId, courseId, hours, recordedAt }] };
    }
    case 'PracticeEvidenceSubmitted': {
      const { abilityPoint, evidenceRef, submittedAt } = event.data;
      const item: EvidenceItem = {
        abilityPoint,
        evidenceRef,
        submittedAt,
        status: 'submitted',
        grade: null,
        returnReason: null,
      };
      const others = state.evidence.filter(
        (each) => !(each.abilityPoint === abilityPoint && each.evidenceRef === evidenceRef),
      );
      return { ...state, evidence: [...others, item] };
    }
    case 'EvidenceReturned': {
      const { abilityPoint, evidenceRefs, reason } = event.data;
      return {
        ...state,
        evidence: state.evidence.map((item) =>
          isPendingOf(item, abilityPoint, evidenceRefs) ? { ...item, status: 'returned', returnReason: reason } : item,
        ),
      };
    }
    case 'PracticeAssessed': {
      const { abilityPoint, evidenceRefs, grade, assessedBy, assessedAt } = event.data;
      // Records folded before attempts were kept have none; their attempts count from here.
      const attempts = state.attempts ?? [];
      const attempt = event.data.attempt ?? attemptsOf(state, abilityPoint).length + 1;
      return {
        ...withGraded(state, abilityPoint, evidenceRefs, grade),
        attempts: [
          ...attempts,
          { abilityPoint, attempt, grade, evidenceRefs: [...evidenceRefs], assessedBy, assessedAt },
        ],
        lastAssessedAt: assessedAt,
      };
    }
    case 'PeerReviewRecorded': {
      const { videoId, comment, reviewedAt } = event.data;
      return {
        ...state,
        peerReviews: [
          ...state.peerReviews.filter((review) => review.videoId !== videoId),
          { videoId, comment, reviewedAt },
        ],
      };
    }
    case 'OfflineHoursRecorded': {
      const { category, hours, recordedBy, recordedAt } = event.data;
      const others = state.offlineHours.filter((entry) => entry.category !== category);
      return { ...state, offlineHours: [...others, { category, hours, recordedBy, recordedAt }] };
    }
    case 'CertificateIssued': {
      const { certificateCode, issuedAt, hours, totalHours, grade } = event.data;
      const kind = event.data.kind ?? LEGACY_CERTIFICATE_KIND;
      const credits = event.data.credits ?? null;
      return {
        ...state,
        certificates: [
          ...state.certificates,
          { certificateCode, kind, issuedAt, hours, totalHours, credits, grade, revocation: null },
        ],
      };
    }
    case 'CertificateRevoked': {
      const { certificateCode, reason, revokedAt } = event.data;
      return {
        ...state,
        certificates: state.certificates.map((certificate) =>
          certificate.certificateCode === certificateCode && certificate.revocation === null
            ? { ...certificate, revocation: { reason, revokedAt } }
            : certificate,
        ),
      };
    }
    default:
      return assertNever(event);
  }
}

/** Folds an enrollment stream: `fold(enrollmentEvolver, events)`. */
export const enrollmentEvolver: Pick<Decider<never, EnrollmentEvent, EnrollmentState>, 'evolve' | 'initialState'> = {
  evolve: evolveEnrollment,
  initialState: initialEnrollment,
};

/** Marks a point's pending evidence graded; shared by evolve and the decision that predicts its grades. */
export function withGraded(
  enrollment: Enrollment,
  abilityPoint: string,
  evidenceRefs: readonly string[],
  grade: Grade,
): Enrollment {
  return {
    ...enrollment,
    evidence: enrollment.evidence.map((item) =>
      isPendingOf(item, abilityPoint, evidenceRefs) ? { ...item, status: 'graded', grade } : item,
    ),
  };
}

function isPendingOf(item: EvidenceItem, abilityPoint: string, evidenceRefs: readonly string[]): boolean {
  return item.status === 'submitted' && item.abilityPoint === abilityPoint && evidenceRefs.includes(item.evidenceRef);
}

// ── Queries for the decisions and the read side ────────────────────────────────────────────────

/** Enrolled or confirmed, not withdrawn. */
export function isActiveEnrollment(state: EnrollmentState): state is Enrollment & { status: 'enrolled' | 'confirmed' } {
  return state.status === 'enrolled' || state.status === 'confirmed';
}

/** An exempt teacher taking part voluntarily: outside every target and denominator (参考教师 too). */
export function isVoluntary(state: EnrollmentState): boolean {
  return state.status !== 'not-enrolled' && state.voluntary === true;
}

/** Active and not yet fully certified: what a transfer moves. */
export function isOpenEnrollment(state: EnrollmentState): boolean {
  return isActiveEnrollment(state) && !isFullyCertified(state);
}

/**
 * The school quota ledger holding this teacher's seat (`quota-{batchId}:{periodId}:{schoolId}`);
 * undefined when the teacher holds none. WithdrawTeacher's handler loads it after the enrollment.
 */
export function seatLedgerStreamId(state: EnrollmentState): string | undefined {
  return isActiveEnrollment(state) ? quotaStreamId(state.batchId, state.periodId, state.schoolId) : undefined;
}

/** Online hours credited: the sum of the distinct platform records. */
export function onlineHoursCredited(state: EnrollmentState): number {
  return state.status === 'not-enrolled' ? 0 : onlineHundredths(state) / 100;
}

// The hour tallies below add hundredths as sumHours does, in loops: a rebuild asks for them after
// every event of every record, and arrays made only to be summed were a good part of its garbage.
function onlineHundredths(state: Enrollment): number {
  let hundredths = 0;
  for (const entry of state.onlineHours) hundredths += hundredthsOf(entry.hours);
  return hundredths;
}

/** Hours credited per rulebook category (every category, 0 when none): online records plus offline entries. */
export function hoursCredited(state: EnrollmentState): Record<string, number> {
  if (state.status === 'not-enrolled') return {};
  const credited: Record<string, number> = {};
  for (const category of state.rules.hours.categories) {
    let hundredths = category.id === state.rules.onlineCategoryId ? onlineHundredths(state) : 0;
    for (const entry of state.offlineHours) if (entry.category === category.id) hundredths += hundredthsOf(entry.hours);
    credited[category.id] = hundredths / 100;
  }
  return credited;
}

export function totalHoursCredited(state: EnrollmentState): number {
  return sumHours(Object.values(hoursCredited(state)));
}

/** Have the online hours reached the online category's minimum? True when the rulebook has no online study. */
export function onlinePassed(state: EnrollmentState): boolean {
  if (state.status === 'not-enrolled') return false;
  const category = state.rules.hours.categories.find((each) => each.id === state.rules.onlineCategoryId);
  return category === undefined || onlineHoursCredited(state) >= category.minimumHours;
}

/** Evidence that counts: submitted or graded, not returned. */
export function hasSubmittedEvidence(state: EnrollmentState): boolean {
  return state.status !== 'not-enrolled' && state.evidence.some((item) => item.status !== 'returned');
}

export function hasPeerReviewed(state: EnrollmentState): boolean {
  return state.status !== 'not-enrolled' && state.peerReviews.length > 0;
}

export function chosenAbilityPoints(state: EnrollmentState): string[] {
  return state.status === 'not-enrolled' || state.abilityPoints === null ? [] : [...state.abilityPoints.points];
}

/** A point's gradings, oldest first. */
export function attemptsOf(state: EnrollmentState, abilityPoint: string): AssessmentAttempt[] {
  if (state.status === 'not-enrolled') return [];
  return (state.attempts ?? []).filter((attempt) => attempt.abilityPoint === abilityPoint);
}

/**
 * A point's grade: its last attempt's (a retake replaces a fail; every attempt stays on record);
 * null while it has never been graded. New evidence awaiting a retake leaves the last grade standing
 * until it is graded.
 */
export function pointGrade(state: EnrollmentState, abilityPoint: string): Grade | null {
  return state.status === 'not-enrolled' ? null : lastGrade(state, abilityPoint);
}

/** pointGrade of a record, from its attempts as they are (no copy: overallGrade asks it after every event in a rebuild). */
function lastGrade(state: Enrollment, abilityPoint: string): Grade | null {
  const attempts = state.attempts ?? [];
  for (let i = attempts.length - 1; i >= 0; i--)
    if (attempts[i].abilityPoint === abilityPoint) return attempts[i].grade;
  return null;
}

/**
 * The points assessed for the overall grade: the chosen ability points when the teacher has
 * chosen any (2.0); otherwise (1.0) every piece of practice with evidence or a grade.
 */
export function assessedPoints(state: EnrollmentState): string[] {
  if (state.status === 'not-enrolled') return [];
  const chosen = chosenAbilityPoints(state);
  if (chosen.length > 0) return chosen;
  return [
    ...new Set([
      ...state.evidence.filter((item) => item.status !== 'returned').map((item) => item.abilityPoint),
      ...(state.attempts ?? []).map((attempt) => attempt.abilityPoint),
    ]),
  ];
}

/** The points with their grades, in the order assessedPoints gives. */
export function pointGrades(state: EnrollmentState): { abilityPoint: string; grade: Grade | null }[] {
  return assessedPoints(state).map((abilityPoint) => ({ abilityPoint, grade: pointGrade(state, abilityPoint) }));
}

/**
 * The teacher's grade: the point rule one level up. Null until every assessed point has a grade;
 * then fail if any point failed, excellent only if every point is excellent, pass otherwise.
 */
export function overallGrade(state: EnrollmentState): Grade | null {
  if (state.status === 'not-enrolled') return null;
  // The chosen points as they are (assessedPoints copies them).
  const chosen = state.abilityPoints?.points ?? [];
  const points = chosen.length > 0 ? chosen : assessedPoints(state);
  if (points.length === 0) return null;
  const grades: Grade[] = [];
  for (const point of points) {
    const grade = lastGrade(state, point);
    if (grade === null) return null;
    grades.push(grade);
  }
  return combineGrades(grades);
}

/**
 * When the teacher finished (every chosen point graded, at the last assessment), or undefined
 * while anything is left to grade. A school finishes when all its teachers have.
 */
export function assessmentFinishedAt(state: EnrollmentState): string | undefined {
  if (state.status === 'not-enrolled' || overallGrade(state) === null) return undefined;
  return state.lastAssessedAt ?? undefined;
}

/** The valid (unrevoked) certificate of a kind (any kind when none is named), if any. */
export function currentCertificate(state: EnrollmentState, kind?: string): Certificate | undefined {
  if (state.status === 'not-enrolled') return undefined;
  return state.certificates.find(
    (certificate) => certificate.revocation === null && (kind === undefined || certificate.kind === kind),
  );
}

export function hasCertificate(state: EnrollmentState, kind?: string): boolean {
  return currentCertificate(state, kind) !== undefined;
}

/** Every valid certificate, oldest first. */
export function currentCertificates(state: EnrollmentState): Certificate[] {
  if (state.status === 'not-enrolled') return [];
  return state.certificates.filter((certificate) => certificate.revocation === null);
}

/** Holds a valid certificate of every kind the rulebook issues (of any kind, for records before kinds). */
export function isFullyCertified(state: EnrollmentState): boolean {
  if (state.status === 'not-enrolled') return false;
  const kinds = state.rules.certificateKinds;
  if (kinds === undefined || kinds.length === 0) return hasCertificate(state);
  return kinds.every((kind) => hasCertificate(state, kind));
}

/** 学分 for hours where the rulebook converts (Yueyang: 80学时 计80学分); null where it does not. */
export function creditsFor(state: EnrollmentState, hours: number): number | null {
  if (state.status === 'not-enrolled') return null;
  const rate = state.rules.creditsPerHour ?? null;
  return rate === null ? null : sumHours([hours * rate]);
}

/** A certificate of this record by code, revoked or not. */
export function certificateOf(state: EnrollmentState, certificateCode: string): Certificate | undefined {
  if (state.status === 'not-enrolled') return undefined;
  return state.certificates.find((certificate) => certificate.certificateCode === certificateCode);
}

function combineGrades(grades: readonly Grade[]): Grade {
  if (grades.includes('fail')) return 'fail';
  return grades.every((grade) => grade === 'excellent') ? 'excellent' : 'pass';
}

/** Sums hours in hundredths, so 0.1 + 0.2 credits 0.3 and not 0.30000000000000004. */
export function sumHours(hours: readonly number[]): number {
  return hours.reduce((sum, each) => sum + hundredthsOf(each), 0) / 100;
}

const hundredthsOf = (hours: number) => Math.round(hours * 100);
