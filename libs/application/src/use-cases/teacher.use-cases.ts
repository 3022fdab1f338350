import {
  decideRegisterTeacher,
  fold,
  isValidIdNumber,
  OrgUnitEvent,
  orgUnitDecider,
  orgUnitStreamId,
  RegisterTeacher,
  TeacherEvent,
  teacherDecider,
  teacherStreamId,
} from '@tip/domain';
import { z } from 'zod';
import { defineUseCase } from '../command-pipeline/use-case';
import { commonAncestor } from './folds';
import { identifier } from './identifiers';

export const registerTeacher = defineUseCase({
  name: 'RegisterTeacher',
  schema: z
    .object({
      teacherId: identifier,
      schoolId: identifier,
      name: z.string().trim().min(1).max(100),
      idNumber: z.string().trim().min(1).max(32),
      gender: z.enum(['male', 'female']),
      stage: z.string().trim().min(1).max(50),
      subject: z.string().trim().min(1).max(50),
      fullTime: z.boolean(),
      birthDate: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD'),
    })
    .strict()
    // Filled below by prepare; a caller cannot set it (strict() refuses the field).
    .transform((data) => ({ ...data, idNumberProtected: '' })),
  roles: ['school-admin'],
  // An existing teacher is only re-registered by an admin over both their school and this one:
  // otherwise any school could probe who is registered where.
  scope: (data) => ({
    kind: 'streams',
    streamIds: [teacherStreamId(data.teacherId), orgUnitStreamId(data.schoolId)],
    unitOf: ([teacherEvents, schoolEvents]) => {
      const school = fold(orgUnitDecider(), schoolEvents as OrgUnitEvent[]);
      if (school.status !== 'registered') return undefined;
      const teacher = fold(teacherDecider(), teacherEvents as TeacherEvent[]);
      if (teacher.status !== 'registered') return school.unitId;
      return commonAncestor([...school.ancestry, school.unitId], teacher.ancestry);
    },
  }),
  streams: (data) => ({ teacher: teacherStreamId(data.teacherId), school: orgUnitStreamId(data.schoolId) }),
  primaryStream: 'teacher',
  // Only a valid number is worth a key; an invalid one is refused by the decision.
  prepare: async (data, services) =>
    isValidIdNumber(data.idNumber.toUpperCase())
      ? { ...data, idNumberProtected: await services.idNumbers.protect(data.teacherId, data.idNumber.toUpperCase()) }
      : data,
  decide: (command, history) => ({
    teacher: decideRegisterTeacher(
      command as RegisterTeacher,
      fold(teacherDecider(), history.teacher as TeacherEvent[]),
      fold(orgUnitDecider(), history.school as OrgUnitEvent[]),
    ),
  }),
});
