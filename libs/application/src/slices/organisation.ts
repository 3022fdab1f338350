import {
  isValidIdNumber,
  isValidPhoneNumber,
  normalisePhoneNumber,
  one,
  orgUnitStream,
  orgUnitStreamId,
  declareFullTimeTeachersDecision,
  eraseTeacherPersonalDataDecision,
  registerOrgUnitDecision,
  setIssuingOfficeDecision,
  registerTeacherDecision,
  teacherStream,
  teacherStreamId,
} from '@tip/domain';
import { z } from 'zod';
import { defineCommand } from '../commands/command-slice';
import { atUnit, foundIn, systemOnly } from '../commands/scope';
import { identifier } from './identifiers';
import { printable, text } from './text';

export const registerOrgUnit = defineCommand({
  name: 'RegisterOrgUnit',
  description:
    'Registers a province, city, county or school under its parent. Sent once per unit before anything ' +
    'happens there (imports rerun it: the same data again appends nothing), by system or the admin of the ' +
    'parent or an ancestor of it; a province only by system. Refuses UNKNOWN_PARENT, BAD_HIERARCHY, ' +
    'UNIT_ALREADY_REGISTERED (other data under the same id). `fullTimeTeachers` (专任教师, any kind of unit) ' +
    "stands for the unit's teachers required until its teachers are registered.",
  schema: z
    .object({
      unitId: identifier,
      kind: z.enum(['province', 'city', 'county', 'school']),
      name: text(200),
      parentId: identifier.optional(),
      fullTimeTeachers: z.number().int().min(0).max(1_000_000).optional(),
    })
    .strict(),
  roles: ['province-admin', 'city-admin', 'county-admin'],
  // The admin of the parent (or of an ancestor of it) registers a unit; a province only system.
  scope: (data) => (data.parentId === undefined ? systemOnly : atUnit(data.parentId)),
  decision: registerOrgUnitDecision,
});

const ADMINS = ['province-admin', 'city-admin', 'county-admin', 'school-admin'] as const;

export const setIssuingOffice = defineCommand({
  name: 'SetIssuingOffice',
  description:
    "Names the office that heads the unit's weekly notices (its 项目办, e.g. 连云港市教育局项目办) from now on; " +
    'earlier weeks keep the name they had. Sent by system or an admin of the unit or above it; the same name ' +
    'again appends nothing. Refuses UNKNOWN_UNIT.',
  schema: z
    .object({
      unitId: identifier,
      issuingOffice: printable(100),
    })
    .strict(),
  roles: [...ADMINS],
  scope: (data) => atUnit(data.unitId),
  decision: setIssuingOfficeDecision,
});

export const declareFullTimeTeachers = defineCommand({
  name: 'DeclareFullTimeTeachers',
  description:
    "Declares the unit's full-time teachers (专任教师) from now on, for any kind of unit: the figure its teachers " +
    "required fall back on while its teachers are not registered, and a school's excellent-video denominator. " +
    'Sent by system or an admin of the unit or above it; the figure in force again appends nothing. Refuses ' +
    'UNKNOWN_UNIT.',
  schema: z.object({ unitId: identifier, fullTimeTeachers: z.number().int().min(0).max(1_000_000) }).strict(),
  roles: [...ADMINS],
  scope: (data) => atUnit(data.unitId),
  decision: declareFullTimeTeachersDecision,
});

export const registerTeacher = defineCommand({
  name: 'RegisterTeacher',
  description:
    "Registers a teacher at a school (the school's teacher sheet), before enrollment. Sent by system or a " +
    'school-admin of the school; re-registering an existing teacher needs an admin over both their school and ' +
    "this one. The ID number and the optional phone (联系电话, on Yueyang's participant sheet) are validated and " +
    "kept encrypted with the teacher's own key, never in an event, which carries them masked. Refuses " +
    'UNKNOWN_SCHOOL, INVALID_ID_NUMBER, INVALID_PHONE, TEACHER_ALREADY_REGISTERED (other data under the same id).',
  schema: z
    .object({
      teacherId: identifier,
      schoolId: identifier,
      name: text(100),
      idNumber: text(32),
      gender: z.enum(['male', 'female']),
      stage: text(50),
      subject: text(50),
      fullTime: z.boolean(),
      birthDate: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD'),
      phone: text(20).optional(),
    })
    .strict()
    // Filled by complete(); a caller cannot set it (strict() refuses the field).
    .transform((data) => ({ ...data, idNumberProtected: '' })),
  roles: ['school-admin'],
  // An existing teacher is only re-registered by an admin over both their school and this one:
  // otherwise any school could probe who is registered where.
  scope: (data) =>
    foundIn(
      {
        teacher: one(teacherStream, teacherStreamId(data.teacherId)),
        school: one(orgUnitStream, orgUnitStreamId(data.schoolId)),
      },
      (roles, read) => {
        const school = read(roles.school);
        if (school.status !== 'registered') return undefined;
        const teacher = read(roles.teacher);
        if (teacher.status !== 'registered') return school.unitId;
        return commonAncestor([...school.ancestry, school.unitId], teacher.ancestry);
      },
    ),
  // Only a valid number is worth a key; an invalid one is refused by the decision.
  complete: async (data, { services }) => {
    const idNumber = data.idNumber.toUpperCase();
    if (!isValidIdNumber(idNumber)) return data;
    const protectedId = { ...data, idNumberProtected: await services.idNumbers.protect(data.teacherId, idNumber) };
    // The phone goes through the same protection, under the same key: erasing the teacher forgets both.
    if (data.phone === undefined || !isValidPhoneNumber(data.phone)) return protectedId;
    const phone = normalisePhoneNumber(data.phone);
    return { ...protectedId, phone, phoneProtected: await services.idNumbers.protect(data.teacherId, phone) };
  },
  decision: registerTeacherDecision,
});

/** The deepest unit two paths from the province share: whose admin may act on both. */
export function commonAncestor(first: readonly string[], second: readonly string[]): string | undefined {
  let shared: string | undefined;
  for (let index = 0; index < Math.min(first.length, second.length) && first[index] === second[index]; index++)
    shared = first[index];
  return shared;
}

export const eraseTeacherPersonalData = defineCommand({
  name: 'EraseTeacherPersonalData',
  description:
    "Erases a teacher's personal data on the teacher's request (PIPL art. 47): the key that protects their ID " +
    'number and phone is destroyed, so the ciphertexts in their events decrypt no more, and an event records who ' +
    'erased them and why (the log itself stays whole and verifiable). Sent by system or a province-admin over the ' +
    "teacher's school; asked again, it records nothing more. Copies of the key in WAL segments and backups taken " +
    'before open it until the next `tip keys rotate`. Refuses NOT_FOUND (no such teacher).',
  schema: z.object({ teacherId: identifier, reason: text(500) }).strict(),
  roles: ['province-admin'],
  scope: (data) =>
    foundIn({ teacher: one(teacherStream, teacherStreamId(data.teacherId)) }, (roles, read) => {
      const teacher = read(roles.teacher);
      return teacher.status === 'registered' ? teacher.schoolId : undefined;
    }),
  // The key goes before the event is appended: a failed append leaves the data erased and the
  // command to be sent again (it records the erasure then), never an erasure recorded while the
  // key survives.
  complete: async (data, { services }) => {
    await services.idNumbers.forget(data.teacherId);
    return data;
  },
  decision: eraseTeacherPersonalDataDecision,
});
