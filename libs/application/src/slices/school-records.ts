import {
  declaredFullTimeTeachers,
  assessmentFinishedAt,
  batchStream,
  batchStreamId,
  chosenAbilityPoints,
  ClosureApplicationFacts,
  EnrollmentState,
  enrollmentStream,
  enrollmentStreamId,
  foldStream,
  isActiveEnrollment,
  isVoluntary,
  orgUnitStream,
  orgUnitStreamId,
  overallGrade,
  quotaLedgerStream,
  quotaStreamId,
  SchoolPlanFacts,
  TeacherState,
  teacherStream,
  teacherStreamId,
} from '@tip/domain';
import { CommandServices } from '../commands/command-slice';

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
  services: CommandServices,
  batchId: string,
  schoolId: string,
): Promise<TeacherRecord[]> {
  const batch = await services.read(batchStream, batchStreamId(batchId));
  const periods = batch.status === 'scheduled' ? batch.periods : [];
  const ledgers = await services.loadMany(periods.map((period) => quotaStreamId(batchId, period.periodId, schoolId)));
  const teacherIds = [...new Set(ledgers.flatMap((events) => foldStream(quotaLedgerStream, events).seatHolders))];
  // Every record and registration in one round trip, not two reads per teacher.
  const streams = await services.loadMany(
    teacherIds.flatMap((teacherId) => [enrollmentStreamId(batchId, teacherId), teacherStreamId(teacherId)]),
  );
  return teacherIds.map((_, index) => ({
    enrollment: foldStream(enrollmentStream, streams[2 * index]),
    teacher: foldStream(teacherStream, streams[2 * index + 1]),
  }));
}

/** When the whole school finished its assessments (every enrolled teacher graded), if it has. */
export async function schoolFinishedAt(
  services: CommandServices,
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

/** What the whole school's records say, for the plan and closure thresholds. */
export async function schoolFacts(
  services: CommandServices,
  batchId: string,
  schoolId: string,
): Promise<SchoolPlanFacts & ClosureApplicationFacts> {
  const enrolled = (await schoolTeacherRecords(services, batchId, schoolId)).filter((record) =>
    isActiveEnrollment(record.enrollment),
  );
  // 参考教师: every active enrolled teacher, exempt volunteers aside; graded or not.
  const candidates = enrolled.filter((record) => !isVoluntary(record.enrollment));
  const grades = candidates.map((record) => overallGrade(record.enrollment)).filter((grade) => grade !== null);
  const school = await services.read(orgUnitStream, orgUnitStreamId(schoolId));
  const registeredFullTime = enrolled.filter(
    (record) => record.teacher.status === 'registered' && record.teacher.fullTime,
  ).length;
  return {
    enrolled: enrolled.length,
    pointsChosen: enrolled.filter((record) => chosenAbilityPoints(record.enrollment).length > 0).length,
    candidates: candidates.length,
    assessed: grades.length,
    passed: grades.filter((grade) => grade === 'pass' || grade === 'excellent').length,
    fullTimeTeachers:
      (school.status === 'registered' ? declaredFullTimeTeachers(school) : undefined) ?? registeredFullTime,
    subjectsTaught: [
      ...new Set(
        enrolled.flatMap((record) => (record.teacher.status === 'registered' ? [record.teacher.subject] : [])),
      ),
    ].sort(),
  };
}
