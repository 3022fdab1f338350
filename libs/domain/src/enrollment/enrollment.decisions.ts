import { orgUnitStreamId } from '../organisation/org-unit.decider';
import { requireTeacher } from '../organisation/organisation.lookups';
import { orgUnitStream, teacherStream } from '../organisation/organisation.streams';
import { decideJoinBatch, decideMoveTeacher, TeacherState, teacherStreamId } from '../organisation/teacher.decider';
import { requireScheduledBatch } from '../programme/batch.lookups';
import { BatchState, batchStreamId } from '../programme/batch';
import { BatchEvent } from '../programme/programme.events';
import { TeacherEvent } from '../organisation/organisation.events';
import { batchStream } from '../programme/programme.streams';
import { quotaStreamId } from '../quota/quota.ledger';
import { quotaLedgerStream } from '../quota/quota.streams';
import { SchoolClosureEvent } from '../school-closure/school-closure.events';
import { isSchoolClosed, SchoolClosureState, schoolClosureStreamId } from '../school-closure/school-closure.state';
import { schoolClosureStream } from '../school-closure/school-closure.streams';
import { Decision, decision, each, one, OneStream, Read } from '../shared/decision';
import { Command } from '../shared/messages';
import { decideIssueCertificate, decideRevokeCertificate } from './certificate.decider';
import {
  AssessPractice,
  ConfirmEnrollment,
  EnrollTeacher,
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
import { EnrollmentContext } from './enrollment.context';
import {
  decideConfirmEnrollment,
  decideEnrollTeacher,
  decideTransferTeacher,
  decideWithdrawTeacher,
} from './enrollment.decider';
import { CertificateIssued, CertificateRevoked, EnrollmentEvent } from './enrollment.events';
import { Enrollment, EnrollmentState, enrollmentStreamId, seatLedgerStreamId } from './enrollment.state';
import { certificateStream, certificateStreamId, enrollmentStream } from './enrollment.streams';
import {
  decideAssessPractice,
  decideRecordOfflineHours,
  decideRecordOnlineHours,
  decideRecordPeerReview,
  decideReturnEvidence,
  decideSelectAbilityPoints,
  decideSubmitPracticeEvidence,
} from './training.decider';

/** The school a record belongs to; a transfer may have moved the teacher on since. */
function schoolOfRecord(enrollment: EnrollmentState): string | undefined {
  return enrollment.status === 'not-enrolled' ? undefined : enrollment.schoolId;
}

/** A school's closure in a batch: its freeze refuses everything, so a closure meanwhile must be seen. */
function closureOf(batchId: string, schoolId: string | undefined) {
  return one(schoolClosureStream, schoolId === undefined ? undefined : schoolClosureStreamId(batchId, schoolId), {
    guard: true,
  });
}

type RecordCommand = Command<string, { batchId: string; teacherId: string }>;

interface RecordRoles {
  enrollment: OneStream<EnrollmentState, EnrollmentEvent>;
  batch: OneStream<BatchState, BatchEvent>;
  teacher: OneStream<TeacherState, TeacherEvent>;
  closure: OneStream<SchoolClosureState, SchoolClosureEvent>;
}

/** The record, the batch (its rules) and the teacher, as a command on one record reads them first. */
const recordReads = ({ data }: RecordCommand) => ({
  enrollment: one(enrollmentStream, enrollmentStreamId(data.batchId, data.teacherId)),
  batch: one(batchStream, batchStreamId(data.batchId)),
  teacher: one(teacherStream, teacherStreamId(data.teacherId)),
});

/**
 * A command on one teacher's record in one batch: the record, the batch (its rules), the teacher,
 * and the closure of the record's school.
 */
function onRecord<C extends RecordCommand, Facts = undefined>() {
  return decision<C, Facts>()
    .reads(recordReads)
    .then(({ data }, { enrollment }, read) => ({ closure: closureOf(data.batchId, schoolOfRecord(read(enrollment))) }));
}

/** The batch and the teacher a record command names exist (UNKNOWN_BATCH, UNKNOWN_TEACHER), before any rule of the record. */
function requireNamed({ data }: RecordCommand, roles: Pick<RecordRoles, 'batch' | 'teacher'>, read: Read): void {
  requireScheduledBatch(read(roles.batch), data.batchId);
  requireTeacher(read(roles.teacher), data.teacherId);
}

function contextOf(roles: RecordRoles, read: Read): EnrollmentContext {
  return {
    enrollment: read(roles.enrollment),
    batch: read(roles.batch),
    schoolClosed: isSchoolClosed(read(roles.closure)),
  };
}

/** A decision on the record alone. */
function recordDecision<C extends RecordCommand>(
  decide: (command: C, context: EnrollmentContext) => EnrollmentEvent[],
): Decision<C> {
  return onRecord<C>().decides(
    (command, roles, read) => {
      requireNamed(command, roles, read);
      return { enrollment: decide(command, contextOf(roles, read)) };
    },
    { about: (roles) => roles.enrollment },
  );
}

/** What the application reads before EnrollTeacher: the birth date lies inside the protected ID number. */
export interface EnrollTeacherFacts {
  /** The teacher's date of birth (YYYY-MM-DD), needed only where the rulebook exempts teachers near retirement. */
  birthDate?: string;
}

/**
 * The record, the batch, the teacher (their school, which must not move under the decision),
 * then that school's seat ledger for the period and its closure. The teacher's own stream lists
 * the batches they take part in, for transfers to find.
 */
export const enrollTeacherDecision = decision<EnrollTeacher, EnrollTeacherFacts>()
  .reads(({ data }) => ({
    enrollment: one(enrollmentStream, enrollmentStreamId(data.batchId, data.teacherId)),
    batch: one(batchStream, batchStreamId(data.batchId)),
    teacher: one(teacherStream, teacherStreamId(data.teacherId), { guard: true }),
  }))
  .then(({ data }, { teacher }, read) => {
    const registered = read(teacher);
    const schoolId = registered.status === 'registered' ? registered.schoolId : undefined;
    return {
      seat: one(
        quotaLedgerStream,
        schoolId === undefined ? undefined : quotaStreamId(data.batchId, data.periodId, schoolId),
      ),
      closure: closureOf(data.batchId, schoolId),
    };
  })
  .decides(
    (command, roles, read, facts) => {
      const teacher = read(roles.teacher);
      const decided = decideEnrollTeacher(command, {
        enrollment: read(roles.enrollment),
        batch: read(roles.batch),
        schoolClosed: isSchoolClosed(read(roles.closure)),
        teacher,
        seatLedger: read(roles.seat),
        birthDate: facts.birthDate,
      });
      const joined = decided.enrollment.length > 0 ? decideJoinBatch(teacher, command.data.batchId) : [];
      return { enrollment: decided.enrollment, seat: decided.seat, teacher: joined };
    },
    { about: (roles) => roles.enrollment },
  );

export const confirmEnrollmentDecision = recordDecision<ConfirmEnrollment>(decideConfirmEnrollment);

/** The record, then the ledger holding its seat, released with the withdrawal. */
export const withdrawTeacherDecision = decision<WithdrawTeacher>()
  .reads(recordReads)
  .then(({ data }, { enrollment }, read) => {
    const record = read(enrollment);
    return {
      seat: one(quotaLedgerStream, seatLedgerStreamId(record)),
      closure: closureOf(data.batchId, schoolOfRecord(record)),
    };
  })
  .decides(
    (command, roles, read) => {
      requireNamed(command, roles, read);
      return decideWithdrawTeacher(command, { ...contextOf(roles, read), seatLedger: read(roles.seat) });
    },
    { about: (roles) => roles.enrollment },
  );

export const selectAbilityPointsDecision = recordDecision<SelectAbilityPoints>(decideSelectAbilityPoints);
export const recordOnlineHoursDecision = recordDecision<RecordOnlineHours>(decideRecordOnlineHours);
export const submitPracticeEvidenceDecision = recordDecision<SubmitPracticeEvidence>(decideSubmitPracticeEvidence);
export const recordPeerReviewDecision = recordDecision<RecordPeerReview>(decideRecordPeerReview);
export const returnEvidenceDecision = recordDecision<ReturnEvidence>(decideReturnEvidence);
export const assessPracticeDecision = recordDecision<AssessPractice>(decideAssessPractice);

/** What the application reads before RecordOfflineHours, from every record of the school. */
export interface RecordOfflineHoursFacts {
  /** When the whole school finished its assessments (全校培训完成), if it has: the entry deadline runs from it. */
  schoolFinishedAt?: string;
}

export const recordOfflineHoursDecision = onRecord<RecordOfflineHours, RecordOfflineHoursFacts>().decides(
  (command, roles, read, facts) => {
    requireNamed(command, roles, read);
    const context = { ...contextOf(roles, read), schoolFinishedAt: facts.schoolFinishedAt };
    return { enrollment: decideRecordOfflineHours(command, context) };
  },
  { about: (roles) => roles.enrollment },
);

const isIssued = (event: EnrollmentEvent): event is CertificateIssued => event.type === 'CertificateIssued';
const isRevoked = (event: EnrollmentEvent): event is CertificateRevoked => event.type === 'CertificateRevoked';

/**
 * The record decides; the certificate's own stream (by its code, which the application draws)
 * keeps a copy, so the code alone finds the record for verification and revocation.
 */
export const issueCertificateDecision = decision<IssueCertificate>()
  .reads((command) => ({
    ...recordReads(command),
    certificate: one(certificateStream, certificateStreamId(command.data.certificateCode), { mirror: true }),
  }))
  .then(({ data }, { enrollment }, read) => ({ closure: closureOf(data.batchId, schoolOfRecord(read(enrollment))) }))
  .decides(
    (command, roles, read) => {
      requireNamed(command, roles, read);
      const issued = decideIssueCertificate(command, contextOf(roles, read));
      return { enrollment: issued, certificate: issued.filter(isIssued) };
    },
    { about: (roles) => roles.enrollment },
  );

/**
 * Found by its code: the certificate's stream names the record (and its school) that holds it.
 * Without a certificate stream there is no record either, and the decision says NOT_FOUND.
 */
export const revokeCertificateDecision = decision<RevokeCertificate>()
  .reads(({ data }) => ({
    certificate: one(certificateStream, certificateStreamId(data.certificateCode), { mirror: true }),
  }))
  .then((_command, { certificate }, read) => {
    const issued = read(certificate);
    if (issued.status === 'not-issued') {
      return { enrollment: one(enrollmentStream, undefined), closure: closureOf('', undefined) };
    }
    return {
      enrollment: one(enrollmentStream, enrollmentStreamId(issued.batchId, issued.teacherId)),
      closure: closureOf(issued.batchId, issued.schoolId),
    };
  })
  .decides(
    (command, roles, read) => {
      const revoked = decideRevokeCertificate(command, {
        enrollment: read(roles.enrollment),
        schoolClosed: isSchoolClosed(read(roles.closure)),
      });
      return { enrollment: revoked, certificate: revoked.filter(isRevoked) };
    },
    { about: (roles) => roles.certificate },
  );

function seatsCappedIn(batch: BatchState): boolean {
  return batch.status !== 'scheduled' || batch.rulebook.quotas;
}

/** By batch, each batch's value (or, for a batch not in the record, the fallback). */
function byBatch<Value>(record: Readonly<Record<string, Value>>, batchId: string, fallback: Value): Value {
  return Object.hasOwn(record, batchId) ? record[batchId] : fallback;
}

function isEnrolled(entry: [string, EnrollmentState]): entry is [string, Enrollment] {
  return entry[1].status !== 'not-enrolled';
}

/**
 * TransferTeacher names no batch: the teacher's stream lists the batches they take part in, and
 * each open record moves with its seat (released at the record's school, taken at the new one),
 * all in one atomic append with the teacher's own move. Every record and both schools' closures
 * are guarded: a change meanwhile decides the whole transfer again.
 */
export const transferTeacherDecision = decision<TransferTeacher>()
  .reads(({ data }) => ({
    teacher: one(teacherStream, teacherStreamId(data.teacherId)),
    toSchool: one(orgUnitStream, orgUnitStreamId(data.toSchoolId)),
  }))
  .then(({ data }, { teacher }, read) => {
    const registered = read(teacher);
    const batches = registered.status === 'registered' ? registered.batches : [];
    const perBatch = (streamIdOf: (batchId: string) => string) =>
      Object.fromEntries(batches.map((batchId) => [batchId, streamIdOf(batchId)]));
    return {
      records: each(
        enrollmentStream,
        perBatch((batchId) => enrollmentStreamId(batchId, data.teacherId)),
        {
          guard: true,
        },
      ),
      toClosures: each(
        schoolClosureStream,
        perBatch((batchId) => schoolClosureStreamId(batchId, data.toSchoolId)),
        {
          guard: true,
        },
      ),
      // Whether each batch hands out seats: without quotas the new school's roster takes the teacher uncapped.
      batches: each(batchStream, perBatch(batchStreamId)),
    };
  })
  .then(({ data }, { records }, read) => {
    // Each record's own school, which may differ from the teacher's after an earlier move.
    const enrolled = Object.entries(read(records)).filter(isEnrolled);
    const perRecord = (streamIdOf: (record: Enrollment) => string) =>
      Object.fromEntries(enrolled.map(([batchId, record]) => [batchId, streamIdOf(record)]));
    return {
      fromClosures: each(
        schoolClosureStream,
        perRecord((record) => schoolClosureStreamId(record.batchId, record.schoolId)),
        { guard: true },
      ),
      fromSeats: each(
        quotaLedgerStream,
        perRecord((record) => quotaStreamId(record.batchId, record.periodId, record.schoolId)),
      ),
      toSeats: each(
        quotaLedgerStream,
        perRecord((record) => quotaStreamId(record.batchId, record.periodId, data.toSchoolId)),
      ),
    };
  })
  .decides(
    (command, roles, read) => {
      const toSchool = read(roles.toSchool);
      const moved = decideMoveTeacher(command.data.teacherId, read(roles.teacher), toSchool);
      const fromClosures = read(roles.fromClosures);
      const toClosures = read(roles.toClosures);
      const fromSeats = read(roles.fromSeats);
      const toSeats = read(roles.toSeats);
      const batches = read(roles.batches);
      const open = schoolClosureStream.initialState();
      const empty = quotaLedgerStream.initialState();
      const decided = Object.entries(read(roles.records)).map(([batchId, enrollment]) => {
        const decision = decideTransferTeacher(command, {
          enrollment,
          fromSchoolClosed: isSchoolClosed(byBatch(fromClosures, batchId, open)),
          toSchoolClosed: isSchoolClosed(byBatch(toClosures, batchId, open)),
          toSchool,
          fromSeatLedger: byBatch(fromSeats, batchId, empty),
          toSeatLedger: byBatch(toSeats, batchId, empty),
          seatsCapped: seatsCappedIn(byBatch<BatchState>(batches, batchId, { status: 'unscheduled' })),
        });
        return [batchId, decision] as const;
      });
      return {
        teacher: moved,
        records: Object.fromEntries(decided.map(([batchId, decision]) => [batchId, decision.enrollment])),
        fromSeats: Object.fromEntries(decided.map(([batchId, decision]) => [batchId, decision.fromSeat])),
        toSeats: Object.fromEntries(decided.map(([batchId, decision]) => [batchId, decision.toSeat])),
      };
    },
    { about: (roles) => roles.teacher },
  );
