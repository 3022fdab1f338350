import { teacherStream } from '../organisation/organisation.streams';
import { teacherStreamId } from '../organisation/teacher.decider';
import { programmeStreamId } from '../programme/programme.decider';
import { programmeStream } from '../programme/programme.streams';
import { decision, one } from '../shared/decision';
import { ExemptTeacher } from './exemption.commands';
import { decideExemptTeacher, ExemptionFacts, exemptionStreamId } from './exemption.decider';
import { exemptionStream } from './exemption.streams';

/** The exemption's own stream; the programme (its rulebook) and the teacher (gender, school) as they stand. */
export const exemptTeacherDecision = decision<ExemptTeacher, ExemptionFacts>()
  .reads(({ data }) => ({
    exemption: one(exemptionStream, exemptionStreamId(data.programmeId, data.teacherId)),
    programme: one(programmeStream, programmeStreamId(data.programmeId), { guard: true }),
    teacher: one(teacherStream, teacherStreamId(data.teacherId), { guard: true }),
  }))
  .decides(
    (command, roles, read, facts) => ({
      exemption: decideExemptTeacher(
        command,
        { exemption: read(roles.exemption), programme: read(roles.programme), teacher: read(roles.teacher) },
        facts,
      ),
    }),
    { about: (roles) => roles.exemption },
  );
