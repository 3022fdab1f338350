import { createHash } from 'node:crypto';
import {
  AssessPractice,
  batchStreamId,
  birthDateOf,
  Command,
  ConfirmEnrollment,
  decideAssessPractice,
  decideConfirmEnrollment,
  decideEnrollTeacher,
  decideJoinBatch,
  decideMoveTeacher,
  decideTransferTeacher,
  decideIssueCertificate,
  decideRecordOfflineHours,
  decideRecordOnlineHours,
  decideRecordPeerReview,
  decideReturnEvidence,
  decideRevokeCertificate,
  decideSelectAbilityPoints,
  decideSubmitPracticeEvidence,
  decideWithdrawTeacher,
  DomainEvent,
  EnrollmentContext,
  EnrollmentEvent,
  enrollmentEvolver,
  enrollmentStreamId,
  EnrollTeacher,
  fold,
  GRADES,
  IssueCertificate,
  isSchoolClosed,
  QuotaEvent,
  quotaLedgerDecider,
  quotaStreamId,
  RecordOfflineHours,
  RecordOnlineHours,
  RecordPeerReview,
  ReturnEvidence,
  RevokeCertificate,
  Role,
  RuleViolation,
  schoolClosureStreamId,
  seatLedgerStreamId,
  SelectAbilityPoints,
  SubmitPracticeEvidence,
  TransferTeacher,
  OrgUnitEvent,
  orgUnitDecider,
  orgUnitStreamId,
  TeacherEvent,
  teacherDecider,
  teacherStreamId,
  WithdrawTeacher,
} from '@tip/domain';
import { z, ZodType, ZodTypeDef } from 'zod';
import { defineUseCase, UseCase } from '../command-pipeline/use-case';
import { batchOf, closureOf, commonAncestor } from './folds';
import { identifier } from './identifiers';
import { schoolFinishedAt } from './school-records';

const teachers = teacherDecider();
const enrollmentOf = (events: DomainEvent[] | undefined) =>
  fold(enrollmentEvolver, (events ?? []) as EnrollmentEvent[]);
const teacherOf = (events: DomainEvent[] | undefined) => fold(teachers, (events ?? []) as TeacherEvent[]);
const ledgerOf = (events: DomainEvent[] | undefined) => fold(quotaLedgerDecider, (events ?? []) as QuotaEvent[]);

/** The closure stream of the school a record (or the teacher, before one) belongs to. */
function closureStreamOf(batchId: string, history: Record<string, DomainEvent[]>): string | undefined {
  const schoolId = schoolOf(history);
  return schoolId ? schoolClosureStreamId(batchId, schoolId) : undefined;
}

/** The school an enrollment (or, before it, the teacher's registration) belongs to. */
function schoolOf(history: Record<string, DomainEvent[]>): string | undefined {
  const enrollment = enrollmentOf(history.enrollment);
  if (enrollment.status !== 'not-enrolled') return enrollment.schoolId;
  const teacher = teacherOf(history.teacher);
  return teacher.status === 'registered' ? teacher.schoolId : undefined;
}

function contextOf(history: Record<string, DomainEvent[]>): EnrollmentContext {
  return {
    enrollment: enrollmentOf(history.enrollment),
    batch: batchOf(history.batch),
    schoolClosed: isSchoolClosed(closureOf(history.closure)),
  };
}

const hours = z.number().positive().max(200);

/** Admins act on a record through the school it belongs to, which a transfer may have left behind. */
const onRecord = <Data extends { batchId: string; teacherId: string }>(data: Data) => ({
  kind: 'teacher' as const,
  teacherId: data.teacherId,
  record: {
    streamId: enrollmentStreamId(data.batchId, data.teacherId),
    schoolOf: (events: DomainEvent[]) => {
      const enrollment = enrollmentOf(events);
      return enrollment.status === 'not-enrolled' ? undefined : enrollment.schoolId;
    },
  },
});

/**
 * A command on one teacher's record in one batch: it loads the record, the batch (its rules)
 * and the closure of the record's school, whose freeze refuses everything (SCHOOL_CLOSED).
 */
function onEnrollment<Data extends { batchId: string; teacherId: string }>(definition: {
  name: string;
  schema: ZodType<Data, ZodTypeDef, unknown>;
  roles: readonly Role[];
  decide(
    command: Command<string, Data>,
    context: EnrollmentContext,
    history: Record<string, DomainEvent[]>,
  ): DomainEvent[];
}): UseCase {
  return defineUseCase<Data>({
    name: definition.name,
    schema: definition.schema,
    roles: definition.roles,
    scope: onRecord,
    streams: (data) => ({
      enrollment: enrollmentStreamId(data.batchId, data.teacherId),
      batch: batchStreamId(data.batchId),
    }),
    // A school closing meanwhile freezes this record: the decision must see it.
    guards: (name) => name === 'closure',
    dependentStreams: (data, history) => ({ closure: closureStreamOf(data.batchId, history) }),
    primaryStream: 'enrollment',
    decide: (command, history) => ({ enrollment: definition.decide(command, contextOf(history), history) }),
  });
}

const onTeacher = { batchId: identifier, teacherId: identifier };

export const enrollTeacher = defineUseCase({
  name: 'EnrollTeacher',
  schema: z
    .object({ batchId: identifier, periodId: identifier, teacherId: identifier })
    .strict()
    // Filled by prepare when the batch's rulebook exempts teachers near retirement.
    .transform((data): { batchId: string; periodId: string; teacherId: string; birthDate?: string } => data),
  roles: ['school-admin'],
  scope: (data) => ({ kind: 'teacher', teacherId: data.teacherId }),
  streams: (data) => ({
    enrollment: enrollmentStreamId(data.batchId, data.teacherId),
    batch: batchStreamId(data.batchId),
    teacher: teacherStreamId(data.teacherId),
  }),
  dependentStreams: (data, history) => {
    const schoolId = schoolOf({ teacher: history.teacher });
    return {
      seat: schoolId ? quotaStreamId(data.batchId, data.periodId, schoolId) : undefined,
      closure: schoolId ? schoolClosureStreamId(data.batchId, schoolId) : undefined,
    };
  },
  primaryStream: 'enrollment',
  // The teacher's school (a transfer) and its closure must not move under the decision.
  guards: (name) => name === 'teacher' || name === 'closure',
  // The birth date is inside the protected ID number: revealed only when an exemption needs it.
  prepare: async (data, services) => {
    const batch = batchOf(await services.load(batchStreamId(data.batchId)));
    if (batch.status !== 'scheduled' || !batch.rulebook.exemption) return data;
    const teacher = teacherOf(await services.load(teacherStreamId(data.teacherId)));
    if (teacher.status !== 'registered') return data;
    const idNumber = await services.idNumbers.reveal(data.teacherId, teacher.idNumberProtected);
    if (!idNumber) {
      // The key was erased (crypto-shredding): the exemption cannot be judged without the number.
      throw new RuleViolation(
        'ID_NUMBER_UNAVAILABLE',
        `Teacher ${data.teacherId}'s ID number has been erased; register it again`,
        { teacherId: data.teacherId },
      );
    }
    return { ...data, birthDate: birthDateOf(idNumber) };
  },
  decide: (command, history) => {
    const teacher = teacherOf(history.teacher);
    const decision = decideEnrollTeacher(command as EnrollTeacher, {
      enrollment: enrollmentOf(history.enrollment),
      batch: batchOf(history.batch),
      schoolClosed: isSchoolClosed(closureOf(history.closure)),
      teacher,
      seatLedger: ledgerOf(history.seat),
      birthDate: command.data.birthDate,
    });
    // The teacher's own stream lists the batches they take part in, for transfers to find.
    const joined = decision.enrollment.length > 0 ? decideJoinBatch(teacher, command.data.batchId) : [];
    return { enrollment: decision.enrollment, seat: decision.seat, teacher: joined };
  },
});

export const confirmEnrollment = onEnrollment({
  name: 'ConfirmEnrollment',
  schema: z.object(onTeacher).strict(),
  roles: ['teacher'],
  decide: (command, context) => decideConfirmEnrollment(command as ConfirmEnrollment, context),
});

export const withdrawTeacher = defineUseCase({
  name: 'WithdrawTeacher',
  schema: z.object({ ...onTeacher, reason: z.string().trim().min(1).max(500) }).strict(),
  roles: ['school-admin'],
  scope: onRecord,
  streams: (data) => ({
    enrollment: enrollmentStreamId(data.batchId, data.teacherId),
    batch: batchStreamId(data.batchId),
  }),
  guards: (name) => name === 'closure',
  dependentStreams: (data, history) => {
    return {
      seat: seatLedgerStreamId(enrollmentOf(history.enrollment)),
      closure: closureStreamOf(data.batchId, history),
    };
  },
  primaryStream: 'enrollment',
  decide: (command, history) => {
    const context = contextOf(history);
    const decision = decideWithdrawTeacher(command as WithdrawTeacher, {
      ...context,
      seatLedger: ledgerOf(history.seat),
    });
    return { enrollment: decision.enrollment, seat: decision.seat };
  },
});

export const selectAbilityPoints = onEnrollment({
  name: 'SelectAbilityPoints',
  schema: z.object({ ...onTeacher, points: z.array(z.string().trim().min(1).max(20)).max(30) }).strict(),
  roles: ['teacher', 'school-admin'],
  decide: (command, context) => decideSelectAbilityPoints(command as SelectAbilityPoints, context),
});

export const recordOnlineHours = onEnrollment({
  name: 'RecordOnlineHours',
  schema: z
    .object({
      ...onTeacher,
      recordId: z.string().trim().min(1).max(100),
      courseId: z.string().trim().min(1).max(100),
      hours,
    })
    .strict(),
  // The course platform's feed: system only.
  roles: [],
  decide: (command, context) => decideRecordOnlineHours(command as RecordOnlineHours, context),
});

export const submitPracticeEvidence = onEnrollment({
  name: 'SubmitPracticeEvidence',
  schema: z
    .object({
      ...onTeacher,
      abilityPoint: z.string().trim().min(1).max(50),
      evidenceRef: z.string().trim().min(1).max(500),
    })
    .strict(),
  roles: ['teacher'],
  decide: (command, context) => decideSubmitPracticeEvidence(command as SubmitPracticeEvidence, context),
});

export const recordPeerReview = onEnrollment({
  name: 'RecordPeerReview',
  schema: z
    .object({ ...onTeacher, videoId: z.string().trim().min(1).max(200), comment: z.string().trim().min(1).max(2000) })
    .strict(),
  roles: ['teacher'],
  decide: (command, context) => decideRecordPeerReview(command as RecordPeerReview, context),
});

export const returnEvidence = onEnrollment({
  name: 'ReturnEvidence',
  schema: z
    .object({
      ...onTeacher,
      abilityPoint: z.string().trim().min(1).max(50),
      reason: z.string().trim().min(1).max(2000),
    })
    .strict(),
  roles: ['group-leader'],
  decide: (command, context) => decideReturnEvidence(command as ReturnEvidence, context),
});

export const assessPractice = onEnrollment({
  name: 'AssessPractice',
  schema: z
    .object({ ...onTeacher, grade: z.enum(GRADES), abilityPoint: z.string().trim().min(1).max(50).optional() })
    .strict(),
  roles: ['group-leader', 'school-admin'],
  decide: (command, context) => decideAssessPractice(command as AssessPractice, context),
});

export const recordOfflineHours = defineUseCase({
  name: 'RecordOfflineHours',
  schema: z
    .object({ ...onTeacher, hours, category: z.string().trim().min(1).max(50).optional() })
    .strict()
    .transform((data): typeof data & { schoolFinishedAt?: string } => data),
  roles: ['school-admin'],
  scope: onRecord,
  streams: (data) => ({
    enrollment: enrollmentStreamId(data.batchId, data.teacherId),
    batch: batchStreamId(data.batchId),
  }),
  guards: (name) => name === 'closure',
  dependentStreams: (data, history) => ({ closure: closureStreamOf(data.batchId, history) }),
  primaryStream: 'enrollment',
  // Offline hours are due within a week after the whole school finished: found from its records.
  prepare: async (data, services) => {
    const enrollment = enrollmentOf(await services.load(enrollmentStreamId(data.batchId, data.teacherId)));
    if (enrollment.status === 'not-enrolled') return data;
    return { ...data, schoolFinishedAt: await schoolFinishedAt(services, data.batchId, enrollment.schoolId) };
  },
  decide: (command, history) => ({
    enrollment: decideRecordOfflineHours(command as RecordOfflineHours, {
      ...contextOf(history),
      schoolFinishedAt: command.data.schoolFinishedAt,
    }),
  }),
});

/**
 * Public verification codes, short enough to type (60 bits), drawn from the command id: random
 * for a plain command, fixed by the Idempotency-Key for a retried one, so a retry gets the same
 * code. A code only shows a certificate's validity and masked holder.
 */
function certificateCodeFor(commandId: string): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  const bytes = createHash('sha256').update(`certificate:${commandId}`).digest();
  return `TIP-${[...bytes.subarray(0, 12)].map((byte) => alphabet[byte % alphabet.length]).join('')}`;
}

export const certificateStreamId = (code: string) => `certificate-${code}`;

export const issueCertificate = defineUseCase({
  name: 'IssueCertificate',
  schema: z
    .object(onTeacher)
    .strict()
    .transform((data) => ({ ...data, certificateCode: '' })),
  roles: ['school-admin'],
  scope: onRecord,
  prepare: async (data, _services, { commandId }) => ({ ...data, certificateCode: certificateCodeFor(commandId) }),
  streams: (data) => ({
    enrollment: enrollmentStreamId(data.batchId, data.teacherId),
    batch: batchStreamId(data.batchId),
    certificate: certificateStreamId(data.certificateCode),
  }),
  copies: ['certificate'],
  guards: (name) => name === 'closure',
  dependentStreams: (data, history) => ({ closure: closureStreamOf(data.batchId, history) }),
  primaryStream: 'enrollment',
  decide: (command, history) => {
    const issued = decideIssueCertificate(command as IssueCertificate, contextOf(history));
    // The code's own stream finds the record from the code alone (verification, revocation).
    return { enrollment: issued, certificate: issued.filter((event) => event.type === 'CertificateIssued') };
  },
});

export const revokeCertificate = defineUseCase({
  name: 'RevokeCertificate',
  schema: z
    .object({ certificateCode: z.string().trim().min(1).max(40), reason: z.string().trim().min(1).max(2000) })
    .strict(),
  roles: ['province-admin'],
  scope: (data) => ({
    kind: 'stream',
    streamId: certificateStreamId(data.certificateCode),
    unitOf: (events) => {
      const issued = events.find((event) => event.type === 'CertificateIssued');
      return issued ? (issued.data as { schoolId: string }).schoolId : undefined;
    },
  }),
  streams: (data) => ({ certificate: certificateStreamId(data.certificateCode) }),
  copies: ['certificate'],
  dependentStreams: (_data, history) => {
    const issued = history.certificate.find((event) => event.type === 'CertificateIssued');
    if (!issued) return {};
    const { batchId, teacherId, schoolId } = issued.data as { batchId: string; teacherId: string; schoolId: string };
    return { enrollment: enrollmentStreamId(batchId, teacherId), closure: schoolClosureStreamId(batchId, schoolId) };
  },
  primaryStream: 'certificate',
  decide: (command, history) => {
    const revoked = decideRevokeCertificate(command as RevokeCertificate, {
      enrollment: enrollmentOf(history.enrollment),
      schoolClosed: isSchoolClosed(closureOf(history.closure)),
    });
    // Without a certificate stream there is no record either, and the decision says NOT_FOUND.
    return { enrollment: revoked, certificate: revoked };
  },
});

/**
 * TransferTeacher names no batch: the teacher's stream lists the batches they take part in,
 * and each open record moves with its seat (released at the old school, taken at the new),
 * all in one atomic append together with the teacher's own move.
 */
export const transferTeacher = defineUseCase({
  name: 'TransferTeacher',
  schema: z.object({ teacherId: identifier, toSchoolId: identifier }).strict(),
  roles: ['province-admin', 'city-admin', 'county-admin'],
  scope: (data) => ({
    kind: 'streams',
    streamIds: [teacherStreamId(data.teacherId), orgUnitStreamId(data.toSchoolId)],
    unitOf: ([teacherEvents, schoolEvents]) => {
      const teacher = teacherOf(teacherEvents);
      const school = fold(orgUnitDecider(), schoolEvents as OrgUnitEvent[]);
      if (teacher.status !== 'registered' || school.status !== 'registered') return undefined;
      return commonAncestor(teacher.ancestry, [...school.ancestry, school.unitId]);
    },
  }),
  streams: (data) => ({ teacher: teacherStreamId(data.teacherId), toSchool: orgUnitStreamId(data.toSchoolId) }),
  dependentStreams: (data, history) => {
    const teacher = teacherOf(history.teacher);
    if (teacher.status !== 'registered') return {};
    const streams: Record<string, string | undefined> = {};
    for (const batchId of teacher.batches) {
      streams[`enrollment:${batchId}`] = enrollmentStreamId(batchId, data.teacherId);
      streams[`toClosure:${batchId}`] = schoolClosureStreamId(batchId, data.toSchoolId);
      const enrollment = history[`enrollment:${batchId}`] ? enrollmentOf(history[`enrollment:${batchId}`]) : undefined;
      if (enrollment && enrollment.status !== 'not-enrolled') {
        // The record's own school, which may differ from the teacher's after an earlier move.
        streams[`fromClosure:${batchId}`] = schoolClosureStreamId(batchId, enrollment.schoolId);
        streams[`fromSeat:${batchId}`] = quotaStreamId(batchId, enrollment.periodId, enrollment.schoolId);
        streams[`toSeat:${batchId}`] = quotaStreamId(batchId, enrollment.periodId, data.toSchoolId);
      }
    }
    return streams;
  },
  primaryStream: 'teacher',
  guards: (name) => name.startsWith('fromClosure:') || name.startsWith('toClosure:') || name.startsWith('enrollment:'),
  decide: (command, history) => {
    const teacher = teacherOf(history.teacher);
    const toSchool = fold(orgUnitDecider(), history.toSchool as OrgUnitEvent[]);
    const decided: Record<string, DomainEvent[]> = {
      teacher: decideMoveTeacher(command.data.teacherId, teacher, toSchool),
    };
    if (teacher.status !== 'registered') return decided;
    for (const batchId of teacher.batches) {
      const decision = decideTransferTeacher(command as TransferTeacher, {
        enrollment: enrollmentOf(history[`enrollment:${batchId}`]),
        fromSchoolClosed: isSchoolClosed(closureOf(history[`fromClosure:${batchId}`])),
        toSchoolClosed: isSchoolClosed(closureOf(history[`toClosure:${batchId}`])),
        toSchool,
        fromSeatLedger: ledgerOf(history[`fromSeat:${batchId}`]),
        toSeatLedger: ledgerOf(history[`toSeat:${batchId}`]),
      });
      decided[`enrollment:${batchId}`] = decision.enrollment;
      decided[`fromSeat:${batchId}`] = decision.fromSeat;
      decided[`toSeat:${batchId}`] = decision.toSeat;
    }
    return decided;
  },
});
