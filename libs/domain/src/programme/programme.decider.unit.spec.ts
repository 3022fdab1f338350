import { specFor } from '../shared/given-when-then';
import { CommandMetadata } from '../shared/messages';
import { fold } from '../shared/decider';
import { batchEvolver, BatchState } from './batch';
import { LaunchProgramme, LaunchProgrammeData, Period, ScheduleBatch, ScheduleBatchData } from './programme.commands';
import { BatchScheduled, ProgrammeEvent, ProgrammeLaunched } from './programme.events';
import { programmeDecider, ProgrammeLookups, ProvinceLookup, programmeStreamId } from './programme.decider';
import { Rulebook } from './rulebook';
import { presetRulebook } from './rulebook-presets';

const metadata: CommandMetadata = {
  now: '2020-10-20T09:00:00+08:00',
  actor: { sub: 'js-admin', role: 'province-admin', unitId: '320000' },
};
const jiangsuProvince: ProvinceLookup = { status: 'registered', unitId: '320000', kind: 'province' };
const jiangsu = presetRulebook('jiangsu-2.0');
const lianyungangRules = presetRulebook('lianyungang-1.0');

const launch = (data: Partial<LaunchProgrammeData> = {}): LaunchProgramme => ({
  type: 'LaunchProgramme',
  data: { programmeId: 'JS-2.0', name: '江苏省提升工程2.0', provinceId: '320000', rulebook: 'jiangsu-2.0', ...data },
  metadata,
});
const launched = (rulebook: Rulebook = jiangsu, programmeId = 'JS-2.0'): ProgrammeLaunched => ({
  type: 'ProgrammeLaunched',
  data: { programmeId, name: '江苏省提升工程2.0', provinceId: '320000', ownerUnitId: '320000', rulebook },
});

// Batch 1's three online periods lie in 2020-11-01 – 2021-01-30; the seed leaves their dates to
// the platform ("具体以平台公布为准"), so these are illustrative. Batches 2 and 3 get one each.
const batch1Periods: Period[] = [
  { periodId: 'P1', startsOn: '2020-11-01', endsOn: '2020-11-30' },
  { periodId: 'P2', startsOn: '2020-12-01', endsOn: '2020-12-31' },
  { periodId: 'P3', startsOn: '2021-01-01', endsOn: '2021-01-30' },
];
const batch = (
  batchId: string,
  startsOn: string,
  endsOn: string,
  sharePercent: number,
  periods: Period[],
): ScheduleBatchData => ({
  programmeId: 'JS-2.0',
  batchId,
  name: `第${batchId.slice(-1)}批次`,
  startsOn,
  endsOn,
  sharePercent,
  periods,
});
const batch1 = batch('JS-B1', '2020-11-01', '2021-10-31', 20, batch1Periods);
const batch2 = batch('JS-B2', '2021-04-01', '2022-03-31', 40, [
  { periodId: 'P1', startsOn: '2021-04-01', endsOn: '2021-04-30' },
]);
const batch3 = batch('JS-B3', '2022-01-01', '2022-12-31', 40, [
  { periodId: 'P1', startsOn: '2022-01-01', endsOn: '2022-01-31' },
]);

const schedule = (data: ScheduleBatchData, overrides: Partial<ScheduleBatchData> = {}): ScheduleBatch => ({
  type: 'ScheduleBatch',
  data: { ...data, ...overrides },
  metadata,
});
const scheduled = (data: ScheduleBatchData, rulebook: Rulebook = jiangsu): BatchScheduled => ({
  type: 'BatchScheduled',
  data: { ...data, rulebook, ownerUnitId: '320000' },
});

const given = (lookups: ProgrammeLookups, ...events: ProgrammeEvent[]) => specFor(programmeDecider(lookups))(...events);

describe('Programme', () => {
  it('lives on its own stream', () => {
    expect(programmeStreamId('JS-2.0')).toBe('programme-JS-2.0');
  });

  describe('when not launched', () => {
    it('launches with a preset, carrying the whole rulebook in the event', () => {
      given({ province: jiangsuProvince }).when(launch()).then(launched());
    });

    it.each(['lianyungang-1.0', 'ningde-1.0', 'yueyang-2.0'])('launches with the preset %s', (name) => {
      given({ province: jiangsuProvince })
        .when(launch({ rulebook: name }))
        .then(launched(presetRulebook(name)));
    });

    it("launches with a caller's own full rulebook", () => {
      const own: Rulebook = {
        ...(JSON.parse(JSON.stringify(jiangsu)) as Rulebook),
        id: 'js-2.0-pilot',
        closureThresholdPercent: 85,
      };
      given({ province: jiangsuProvince })
        .when(launch({ rulebook: own }))
        .then(launched(own));
    });

    it('refuses an unknown preset name (UNKNOWN_RULEBOOK)', () => {
      given({ province: jiangsuProvince })
        .when(launch({ rulebook: 'shanghai-2.0' }))
        .thenRefuses('UNKNOWN_RULEBOOK', { rulebook: 'shanghai-2.0' });
    });

    it('refuses a malformed rulebook object, naming its fields (BAD_RULEBOOK)', () => {
      const broken = { ...jiangsu, id: 'js-broken', planThresholdPercent: 190 };
      given({ province: jiangsuProvince })
        .when(launch({ rulebook: broken }))
        .thenRefuses('BAD_RULEBOOK', {
          problems: [{ field: 'rulebook.planThresholdPercent', problem: 'must be a number ≥ 0 and ≤ 100' }],
        });
    });

    it('refuses a province that is not registered (UNKNOWN_UNIT)', () => {
      given({ province: { status: 'unregistered' } })
        .when(launch())
        .thenRefuses('UNKNOWN_UNIT', { provinceId: '320000' });
      given({}).when(launch()).thenRefuses('UNKNOWN_UNIT', { provinceId: '320000' });
    });

    it('refuses a unit that is not a province (UNKNOWN_UNIT)', () => {
      given({ province: { status: 'registered', unitId: '320700', kind: 'city' } })
        .when(launch({ provinceId: '320700' }))
        .thenRefuses('UNKNOWN_UNIT', { provinceId: '320700' });
    });

    it('refuses to schedule a batch (UNKNOWN_PROGRAMME)', () => {
      given({}).when(schedule(batch1)).thenRefuses('UNKNOWN_PROGRAMME', { programmeId: 'JS-2.0' });
    });
  });

  describe('when launched', () => {
    it('does nothing when launched again with identical data (by preset name)', () => {
      given({}, launched()).when(launch()).thenNothingHappens();
    });

    it('does nothing when launched again with the identical rulebook object', () => {
      given({}, launched())
        .when(launch({ rulebook: JSON.parse(JSON.stringify(jiangsu)) as Rulebook }))
        .thenNothingHappens();
    });

    it('refuses other data, naming the fields (PROGRAMME_ALREADY_LAUNCHED)', () => {
      given({ province: jiangsuProvince }, launched())
        .when(launch({ name: '另一个名称', rulebook: 'ningde-1.0' }))
        .thenRefuses('PROGRAMME_ALREADY_LAUNCHED', { fields: ['name', 'rulebook'] });
    });

    it("schedules a batch, copying the programme's rulebook so the batch's rules are fixed", () => {
      given({}, launched()).when(schedule(batch1)).then(scheduled(batch1));
    });

    it("schedules Lianyungang's fourteen 40-day periods of 2016–2017 in one batch", () => {
      const lianyungangPeriods: Period[] = [
        ['2016-03-10', '2016-04-18'],
        ['2016-04-24', '2016-06-02'],
        ['2016-06-08', '2016-07-17'],
        ['2016-07-23', '2016-08-31'],
        ['2016-09-06', '2016-10-15'],
        ['2016-10-21', '2016-11-29'],
        ['2016-12-05', '2017-01-13'],
        ['2017-02-15', '2017-03-26'],
        ['2017-04-01', '2017-05-10'],
        ['2017-05-16', '2017-06-24'],
        ['2017-06-30', '2017-08-08'],
        ['2017-08-14', '2017-09-22'],
        ['2017-09-28', '2017-11-06'],
        ['2017-11-12', '2017-12-21'],
      ].map(([startsOn, endsOn], index) => ({ periodId: `第${index + 1}期`, startsOn, endsOn }));
      const lyg: ScheduleBatchData = {
        programmeId: 'LYG-2016',
        batchId: 'LYG-2016-ALL',
        name: '全员培训',
        startsOn: '2016-03-10',
        endsOn: '2018-12-31',
        sharePercent: 100,
        periods: lianyungangPeriods,
      };
      given({}, launched(lianyungangRules, 'LYG-2016')).when(schedule(lyg)).then(scheduled(lyg, lianyungangRules));
    });

    describe('refuses a batch breaking a rule (BATCH_OVERLAPS_RULES)', () => {
      const refuses = (overrides: Partial<ScheduleBatchData>, rule: string, details: Record<string, unknown> = {}) =>
        given({}, launched())
          .when(schedule(batch1, overrides))
          .thenRefuses('BATCH_OVERLAPS_RULES', { rule, ...details });

      it('that does not start before it ends', () => {
        refuses({ endsOn: '2020-11-01' }, 'batch-starts-before-it-ends');
        refuses({ endsOn: '2020-10-31', periods: [] }, 'batch-starts-before-it-ends');
      });

      it('whose dates are not calendar dates', () => {
        refuses({ endsOn: '2021-02-29' }, 'dates-are-calendar-dates', { fields: ['endsOn'] });
        refuses(
          { periods: [{ periodId: 'P1', startsOn: '2020/11/01', endsOn: '2020-11-30' }] },
          'dates-are-calendar-dates',
          {
            fields: ['periods[0].startsOn'],
          },
        );
      });

      it('without periods', () => {
        refuses({ periods: [] }, 'periods-required');
      });

      it('with a period id twice', () => {
        refuses({ periods: [batch1Periods[0], { ...batch1Periods[1], periodId: 'P1' }] }, 'period-ids-unique', {
          periodIds: ['P1'],
        });
      });

      it('with a period ending before it starts', () => {
        refuses(
          { periods: [{ periodId: 'P1', startsOn: '2020-11-30', endsOn: '2020-11-01' }] },
          'period-starts-before-it-ends',
          { periodId: 'P1' },
        );
      });

      it('with a period outside the batch window', () => {
        refuses(
          { periods: [{ periodId: 'P0', startsOn: '2020-10-25', endsOn: '2020-11-20' }] },
          'period-inside-batch',
          { periodId: 'P0' },
        );
        refuses(
          { periods: [{ periodId: 'P9', startsOn: '2021-10-01', endsOn: '2021-11-01' }] },
          'period-inside-batch',
          { periodId: 'P9' },
        );
      });

      it('with periods sharing a day (dates are inclusive)', () => {
        refuses(
          { periods: [batch1Periods[0], { periodId: 'P2', startsOn: '2020-11-30', endsOn: '2020-12-31' }] },
          'periods-do-not-overlap',
          { periodIds: ['P1', 'P2'] },
        );
      });

      it('with a share outside (0, 100]', () => {
        refuses({ sharePercent: 0 }, 'share-percent-in-range');
        refuses({ sharePercent: 101 }, 'share-percent-in-range');
      });
    });
  });

  describe('when batches are scheduled', () => {
    it("schedules Jiangsu's three batches although batch 2 starts before batch 1 ends", () => {
      given({}, launched(), scheduled(batch1)).when(schedule(batch2)).then(scheduled(batch2));
      given({}, launched(), scheduled(batch1), scheduled(batch2)).when(schedule(batch3)).then(scheduled(batch3));
    });

    it('does nothing when the same batch is scheduled again with identical data', () => {
      given({}, launched(), scheduled(batch1)).when(schedule(batch1)).thenNothingHappens();
    });

    it('refuses the same batch id with other data (BATCH_OVERLAPS_RULES: batch-already-scheduled)', () => {
      given({}, launched(), scheduled(batch1))
        .when(schedule(batch1, { endsOn: '2021-11-30', sharePercent: 25 }))
        .thenRefuses('BATCH_OVERLAPS_RULES', { rule: 'batch-already-scheduled', fields: ['endsOn', 'sharePercent'] });
    });

    it('refuses a batch id another programme already uses (BATCH_OVERLAPS_RULES: batch-id-taken)', () => {
      const other: BatchState = fold(batchEvolver, [scheduled({ ...batch2, programmeId: 'NJ-2.0' })]);
      given({ batch: other }, launched(), scheduled(batch1))
        .when(schedule(batch2))
        .thenRefuses('BATCH_OVERLAPS_RULES', { rule: 'batch-id-taken', takenBy: 'NJ-2.0' });
    });

    it('refuses shares beyond 100% in total (BATCH_OVERLAPS_RULES: shares-add-up-to-at-most-100)', () => {
      given({}, launched(), scheduled(batch1), scheduled(batch2))
        .when(schedule(batch3, { sharePercent: 41 }))
        .thenRefuses('BATCH_OVERLAPS_RULES', {
          rule: 'shares-add-up-to-at-most-100',
          scheduledPercent: 60,
          sharePercent: 41,
        });
    });

    it('refuses a batch starting before the previous one starts (BATCH_OVERLAPS_RULES: batches-start-in-order)', () => {
      given({}, launched(), scheduled(batch1), scheduled(batch2))
        .when(
          schedule(batch3, {
            startsOn: '2021-03-01',
            periods: [{ periodId: 'P1', startsOn: '2021-03-01', endsOn: '2021-03-31' }],
          }),
        )
        .thenRefuses('BATCH_OVERLAPS_RULES', {
          rule: 'batches-start-in-order',
          previousBatchId: 'JS-B2',
          previousStartsOn: '2021-04-01',
        });
    });

    it('allows a batch starting on the same day as the previous one', () => {
      const twin = { ...batch2, batchId: 'JS-B2b', sharePercent: 40 };
      given({}, launched(), scheduled(batch1), scheduled(batch2)).when(schedule(twin)).then(scheduled(twin));
    });
  });
});
