import { decisionsInMemory, StreamEvent } from '../shared/decisions-in-memory';
import { specFor } from '../shared/given-when-then';
import { CommandMetadata } from '../shared/messages';
import { teacherStreamId } from '../organisation/teacher.decider';
import { programmeStreamId } from '../programme/programme.decider';
import { presetRulebook } from '../programme/rulebook-presets';
import { ExemptTeacher } from './exemption.commands';
import { ExemptionFacts, exemptionStreamId } from './exemption.decider';
import { exemptTeacherDecision } from './exemption.decisions';

/**
 * Given the programme and the teacher's registration, when an admin exempts the teacher at a
 * business time, then the exemption (or the refusal): Ningde's 距退休不满五年的教师不作培训要求 with
 * retirement at 60 for men and 55 for women.
 */
const launched = (programmeId: string, preset: string): StreamEvent => ({
  streamId: programmeStreamId(programmeId),
  event: {
    type: 'ProgrammeLaunched',
    data: { programmeId, name: '提升工程', provinceId: '350000', rulebook: presetRulebook(preset) },
  },
});
const registered = (teacherId: string, gender: 'male' | 'female'): StreamEvent => ({
  streamId: teacherStreamId(teacherId),
  event: {
    type: 'TeacherRegistered',
    data: {
      teacherId,
      schoolId: 'S-FA-01',
      ancestry: ['350000', '350900', '350981', 'S-FA-01'],
      name: '林老师',
      gender,
      stage: '小学',
      subject: '数学',
      fullTime: true,
      idNumberMasked: '350981********0011',
      idNumberProtected: 'v1:sealed',
    },
  },
});
const background = [
  launched('ND-1.0', 'ningde-1.0'),
  launched('JS-2.0', 'jiangsu-2.0'),
  registered('T-M', 'male'),
  registered('T-F', 'female'),
];
// The birth dates the application reveals from each teacher's ID number.
const births: Record<string, string> = { 'T-M': '1956-09-01', 'T-F': '1962-03-01', 'T-NONE': '1970-01-01' };

function exempt(teacherId: string, at: string, programmeId = 'ND-1.0', facts?: ExemptionFacts): ExemptTeacher {
  const metadata: CommandMetadata = { now: at, actor: { sub: 'admin', role: 'city-admin', unitId: '350900' } };
  return { type: 'ExemptTeacher', data: { programmeId, teacherId }, metadata, ...(facts ? { facts } : {}) };
}
const given = specFor(
  decisionsInMemory(
    (command: ExemptTeacher & { facts?: ExemptionFacts }) =>
      exemptTeacherDecision.plan(command, command.facts ?? { birthDate: births[command.data.teacherId] }),
    background,
  ),
);
const exempted = (teacherId: string, programmeId = 'ND-1.0'): StreamEvent => ({
  streamId: exemptionStreamId(programmeId, teacherId),
  event: {
    type: 'TeacherExempted',
    data: { programmeId, teacherId, schoolId: 'S-FA-01', yearsBeforeRetirement: 5 },
  },
});

describe('Exemption', () => {
  it('lives on a stream per programme and teacher', () => {
    expect(exemptionStreamId('ND-1.0', 'T-M')).toBe('exemption-ND-1.0:T-M');
  });

  describe('under Ningde 1.0 (fewer than five years before retirement: men 60, women 55)', () => {
    it('exempts a man born 1 September 1956 from 2 September 2011 on: he retires on 1 September 2016', () => {
      given().when(exempt('T-M', '2016-04-01T09:00:00+08:00')).then(exempted('T-M'));
      given().when(exempt('T-M', '2011-09-02T09:00:00+08:00')).then(exempted('T-M'));
    });

    it('refuses him on 1 September 2011, when five years remain exactly (NOT_EXEMPT)', () => {
      given()
        .when(exempt('T-M', '2011-09-01T09:00:00+08:00'))
        .thenRefuses('NOT_EXEMPT', { teacherId: 'T-M', yearsBeforeRetirement: 5 });
    });

    it('exempts a woman born 1 March 1962 from 2 March 2012 on, and refuses her the day before', () => {
      given().when(exempt('T-F', '2016-04-01T09:00:00+08:00')).then(exempted('T-F'));
      given().when(exempt('T-F', '2012-03-01T09:00:00+08:00')).thenRefuses('NOT_EXEMPT');
    });

    it('appends nothing for a teacher exempt already', () => {
      given(exempted('T-M')).when(exempt('T-M', '2016-05-01T09:00:00+08:00')).thenNothingHappens();
    });

    it('refuses when the ID number was erased (ID_NUMBER_UNAVAILABLE)', () => {
      given()
        .when(exempt('T-M', '2016-04-01T09:00:00+08:00', 'ND-1.0', {}))
        .thenRefuses('ID_NUMBER_UNAVAILABLE', { teacherId: 'T-M' });
    });
  });

  it('refuses under a rulebook that exempts nobody (Jiangsu: NOT_EXEMPT)', () => {
    given()
      .when(exempt('T-M', '2021-04-01T09:00:00+08:00', 'JS-2.0'))
      .thenRefuses('NOT_EXEMPT', { programmeId: 'JS-2.0', rulebook: 'jiangsu-2.0' });
  });

  it('refuses a programme not launched (UNKNOWN_PROGRAMME) and a teacher not registered (UNKNOWN_TEACHER)', () => {
    given()
      .when(exempt('T-M', '2016-04-01T09:00:00+08:00', 'NOPE'))
      .thenRefuses('UNKNOWN_PROGRAMME');
    given().when(exempt('T-NONE', '2016-04-01T09:00:00+08:00')).thenRefuses('UNKNOWN_TEACHER');
  });
});
