import { endOfLocalDay, startOfLocalDay } from '../shared/calendar';
import { batchTargetPercent, coverageCurves, percentOn, PlannedBatch } from './coverage-target';
import { presetRulebook } from './rulebook-presets';

const at = (instant: string) => Date.parse(instant);
const DAY = 86_400_000;

/**
 * Given a preset's milestones and the batches scheduled, when asked for a date, then the share
 * of all teachers due by then: figures worked out here by hand from the notices.
 */
describe('Coverage targets', () => {
  describe('Jiangsu 2.0: 20% by the end of 2020, batches of 20/40/40, everyone by the end of 2022', () => {
    const jiangsu = presetRulebook('jiangsu-2.0');
    const batches: PlannedBatch[] = [
      { batchId: 'JS-3', startsOn: '2022-01-01', endsOn: '2022-12-31', sharePercent: 40 },
      { batchId: 'JS-1', startsOn: '2020-11-01', endsOn: '2021-10-31', sharePercent: 20 },
      { batchId: 'JS-2', startsOn: '2021-04-01', endsOn: '2022-03-31', sharePercent: 40 },
    ];
    const { target, aim } = coverageCurves(jiangsu, batches);

    it('starts at 0% on the day the first batch starts, reaches 20% at the end of 2020 and holds it while batch 1 runs', () => {
      expect(percentOn(target, at('2020-10-31T12:00:00+08:00'))).toBe(0);
      expect(percentOn(target, startOfLocalDay('2020-11-01'))).toBe(0);
      // 30 of the 61 days from 1 November to 31 December (inclusive) gone by.
      expect(percentOn(target, at('2020-12-01T00:00:00+08:00'))).toBeCloseTo((20 * 30) / 61, 9);
      expect(percentOn(target, endOfLocalDay('2020-12-31'))).toBe(20);
      expect(percentOn(target, at('2021-06-01T00:00:00+08:00'))).toBe(20);
      expect(aim).toBeNull();
    });

    it('rises to 60% at the end of batch 2 and 100% at the end of 2022', () => {
      // 1 Nov 2021 (20%) to 1 Apr 2022 (60%) is 151 days; 1 Jan 2022 is 61 of them.
      expect(percentOn(target, at('2022-01-01T00:00:00+08:00'))).toBeCloseTo(20 + (40 * 61) / 151, 9);
      expect(percentOn(target, endOfLocalDay('2022-03-31'))).toBe(60);
      expect(percentOn(target, endOfLocalDay('2022-12-31'))).toBe(100);
      expect(percentOn(target, at('2026-12-06T00:00:00+08:00'))).toBe(100);
    });

    it("holds each batch to its own share: the curve less the batches before it, at most the batch's share", () => {
      const on = at('2022-01-01T00:00:00+08:00');
      const curve = 20 + (40 * 61) / 151;
      expect(batchTargetPercent(target, batches, 'JS-1', on)).toBe(20);
      expect(batchTargetPercent(target, batches, 'JS-2', on)).toBeCloseTo(curve - 20, 9);
      expect(batchTargetPercent(target, batches, 'JS-3', on)).toBe(0);
      expect(batchTargetPercent(target, batches, 'JS-1', at('2020-12-01T00:00:00+08:00'))).toBeCloseTo(
        (20 * 30) / 61,
        9,
      );
      expect(batchTargetPercent(target, batches, 'JS-3', endOfLocalDay('2022-12-31'))).toBe(40);
      expect(batchTargetPercent(target, batches, 'NOPE', on)).toBe(0);
    });

    it('with only batch 1 scheduled, goes from 20% at the end of batch 1 straight to 100% at the end of 2022', () => {
      const only = coverageCurves(jiangsu, [batches[1]]).target;
      // 1 Nov 2021 to 1 Jan 2023: 426 days; 1 Jan 2022 is 61 days in.
      expect(percentOn(only, at('2022-01-01T00:00:00+08:00'))).toBeCloseTo(20 + (80 * 61) / 426, 9);
      expect(batchTargetPercent(only, [batches[1]], 'JS-1', at('2022-01-01T00:00:00+08:00'))).toBe(20);
    });
  });

  describe('Ningde 1.0: at least 30% (aim 40%) in 2016, everyone by the end of 2017', () => {
    const ningde = presetRulebook('ningde-1.0');
    const batches: PlannedBatch[] = [
      { batchId: 'ND-2016', startsOn: '2016-04-01', endsOn: '2017-12-31', sharePercent: 100 },
    ];
    const { target, aim } = coverageCurves(ningde, batches);

    it('rises from the batch start to 30% at the end of 2016, the aim to 40%', () => {
      // 1 April 2016 to 1 January 2017: 275 days; 16 August is 137 days in.
      const august16 = at('2016-08-16T00:00:00+08:00');
      expect(percentOn(target, august16)).toBeCloseTo((30 * 137) / 275, 9);
      expect(aim && percentOn(aim, august16)).toBeCloseTo((40 * 137) / 275, 9);
      expect(percentOn(target, endOfLocalDay('2016-12-31'))).toBe(30);
      expect(aim && percentOn(aim, endOfLocalDay('2016-12-31'))).toBe(40);
    });

    it('reaches 100% at the end of 2017, the aim with it', () => {
      // 2017 has 365 days; 2 July 2017 00:00 is 182 days in.
      const july2 = at('2017-07-02T00:00:00+08:00');
      expect(percentOn(target, july2)).toBeCloseTo(30 + (70 * 182) / 365, 9);
      expect(aim && percentOn(aim, july2)).toBeCloseTo(40 + (60 * 182) / 365, 9);
      expect(percentOn(target, endOfLocalDay('2017-12-31'))).toBe(100);
      expect(batchTargetPercent(target, batches, 'ND-2016', endOfLocalDay('2017-12-31'))).toBe(100);
    });
  });

  describe('Lianyungang 1.0: everyone by the end of 2018', () => {
    const lianyungang = presetRulebook('lianyungang-1.0');
    // The 14 online periods run 2016-03-10 – 2017-12-21; the rulebook plans no batch shares.
    const batches: PlannedBatch[] = [
      { batchId: 'LYG-2016', startsOn: '2016-03-10', endsOn: '2017-12-21', sharePercent: 100 },
    ];
    const { target } = coverageCurves(lianyungang, batches);

    it('is not 100% from the start: a straight line from 10 March 2016 to the end of 2018', () => {
      // 10 March 2016 to 1 January 2019: 365 + 365 + 297 = 1,027 days; 12 December 2016 (the end of 2016-W49) is 277 days in.
      const endOfWeek49 = at('2016-12-12T00:00:00+08:00');
      expect(percentOn(target, endOfWeek49)).toBeCloseTo((100 * 277) / 1027, 9);
      expect(batchTargetPercent(target, batches, 'LYG-2016', endOfWeek49)).toBeCloseTo((100 * 277) / 1027, 9);
      // The batch's end is no milestone where the rulebook plans no batch shares.
      expect(percentOn(target, endOfLocalDay('2017-12-21'))).toBeLessThan(100);
      expect(percentOn(target, endOfLocalDay('2018-12-31'))).toBe(100);
    });
  });

  describe('Yueyang 2.0: everyone by the end of 2023', () => {
    it('rises from the first batch start to 100% at the end of 2023', () => {
      const batches: PlannedBatch[] = [
        { batchId: 'YY-2021', startsOn: '2021-06-01', endsOn: '2023-12-31', sharePercent: 100 },
      ];
      const { target } = coverageCurves(presetRulebook('yueyang-2.0'), batches);
      const days = (endOfLocalDay('2023-12-31') - startOfLocalDay('2021-06-01')) / DAY;
      expect(days).toBe(944);
      // 1 June 2022 is 365 days in.
      expect(percentOn(target, at('2022-06-01T00:00:00+08:00'))).toBeCloseTo((100 * 365) / 944, 9);
    });
  });

  it('never falls: a milestone lower than one before it is held at the earlier level', () => {
    const { target } = coverageCurves(
      {
        coverageTargets: [
          { by: '2020-06-30', minPercent: 50, aimPercent: null },
          { by: '2020-12-31', minPercent: 40, aimPercent: null },
        ],
        batchSharesPercent: null,
      },
      [{ batchId: 'B', startsOn: '2020-01-01', endsOn: '2020-12-31', sharePercent: 100 }],
    );
    expect(percentOn(target, at('2020-09-01T00:00:00+08:00'))).toBe(50);
  });
});
