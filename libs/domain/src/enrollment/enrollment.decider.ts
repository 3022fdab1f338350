import { isExemptFromTraining } from '../programme/rulebook-queries';
import { requireInsideProgramme } from '../programme/batch';
import { Gender } from '../organisation/organisation.commands';
import { decideReleaseSeat, decideTakeSeat } from '../quota/quota.decider';
import { QuotaEvent } from '../quota/quota.events';
import { QuotaLedger } from '../quota/quota.ledger';
import { ConfirmEnrollment, EnrollTeacher, TransferTeacher, WithdrawTeacher } from './enrollment.commands';
import {
  EnrollmentContext,
  EnrollmentStreamContext,
  requireActive,
  requireBatch,
  requireOpenSchool,
} from './enrollment.context';
import { EnrollmentRuleViolation, schoolClosed } from './enrollment.errors';
import { EnrollmentEvent } from './enrollment.events';
import { enrollmentRulesOf } from './enrollment.rules';
import { isActiveEnrollment, isOpenEnrollment } from './enrollment.state';

/**
 * The teacher as the organisation context registered them. A folded TeacherState fits this shape
 * as it is, so the handler passes what it folded from `teacherStreamId(teacherId)`.
 */
export type TeacherLookup =
  | { status: 'unregistered' }
  | {
      status: 'registered';
      teacherId: string;
      schoolId: string;
      gender: Gender;
      fullTime: boolean;
      /** The school's ancestors and the school, province first (for a city-run programme's territory). */
      ancestry?: string[];
    };

/** A school as the organisation context tells it; a folded OrgUnitState fits as it is. */
export type SchoolLookup = { status: 'unregistered' } | { status: 'registered'; unitId: string; kind: string };

/**
 * What EnrollTeacher's handler loads, besides the enrollment stream and the batch stream:
 * - `teacher`: the teacher's stream (`teacherStreamId`), folded;
 * - `schoolClosed`: closure of the teacher's registered school in this batch;
 * - `seatLedger`: that school's ledger for the period, `quotaStreamId(batchId, periodId, teacher.schoolId)`;
 * - `birthDate`: the teacher's date of birth (YYYY-MM-DD), which the application reads from the
 *   protected ID number; needed only when the rulebook has an exemption (Ningde), else may be left out.
 */
export interface EnrollTeacherContext extends EnrollmentContext {
  teacher: TeacherLookup;
  seatLedger: QuotaLedger;
  birthDate?: string;
}

/** Events for the enrollment stream and the school's quota ledger, appended together or not at all. */
export interface EnrollmentSeatDecision {
  enrollment: EnrollmentEvent[];
  seat: QuotaEvent[];
}

/**
 * Refuses, in order: SCHOOL_CLOSED, UNKNOWN_TEACHER, UNKNOWN_BATCH / UNKNOWN_PERIOD,
 * OUTSIDE_PROGRAMME (a school outside the city that runs the programme), ALREADY_ENROLLED (an
 * identical retry appends nothing), EXEMPT_TEACHER (unless `voluntary`: exempt means not required,
 * not forbidden), NO_SEAT_LEFT (only where the programme hands out seats; without quotas the
 * school's period ledger is its roster, uncapped). Enrolling again after a withdrawal starts a fresh record.
 */
export function decideEnrollTeacher(command: EnrollTeacher, context: EnrollTeacherContext): EnrollmentSeatDecision {
  const { batchId, periodId, teacherId } = command.data;
  const { teacher, enrollment } = context;
  const now = command.metadata.now;
  if (context.schoolClosed) throw schoolClosed(teacher.status === 'registered' ? teacher.schoolId : undefined, batchId);
  if (teacher.status !== 'registered') {
    throw new EnrollmentRuleViolation('UNKNOWN_TEACHER', `Teacher ${teacherId} is not registered at a school`, {
      teacherId,
    });
  }
  if (teacher.teacherId !== teacherId)
    throw new Error(`Loaded teacher ${teacher.teacherId} but the command names ${teacherId}`);
  const batch = requireBatch(context.batch, batchId, periodId);
  if (teacher.ancestry !== undefined) requireInsideProgramme(batch, teacher.schoolId, teacher.ancestry);

  if (isActiveEnrollment(enrollment)) {
    if (enrollment.periodId === periodId) return { enrollment: [], seat: [] };
    throw new EnrollmentRuleViolation(
      'ALREADY_ENROLLED',
      `Teacher ${teacherId} is already enrolled in batch ${batchId}`,
      {
        batchId,
        teacherId,
        periodId: enrollment.periodId,
        schoolId: enrollment.schoolId,
      },
    );
  }

  const rulebook = batch.rulebook;
  let voluntary = false;
  if (rulebook.exemption !== null) {
    if (context.birthDate === undefined)
      throw new Error('The application must supply the birth date where the rulebook has exemptions');
    const person = { gender: teacher.gender, birthDate: context.birthDate };
    voluntary = isExemptFromTraining(rulebook, person, now);
    if (voluntary && command.data.voluntary !== true) {
      // The birth date stays out of the details: with the masked ID number it would reveal the whole number.
      throw new EnrollmentRuleViolation(
        'EXEMPT_TEACHER',
        `Teacher ${teacherId} is fewer than ${rulebook.exemption.yearsBeforeRetirement} years from retirement and is not required to train; send voluntary: true if they take part all the same`,
        // No retirement date: with the masked ID number it would give the birth date away.
        { teacherId, yearsBeforeRetirement: rulebook.exemption.yearsBeforeRetirement, voluntaryAllowed: true },
      );
    }
  }

  const seat = decideTakeSeat(
    {
      type: 'TakeSeat',
      data: { batchId, periodId, schoolId: teacher.schoolId, teacherId },
      metadata: command.metadata,
    },
    context.seatLedger,
    { capped: rulebook.quotas },
  );
  return {
    enrollment: [
      {
        type: 'TeacherEnrolled',
        data: {
          batchId,
          periodId,
          teacherId,
          schoolId: teacher.schoolId,
          fullTime: teacher.fullTime,
          enrolledAt: now,
          rules: enrollmentRulesOf(rulebook),
          voluntary,
        },
      },
    ],
    seat,
  };
}

/** Refuses SCHOOL_CLOSED, NOT_ENROLLED; confirming twice appends nothing. */
export function decideConfirmEnrollment(
  command: ConfirmEnrollment,
  context: EnrollmentStreamContext,
): EnrollmentEvent[] {
  const { batchId, teacherId } = command.data;
  const enrollment = requireActive(context, batchId, teacherId);
  if (enrollment.status === 'confirmed') return [];
  return [{ type: 'EnrollmentConfirmed', data: { batchId, teacherId, confirmedAt: command.metadata.now } }];
}

/**
 * `seatLedger` is the ledger holding the seat, `seatLedgerStreamId(enrollment)`: the handler loads
 * it once it has folded the enrollment. Refuses SCHOOL_CLOSED, NOT_ENROLLED (never enrolled);
 * withdrawing twice appends nothing.
 */
export function decideWithdrawTeacher(
  command: WithdrawTeacher,
  context: EnrollmentStreamContext & { seatLedger: QuotaLedger },
): EnrollmentSeatDecision {
  const { batchId, teacherId, reason } = command.data;
  requireOpenSchool(context, batchId);
  const { enrollment } = context;
  if (enrollment.status === 'withdrawn') return { enrollment: [], seat: [] };
  const active = requireActive(context, batchId, teacherId);
  const { periodId, schoolId } = active;
  return {
    enrollment: [
      {
        type: 'TeacherWithdrawn',
        data: { batchId, periodId, teacherId, schoolId, reason, withdrawnAt: command.metadata.now },
      },
    ],
    seat: decideReleaseSeat(
      { type: 'ReleaseSeat', data: { batchId, periodId, schoolId, teacherId }, metadata: command.metadata },
      context.seatLedger,
    ),
  };
}

/**
 * What TransferTeacher's handler loads for one enrollment of the teacher:
 * - `enrollment`: that enrollment, folded;
 * - `fromSchoolClosed` / `toSchoolClosed`: closure, in that enrollment's batch, of the school the
 *   teacher trains with now (the enrollment's schoolId) and of `toSchoolId`;
 * - `toSchool`: the org-unit stream of `toSchoolId`, folded;
 * - `fromSeatLedger` / `toSeatLedger`: the two schools' ledgers for that batch and period
 *   (`quotaStreamId(enrollment.batchId, enrollment.periodId, schoolId)`).
 */
export interface TransferTeacherContext {
  enrollment: EnrollmentContext['enrollment'];
  /** false where the batch's programme hands out no seats: the new school's roster takes the teacher uncapped. */
  seatsCapped?: boolean;
  fromSchoolClosed: boolean;
  toSchoolClosed: boolean;
  toSchool: SchoolLookup;
  fromSeatLedger: QuotaLedger;
  toSeatLedger: QuotaLedger;
}

/** Events for the enrollment stream and both schools' ledgers, appended together or not at all. */
export interface TransferDecision {
  enrollment: EnrollmentEvent[];
  fromSeat: QuotaEvent[];
  toSeat: QuotaEvent[];
}

/**
 * One batch's share of a transfer: the record stays on the enrollment stream and follows the
 * teacher, the old school's seat is released and the new school's taken. TransferTeacher names no
 * batch, so the handler decides this for every enrollment of the teacher and appends all the
 * decisions atomically; an enrollment that is not open (withdrawn, or already certified) stays with
 * its school and gives no events, so a finished batch at a closed school never blocks a transfer.
 * Refuses SCHOOL_CLOSED (either school), UNKNOWN_SCHOOL, NO_SEAT_LEFT (at the new school).
 * A transfer to the school the teacher is already at appends nothing.
 * The organisation context's teacher registration must move too; that is not this stream's event.
 */
export function decideTransferTeacher(command: TransferTeacher, context: TransferTeacherContext): TransferDecision {
  const { teacherId, toSchoolId } = command.data;
  const { enrollment } = context;
  const nothing: TransferDecision = { enrollment: [], fromSeat: [], toSeat: [] };
  if (!isActiveEnrollment(enrollment) || !isOpenEnrollment(enrollment)) return nothing;
  const { batchId, periodId, schoolId: fromSchoolId } = enrollment;
  if (context.fromSchoolClosed) throw schoolClosed(fromSchoolId, batchId);
  if (context.toSchoolClosed) throw schoolClosed(toSchoolId, batchId);
  if (fromSchoolId === toSchoolId) return nothing;
  const { toSchool } = context;
  if (toSchool.status !== 'registered' || toSchool.kind !== 'school' || toSchool.unitId !== toSchoolId) {
    throw new EnrollmentRuleViolation('UNKNOWN_SCHOOL', `${toSchoolId} is not a registered school`, {
      teacherId,
      toSchoolId,
    });
  }
  const metadata = command.metadata;
  const toSeat = decideTakeSeat(
    { type: 'TakeSeat', data: { batchId, periodId, schoolId: toSchoolId, teacherId }, metadata },
    context.toSeatLedger,
    { capped: context.seatsCapped ?? true },
  );
  const fromSeat = decideReleaseSeat(
    { type: 'ReleaseSeat', data: { batchId, periodId, schoolId: fromSchoolId, teacherId }, metadata },
    context.fromSeatLedger,
  );
  return {
    enrollment: [
      {
        type: 'TeacherTransferred',
        data: { batchId, periodId, teacherId, fromSchoolId, toSchoolId, transferredAt: metadata.now },
      },
    ],
    fromSeat,
    toSeat,
  };
}
