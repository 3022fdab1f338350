import { fold } from '../shared/decider';
import {
  batchEvolver,
  BatchState,
  batchStreamId,
  isWithinStudyWindow,
  periodOf,
  requireScheduledPeriod,
  studyWindowOf,
} from './batch';
import { Period } from './programme.commands';
import { BatchScheduled } from './programme.events';
import { presetRulebook } from './rulebook-presets';

const scheduled = (rulebookName: string, startsOn: string, endsOn: string, periods: Period[]): BatchState =>
  fold(batchEvolver, [
    {
      type: 'BatchScheduled',
      data: {
        programmeId: 'PG',
        batchId: 'B1',
        name: '第一批次',
        startsOn,
        endsOn,
        sharePercent: 20,
        periods,
        rulebook: presetRulebook(rulebookName),
      },
    } satisfies BatchScheduled,
  ]);

const jiangsuBatch1 = scheduled('jiangsu-2.0', '2020-11-01', '2021-10-31', [
  { periodId: 'P1', startsOn: '2020-11-01', endsOn: '2020-11-30' },
  { periodId: 'P2', startsOn: '2020-12-01', endsOn: '2020-12-31' },
]);
const lianyungang = scheduled('lianyungang-1.0', '2016-03-10', '2018-12-31', [
  { periodId: '第1期', startsOn: '2016-03-10', endsOn: '2016-04-18' },
]);
const ningde = scheduled('ningde-1.0', '2016-04-01', '2017-12-31', [
  { periodId: 'P1', startsOn: '2016-04-01', endsOn: '2016-06-30' },
]);

describe('Batch', () => {
  it('lives on its own stream', () => {
    expect(batchStreamId('JS-B1')).toBe('batch-JS-B1');
  });

  describe('when unscheduled', () => {
    const unscheduled: BatchState = fold(batchEvolver, []);

    it('knows no period and counts no study', () => {
      expect(unscheduled).toEqual({ status: 'unscheduled' });
      expect(periodOf(unscheduled, 'P1')).toBeUndefined();
      expect(
        isWithinStudyWindow(unscheduled, {
          periodId: 'P1',
          enrolledAt: '2020-11-01T00:00:00Z',
          at: '2020-11-02T00:00:00Z',
        }),
      ).toBe(false);
    });
  });

  describe('when scheduled', () => {
    it('tells its programme, periods and the rulebook fixed when it was scheduled', () => {
      expect(jiangsuBatch1).toMatchObject({ status: 'scheduled', programmeId: 'PG', batchId: 'B1' });
      expect(jiangsuBatch1.status === 'scheduled' && jiangsuBatch1.rulebook.id).toBe('jiangsu-2.0');
      expect(periodOf(jiangsuBatch1, 'P2')).toEqual({ periodId: 'P2', startsOn: '2020-12-01', endsOn: '2020-12-31' });
      expect(periodOf(jiangsuBatch1, 'P9')).toBeUndefined();
    });

    it('gives a Jiangsu teacher one month from enrollment, inside the period', () => {
      // Enrolled 10 November in period P1: the month would end 10 December, the period ends first.
      expect(studyWindowOf(jiangsuBatch1, { periodId: 'P1', enrolledAt: '2020-11-10T09:00:00+08:00' })).toEqual({
        from: '2020-11-10T01:00:00.000Z',
        until: '2020-11-30T16:00:00.000Z',
      });
      // Enrolled 1 December 09:00 in P2: a calendar month later, 1 January 09:00, is past the period's end.
      expect(studyWindowOf(jiangsuBatch1, { periodId: 'P2', enrolledAt: '2020-12-01T09:00:00+08:00' })).toEqual({
        from: '2020-12-01T01:00:00.000Z',
        until: '2020-12-31T16:00:00.000Z',
      });
    });

    it('cuts the Jiangsu month short of the period end when the month ends first', () => {
      const longPeriod = scheduled('jiangsu-2.0', '2020-11-01', '2021-10-31', [
        { periodId: 'P', startsOn: '2020-11-01', endsOn: '2021-01-30' },
      ]);
      expect(studyWindowOf(longPeriod, { periodId: 'P', enrolledAt: '2020-11-15T08:00:00+08:00' })).toEqual({
        from: '2020-11-15T00:00:00.000Z',
        until: '2020-12-15T00:00:00.000Z',
      });
      expect(
        isWithinStudyWindow(longPeriod, {
          periodId: 'P',
          enrolledAt: '2020-11-15T08:00:00+08:00',
          at: '2020-12-15T07:59:59+08:00',
        }),
      ).toBe(true);
      expect(
        isWithinStudyWindow(longPeriod, {
          periodId: 'P',
          enrolledAt: '2020-11-15T08:00:00+08:00',
          at: '2020-12-15T08:00:00+08:00',
        }),
      ).toBe(false);
    });

    it('counts nothing before enrollment', () => {
      expect(
        isWithinStudyWindow(jiangsuBatch1, {
          periodId: 'P1',
          enrolledAt: '2020-11-10T09:00:00+08:00',
          at: '2020-11-10T08:59:59+08:00',
        }),
      ).toBe(false);
    });

    it('gives a Lianyungang teacher the 40 days of the period, ending with its last day in China time', () => {
      const query = { periodId: '第1期', enrolledAt: '2016-03-01T09:00:00+08:00' };
      expect(studyWindowOf(lianyungang, query)).toEqual({
        from: '2016-03-09T16:00:00.000Z',
        until: '2016-04-18T16:00:00.000Z',
      });
      expect(isWithinStudyWindow(lianyungang, { ...query, at: '2016-04-18T23:59:59+08:00' })).toBe(true);
      expect(isWithinStudyWindow(lianyungang, { ...query, at: '2016-04-18T16:00:00Z' })).toBe(false);
    });

    it('lets a Ningde teacher study anywhere in the batch, as the seed sets no window', () => {
      expect(studyWindowOf(ningde, { periodId: 'P1', enrolledAt: '2016-04-05T10:00:00+08:00' })).toEqual({
        from: '2016-04-05T02:00:00.000Z',
        until: '2017-12-31T16:00:00.000Z',
      });
      expect(
        isWithinStudyWindow(ningde, {
          periodId: 'P1',
          enrolledAt: '2016-04-05T10:00:00+08:00',
          at: '2017-09-01T10:00:00+08:00',
        }),
      ).toBe(true);
    });

    it('gives an empty window to a teacher enrolled after the period closed', () => {
      const window = studyWindowOf(jiangsuBatch1, { periodId: 'P1', enrolledAt: '2020-12-05T09:00:00+08:00' });
      expect(window?.from).toBe(window?.until);
      expect(
        isWithinStudyWindow(jiangsuBatch1, {
          periodId: 'P1',
          enrolledAt: '2020-12-05T09:00:00+08:00',
          at: '2020-12-05T10:00:00+08:00',
        }),
      ).toBe(false);
    });
  });
});

describe('requireScheduledPeriod', () => {
  const scheduled = fold(batchEvolver, [
    {
      type: 'BatchScheduled',
      data: {
        programmeId: 'P',
        batchId: 'B1',
        name: '第一批',
        startsOn: '2020-11-01',
        endsOn: '2021-10-31',
        sharePercent: 20,
        periods: [{ periodId: '1', startsOn: '2020-11-01', endsOn: '2020-11-30' }],
        rulebook: presetRulebook('jiangsu-2.0'),
      },
    },
  ]);

  it('gives the period of a scheduled batch', () => {
    expect(requireScheduledPeriod(scheduled, 'B1', '1')).toEqual({
      periodId: '1',
      startsOn: '2020-11-01',
      endsOn: '2020-11-30',
    });
  });

  it('refuses an unscheduled batch and an unknown period, naming the periods there are', () => {
    expect(() => requireScheduledPeriod(batchEvolver.initialState(), 'B9', '1')).toThrow(
      expect.objectContaining({ code: 'UNKNOWN_BATCH' }),
    );
    expect(() => requireScheduledPeriod(scheduled, 'B1', '2')).toThrow(
      expect.objectContaining({ code: 'UNKNOWN_PERIOD', details: expect.objectContaining({ periods: ['1'] }) }),
    );
  });
});
