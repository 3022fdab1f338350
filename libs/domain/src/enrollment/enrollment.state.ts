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

export interface Certificate {
  certificateCode: string;
  issuedAt: string;
  hours: Record<string, number>;
  totalHours: number;
  grade: Grade | null;
  revocation: { reason: string; revokedAt: string } | null;
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
  enrolledAt: string;
  confirmedAt: string | null;
  withdrawal: { reason: string; withdrawnAt: string } | null;
  transfers: { fromSchoolId: string; toSchoolId: string; transferredAt: string }[];
  rules: EnrollmentRules;
  abilityPoints: AbilityPointChoice | null;
  onlineHours: OnlineHoursEntry[];
  evidence: EvidenceItem[];
  peerReviews: PeerReview[];
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
      enrolledAt,
      confirmedAt: null,
      withdrawal: null,
      transfers: [],
      rules,
      abilityPoints: null,
      onlineHours: [],
      evidence: [],
      peerReviews: [],
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
    case 'PracticeAssessed':
      return {
        ...withGraded(state, event.data.abilityPoint, event.data.evidenceRefs, event.data.grade),
        lastAssessedAt: event.data.assessedAt,
      };
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
      return {
        ...state,
        certificates: [
          ...state.certificates,
          { certificateCode, issuedAt, hours, totalHours, grade, revocation: null },
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

/** Active and not yet certified: what a transfer moves. */
export function isOpenEnrollment(state: EnrollmentState): boolean {
  return isActiveEnrollment(state) && !hasCertificate(state);
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
  return state.status === 'not-enrolled' ? 0 : sumHours(state.onlineHours.map((entry) => entry.hours));
}

/** Hours credited per rulebook category (every category, 0 when none): online records plus offline entries. */
export function hoursCredited(state: EnrollmentState): Record<string, number> {
  if (state.status === 'not-enrolled') return {};
  const credited: Record<string, number> = {};
  for (const category of state.rules.hours.categories) {
    const offline = state.offlineHours.filter((entry) => entry.category === category.id).map((entry) => entry.hours);
    const online = category.id === state.rules.onlineCategoryId ? [onlineHoursCredited(state)] : [];
    credited[category.id] = sumHours([...online, ...offline]);
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

/**
 * A point's grade from its evidence (returned evidence aside): null while none is graded or some
 * still awaits grading; fail if any evidence failed; excellent only if all of it is excellent;
 * pass otherwise.
 */
export function pointGrade(state: EnrollmentState, abilityPoint: string): Grade | null {
  if (state.status === 'not-enrolled') return null;
  const items = state.evidence.filter((item) => item.abilityPoint === abilityPoint && item.status !== 'returned');
  const grades = items.map((item) => item.grade);
  if (grades.length === 0 || grades.includes(null)) return null;
  return combineGrades(grades.filter((grade): grade is Grade => grade !== null));
}

/**
 * The points assessed for the overall grade: the chosen ability points when the teacher has
 * chosen any (2.0); otherwise (1.0) every piece of practice with evidence.
 */
export function assessedPoints(state: EnrollmentState): string[] {
  if (state.status === 'not-enrolled') return [];
  const chosen = chosenAbilityPoints(state);
  if (chosen.length > 0) return chosen;
  return [...new Set(state.evidence.filter((item) => item.status !== 'returned').map((item) => item.abilityPoint))];
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
  const grades = pointGrades(state).map((point) => point.grade);
  if (grades.length === 0 || grades.includes(null)) return null;
  return combineGrades(grades.filter((grade): grade is Grade => grade !== null));
}

/**
 * When the teacher finished (every chosen point graded, at the last assessment), or undefined
 * while anything is left to grade. A school finishes when all its teachers have.
 */
export function assessmentFinishedAt(state: EnrollmentState): string | undefined {
  if (state.status === 'not-enrolled' || overallGrade(state) === null) return undefined;
  return state.lastAssessedAt ?? undefined;
}

/** The valid (unrevoked) certificate, if any. */
export function currentCertificate(state: EnrollmentState): Certificate | undefined {
  if (state.status === 'not-enrolled') return undefined;
  return state.certificates.find((certificate) => certificate.revocation === null);
}

export function hasCertificate(state: EnrollmentState): boolean {
  return currentCertificate(state) !== undefined;
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
  return hours.reduce((sum, each) => sum + Math.round(each * 100), 0) / 100;
}
