/**
 * For specs only (not exported): the commands and events of one batch's enrollments, and the
 * streams around them as other contexts hold them (the batch, its schools and teachers, closed
 * schools). Commands are decided by the very decisions production runs, over streams in memory.
 */
import { batchStreamId } from '../programme/batch';
import { batchStream } from '../programme/programme.streams';
import { Period } from '../programme/programme.commands';
import { BatchScheduled } from '../programme/programme.events';
import { Rulebook } from '../programme/rulebook';
import { presetRulebook } from '../programme/rulebook-presets';
import { orgUnitStreamId } from '../organisation/org-unit.decider';
import { Gender } from '../organisation/organisation.commands';
import { teacherStreamId } from '../organisation/teacher.decider';
import { quotaStreamId } from '../quota/quota.ledger';
import { schoolClosureStreamId } from '../school-closure/school-closure.state';
import { decisionsInMemory, StreamEvent, StreamsInMemory } from '../shared/decisions-in-memory';
import { DecisionPlan } from '../shared/decision';
import { Actor } from '../shared/messages';
import { assertNever } from '../shared/rule-violation';
import { foldStream } from '../shared/stream';
import {
  AssessPractice,
  ConfirmEnrollment,
  EnrollmentCommand,
  EnrollTeacher,
  Grade,
  IssueCertificate,
  RecordOfflineHours,
  RecordOnlineHours,
  RecordPeerReview,
  ReturnEvidence,
  RevokeCertificate,
  SelectAbilityPoints,
  SubmitPracticeEvidence,
  TransferTeacher,
  WithdrawTeacher,
} from './enrollment.commands';
import {
  assessPracticeDecision,
  confirmEnrollmentDecision,
  enrollTeacherDecision,
  issueCertificateDecision,
  recordOfflineHoursDecision,
  recordOnlineHoursDecision,
  recordPeerReviewDecision,
  returnEvidenceDecision,
  revokeCertificateDecision,
  selectAbilityPointsDecision,
  submitPracticeEvidenceDecision,
  transferTeacherDecision,
  withdrawTeacherDecision,
} from './enrollment.decisions';
import { ActorRef, EnrollmentEvent } from './enrollment.events';
import { enrollmentRulesOf } from './enrollment.rules';
import { EnrollmentState, enrollmentStreamId } from './enrollment.state';
import { certificateStreamId, enrollmentStream } from './enrollment.streams';

export type { StreamEvent } from '../shared/decisions-in-memory';

export type Preset = 'jiangsu-2.0' | 'lianyungang-1.0' | 'ningde-1.0' | 'yueyang-2.0';

export interface TeacherFacts {
  schoolId: string;
  gender: Gender;
  fullTime: boolean;
  birthDate: string;
}

export interface WorldFacts {
  /** Registered teachers; T1–T3 at S1 and T4 at S2 unless given. */
  teachers?: Record<string, TeacherFacts>;
  /** Registered schools; S1–S3 unless given. */
  schools?: string[];
  /** Schools closed (结项) in the batch. */
  closedSchools?: string[];
  /** When each school finished its training in the batch. */
  schoolFinishedAt?: Record<string, string>;
}

/** A batch per preset, with the periods its seed gives (Jiangsu's batch 1, Lianyungang's first periods). */
const BATCHES: Record<Preset, { batchId: string; startsOn: string; endsOn: string; periods: Period[] }> = {
  'jiangsu-2.0': {
    batchId: 'JS-2020-1',
    startsOn: '2020-11-01',
    endsOn: '2021-10-31',
    periods: [
      { periodId: 'P1', startsOn: '2020-11-01', endsOn: '2020-11-30' },
      { periodId: 'P2', startsOn: '2020-12-01', endsOn: '2020-12-31' },
      { periodId: 'P3', startsOn: '2021-01-01', endsOn: '2021-01-30' },
    ],
  },
  'lianyungang-1.0': {
    batchId: 'LYG-2016',
    startsOn: '2016-03-10',
    endsOn: '2018-12-31',
    periods: [
      { periodId: '1', startsOn: '2016-03-10', endsOn: '2016-04-18' },
      { periodId: '2', startsOn: '2016-04-24', endsOn: '2016-06-02' },
    ],
  },
  'ningde-1.0': {
    batchId: 'ND-2016',
    startsOn: '2016-04-01',
    endsOn: '2017-12-31',
    periods: [{ periodId: 'P1', startsOn: '2016-04-01', endsOn: '2017-12-31' }],
  },
  'yueyang-2.0': {
    batchId: 'YY-2021',
    startsOn: '2021-06-01',
    endsOn: '2023-12-31',
    periods: [{ periodId: 'P1', startsOn: '2021-06-01', endsOn: '2021-12-31' }],
  },
};

const DEFAULT_TEACHERS: Record<string, TeacherFacts> = {
  T1: { schoolId: 'S1', gender: 'female', fullTime: true, birthDate: '1985-06-01' },
  T2: { schoolId: 'S1', gender: 'male', fullTime: true, birthDate: '1979-02-11' },
  T3: { schoolId: 'S1', gender: 'female', fullTime: false, birthDate: '1990-09-30' },
  T4: { schoolId: 'S2', gender: 'male', fullTime: true, birthDate: '1982-12-24' },
};

export const teacherActor = (teacherId: string, schoolId = 'S1'): Actor => ({
  sub: teacherId,
  role: 'teacher',
  unitId: schoolId,
});
export const schoolAdmin = (schoolId = 'S1'): Actor => ({
  sub: `admin-${schoolId}`,
  role: 'school-admin',
  unitId: schoolId,
});
export const groupLeader: Actor = { sub: 'leader-1', role: 'group-leader', unitId: 'S1' };
export const provinceAdmin: Actor = { sub: 'province-1', role: 'province-admin', unitId: 'P' };
export const cityAdmin: Actor = { sub: 'city-1', role: 'city-admin', unitId: 'C' };
export const countyAdmin: Actor = { sub: 'county-1', role: 'county-admin', unitId: 'county' };
export const platform: Actor = { sub: 'course-platform', role: 'system' };
export const ref = (actor: Actor): ActorRef => ({ sub: actor.sub, role: actor.role });

export function enrollmentWorld(preset: Preset, facts: WorldFacts = {}) {
  const rulebook: Rulebook = presetRulebook(preset);
  const { batchId, startsOn, endsOn, periods } = BATCHES[preset];
  const batchScheduled: BatchScheduled = {
    type: 'BatchScheduled',
    data: {
      programmeId: 'PG',
      batchId,
      name: `${preset} batch`,
      startsOn,
      endsOn,
      sharePercent: 20,
      periods,
      rulebook,
    },
  };
  const batch = foldStream(batchStream, [batchScheduled]);
  const period = periods[0].periodId;
  const teachers = facts.teachers ?? DEFAULT_TEACHERS;
  const schools = facts.schools ?? ['S1', 'S2', 'S3'];
  const finishedAt = (schoolId: string) => facts.schoolFinishedAt?.[schoolId];
  const teacherFacts = (teacherId: string): TeacherFacts | undefined =>
    Object.hasOwn(teachers, teacherId) ? teachers[teacherId] : undefined;
  const schoolOf = (teacherId: string) => teacherFacts(teacherId)?.schoolId ?? 'S1';

  const stream = (teacherId: string) => enrollmentStreamId(batchId, teacherId);
  const onStream = (teacherId: string, event: EnrollmentEvent): StreamEvent => ({ streamId: stream(teacherId), event });
  const teacherAt = (teacherId: string, schoolId: string) => ({ teacherId, schoolId });
  const moved = (teacher: { teacherId: string; schoolId: string }, toSchoolId: string): StreamEvent => ({
    streamId: teacherStreamId(teacher.teacherId),
    event: {
      type: 'TeacherMovedSchool',
      data: {
        teacherId: teacher.teacherId,
        fromSchoolId: teacher.schoolId,
        toSchoolId,
        ancestry: ancestryOf(toSchoolId),
      },
    },
  });

  // What other contexts' streams hold: the batch, its schools (under county C of city … of province P),
  // the registered teachers, the schools closed in the batch.
  const ancestryOf = (schoolId: string) => ['P', 'PC', 'C', schoolId];
  const background: StreamEvent[] = [
    { streamId: batchStreamId(batchId), event: batchScheduled },
    ...schools.map((schoolId): StreamEvent => ({
      streamId: orgUnitStreamId(schoolId),
      event: {
        type: 'OrgUnitRegistered',
        data: { unitId: schoolId, kind: 'school', name: `学校 ${schoolId}`, parentId: 'C', ancestry: ['P', 'PC', 'C'] },
      },
    })),
    ...Object.entries(teachers).map(([teacherId, teacher]): StreamEvent => ({
      streamId: teacherStreamId(teacherId),
      event: {
        type: 'TeacherRegistered',
        data: {
          teacherId,
          schoolId: teacher.schoolId,
          ancestry: ancestryOf(teacher.schoolId),
          name: `教师 ${teacherId}`,
          gender: teacher.gender,
          stage: '初中',
          subject: '数学',
          fullTime: teacher.fullTime,
          idNumberMasked: '320102********0011',
          idNumberProtected: `protected-${teacherId}`,
        },
      },
    })),
    ...(facts.closedSchools ?? []).map((schoolId): StreamEvent => ({
      streamId: schoolClosureStreamId(batchId, schoolId),
      event: { type: 'SchoolClosed', data: { batchId, schoolId, signedDocumentRef: `signed-${schoolId}` } },
    })),
  ];

  // What the application gathers before deciding: a birth date from the ID number, when the school finished.
  const planOf = (command: EnrollmentCommand): DecisionPlan => {
    switch (command.type) {
      case 'EnrollTeacher':
        return enrollTeacherDecision.plan(command, { birthDate: teacherFacts(command.data.teacherId)?.birthDate });
      case 'RecordOfflineHours':
        return recordOfflineHoursDecision.plan(command, {
          schoolFinishedAt: finishedAt(schoolOf(command.data.teacherId)),
        });
      case 'ConfirmEnrollment':
        return confirmEnrollmentDecision.plan(command, undefined);
      case 'WithdrawTeacher':
        return withdrawTeacherDecision.plan(command, undefined);
      case 'TransferTeacher':
        return transferTeacherDecision.plan(command, undefined);
      case 'SelectAbilityPoints':
        return selectAbilityPointsDecision.plan(command, undefined);
      case 'RecordOnlineHours':
        return recordOnlineHoursDecision.plan(command, undefined);
      case 'SubmitPracticeEvidence':
        return submitPracticeEvidenceDecision.plan(command, undefined);
      case 'RecordPeerReview':
        return recordPeerReviewDecision.plan(command, undefined);
      case 'ReturnEvidence':
        return returnEvidenceDecision.plan(command, undefined);
      case 'AssessPractice':
        return assessPracticeDecision.plan(command, undefined);
      case 'IssueCertificate':
        return issueCertificateDecision.plan(command, undefined);
      case 'RevokeCertificate':
        return revokeCertificateDecision.plan(command, undefined);
      default:
        return assertNever(command);
    }
  };
  const decider = decisionsInMemory(planOf, background);

  const meta = (at: string, actor: Actor) => ({ now: at, actor });
  const seatStream = (schoolId: string, periodId = period) => quotaStreamId(batchId, periodId, schoolId);
  const seatData = (teacherId: string, schoolId: string, periodId: string) => ({
    batchId,
    periodId,
    schoolId,
    teacherId,
  });

  return {
    rulebook,
    batch,
    batchId,
    period,
    decider,
    stream,
    seatStream,

    // ── commands (each with the actor the contract expects by default) ──
    enroll: (teacherId: string, at: string, options: { periodId?: string; as?: Actor } = {}): EnrollTeacher => ({
      type: 'EnrollTeacher',
      data: { batchId, periodId: options.periodId ?? period, teacherId },
      metadata: meta(at, options.as ?? schoolAdmin(schoolOf(teacherId))),
    }),
    confirm: (teacherId: string, at: string): ConfirmEnrollment => ({
      type: 'ConfirmEnrollment',
      data: { batchId, teacherId },
      metadata: meta(at, teacherActor(teacherId, schoolOf(teacherId))),
    }),
    withdraw: (teacherId: string, reason: string, at: string): WithdrawTeacher => ({
      type: 'WithdrawTeacher',
      data: { batchId, teacherId, reason },
      metadata: meta(at, schoolAdmin(schoolOf(teacherId))),
    }),
    transfer: (teacherId: string, toSchoolId: string, at: string): TransferTeacher => ({
      type: 'TransferTeacher',
      data: { teacherId, toSchoolId },
      metadata: meta(at, platform),
    }),
    select: (
      teacherId: string,
      points: string[],
      at: string,
      as: Actor = teacherActor(teacherId, schoolOf(teacherId)),
    ): SelectAbilityPoints => ({
      type: 'SelectAbilityPoints',
      data: { batchId, teacherId, points },
      metadata: meta(at, as),
    }),
    online: (
      teacherId: string,
      recordId: string,
      hours: number,
      at: string,
      courseId = 'C-101',
    ): RecordOnlineHours => ({
      type: 'RecordOnlineHours',
      data: { batchId, teacherId, recordId, courseId, hours },
      metadata: meta(at, platform),
    }),
    submit: (teacherId: string, abilityPoint: string, evidenceRef: string, at: string): SubmitPracticeEvidence => ({
      type: 'SubmitPracticeEvidence',
      data: { batchId, teacherId, abilityPoint, evidenceRef },
      metadata: meta(at, teacherActor(teacherId, schoolOf(teacherId))),
    }),
    review: (teacherId: string, videoId: string, comment: string, at: string): RecordPeerReview => ({
      type: 'RecordPeerReview',
      data: { batchId, teacherId, videoId, comment },
      metadata: meta(at, teacherActor(teacherId, schoolOf(teacherId))),
    }),
    sendBack: (teacherId: string, abilityPoint: string, reason: string, at: string): ReturnEvidence => ({
      type: 'ReturnEvidence',
      data: { batchId, teacherId, abilityPoint, reason },
      metadata: meta(at, groupLeader),
    }),
    assess: (teacherId: string, grade: Grade, at: string, abilityPoint?: string): AssessPractice => ({
      type: 'AssessPractice',
      data: { batchId, teacherId, grade, ...(abilityPoint === undefined ? {} : { abilityPoint }) },
      metadata: meta(at, groupLeader),
    }),
    offline: (teacherId: string, hours: number, at: string, category?: string): RecordOfflineHours => ({
      type: 'RecordOfflineHours',
      data: { batchId, teacherId, hours, ...(category === undefined ? {} : { category }) },
      metadata: meta(at, schoolAdmin(schoolOf(teacherId))),
    }),
    issue: (
      teacherId: string,
      certificateCode: string,
      at: string,
      options: { kind?: string; as?: Actor } = {},
    ): IssueCertificate => ({
      type: 'IssueCertificate',
      data: { batchId, teacherId, certificateCode, ...(options.kind === undefined ? {} : { kind: options.kind }) },
      metadata: meta(at, options.as ?? schoolAdmin(schoolOf(teacherId))),
    }),
    revoke: (certificateCode: string, reason: string, at: string): RevokeCertificate => ({
      type: 'RevokeCertificate',
      data: { certificateCode, reason },
      metadata: meta(at, provinceAdmin),
    }),

    // ── events, as the streams hold them ──
    /** Seats a school received for a period. */
    seats: (schoolId: string, seats: number, periodId = period): StreamEvent => ({
      streamId: seatStream(schoolId, periodId),
      event: { type: 'QuotaReceived', data: { batchId, periodId, fromUnitId: 'county', toUnitId: schoolId, seats } },
    }),
    /** TeacherEnrolled and the SeatTaken appended with it. */
    /**
     * TeacherEnrolled, the SeatTaken appended with it, and (the first time in the batch, unless
     * `rejoining`) the teacher's own note that they take part in the batch.
     */
    enrolled: (
      teacherId: string,
      at: string,
      options: { periodId?: string; schoolId?: string; rejoining?: boolean } = {},
    ): StreamEvent[] => {
      const periodId = options.periodId ?? period;
      const schoolId = options.schoolId ?? schoolOf(teacherId);
      const fullTime = teacherFacts(teacherId)?.fullTime ?? true;
      const joined: StreamEvent = {
        streamId: teacherStreamId(teacherId),
        event: { type: 'TeacherJoinedBatch', data: { teacherId, batchId } },
      };
      return [
        onStream(teacherId, {
          type: 'TeacherEnrolled',
          data: {
            batchId,
            periodId,
            teacherId,
            schoolId,
            fullTime,
            enrolledAt: at,
            rules: enrollmentRulesOf(rulebook),
            voluntary: false,
          },
        }),
        {
          streamId: seatStream(schoolId, periodId),
          event: { type: 'SeatTaken', data: seatData(teacherId, schoolId, periodId) },
        },
        ...(options.rejoining ? [] : [joined]),
      ];
    },
    confirmed: (teacherId: string, at: string): StreamEvent =>
      onStream(teacherId, { type: 'EnrollmentConfirmed', data: { batchId, teacherId, confirmedAt: at } }),
    withdrawn: (
      teacherId: string,
      reason: string,
      at: string,
      options: { periodId?: string; schoolId?: string } = {},
    ): StreamEvent[] => {
      const periodId = options.periodId ?? period;
      const schoolId = options.schoolId ?? schoolOf(teacherId);
      return [
        onStream(teacherId, {
          type: 'TeacherWithdrawn',
          data: { batchId, periodId, teacherId, schoolId, reason, withdrawnAt: at },
        }),
        {
          streamId: seatStream(schoolId, periodId),
          event: { type: 'SeatReleased', data: seatData(teacherId, schoolId, periodId) },
        },
      ];
    },
    /** The teacher's move to the school, then the record's transfer with its seat. */
    transferred: (
      teacherId: string,
      fromSchoolId: string,
      toSchoolId: string,
      at: string,
      periodId = period,
    ): StreamEvent[] => [
      moved(teacherAt(teacherId, fromSchoolId), toSchoolId),
      onStream(teacherId, {
        type: 'TeacherTransferred',
        data: { batchId, periodId, teacherId, fromSchoolId, toSchoolId, transferredAt: at },
      }),
      {
        streamId: seatStream(fromSchoolId, periodId),
        event: { type: 'SeatReleased', data: seatData(teacherId, fromSchoolId, periodId) },
      },
      {
        streamId: seatStream(toSchoolId, periodId),
        event: { type: 'SeatTaken', data: seatData(teacherId, toSchoolId, periodId) },
      },
    ],
    selected: (
      teacherId: string,
      points: string[],
      at: string,
      by: Actor = teacherActor(teacherId, schoolOf(teacherId)),
    ): StreamEvent =>
      onStream(teacherId, {
        type: 'AbilityPointsSelected',
        data: { batchId, teacherId, points, selectedBy: ref(by), selectedAt: at },
      }),
    onlineRecorded: (teacherId: string, recordId: string, hours: number, at: string, courseId = 'C-101'): StreamEvent =>
      onStream(teacherId, {
        type: 'OnlineHoursRecorded',
        data: {
          batchId,
          teacherId,
          recordId,
          courseId,
          category: rulebook.onlineStudy?.categoryId ?? 'none',
          hours,
          recordedAt: at,
        },
      }),
    submitted: (teacherId: string, abilityPoint: string, evidenceRef: string, at: string): StreamEvent =>
      onStream(teacherId, {
        type: 'PracticeEvidenceSubmitted',
        data: { batchId, teacherId, abilityPoint, evidenceRef, submittedAt: at },
      }),
    reviewed: (teacherId: string, videoId: string, comment: string, at: string): StreamEvent =>
      onStream(teacherId, {
        type: 'PeerReviewRecorded',
        data: { batchId, teacherId, videoId, comment, reviewedAt: at },
      }),
    returned: (
      teacherId: string,
      abilityPoint: string,
      evidenceRefs: string[],
      reason: string,
      at: string,
    ): StreamEvent =>
      onStream(teacherId, {
        type: 'EvidenceReturned',
        data: { batchId, teacherId, abilityPoint, evidenceRefs, reason, returnedBy: ref(groupLeader), returnedAt: at },
      }),
    assessed: (
      teacherId: string,
      abilityPoint: string,
      evidenceRefs: string[],
      grades: { grade: Grade; pointGrade: Grade | null; overallGrade: Grade | null; attempt?: number },
      at: string,
    ): StreamEvent =>
      onStream(teacherId, {
        type: 'PracticeAssessed',
        data: {
          batchId,
          teacherId,
          abilityPoint,
          evidenceRefs,
          grade: grades.grade,
          attempt: grades.attempt ?? 1,
          pointGrade: grades.pointGrade,
          overallGrade: grades.overallGrade,
          assessedBy: ref(groupLeader),
          assessedAt: at,
        },
      }),
    offlineRecorded: (teacherId: string, category: string, hours: number, at: string): StreamEvent =>
      onStream(teacherId, {
        type: 'OfflineHoursRecorded',
        data: {
          batchId,
          teacherId,
          category,
          hours,
          recordedBy: ref(schoolAdmin(schoolOf(teacherId))),
          recordedAt: at,
        },
      }),
    issued: (
      teacherId: string,
      certificateCode: string,
      at: string,
      certified: {
        hours: Record<string, number>;
        totalHours: number;
        grade: Grade | null;
        schoolId?: string;
        periodId?: string;
        kind?: string;
        credits?: number;
      },
    ): StreamEvent[] => {
      const kind = rulebook.certificates.find((each) => each.kind === certified.kind) ?? rulebook.certificates[0];
      const issued: EnrollmentEvent = {
        type: 'CertificateIssued',
        data: {
          certificateCode,
          batchId,
          periodId: certified.periodId ?? period,
          teacherId,
          schoolId: certified.schoolId ?? schoolOf(teacherId),
          kind: kind.kind,
          name: kind.name,
          issuer: kind.issuer,
          ...(certified.credits === undefined ? {} : { credits: certified.credits }),
          hours: certified.hours,
          totalHours: certified.totalHours,
          grade: certified.grade,
          issuedAt: at,
        },
      };
      // The record's event, and its copy on the certificate's own stream.
      return [onStream(teacherId, issued), { streamId: certificateStreamId(certificateCode), event: issued }];
    },
    revoked: (teacherId: string, certificateCode: string, reason: string, at: string): StreamEvent[] => {
      const revoked: EnrollmentEvent = {
        type: 'CertificateRevoked',
        data: { certificateCode, batchId, teacherId, reason, revokedAt: at },
      };
      return [onStream(teacherId, revoked), { streamId: certificateStreamId(certificateCode), event: revoked }];
    },
    /** The teacher's own stream: now at another school. */
    moved: (teacherId: string, toSchoolId: string): StreamEvent =>
      moved(teacherAt(teacherId, schoolOf(teacherId)), toSchoolId),
    /** A record as the streams fold it. */
    recordOf: (streams: StreamsInMemory, teacherId: string): EnrollmentState =>
      foldStream(enrollmentStream, streams.get(stream(teacherId)) ?? []),
  };
}

/** The enrollment state a stream's events fold to, for query specs. */
export function enrollmentAfter(events: StreamEvent[], streamId: string): EnrollmentState {
  return foldStream(
    enrollmentStream,
    events.filter((each) => each.streamId === streamId).map((each) => each.event),
  );
}
