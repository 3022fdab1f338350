import { isActiveEnrollment, overallGrade, enrollmentStreamId } from '../enrollment/enrollment.state';
import { enrollmentStream } from '../enrollment/enrollment.streams';
import { orgUnitStreamId } from '../organisation/org-unit.decider';
import { requireSchool, requireTeacher } from '../organisation/organisation.lookups';
import { orgUnitStream, teacherStream } from '../organisation/organisation.streams';
import { teacherStreamId } from '../organisation/teacher.decider';
import { batchStreamId } from '../programme/batch';
import { requireScheduledBatch } from '../programme/batch.lookups';
import { batchStream } from '../programme/programme.streams';
import { decision, one, Read } from '../shared/decision';
import {
  ApplyForClosure,
  ApproveClosure,
  CloseSchool,
  DesignatePilotSchool,
  RejectClosure,
  SchoolClosureCommand,
  SubmitGroupVideo,
  UploadExcellentVideo,
  UploadSchoolPlan,
} from './school-closure.commands';
import {
  ClosureApplicationFacts,
  decideApplyForClosure,
  decideApproveClosure,
  decideCloseSchool,
  decideDesignatePilotSchool,
  decideRejectClosure,
  decideSubmitGroupVideo,
  decideUploadExcellentVideo,
  decideUploadSchoolPlan,
  SchoolPlanFacts,
} from './school-closure.decider';
import { schoolClosureStreamId } from './school-closure.state';
import { schoolClosureStream } from './school-closure.streams';

/** What a command on one school's closure reads: the closure stream, the batch (its rules) and the school. */
const schoolReads = ({ data }: SchoolClosureCommand) => ({
  closure: one(schoolClosureStream, schoolClosureStreamId(data.batchId, data.schoolId)),
  batch: one(batchStream, batchStreamId(data.batchId)),
  school: one(orgUnitStream, orgUnitStreamId(data.schoolId)),
});

function atSchool<C extends SchoolClosureCommand, Facts = undefined>() {
  return decision<C, Facts>().reads(schoolReads);
}

/** The batch and the school exist (UNKNOWN_BATCH, UNKNOWN_SCHOOL), before any rule of the closure. */
function requireNamed(
  { data }: SchoolClosureCommand,
  roles: Pick<ReturnType<typeof schoolReads>, 'batch' | 'school'>,
  read: Read,
): void {
  requireScheduledBatch(read(roles.batch), data.batchId);
  requireSchool(read(roles.school), data.schoolId);
}

/** Facts: how many of the school's enrolled teachers have chosen their points. */
export const uploadSchoolPlanDecision = atSchool<UploadSchoolPlan, SchoolPlanFacts>().decides(
  (command, roles, read, facts) => {
    requireNamed(command, roles, read);
    return { closure: decideUploadSchoolPlan(command, read(roles.closure), read(roles.batch), facts) };
  },
  { about: (roles) => roles.closure },
);

export const submitGroupVideoDecision = atSchool<SubmitGroupVideo>().decides(
  (command, roles, read) => {
    requireNamed(command, roles, read);
    return { closure: decideSubmitGroupVideo(command, read(roles.closure)) };
  },
  { about: (roles) => roles.closure },
);

/** The named teacher's record in the batch says whether they are this school's and excellent. */
export const uploadExcellentVideoDecision = decision<UploadExcellentVideo>()
  .reads((command) => ({
    ...schoolReads(command),
    teacher: one(teacherStream, teacherStreamId(command.data.teacherId)),
    enrollment: one(enrollmentStream, enrollmentStreamId(command.data.batchId, command.data.teacherId)),
  }))
  .decides(
    (command, roles, read) => {
      requireNamed(command, roles, read);
      requireTeacher(read(roles.teacher), command.data.teacherId);
      const enrollment = read(roles.enrollment);
      const teacher = isActiveEnrollment(enrollment)
        ? { schoolId: enrollment.schoolId, grade: overallGrade(enrollment) }
        : undefined;
      return { closure: decideUploadExcellentVideo(command, read(roles.closure), { teacher }) };
    },
    { about: (roles) => roles.closure },
  );

/** Facts: the school's assessed and passed teachers, its full-time teachers and subjects. */
export const applyForClosureDecision = atSchool<ApplyForClosure, ClosureApplicationFacts>().decides(
  (command, roles, read, facts) => {
    requireNamed(command, roles, read);
    return { closure: decideApplyForClosure(command, read(roles.closure), read(roles.batch), facts) };
  },
  { about: (roles) => roles.closure },
);

/** The school's own stream says it is a registered school, and where it hangs (inside the programme?). */
export const designatePilotSchoolDecision = decision<DesignatePilotSchool>()
  .reads(({ data }) => ({
    closure: one(schoolClosureStream, schoolClosureStreamId(data.batchId, data.schoolId)),
    batch: one(batchStream, batchStreamId(data.batchId)),
    school: one(orgUnitStream, orgUnitStreamId(data.schoolId)),
  }))
  .decides(
    (command, roles, read) => ({
      closure: decideDesignatePilotSchool(command, read(roles.closure), read(roles.batch), read(roles.school)),
    }),
    { about: (roles) => roles.closure },
  );

export const approveClosureDecision = atSchool<ApproveClosure>().decides(
  (command, roles, read) => {
    requireNamed(command, roles, read);
    return { closure: decideApproveClosure(command, read(roles.closure)) };
  },
  { about: (roles) => roles.closure },
);

export const rejectClosureDecision = atSchool<RejectClosure>().decides(
  (command, roles, read) => {
    requireNamed(command, roles, read);
    return { closure: decideRejectClosure(command, read(roles.closure)) };
  },
  { about: (roles) => roles.closure },
);

export const closeSchoolDecision = atSchool<CloseSchool>().decides(
  (command, roles, read) => {
    requireNamed(command, roles, read);
    return { closure: decideCloseSchool(command, read(roles.closure)) };
  },
  { about: (roles) => roles.closure },
);
