import {
  ApplyForClosure,
  ApproveClosure,
  batchStreamId,
  chosenAbilityPoints,
  CloseSchool,
  ClosureApplicationFacts,
  decideApplyForClosure,
  decideApproveClosure,
  decideCloseSchool,
  decideRejectClosure,
  decideSubmitGroupVideo,
  decideUploadExcellentVideo,
  decideUploadSchoolPlan,
  EnrollmentEvent,
  enrollmentEvolver,
  enrollmentStreamId,
  ExcellentVideoFacts,
  fold,
  isActiveEnrollment,
  OrgUnitEvent,
  orgUnitDecider,
  orgUnitStreamId,
  overallGrade,
  RejectClosure,
  schoolClosureStreamId,
  SchoolPlanFacts,
  SubmitGroupVideo,
  UploadExcellentVideo,
  UploadSchoolPlan,
} from '@tip/domain';
import { z } from 'zod';
import { defineUseCase, UseCaseServices } from '../command-pipeline/use-case';
import { batchOf, closureOf } from './folds';
import { identifier } from './identifiers';
import { schoolTeacherRecords } from './school-records';

interface SchoolFacts extends SchoolPlanFacts, ClosureApplicationFacts {}

/** What the whole school's records say, for the plan and closure thresholds. */
async function schoolFacts(services: UseCaseServices, batchId: string, schoolId: string): Promise<SchoolFacts> {
  const enrolled = (await schoolTeacherRecords(services, batchId, schoolId)).filter((record) =>
    isActiveEnrollment(record.enrollment),
  );
  const grades = enrolled.map((record) => overallGrade(record.enrollment)).filter((grade) => grade !== null);
  const school = fold(orgUnitDecider(), (await services.load(orgUnitStreamId(schoolId))) as OrgUnitEvent[]);
  const registeredFullTime = enrolled.filter(
    (record) => record.teacher.status === 'registered' && record.teacher.fullTime,
  ).length;
  return {
    enrolled: enrolled.length,
    pointsChosen: enrolled.filter((record) => chosenAbilityPoints(record.enrollment).length > 0).length,
    assessed: grades.length,
    passed: grades.filter((grade) => grade === 'pass' || grade === 'excellent').length,
    fullTimeTeachers:
      school.status === 'registered' && school.fullTimeTeachers !== undefined
        ? school.fullTimeTeachers
        : registeredFullTime,
    subjectsTaught: [
      ...new Set(
        enrolled.flatMap((record) => (record.teacher.status === 'registered' ? [record.teacher.subject] : [])),
      ),
    ].sort(),
  };
}

const target = { batchId: identifier, schoolId: identifier };
const reference = z.string().trim().min(1).max(500);
const closureStreams = <Data extends { batchId: string; schoolId: string }>(data: Data) => ({
  closure: schoolClosureStreamId(data.batchId, data.schoolId),
  batch: batchStreamId(data.batchId),
});
const atSchool = <Data extends { schoolId: string }>(data: Data) => ({ kind: 'unit' as const, unitId: data.schoolId });

export const uploadSchoolPlan = defineUseCase({
  name: 'UploadSchoolPlan',
  schema: z
    .object({ ...target, documentRef: reference })
    .strict()
    .transform((data): typeof data & { facts?: SchoolPlanFacts } => data),
  roles: ['school-admin'],
  scope: atSchool,
  streams: closureStreams,
  primaryStream: 'closure',
  prepare: async (data, services) => ({ ...data, facts: await schoolFacts(services, data.batchId, data.schoolId) }),
  decide: (command, history) => ({
    closure: decideUploadSchoolPlan(
      command as UploadSchoolPlan,
      closureOf(history.closure),
      batchOf(history.batch),
      command.data.facts ?? { enrolled: 0, pointsChosen: 0 },
    ),
  }),
});

export const submitGroupVideo = defineUseCase({
  name: 'SubmitGroupVideo',
  schema: z.object({ ...target, groupId: identifier, videoRef: reference }).strict(),
  roles: ['group-leader'],
  scope: atSchool,
  streams: closureStreams,
  primaryStream: 'closure',
  decide: (command, history) => ({
    closure: decideSubmitGroupVideo(command as SubmitGroupVideo, closureOf(history.closure)),
  }),
});

export const uploadExcellentVideo = defineUseCase({
  name: 'UploadExcellentVideo',
  schema: z
    .object({ ...target, teacherId: identifier, subject: z.string().trim().min(1).max(50), videoRef: reference })
    .strict(),
  roles: ['school-admin'],
  scope: atSchool,
  streams: (data) => ({ ...closureStreams(data), enrollment: enrollmentStreamId(data.batchId, data.teacherId) }),
  primaryStream: 'closure',
  decide: (command, history) => {
    const enrollment = fold(enrollmentEvolver, history.enrollment as EnrollmentEvent[]);
    const facts: ExcellentVideoFacts = {
      teacher: isActiveEnrollment(enrollment)
        ? { schoolId: enrollment.schoolId, grade: overallGrade(enrollment) }
        : undefined,
    };
    return { closure: decideUploadExcellentVideo(command as UploadExcellentVideo, closureOf(history.closure), facts) };
  },
});

export const applyForClosure = defineUseCase({
  name: 'ApplyForClosure',
  schema: z
    .object(target)
    .strict()
    .transform((data): typeof data & { facts?: ClosureApplicationFacts } => data),
  roles: ['school-admin'],
  scope: atSchool,
  streams: closureStreams,
  primaryStream: 'closure',
  prepare: async (data, services) => ({ ...data, facts: await schoolFacts(services, data.batchId, data.schoolId) }),
  decide: (command, history) => ({
    closure: decideApplyForClosure(
      command as ApplyForClosure,
      closureOf(history.closure),
      batchOf(history.batch),
      command.data.facts ?? { assessed: 0, passed: 0, fullTimeTeachers: 0, subjectsTaught: [] },
    ),
  }),
});

const decision = z.object({ ...target, reason: z.string().trim().min(1).max(2000).optional() }).strict();

export const approveClosure = defineUseCase({
  name: 'ApproveClosure',
  schema: decision,
  roles: ['county-admin'],
  scope: atSchool,
  streams: closureStreams,
  primaryStream: 'closure',
  decide: (command, history) => ({
    closure: decideApproveClosure(command as ApproveClosure, closureOf(history.closure)),
  }),
});

export const rejectClosure = defineUseCase({
  name: 'RejectClosure',
  schema: decision,
  roles: ['county-admin'],
  scope: atSchool,
  streams: closureStreams,
  primaryStream: 'closure',
  decide: (command, history) => ({
    closure: decideRejectClosure(command as RejectClosure, closureOf(history.closure)),
  }),
});

export const closeSchool = defineUseCase({
  name: 'CloseSchool',
  schema: z.object({ ...target, signedDocumentRef: reference }).strict(),
  roles: ['school-admin'],
  scope: atSchool,
  streams: closureStreams,
  primaryStream: 'closure',
  decide: (command, history) => ({ closure: decideCloseSchool(command as CloseSchool, closureOf(history.closure)) }),
});
