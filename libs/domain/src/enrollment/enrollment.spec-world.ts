/**
 * For specs only (not exported): one batch's enrollment streams and school quota ledgers side by
 * side, so given/when/then covers decisions that append to several streams at once. It does what
 * the application handlers do — pick the streams, fold, decide, tag each event with its stream —
 * minus the I/O. The batch, the teachers, the schools and their closure are fixed facts here, as
 * they are other contexts' streams in production.
 */
import { Decider } from '../shared/decider';
import { Actor } from '../shared/messages';
import { assertNever } from '../shared/rule-violation';
import { fold } from '../shared/decider';
import { batchEvolver, BatchState } from '../programme/batch';
import { Period } from '../programme/programme.commands';
import { BatchScheduled } from '../programme/programme.events';
import { presetRulebook, Rulebook } from '../programme/rulebook';
import { Gender } from '../organisation/organisation.commands';
import { QuotaEvent } from '../quota/quota.events';
import { evolveQuotaLedger, initialQuotaLedger, QuotaLedger, quotaStreamId } from '../quota/quota.ledger';
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
  decideConfirmEnrollment,
  decideEnrollTeacher,
  decideTransferTeacher,
  decideWithdrawTeacher,
  SchoolLookup,
  TeacherLookup,
} from './enrollment.decider';
import { ActorRef, EnrollmentEvent } from './enrollment.events';
import { enrollmentRulesOf } from './enrollment.rules';
import {
  certificateOf,
  EnrollmentState,
  enrollmentStreamId,
  evolveEnrollment,
  initialEnrollment,
  seatLedgerStreamId,
} from './enrollment.state';
import {
  decideAssessPractice,
  decideRecordOfflineHours,
  decideRecordOnlineHours,
  decideRecordPeerReview,
  decideReturnEvidence,
  decideSelectAbilityPoints,
  decideSubmitPracticeEvidence,
} from './training.decider';
import { decideIssueCertificate, decideRevokeCertificate } from './certificate.decider';

export type Preset = 'jiangsu-2.0' | 'lianyungang-1.0' | 'ningde-1.0' | 'yueyang-2.0';

/** An event as it lands on one stream. */
export type StreamEvent =
  | { stream: 'enrollment'; streamId: string; event: EnrollmentEvent }
  | { stream: 'quota'; streamId: string; event: QuotaEvent };

export interface World {
  enrollments: Readonly<Record<string, EnrollmentState>>;
  ledgers: Readonly<Record<string, QuotaLedger>>;
}

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
  const batch: BatchState = fold(batchEvolver, [batchScheduled]);
  const period = periods[0].periodId;
  const teachers = facts.teachers ?? DEFAULT_TEACHERS;
  const schools = facts.schools ?? ['S1', 'S2', 'S3'];
  const closed = (schoolId: string) => (facts.closedSchools ?? []).includes(schoolId);
  const finishedAt = (schoolId: string) => facts.schoolFinishedAt?.[schoolId];
  const teacherFacts = (teacherId: string): TeacherFacts | undefined =>
    Object.hasOwn(teachers, teacherId) ? teachers[teacherId] : undefined;
  const schoolOf = (teacherId: string) => teacherFacts(teacherId)?.schoolId ?? 'S1';

  const enrollmentOf = (world: World, streamId: string) =>
    Object.hasOwn(world.enrollments, streamId) ? world.enrollments[streamId] : initialEnrollment();
  const ledgerOf = (world: World, streamId: string) =>
    Object.hasOwn(world.ledgers, streamId) ? world.ledgers[streamId] : initialQuotaLedger();
  const onEnrollment =
    (streamId: string) =>
    (event: EnrollmentEvent): StreamEvent => ({ stream: 'enrollment', streamId, event });
  const onLedger =
    (streamId: string) =>
    (event: QuotaEvent): StreamEvent => ({ stream: 'quota', streamId, event });

  const decider: Decider<EnrollmentCommand, StreamEvent, World> = {
    decide(command, world) {
      if (command.type === 'TransferTeacher') {
        // As the handler does: every enrollment of the teacher, decided together.
        return Object.keys(world.enrollments)
          .filter((streamId) => {
            const state = world.enrollments[streamId];
            return state.status !== 'not-enrolled' && state.teacherId === command.data.teacherId;
          })
          .flatMap((streamId) => {
            const enrollment = enrollmentOf(world, streamId);
            if (enrollment.status === 'not-enrolled') return [];
            const { toSchoolId } = command.data;
            const fromId = quotaStreamId(enrollment.batchId, enrollment.periodId, enrollment.schoolId);
            const toId = quotaStreamId(enrollment.batchId, enrollment.periodId, toSchoolId);
            const toSchool: SchoolLookup = schools.includes(toSchoolId)
              ? { status: 'registered', unitId: toSchoolId, kind: 'school' }
              : { status: 'unregistered' };
            const decision = decideTransferTeacher(command, {
              enrollment,
              fromSchoolClosed: closed(enrollment.schoolId),
              toSchoolClosed: closed(toSchoolId),
              toSchool,
              fromSeatLedger: ledgerOf(world, fromId),
              toSeatLedger: ledgerOf(world, toId),
            });
            return [
              ...decision.enrollment.map(onEnrollment(streamId)),
              ...decision.fromSeat.map(onLedger(fromId)),
              ...decision.toSeat.map(onLedger(toId)),
            ];
          });
      }
      if (command.type === 'RevokeCertificate') {
        // As the handler does: find the stream holding the code.
        const streamId =
          Object.keys(world.enrollments).find(
            (id) => certificateOf(world.enrollments[id], command.data.certificateCode) !== undefined,
          ) ?? 'none';
        const enrollment = enrollmentOf(world, streamId);
        const schoolClosed = enrollment.status !== 'not-enrolled' && closed(enrollment.schoolId);
        return decideRevokeCertificate(command, { enrollment, schoolClosed }).map(onEnrollment(streamId));
      }

      const streamId = enrollmentStreamId(command.data.batchId, command.data.teacherId);
      const enrollment = enrollmentOf(world, streamId);
      const context = {
        enrollment,
        batch,
        schoolClosed: enrollment.status !== 'not-enrolled' && closed(enrollment.schoolId),
      };
      const tag = onEnrollment(streamId);
      switch (command.type) {
        case 'EnrollTeacher': {
          const found = teacherFacts(command.data.teacherId);
          const teacher: TeacherLookup = found
            ? {
                status: 'registered',
                teacherId: command.data.teacherId,
                schoolId: found.schoolId,
                gender: found.gender,
                fullTime: found.fullTime,
              }
            : { status: 'unregistered' };
          const ledgerId = quotaStreamId(command.data.batchId, command.data.periodId, found?.schoolId ?? 'none');
          const decision = decideEnrollTeacher(command, {
            enrollment,
            batch,
            schoolClosed: found !== undefined && closed(found.schoolId),
            teacher,
            seatLedger: ledgerOf(world, ledgerId),
            birthDate: found?.birthDate,
          });
          return [...decision.enrollment.map(tag), ...decision.seat.map(onLedger(ledgerId))];
        }
        case 'WithdrawTeacher': {
          const ledgerId = seatLedgerStreamId(enrollment) ?? 'none';
          const decision = decideWithdrawTeacher(command, { ...context, seatLedger: ledgerOf(world, ledgerId) });
          return [...decision.enrollment.map(tag), ...decision.seat.map(onLedger(ledgerId))];
        }
        case 'ConfirmEnrollment':
          return decideConfirmEnrollment(command, context).map(tag);
        case 'SelectAbilityPoints':
          return decideSelectAbilityPoints(command, context).map(tag);
        case 'RecordOnlineHours':
          return decideRecordOnlineHours(command, context).map(tag);
        case 'SubmitPracticeEvidence':
          return decideSubmitPracticeEvidence(command, context).map(tag);
        case 'RecordPeerReview':
          return decideRecordPeerReview(command, context).map(tag);
        case 'ReturnEvidence':
          return decideReturnEvidence(command, context).map(tag);
        case 'AssessPractice':
          return decideAssessPractice(command, context).map(tag);
        case 'RecordOfflineHours': {
          const schoolFinishedAt = enrollment.status === 'not-enrolled' ? undefined : finishedAt(enrollment.schoolId);
          return decideRecordOfflineHours(command, { ...context, schoolFinishedAt }).map(tag);
        }
        case 'IssueCertificate':
          return decideIssueCertificate(command, context).map(tag);
        default:
          return assertNever(command);
      }
    },
    evolve(world, tagged) {
      switch (tagged.stream) {
        case 'enrollment':
          return {
            ...world,
            enrollments: {
              ...world.enrollments,
              [tagged.streamId]: evolveEnrollment(enrollmentOf(world, tagged.streamId), tagged.event),
            },
          };
        case 'quota':
          return {
            ...world,
            ledgers: {
              ...world.ledgers,
              [tagged.streamId]: evolveQuotaLedger(ledgerOf(world, tagged.streamId), tagged.event),
            },
          };
        default:
          return assertNever(tagged);
      }
    },
    initialState: () => ({ enrollments: {}, ledgers: {} }),
  };

  const meta = (at: string, actor: Actor) => ({ now: at, actor });
  const stream = (teacherId: string) => enrollmentStreamId(batchId, teacherId);
  const seatStream = (schoolId: string, periodId = period) => quotaStreamId(batchId, periodId, schoolId);
  const onStream = (teacherId: string, event: EnrollmentEvent): StreamEvent => ({
    stream: 'enrollment',
    streamId: stream(teacherId),
    event,
  });
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
    issue: (teacherId: string, certificateCode: string, at: string): IssueCertificate => ({
      type: 'IssueCertificate',
      data: { batchId, teacherId, certificateCode },
      metadata: meta(at, schoolAdmin(schoolOf(teacherId))),
    }),
    revoke: (certificateCode: string, reason: string, at: string): RevokeCertificate => ({
      type: 'RevokeCertificate',
      data: { certificateCode, reason },
      metadata: meta(at, provinceAdmin),
    }),

    // ── events, as the streams hold them ──
    /** Seats a school received for a period. */
    seats: (schoolId: string, seats: number, periodId = period): StreamEvent => ({
      stream: 'quota',
      streamId: seatStream(schoolId, periodId),
      event: { type: 'QuotaReceived', data: { batchId, periodId, fromUnitId: 'county', toUnitId: schoolId, seats } },
    }),
    /** TeacherEnrolled and the SeatTaken appended with it. */
    enrolled: (
      teacherId: string,
      at: string,
      options: { periodId?: string; schoolId?: string } = {},
    ): StreamEvent[] => {
      const periodId = options.periodId ?? period;
      const schoolId = options.schoolId ?? schoolOf(teacherId);
      const fullTime = teacherFacts(teacherId)?.fullTime ?? true;
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
          },
        }),
        {
          stream: 'quota',
          streamId: seatStream(schoolId, periodId),
          event: { type: 'SeatTaken', data: seatData(teacherId, schoolId, periodId) },
        },
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
          stream: 'quota',
          streamId: seatStream(schoolId, periodId),
          event: { type: 'SeatReleased', data: seatData(teacherId, schoolId, periodId) },
        },
      ];
    },
    transferred: (
      teacherId: string,
      fromSchoolId: string,
      toSchoolId: string,
      at: string,
      periodId = period,
    ): StreamEvent[] => [
      onStream(teacherId, {
        type: 'TeacherTransferred',
        data: { batchId, periodId, teacherId, fromSchoolId, toSchoolId, transferredAt: at },
      }),
      {
        stream: 'quota',
        streamId: seatStream(fromSchoolId, periodId),
        event: { type: 'SeatReleased', data: seatData(teacherId, fromSchoolId, periodId) },
      },
      {
        stream: 'quota',
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
      grades: { grade: Grade; pointGrade: Grade | null; overallGrade: Grade | null },
      at: string,
    ): StreamEvent =>
      onStream(teacherId, {
        type: 'PracticeAssessed',
        data: {
          batchId,
          teacherId,
          abilityPoint,
          evidenceRefs,
          ...grades,
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
      },
    ): StreamEvent =>
      onStream(teacherId, {
        type: 'CertificateIssued',
        data: {
          certificateCode,
          batchId,
          periodId: certified.periodId ?? period,
          teacherId,
          schoolId: certified.schoolId ?? schoolOf(teacherId),
          hours: certified.hours,
          totalHours: certified.totalHours,
          grade: certified.grade,
          issuedAt: at,
        },
      }),
    revoked: (teacherId: string, certificateCode: string, reason: string, at: string): StreamEvent =>
      onStream(teacherId, {
        type: 'CertificateRevoked',
        data: { certificateCode, batchId, teacherId, reason, revokedAt: at },
      }),
  };
}

/** The enrollment state a world's events fold to, for query specs. */
export function enrollmentAfter(events: StreamEvent[], streamId: string): EnrollmentState {
  return events.reduce(
    (state, tagged) =>
      tagged.stream === 'enrollment' && tagged.streamId === streamId ? evolveEnrollment(state, tagged.event) : state,
    initialEnrollment(),
  );
}
