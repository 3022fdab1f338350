/**
 * The regions' rules through the very decisions production runs (the streams each reads, in its
 * stages, and every stream it writes), over streams in memory: a city-run programme's launch,
 * batch and extension, its seats, enrollment without quotas and as an exempt volunteer, a pilot.
 */
import { enrollTeacherDecision, EnrollTeacherFacts, transferTeacherDecision } from './enrollment/enrollment.decisions';
import { enrollmentStreamId } from './enrollment/enrollment.state';
import { EnrollTeacher, TransferTeacher } from './enrollment/enrollment.commands';
import { enrollmentRulesOf } from './enrollment/enrollment.rules';
import { orgUnitStreamId } from './organisation/org-unit.decider';
import { teacherStreamId } from './organisation/teacher.decider';
import { batchStreamId } from './programme/batch';
import { batchScheduledOf, NOTICE_BATCHES, PresetName } from './programme/batch.spec-fixtures';
import { ExtendBatch, LaunchProgramme, ScheduleBatch } from './programme/programme.commands';
import { programmeStreamId } from './programme/programme.decider';
import { extendBatchDecision, launchProgrammeDecision, scheduleBatchDecision } from './programme/programme.decisions';
import { presetRulebook } from './programme/rulebook-presets';
import { AllocateQuota } from './quota/quota.commands';
import { allocateQuotaDecision } from './quota/quota.decisions';
import { quotaStreamId } from './quota/quota.ledger';
import { DesignatePilotSchool } from './school-closure/school-closure.commands';
import { designatePilotSchoolDecision } from './school-closure/school-closure.decisions';
import { schoolClosureStreamId } from './school-closure/school-closure.state';
import { decisionsInMemory, StreamEvent } from './shared/decisions-in-memory';
import { specFor } from './shared/given-when-then';
import { Actor, CommandMetadata } from './shared/messages';

const at = (now: string, actor: Actor): CommandMetadata => ({ now, actor });
const system: Actor = { sub: 'importer', role: 'system' };

/** The org units of a city, as their streams hold them: province → city → counties → schools. */
function units(tree: Record<string, { kind: string; parentId?: string }>): StreamEvent[] {
  const ancestryOf = (unitId: string): string[] => {
    const parentId = tree[unitId]?.parentId;
    return parentId === undefined ? [] : [...ancestryOf(parentId), parentId];
  };
  return Object.entries(tree).map(([unitId, unit]) => ({
    streamId: orgUnitStreamId(unitId),
    event: {
      type: 'OrgUnitRegistered',
      data: {
        unitId,
        kind: unit.kind,
        name: unitId,
        ...(unit.parentId === undefined ? {} : { parentId: unit.parentId }),
        ancestry: ancestryOf(unitId),
      },
    },
  }));
}

/** The programme and its batch, as launched and scheduled by the notice's owner. */
function programmeOf(preset: PresetName): StreamEvent[] {
  const { programmeId, ownerUnitId } = NOTICE_BATCHES[preset];
  const rulebook = presetRulebook(preset);
  const scheduled = batchScheduledOf(preset);
  return [
    {
      streamId: programmeStreamId(programmeId),
      event: {
        type: 'ProgrammeLaunched',
        data: { programmeId, name: rulebook.name, provinceId: ownerUnitId.slice(0, 2) + '0000', ownerUnitId, rulebook },
      },
    },
    { streamId: programmeStreamId(programmeId), event: scheduled },
    { streamId: batchStreamId(scheduled.data.batchId), event: scheduled },
  ];
}

const LIANYUNGANG = units({
  '320000': { kind: 'province' },
  '320700': { kind: 'city', parentId: '320000' },
  '320707': { kind: 'county', parentId: '320700' },
});
const NINGDE = units({
  '350000': { kind: 'province' },
  '350900': { kind: 'city', parentId: '350000' },
  '350981': { kind: 'county', parentId: '350900' },
  'FA-01': { kind: 'school', parentId: '350981' },
  'FA-02': { kind: 'school', parentId: '350981' },
});

describe('A city-run programme, decided as production decides it', () => {
  const decider = decisionsInMemory(
    (command: LaunchProgramme | ScheduleBatch | ExtendBatch) =>
      command.type === 'LaunchProgramme'
        ? launchProgrammeDecision.plan(command, undefined)
        : command.type === 'ScheduleBatch'
          ? scheduleBatchDecision.plan(command, undefined)
          : extendBatchDecision.plan(command, undefined),
    NINGDE,
  );
  const cityAdmin: Actor = { sub: 'nd-admin', role: 'city-admin', unitId: '350900' };
  const rulebook = presetRulebook('ningde-1.0');
  const launched: StreamEvent = {
    streamId: programmeStreamId('ND-1.0'),
    event: {
      type: 'ProgrammeLaunched',
      data: { programmeId: 'ND-1.0', name: '宁德', provinceId: '350000', ownerUnitId: '350900', rulebook },
    },
  };
  const { ownerUnitId: _owner, ...batch } = NOTICE_BATCHES['ningde-1.0'];
  const scheduled = batchScheduledOf('ningde-1.0');

  it('launches with the city as owner, reading the province’s and the city’s streams', () => {
    specFor(decider)()
      .when({
        type: 'LaunchProgramme',
        data: {
          programmeId: 'ND-1.0',
          name: '宁德',
          provinceId: '350000',
          rulebook: 'ningde-1.0',
          ownerUnitId: '350900',
        },
        metadata: at('2016-03-15T09:00:00+08:00', cityAdmin),
      })
      .then(launched);
  });

  it('schedules a batch carrying the owner, on the programme’s stream and the batch’s', () => {
    specFor(decider)(launched)
      .when({ type: 'ScheduleBatch', data: batch, metadata: at('2016-03-20T09:00:00+08:00', cityAdmin) })
      .then(
        { streamId: programmeStreamId('ND-1.0'), event: scheduled },
        { streamId: batchStreamId('ND-2016'), event: scheduled },
      );
  });

  it('extends the batch from its own stream, writing the programme’s and the batch’s', () => {
    const extended = {
      type: 'BatchExtended',
      data: {
        programmeId: 'ND-1.0',
        batchId: 'ND-2016',
        endsOn: '2018-06-30',
        previousEndsOn: '2017-12-31',
        reason: '未完成教师补训',
      },
    } as const;
    specFor(decider)(
      launched,
      { streamId: programmeStreamId('ND-1.0'), event: scheduled },
      { streamId: batchStreamId('ND-2016'), event: scheduled },
    )
      .when({
        type: 'ExtendBatch',
        data: { batchId: 'ND-2016', endsOn: '2018-06-30', reason: '未完成教师补训' },
        metadata: at('2017-12-01T09:00:00+08:00', cityAdmin),
      })
      .then(
        { streamId: programmeStreamId('ND-1.0'), event: extended },
        { streamId: batchStreamId('ND-2016'), event: extended },
      );
  });
});

describe('Seats of a city-run programme, decided as production decides it', () => {
  const transfer = (fromUnitId: string, toUnitId: string, seats: number, actor: Actor): AllocateQuota => ({
    type: 'AllocateQuota',
    data: { batchId: 'LYG-2016', periodId: '1', fromUnitId, toUnitId, seats },
    metadata: at('2016-03-10T09:00:00+08:00', actor),
  });
  const lianyungang = decisionsInMemory(
    (command: AllocateQuota) => allocateQuotaDecision.plan(command, undefined),
    [...LIANYUNGANG, ...programmeOf('lianyungang-1.0')],
  );

  it('lets 连云港市, which runs it, issue 赣榆区’s 906 seats from nothing', () => {
    const data = { batchId: 'LYG-2016', periodId: '1', fromUnitId: '320700', toUnitId: '320707', seats: 906 };
    specFor(lianyungang)()
      .when(transfer('320700', '320707', 906, { sub: 'lyg', role: 'city-admin', unitId: '320700' }))
      .then(
        { streamId: quotaStreamId('LYG-2016', '1', '320700'), event: { type: 'QuotaAllocated', data } },
        { streamId: quotaStreamId('LYG-2016', '1', '320707'), event: { type: 'QuotaReceived', data } },
      );
  });

  it('refuses the province (OUTSIDE_PROGRAMME)', () => {
    specFor(lianyungang)()
      .when(transfer('320000', '320700', 3600, system))
      .thenRefuses('OUTSIDE_PROGRAMME', { unitId: '320000', ownerUnitId: '320700' });
  });

  it('refuses any seat in Ningde, which hands out none (NO_QUOTAS)', () => {
    const ningde = decisionsInMemory(
      (command: AllocateQuota) => allocateQuotaDecision.plan(command, undefined),
      [...NINGDE, ...programmeOf('ningde-1.0')],
    );
    specFor(ningde)()
      .when({
        type: 'AllocateQuota',
        data: { batchId: 'ND-2016', periodId: 'P1', fromUnitId: '350900', toUnitId: '350981', seats: 10 },
        metadata: at('2016-04-01T09:00:00+08:00', system),
      })
      .thenRefuses('NO_QUOTAS', { batchId: 'ND-2016' });
  });
});

describe('Enrollment and transfer in Ningde, decided as production decides them', () => {
  // A woman born 1962-05-01 retires at 55 on 2017-05-01: in April 2016 she is exempt.
  const teacher: StreamEvent = {
    streamId: teacherStreamId('ND-T-2'),
    event: {
      type: 'TeacherRegistered',
      data: {
        teacherId: 'ND-T-2',
        schoolId: 'FA-01',
        ancestry: ['350000', '350900', '350981', 'FA-01'],
        name: '陈秀英',
        gender: 'female',
        stage: '高中',
        subject: '语文',
        fullTime: true,
        idNumberMasked: '350981********0020',
        idNumberProtected: 'protected',
      },
    },
  };
  const background = [...NINGDE, ...programmeOf('ningde-1.0'), teacher];
  const enroll = (facts: EnrollTeacherFacts) =>
    decisionsInMemory((command: EnrollTeacher) => enrollTeacherDecision.plan(command, facts), background);
  const command = (voluntary?: boolean): EnrollTeacher => ({
    type: 'EnrollTeacher',
    data: { batchId: 'ND-2016', periodId: 'P1', teacherId: 'ND-T-2', ...(voluntary ? { voluntary } : {}) },
    metadata: at('2016-04-10T09:00:00+08:00', { sub: 'fa-admin', role: 'school-admin', unitId: 'FA-01' }),
  });
  const enrolled: StreamEvent[] = [
    {
      streamId: enrollmentStreamId('ND-2016', 'ND-T-2'),
      event: {
        type: 'TeacherEnrolled',
        data: {
          batchId: 'ND-2016',
          periodId: 'P1',
          teacherId: 'ND-T-2',
          schoolId: 'FA-01',
          fullTime: true,
          enrolledAt: '2016-04-10T09:00:00+08:00',
          rules: enrollmentRulesOf(presetRulebook('ningde-1.0')),
          voluntary: true,
        },
      },
    },
    // The school's roster of the period: no seat is spent, none was received.
    {
      streamId: quotaStreamId('ND-2016', 'P1', 'FA-01'),
      event: {
        type: 'SeatTaken',
        data: { batchId: 'ND-2016', periodId: 'P1', schoolId: 'FA-01', teacherId: 'ND-T-2' },
      },
    },
    {
      streamId: teacherStreamId('ND-T-2'),
      event: { type: 'TeacherJoinedBatch', data: { teacherId: 'ND-T-2', batchId: 'ND-2016' } },
    },
  ];

  it('refuses the exempt teacher as required (EXEMPT_TEACHER), and enrolls her voluntarily without a seat', () => {
    specFor(enroll({ birthDate: '1962-05-01' }))()
      .when(command())
      .thenRefuses('EXEMPT_TEACHER', { voluntaryAllowed: true });
    specFor(enroll({ birthDate: '1962-05-01' }))()
      .when(command(true))
      .then(...enrolled);
  });

  it('moves her to another school of 福安市 that received no seat either', () => {
    const moving = decisionsInMemory(
      (transferCommand: TransferTeacher) => transferTeacherDecision.plan(transferCommand, undefined),
      [...background, ...enrolled],
    );
    const moved = [
      ...moving.decide(
        {
          type: 'TransferTeacher',
          data: { teacherId: 'ND-T-2', toSchoolId: 'FA-02' },
          metadata: at('2016-09-01T09:00:00+08:00', system),
        },
        moving.initialState(),
      ),
    ];
    expect(moved.map(({ streamId, event }) => [streamId, event.type])).toEqual([
      [teacherStreamId('ND-T-2'), 'TeacherMovedSchool'],
      [enrollmentStreamId('ND-2016', 'ND-T-2'), 'TeacherTransferred'],
      [quotaStreamId('ND-2016', 'P1', 'FA-01'), 'SeatReleased'],
      [quotaStreamId('ND-2016', 'P1', 'FA-02'), 'SeatTaken'],
    ]);
  });
});

describe('A pilot school, decided as production decides it', () => {
  it('writes the designation to the school’s closure stream in the batch', () => {
    const yueyang = decisionsInMemory(
      (command: DesignatePilotSchool) => designatePilotSchoolDecision.plan(command, undefined),
      [
        ...units({
          '430000': { kind: 'province' },
          '430600': { kind: 'city', parentId: '430000' },
          'YY-SZ12': { kind: 'school', parentId: '430600' },
        }),
        ...programmeOf('yueyang-2.0'),
      ],
    );
    specFor(yueyang)()
      .when({
        type: 'DesignatePilotSchool',
        data: { batchId: 'YY-2021', schoolId: 'YY-SZ12', finishBy: '2021-12-31' },
        metadata: at('2021-05-25T10:00:00+08:00', { sub: 'yy', role: 'city-admin', unitId: '430600' }),
      })
      .then({
        streamId: schoolClosureStreamId('YY-2021', 'YY-SZ12'),
        event: {
          type: 'PilotSchoolDesignated',
          data: {
            batchId: 'YY-2021',
            schoolId: 'YY-SZ12',
            finishBy: '2021-12-31',
            scope: 'programme',
            designatedAt: '2021-05-25T10:00:00+08:00',
          },
        },
      });
  });
});
