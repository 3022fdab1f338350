import { birthDateOf, ExemptionFacts, exemptTeacherDecision, teacherStream, teacherStreamId } from '@tip/domain';
import { z } from 'zod';
import { defineCommandWithFacts } from '../commands/command-slice';
import { onTeacher } from '../commands/scope';
import { identifier } from './identifiers';

export const exemptTeacher = defineCommandWithFacts({
  name: 'ExemptTeacher',
  description:
    "Records that the programme's rulebook exempts the teacher from training (Ningde: fewer than five years " +
    'from retirement, 不作培训要求): from then on the teacher is not among the teachers required, in every view ' +
    'and notice of the programme. Judged at the command’s business time from the birth date in the teacher’s ' +
    'ID number. Sent by system or an admin of the teacher’s school or above it; exempting again appends ' +
    'nothing. Refuses UNKNOWN_PROGRAMME, UNKNOWN_TEACHER, NOT_EXEMPT (the rulebook does not exempt the teacher ' +
    '(yet), or nobody), ID_NUMBER_UNAVAILABLE (the number was erased).',
  schema: z.object({ programmeId: identifier, teacherId: identifier }).strict(),
  roles: ['province-admin', 'city-admin', 'county-admin', 'school-admin'],
  scope: (data) => onTeacher(data.teacherId),
  // The birth date is inside the protected ID number: revealed for this decision alone.
  facts: async ({ data }, services): Promise<ExemptionFacts> => {
    const teacher = await services.read(teacherStream, teacherStreamId(data.teacherId));
    if (teacher.status !== 'registered') return {};
    const idNumber = await services.idNumbers.reveal(data.teacherId, teacher.idNumberProtected);
    return { birthDate: idNumber === undefined ? undefined : birthDateOf(idNumber) };
  },
  decision: exemptTeacherDecision,
});
