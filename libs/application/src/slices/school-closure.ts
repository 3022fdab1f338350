import {
  applyForClosureDecision,
  approveClosureDecision,
  closeSchoolDecision,
  designatePilotSchoolDecision,
  rejectClosureDecision,
  submitGroupVideoDecision,
  uploadExcellentVideoDecision,
  uploadSchoolPlanDecision,
} from '@tip/domain';
import { z } from 'zod';
import { defineCommand, defineCommandWithFacts } from '../commands/command-slice';
import { atUnit } from '../commands/scope';
import { identifier } from './identifiers';
import { text } from './text';
import { schoolFacts } from './school-records';

const target = { batchId: identifier, schoolId: identifier };
const reference = text(500);
const calendarDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD');
const atSchool = <Data extends { schoolId: string }>(data: Data) => atUnit(data.schoolId);

export const uploadSchoolPlan = defineCommandWithFacts({
  name: 'UploadSchoolPlan',
  description:
    "Uploads the school's plan (规划书), once enough of its enrolled teachers have picked their ability points " +
    '(Jiangsu: 90%); another document replaces it until closure. Sent by system or a school-admin of the school. ' +
    'Refuses UNKNOWN_BATCH, UNKNOWN_SCHOOL, SCHOOL_CLOSED, PLAN_THRESHOLD_NOT_MET.',
  schema: z.object({ ...target, documentRef: reference }).strict(),
  roles: ['school-admin'],
  scope: atSchool,
  facts: async ({ data }, services) => schoolFacts(services, data.batchId, data.schoolId),
  decision: uploadSchoolPlanDecision,
});

export const submitGroupVideo = defineCommand({
  name: 'SubmitGroupVideo',
  description:
    "A teaching group's one video of a group session (faces visible), during offline practice; another one " +
    'replaces it until closure. Sent by system or a group-leader of the school. Refuses UNKNOWN_BATCH, UNKNOWN_SCHOOL, SCHOOL_CLOSED.',
  schema: z.object({ ...target, groupId: identifier, videoRef: reference }).strict(),
  roles: ['group-leader'],
  scope: atSchool,
  decision: submitGroupVideoDecision,
});

export const uploadExcellentVideo = defineCommand({
  name: 'UploadExcellentVideo',
  description:
    "Uploads an excellent teacher's work for one subject, after grading and before applying for closure. Sent " +
    'by system or a school-admin of the school. Refuses UNKNOWN_BATCH, UNKNOWN_SCHOOL, UNKNOWN_TEACHER, SCHOOL_CLOSED, TEACHER_NOT_IN_SCHOOL, NOT_EXCELLENT, ' +
    'VIDEO_ALREADY_USED.',
  schema: z.object({ ...target, teacherId: identifier, subject: text(50), videoRef: reference }).strict(),
  roles: ['school-admin'],
  scope: atSchool,
  decision: uploadExcellentVideoDecision,
});

export const applyForClosure = defineCommandWithFacts({
  name: 'ApplyForClosure',
  description:
    'The school applies to its county for closure (申请结项) once its teachers are assessed and enough passed, ' +
    'with its plan and excellent videos. Sent by system or a school-admin of the school. Refuses UNKNOWN_BATCH, UNKNOWN_SCHOOL, SCHOOL_CLOSED, ' +
    'PLAN_NOT_UPLOADED, CLOSURE_THRESHOLD_NOT_MET, EXCELLENT_VIDEOS_SHORT.',
  schema: z.object(target).strict(),
  roles: ['school-admin'],
  scope: atSchool,
  facts: async ({ data }, services) => schoolFacts(services, data.batchId, data.schoolId),
  decision: applyForClosureDecision,
});

const answer = z.object({ ...target, reason: text(2000).optional() }).strict();

export const designatePilotSchool = defineCommand({
  name: 'DesignatePilotSchool',
  description:
    'Makes a school a pilot (试点学校) of a batch, due to finish (close) by finishBy; the views flag a county ' +
    "short of the rulebook's pilots (Yueyang: 2 of the city's own and at least 2 per county) and a pilot " +
    "late. Sent by system, the admin of the programme's owner (the owner's own pilots), or a city or county " +
    "admin over the school (the county's); a province admin of a city's programme is refused (403). " +
    'Refuses SCHOOL_CLOSED, UNKNOWN_BATCH, UNKNOWN_SCHOOL, OUTSIDE_PROGRAMME, BAD_DATE.',
  schema: z.object({ ...target, finishBy: calendarDate }).strict(),
  roles: ['province-admin', 'city-admin', 'county-admin'],
  scope: atSchool,
  decision: designatePilotSchoolDecision,
});

export const approveClosure = defineCommand({
  name: 'ApproveClosure',
  description:
    "The county accepts a school's application for closure (验收). Sent by system or a county-admin over the " +
    'school. Refuses UNKNOWN_BATCH, UNKNOWN_SCHOOL, SCHOOL_CLOSED, NOT_APPLIED.',
  schema: answer,
  roles: ['county-admin'],
  scope: atSchool,
  decision: approveClosureDecision,
});

export const rejectClosure = defineCommand({
  name: 'RejectClosure',
  description:
    "The county sends a school's application for closure back; the school may apply again. Sent by system or a " +
    'county-admin over the school. Refuses UNKNOWN_BATCH, UNKNOWN_SCHOOL, SCHOOL_CLOSED, NOT_APPLIED.',
  schema: answer,
  roles: ['county-admin'],
  scope: atSchool,
  decision: rejectClosureDecision,
});

export const closeSchool = defineCommand({
  name: 'CloseSchool',
  description:
    'The school uploads the signed paper and closes (结项) after approval; nothing happens there after. Sent by ' +
    'system or a school-admin of the school. Refuses UNKNOWN_BATCH, UNKNOWN_SCHOOL, SCHOOL_CLOSED, NOT_APPROVED.',
  schema: z.object({ ...target, signedDocumentRef: reference }).strict(),
  roles: ['school-admin'],
  scope: atSchool,
  decision: closeSchoolDecision,
});
