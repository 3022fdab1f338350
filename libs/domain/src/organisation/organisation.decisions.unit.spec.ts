import { batchStreamId } from '../programme/batch';
import { LaunchProgramme } from '../programme/programme.commands';
import { launchProgrammeDecision } from '../programme/programme.decisions';
import { programmeStreamId } from '../programme/programme.decider';
import { presetRulebook } from '../programme/rulebook-presets';
import { SubmitGroupVideo } from '../school-closure/school-closure.commands';
import { submitGroupVideoDecision } from '../school-closure/school-closure.decisions';
import { decisionsInMemory, StreamEvent } from '../shared/decisions-in-memory';
import { specFor } from '../shared/given-when-then';
import { Actor } from '../shared/messages';
import { assertNever, RuleViolation } from '../shared/rule-violation';
import { RegisterOrgUnit } from './organisation.commands';
import { registerOrgUnitDecision } from './organisation.decisions';
import { orgUnitStreamId } from './org-unit.decider';

const at = '2020-11-02T09:00:00+08:00';
const system: Actor = { sub: 'setup', role: 'system' };
const registered = (unitId: string, kind: 'province' | 'city' | 'school', ancestry: string[]): StreamEvent => ({
  streamId: orgUnitStreamId(unitId),
  event: {
    type: 'OrgUnitRegistered',
    data: { unitId, kind, name: unitId, ...(ancestry.length > 0 ? { parentId: ancestry.at(-1) } : {}), ancestry },
  },
});
const world = [
  registered('P', 'province', []),
  registered('C', 'city', ['P']),
  registered('S', 'school', ['P', 'C']),
  registered('P2', 'province', []),
];

type Command = RegisterOrgUnit | LaunchProgramme | SubmitGroupVideo;
const inMemory = decisionsInMemory((command: Command) => {
  switch (command.type) {
    case 'RegisterOrgUnit':
      return registerOrgUnitDecision.plan(command, undefined);
    case 'LaunchProgramme':
      return launchProgrammeDecision.plan(command, undefined);
    case 'SubmitGroupVideo':
      return submitGroupVideoDecision.plan(command, undefined);
    default:
      return assertNever(command);
  }
}, world);
const given = specFor(inMemory);

/** The whole refusal a command meets, to compare refusals exactly. */
function refusalOf(command: Command): unknown {
  try {
    inMemory.decide(command, inMemory.initialState());
  } catch (error) {
    return error instanceof RuleViolation
      ? { code: error.code, message: error.message, details: error.details }
      : error;
  }
  return undefined;
}

const register = (actor: Actor, data: RegisterOrgUnit['data']): RegisterOrgUnit => ({
  type: 'RegisterOrgUnit',
  data,
  metadata: { now: at, actor },
});

describe('A unit registered already', () => {
  const outsider: Actor = { sub: 'p2', role: 'province-admin', unitId: 'P2' };

  it('is compared field by field for those who act over it', () => {
    given()
      .when(register(system, { unitId: 'S', kind: 'school', name: '别名', parentId: 'C' }))
      .thenRefuses('UNIT_ALREADY_REGISTERED', { fields: ['name'] });
    given()
      .when(
        register(
          { sub: 'c', role: 'city-admin', unitId: 'C' },
          { unitId: 'S', kind: 'school', name: 'S', parentId: 'C' },
        ),
      )
      .thenNothingHappens();
  });

  it('is refused alike to anyone else, whatever the data, naming no field', () => {
    const refusals = [
      { unitId: 'S', kind: 'school' as const, name: 'S', parentId: 'P2' },
      { unitId: 'S', kind: 'city' as const, name: '别名', parentId: 'P2' },
    ].map((data) => refusalOf(register(outsider, data)));
    expect(refusals).toEqual([
      { code: 'UNIT_ALREADY_REGISTERED', message: 'Unit S is already registered', details: { unitId: 'S' } },
      { code: 'UNIT_ALREADY_REGISTERED', message: 'Unit S is already registered', details: { unitId: 'S' } },
    ]);
  });
});

describe('A programme launched already', () => {
  const launch = (actor: Actor, provinceId: string, name: string): LaunchProgramme => ({
    type: 'LaunchProgramme',
    data: { programmeId: 'JS', name, provinceId, rulebook: 'jiangsu-2.0' },
    metadata: { now: at, actor },
  });
  const launched: StreamEvent = {
    streamId: programmeStreamId('JS'),
    event: {
      type: 'ProgrammeLaunched',
      data: { programmeId: 'JS', name: '提升工程', provinceId: 'P', rulebook: presetRulebook('jiangsu-2.0') },
    },
  };

  it('names the differing fields to its own province', () => {
    given(launched)
      .when(launch({ sub: 'p', role: 'province-admin', unitId: 'P' }, 'P', '别名'))
      .thenRefuses('PROGRAMME_ALREADY_LAUNCHED', { fields: ['name'] });
  });

  it('tells another province only that the id is taken', () => {
    const other: Actor = { sub: 'p2', role: 'province-admin', unitId: 'P2' };
    given(launched)
      .when(launch(other, 'P2', '别名'))
      .thenRefuses('PROGRAMME_ALREADY_LAUNCHED', { programmeId: 'JS' });
    const inner = decisionsInMemory(
      (command: LaunchProgramme) => launchProgrammeDecision.plan(command, undefined),
      [...world, launched],
    );
    expect(() => inner.decide(launch(other, 'P2', '别名'), inner.initialState())).toThrow(
      expect.objectContaining({ details: { programmeId: 'JS' } }),
    );
  });
});

describe('A group video', () => {
  const video = (schoolId: string, batchId = 'B1'): SubmitGroupVideo => ({
    type: 'SubmitGroupVideo',
    data: { batchId, schoolId, groupId: 'g1', videoRef: 'v' },
    metadata: { now: at, actor: system },
  });
  const batch: StreamEvent = {
    streamId: batchStreamId('B1'),
    event: {
      type: 'BatchScheduled',
      data: {
        programmeId: 'JS',
        batchId: 'B1',
        name: '第一批',
        startsOn: '2020-11-01',
        endsOn: '2021-10-31',
        sharePercent: 20,
        periods: [{ periodId: '1', startsOn: '2020-11-01', endsOn: '2021-01-30' }],
        rulebook: presetRulebook('jiangsu-2.0'),
      },
    },
  };

  it('is refused for a school nobody registered, or a unit that is no school (UNKNOWN_SCHOOL)', () => {
    given(batch).when(video('NO-SUCH-SCHOOL')).thenRefuses('UNKNOWN_SCHOOL', { schoolId: 'NO-SUCH-SCHOOL' });
    given(batch).when(video('C')).thenRefuses('UNKNOWN_SCHOOL', { schoolId: 'C' });
  });

  it('is refused for a batch nobody scheduled (UNKNOWN_BATCH)', () => {
    given().when(video('S')).thenRefuses('UNKNOWN_BATCH', { batchId: 'B1' });
  });
});
