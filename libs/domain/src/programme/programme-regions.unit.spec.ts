import { fold } from '../shared/decider';
import { specFor } from '../shared/given-when-then';
import { Actor, CommandMetadata } from '../shared/messages';
import { batchEvolver, isBatchEnded, studyWindowOf } from './batch';
import { batchScheduledOf, NOTICE_BATCHES, noticeBatch, rulebookLike } from './batch.spec-fixtures';
import { ExtendBatch, LaunchProgramme, ScheduleBatch, ScheduleBatchData } from './programme.commands';
import { BatchExtended, BatchScheduled, ProgrammeEvent, ProgrammeLaunched } from './programme.events';
import { programmeDecider, ProgrammeLookups, ProvinceLookup } from './programme.decider';
import { Rulebook } from './rulebook';
import { presetRulebook } from './rulebook-presets';

const at = (now: string, actor: Actor): CommandMetadata => ({ now, actor });
const provinceAdmin: Actor = { sub: 'js-admin', role: 'province-admin', unitId: '320000' };
const jiangsu = presetRulebook('jiangsu-2.0');

const launched = (
  programmeId: string,
  provinceId: string,
  ownerUnitId: string,
  rulebook: Rulebook,
): ProgrammeLaunched => ({
  type: 'ProgrammeLaunched',
  data: { programmeId, name: rulebook.name, provinceId, ownerUnitId, rulebook },
});
const given = (lookups: ProgrammeLookups, ...events: ProgrammeEvent[]) => specFor(programmeDecider(lookups))(...events);

describe('Batch plans: ScheduleBatch fits the rulebook’s shares', () => {
  const jsLaunched = launched('JS-2.0', '320000', '320000', jiangsu);
  const plan = (batchId: string, startsOn: string, endsOn: string, sharePercent: number): ScheduleBatchData => ({
    programmeId: 'JS-2.0',
    batchId,
    name: batchId,
    startsOn,
    endsOn,
    sharePercent,
    periods: [{ periodId: 'P1', startsOn, endsOn: startsOn.slice(0, 8) + '28' }],
  });
  const schedule = (data: ScheduleBatchData): ScheduleBatch => ({
    type: 'ScheduleBatch',
    data,
    metadata: at('2020-10-20T09:00:00+08:00', provinceAdmin),
  });
  const scheduled = (data: ScheduleBatchData, rulebook = jiangsu): BatchScheduled => ({
    type: 'BatchScheduled',
    data: { ...data, rulebook, ownerUnitId: '320000' },
  });
  // 第一批次 2020-11-01 – 2021-10-31, 第二批次 2021-04-01 – 2022-03-31, 第三批次 2022-01-01 – 2022-12-31
  const b1 = plan('JS-B1', '2020-11-01', '2021-10-31', 20);
  const b2 = plan('JS-B2', '2021-04-01', '2022-03-31', 40);
  const b3 = plan('JS-B3', '2022-01-01', '2022-12-31', 40);

  it('schedules Jiangsu’s 20%, 40%, 40% in order', () => {
    given({}, jsLaunched).when(schedule(b1)).then(scheduled(b1));
    given({}, jsLaunched, scheduled(b1)).when(schedule(b2)).then(scheduled(b2));
    given({}, jsLaunched, scheduled(b1), scheduled(b2)).when(schedule(b3)).then(scheduled(b3));
  });

  it('refuses a 60% first batch (BATCH_SHARE_MISMATCH)', () => {
    given({}, jsLaunched)
      .when(schedule({ ...b1, sharePercent: 60 }))
      .thenRefuses('BATCH_SHARE_MISMATCH', {
        batchNumber: 1,
        sharePercent: 60,
        plannedPercent: 20,
        plan: [20, 40, 40],
      });
  });

  it('refuses a second batch of 20% (BATCH_SHARE_MISMATCH)', () => {
    given({}, jsLaunched, scheduled(b1))
      .when(schedule({ ...b2, sharePercent: 20 }))
      .thenRefuses('BATCH_SHARE_MISMATCH', { batchNumber: 2, plannedPercent: 40 });
  });

  it('refuses a fourth batch the plan does not have (BATCH_SHARE_MISMATCH)', () => {
    const custom = rulebookLike('jiangsu-2.0', { batchSharesPercent: [20, 40] });
    const b3of2 = { ...b3, sharePercent: 10 };
    given({}, launched('JS-2.0', '320000', '320000', custom), scheduled(b1, custom), scheduled(b2, custom))
      .when(schedule(b3of2))
      .thenRefuses('BATCH_SHARE_MISMATCH', { batchNumber: 3, plannedPercent: null });
  });

  it('leaves shares free where the rulebook plans none (Yueyang)', () => {
    const yueyang = presetRulebook('yueyang-2.0');
    const free = { ...b1, programmeId: 'YY-2.0', sharePercent: 35 };
    given({}, launched('YY-2.0', '430000', '430600', yueyang))
      .when(schedule(free))
      .then({ type: 'BatchScheduled', data: { ...free, rulebook: yueyang, ownerUnitId: '430600' } });
  });
});

describe('City-run programmes (three of the four notices are a city’s own)', () => {
  const fujian: ProvinceLookup = { status: 'registered', unitId: '350000', kind: 'province' };
  const ningdeCity: ProvinceLookup = { status: 'registered', unitId: '350900', kind: 'city', parentId: '350000' };
  const cityAdmin: Actor = { sub: 'nd-admin', role: 'city-admin', unitId: '350900' };
  const launch = (ownerUnitId?: string): LaunchProgramme => ({
    type: 'LaunchProgramme',
    data: {
      programmeId: 'ND-1.0',
      name: presetRulebook('ningde-1.0').name,
      provinceId: '350000',
      rulebook: 'ningde-1.0',
      ...(ownerUnitId === undefined ? {} : { ownerUnitId }),
    },
    metadata: at('2016-03-15T09:00:00+08:00', cityAdmin),
  });
  const ningdeLaunched = launched('ND-1.0', '350000', '350900', presetRulebook('ningde-1.0'));

  it('launches a programme run by 宁德市, recording its owner', () => {
    given({ province: fujian, owner: ningdeCity }).when(launch('350900')).then(ningdeLaunched);
  });

  it('is run by its province when no owner is named', () => {
    given({ province: fujian })
      .when(launch())
      .then(launched('ND-1.0', '350000', '350000', presetRulebook('ningde-1.0')));
  });

  it('refuses an owner that is not a city of the province (BAD_OWNER)', () => {
    const county: ProvinceLookup = { status: 'registered', unitId: '350981', kind: 'county', parentId: '350900' };
    given({ province: fujian, owner: county })
      .when(launch('350981'))
      .thenRefuses('BAD_OWNER', { ownerUnitId: '350981', kind: 'county' });
    const otherProvince: ProvinceLookup = { status: 'registered', unitId: '320700', kind: 'city', parentId: '320000' };
    given({ province: fujian, owner: otherProvince }).when(launch('320700')).thenRefuses('BAD_OWNER');
  });

  it('refuses an owner not registered (UNKNOWN_UNIT)', () => {
    given({ province: fujian, owner: { status: 'unregistered' } })
      .when(launch('350900'))
      .thenRefuses('UNKNOWN_UNIT', { ownerUnitId: '350900' });
  });

  it('refuses launching the same programme again under another owner (PROGRAMME_ALREADY_LAUNCHED)', () => {
    given({ province: fujian }, ningdeLaunched)
      .when(launch())
      .thenRefuses('PROGRAMME_ALREADY_LAUNCHED', { fields: ['ownerUnitId'] });
  });

  it('copies the owner into every batch it schedules', () => {
    const data = { ...NOTICE_BATCHES['ningde-1.0'] };
    const { ownerUnitId: _owner, ...command } = data;
    given({}, ningdeLaunched)
      .when({ type: 'ScheduleBatch', data: command, metadata: at('2016-03-20T09:00:00+08:00', cityAdmin) })
      .then(batchScheduledOf('ningde-1.0'));
  });
});

describe('ExtendBatch: the owner moves a batch’s end later, with a reason', () => {
  const jsLaunched = launched('JS-2.0', '320000', '320000', jiangsu);
  const scheduled = batchScheduledOf('jiangsu-2.0');
  const batch = noticeBatch('jiangsu-2.0');
  const extend = (endsOn: string, reason = '疫情影响，第一批次考核延至年底'): ExtendBatch => ({
    type: 'ExtendBatch',
    data: { batchId: 'JS-2020-1', endsOn, reason },
    metadata: at('2021-10-20T09:00:00+08:00', provinceAdmin),
  });
  const extended: BatchExtended = {
    type: 'BatchExtended',
    data: {
      programmeId: 'JS-2.0',
      batchId: 'JS-2020-1',
      endsOn: '2021-12-31',
      previousEndsOn: '2021-10-31',
      reason: '疫情影响，第一批次考核延至年底',
    },
  };

  it('extends batch 1 from 2021-10-31 to 2021-12-31, keeping the reason', () => {
    given({ batch }, jsLaunched, scheduled).when(extend('2021-12-31')).then(extended);
  });

  it('appends nothing for the same extension again', () => {
    const again = fold(batchEvolver, [scheduled, extended]);
    given({ batch: again }, jsLaunched, scheduled, extended).when(extend('2021-12-31')).thenNothingHappens();
  });

  it('refuses an end that is not later (NOT_LATER)', () => {
    given({ batch }, jsLaunched, scheduled)
      .when(extend('2021-10-31'))
      .thenRefuses('NOT_LATER', { endsOn: '2021-10-31', currentEndsOn: '2021-10-31' });
    given({ batch }, jsLaunched, scheduled).when(extend('2021-09-30')).thenRefuses('NOT_LATER');
  });

  it('refuses a batch that is not scheduled (UNKNOWN_BATCH)', () => {
    given({ batch: { status: 'unscheduled' } }, jsLaunched)
      .when(extend('2021-12-31'))
      .thenRefuses('UNKNOWN_BATCH', { batchId: 'JS-2020-1' });
  });

  it('refuses a day that does not exist', () => {
    given({ batch }, jsLaunched, scheduled)
      .when(extend('2021-11-31'))
      .thenRefuses('BATCH_OVERLAPS_RULES', { rule: 'dates-are-calendar-dates' });
  });

  it('moves the batch’s end, keeping the end it was scheduled with and the extension', () => {
    const state = fold(batchEvolver, [scheduled, extended]);
    expect(state).toMatchObject({
      endsOn: '2021-12-31',
      scheduledEndsOn: '2021-10-31',
      extensions: [{ endsOn: '2021-12-31', previousEndsOn: '2021-10-31', reason: '疫情影响，第一批次考核延至年底' }],
    });
    if (state.status !== 'scheduled') throw new Error('scheduled');
    expect(isBatchEnded(state, '2021-11-15T09:00:00+08:00')).toBe(false);
    expect(isBatchEnded(state, '2022-01-01T00:00:00+08:00')).toBe(true);
  });

  it('lets the owner’s programme list the extension beside the batch as scheduled', () => {
    const state = fold(programmeDecider(), [jsLaunched, scheduled, extended]);
    if (state.status !== 'launched') throw new Error('launched');
    expect(state.batches[0]).toMatchObject({ endsOn: '2021-10-31', extensions: [{ endsOn: '2021-12-31' }] });
  });

  it('extends the online window of a programme whose study runs with the batch (Ningde)', () => {
    const ningde = noticeBatch('ningde-1.0', { extendedTo: '2018-03-31' });
    const window = studyWindowOf(ningde, { periodId: 'P1', enrolledAt: '2016-04-05T09:00:00+08:00' });
    // Ningde's online study is not held to a period: its window is the batch, to the new end (China midnight).
    expect(window?.until).toBe('2018-03-31T16:00:00.000Z');
  });
});
