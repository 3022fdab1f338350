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
export async function schoolTeacherRecords(services: UseCaseServices, batchId: string, schoolId: string): Promise<TeacherRecord[]> {
  const batch = fold(batchEvolver, (await services.load(batchStreamId(batchId))) as BatchEvent[]);
  const periods = batch.status === 'scheduled' ? batch.periods : [];
  const ledgers = await Promise.all(periods.map((period) => services.load(quotaStreamId(batchId, period.periodId, schoolId))));
  const teacherIds = [...new Set(ledgers.flatMap((events) => fold(quotaLedgerDecider, events as QuotaEvent[]).seatHolders))];
  return Promise.all(
    teacherIds.map(async (teacherId) => ({
      enrollment: fold(enrollmentEvolver, (await services.load(enrollmentStreamId(batchId, teacherId))) as EnrollmentEvent[]),
      teacher: fold(teacherDecider(), (await services.load(teacherStreamId(teacherId))) as TeacherEvent[]),
    })),
  );
}

/** When the whole school finished its assessments (every enrolled teacher graded), if it has. */
export async function schoolFinishedAt(services: UseCaseServices, batchId: string, schoolId: string): Promise<string | undefined> {
  const enrolled = (await schoolTeacherRecords(services, batchId, schoolId)).filter((record) => isActiveEnrollment(record.enrollment));
  const finished = enrolled.map((record) => assessmentFinishedAt(record.enrollment));
  if (enrolled.length === 0 || finished.some((at) => at === undefined)) return undefined;
  return finished.filter((at): at is string => at !== undefined).sort().reverse()[0];
}
