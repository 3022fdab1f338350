import { DomainEvent, Role } from '../shared/messages';
import { HoursRule } from '../programme/rulebook';
import { Grade } from './enrollment.commands';

/** Who did something, kept in the data because a fold sees no metadata. */
export interface ActorRef {
  sub: string;
  role: Role;
}

/**
 * The part of the batch's rulebook the enrollment's own queries need (hours credited, online
 * passed, grade required), copied at enrollment: the batch's rules never change once scheduled,
 * and the read side can answer from this stream alone.
 */
export interface EnrollmentRules {
  hours: HoursRule;
  /** The category the course-platform feed credits; null when the rulebook has no online study. */
  onlineCategoryId: string | null;
  /** Does a certificate need a pass or excellent grade? (see isPracticeGraded) */
  practiceGraded: boolean;
  /** The rulebook's certificate kinds: the record is certified once it holds each (absent before kinds: one). */
  certificateKinds?: string[];
  /** 学分 per 学时 where the rulebook converts (Yueyang: 1); absent or null: no credits. */
  creditsPerHour?: number | null;
}

export type TeacherEnrolled = DomainEvent<
  'TeacherEnrolled',
  {
    batchId: string;
    periodId: string;
    teacherId: string;
    schoolId: string;
    /** 专任教师, as registered when enrolled. */
    fullTime: boolean;
    enrolledAt: string;
    rules: EnrollmentRules;
    /**
     * An exempt teacher taking part voluntarily (Ningde: 距退休不满五年): left out of every target
     * and denominator, certified like anyone. Absent in events recorded before exemption was voluntary.
     */
    voluntary?: boolean;
  }
>;

export type EnrollmentConfirmed = DomainEvent<
  'EnrollmentConfirmed',
  { batchId: string; teacherId: string; confirmedAt: string }
>;

export type TeacherWithdrawn = DomainEvent<
  'TeacherWithdrawn',
  { batchId: string; periodId: string; teacherId: string; schoolId: string; reason: string; withdrawnAt: string }
>;

export type TeacherTransferred = DomainEvent<
  'TeacherTransferred',
  {
    batchId: string;
    periodId: string;
    teacherId: string;
    fromSchoolId: string;
    toSchoolId: string;
    transferredAt: string;
  }
>;

export type AbilityPointsSelected = DomainEvent<
  'AbilityPointsSelected',
  { batchId: string; teacherId: string; points: string[]; selectedBy: ActorRef; selectedAt: string }
>;

export type OnlineHoursRecorded = DomainEvent<
  'OnlineHoursRecorded',
  {
    batchId: string;
    teacherId: string;
    recordId: string;
    courseId: string;
    /** The rulebook category credited. */
    category: string;
    hours: number;
    recordedAt: string;
  }
>;

export type PracticeEvidenceSubmitted = DomainEvent<
  'PracticeEvidenceSubmitted',
  { batchId: string; teacherId: string; abilityPoint: string; evidenceRef: string; submittedAt: string }
>;

export type PeerReviewRecorded = DomainEvent<
  'PeerReviewRecorded',
  { batchId: string; teacherId: string; videoId: string; comment: string; reviewedAt: string }
>;

export type EvidenceReturned = DomainEvent<
  'EvidenceReturned',
  {
    batchId: string;
    teacherId: string;
    abilityPoint: string;
    evidenceRefs: string[];
    reason: string;
    returnedBy: ActorRef;
    returnedAt: string;
  }
>;

/**
 * One per ability point graded: one attempt. A failed point is retaken with new evidence and graded
 * again; the last grade counts and every attempt stays on record. Carries the point's and the
 * overall grade that follow, for the read side.
 */
export type PracticeAssessed = DomainEvent<
  'PracticeAssessed',
  {
    batchId: string;
    teacherId: string;
    abilityPoint: string;
    /** The evidence graded; empty where the rulebook grades without evidence (Yueyang). */
    evidenceRefs: string[];
    grade: Grade;
    /** This point's attempt, from 1 (absent in events recorded before retakes were counted). */
    attempt?: number;
    /** The point's grade once this evidence is graded. */
    pointGrade: Grade | null;
    /** The teacher's overall grade once this evidence is graded; null while anything is left to grade. */
    overallGrade: Grade | null;
    assessedBy: ActorRef;
    assessedAt: string;
  }
>;

export type OfflineHoursRecorded = DomainEvent<
  'OfflineHoursRecorded',
  { batchId: string; teacherId: string; category: string; hours: number; recordedBy: ActorRef; recordedAt: string }
>;

export type CertificateIssued = DomainEvent<
  'CertificateIssued',
  {
    certificateCode: string;
    batchId: string;
    periodId: string;
    teacherId: string;
    schoolId: string;
    /** The rulebook's kind, its name and issuer (absent in events recorded before kinds: the only one). */
    kind?: string;
    name?: string;
    issuer?: string;
    /** Hours credited when issued, per rulebook category the certificate states. */
    hours: Record<string, number>;
    totalHours: number;
    /** 学分 where the rulebook converts hours to credits. */
    credits?: number;
    /** null when the rulebook grades no practice (Lianyungang). */
    grade: Grade | null;
    issuedAt: string;
  }
>;

export type CertificateRevoked = DomainEvent<
  'CertificateRevoked',
  { certificateCode: string; batchId: string; teacherId: string; reason: string; revokedAt: string }
>;

export type EnrollmentEvent =
  | TeacherEnrolled
  | EnrollmentConfirmed
  | TeacherWithdrawn
  | TeacherTransferred
  | AbilityPointsSelected
  | OnlineHoursRecorded
  | PracticeEvidenceSubmitted
  | PeerReviewRecorded
  | EvidenceReturned
  | PracticeAssessed
  | OfflineHoursRecorded
  | CertificateIssued
  | CertificateRevoked;
