import {
  assessmentFinishedAt,
  BatchEvent,
  batchEvolver,
  batchStreamId,
  EnrollmentEvent,
  EnrollmentState,
  enrollmentEvolver,
  enrollmentStreamId,
  fold,
  isActiveEnrollment,
  QuotaEvent,
  quotaLedgerDecider,
  quotaStreamId,
  TeacherEvent,
  TeacherState,
  teacherDecider,
  teacherStreamId,
} from '@tip/domain';
import { UseCaseServices } from '../command-pipeline/use-case';

export interface TeacherRecord {
  enrollment: EnrollmentState;
  teacher: TeacherState;
}

/**
 * Every teacher record of a school in a batch: its teachers are those holding a seat in any of
 * the batch's periods. Read before deciding and not re-checked at append time, so fit for
 * thresholds and deadlines, never for what must not be over-spent.
 */
export async function schoolTeacherRecords(
  services: UseCaseServices,
  batchId: string,
  schoolId: string,
): Promise<TeacherRecord[]> {
  const batch = fold(batchEvolver, (await services.load(batchStreamId(batchId))) as BatchEvent[]);
  const periods = batch.status === 'scheduled' ? batch.periods : [];
  const ledgers = await services.loadMany(periods.map((period) => quotaStreamId(batchId, period.periodId, schoolId)));
  const teacherIds = [
    ...new Set(ledgers.flatMap((events) => fold(quotaLedgerDecider, events as QuotaEvent[]).seatHolders)),
  ];
  // Every record and registration in one round trip, not two reads per teacher.
  const streams = await services.loadMany(
    teacherIds.flatMap((teacherId) => [enrollmentStreamId(batchId, teacherId), teacherStreamId(teacherId)]),
  );
  return teacherIds.map((_, index) => ({
    enrollment: fold(enrollmentEvolver, streams[2 * index] as EnrollmentEvent[]),
    teacher: fold(teacherDecider(), streams[2 * index + 1] as TeacherEvent[]),
  }));
}

/** When the whole school finished its assessments (every enrolled teacher graded), if it has. */
export async function schoolFinishedAt(
  services: UseCaseServices,
  batchId: string,
  schoolId: string,
): Promise<string | undefined> {
  const enrolled = (await schoolTeacherRecords(services, batchId, schoolId)).filter((record) =>
    isActiveEnrollment(record.enrollment),
  );
  const finished = enrolled.map((record) => assessmentFinishedAt(record.enrollment));
  if (enrolled.length === 0 || finished.some((at) => at === undefined)) return undefined;
  return finished
    .filter((at): at is string => at !== undefined)
    .sort()
    .reverse()[0];
}
