import { isActiveEnrollment, overallGrade, enrollmentStreamId } from '../enrollment/enrollment.state';
import { enrollmentStream } from '../enrollment/enrollment.streams';
import { batchStreamId } from '../programme/batch';
import { batchStream } from '../programme/programme.streams';
import { decision, one } from '../shared/decision';
import {
  ApplyForClosure,
  ApproveClosure,
  CloseSchool,
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
  decideRejectClosure,
  decideSubmitGroupVideo,
  decideUploadExcellentVideo,
  decideUploadSchoolPlan,
  SchoolPlanFacts,
} from './school-closure.decider';
import { schoolClosureStreamId } from './school-closure.state';
import { schoolClosureStream } from './school-closure.streams';

/** A command on one school's closure in one batch: its closure stream and the batch (its rules). */
function atSchool<C extends SchoolClosureCommand, Facts = undefined>() {
  return decision<C, Facts>().reads(({ data }) => ({
    closure: one(schoolClosureStream, schoolClosureStreamId(data.batchId, data.schoolId)),
    batch: one(batchStream, batchStreamId(data.batchId)),
  }));
}

/** Facts: how many of the school's enrolled teachers have chosen their points. */
export const uploadSchoolPlanDecision = atSchool<UploadSchoolPlan, SchoolPlanFacts>().decides(
  (command, roles, read, facts) => ({
    closure: decideUploadSchoolPlan(command, read(roles.closure), read(roles.batch), facts),
  }),
  { about: (roles) => roles.closure },
);

export const submitGroupVideoDecision = atSchool<SubmitGroupVideo>().decides(
  (command, roles, read) => ({ closure: decideSubmitGroupVideo(command, read(roles.closure)) }),
  { about: (roles) => roles.closure },
);

/** The named teacher's record in the batch says whether they are this school's and excellent. */
export const uploadExcellentVideoDecision = decision<UploadExcellentVideo>()
  .reads(({ data }) => ({
    closure: one(schoolClosureStream, schoolClosureStreamId(data.batchId, data.schoolId)),
    batch: one(batchStream, batchStreamId(data.batchId)),
    enrollment: one(enrollmentStream, enrollmentStreamId(data.batchId, data.teacherId)),
  }))
  .decides(
    (command, roles, read) => {
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
  (command, roles, read, facts) => ({
    closure: decideApplyForClosure(command, read(roles.closure), read(roles.batch), facts),
  }),
  { about: (roles) => roles.closure },
);

export const approveClosureDecision = atSchool<ApproveClosure>().decides(
  (command, roles, read) => ({ closure: decideApproveClosure(command, read(roles.closure)) }),
  { about: (roles) => roles.closure },
);

export const rejectClosureDecision = atSchool<RejectClosure>().decides(
  (command, roles, read) => ({ closure: decideRejectClosure(command, read(roles.closure)) }),
  { about: (roles) => roles.closure },
);

export const closeSchoolDecision = atSchool<CloseSchool>().decides(
  (command, roles, read) => ({ closure: decideCloseSchool(command, read(roles.closure)) }),
  { about: (roles) => roles.closure },
);
