import { endOfLocalDay, startOfLocalDay } from '@tip/domain';
import { BatchTargets } from '../views/teacher-figures.query';
import { paceOf } from '../views/weekly-notice.query';
import { endsOnAt, extensionsBefore } from './batch-end';

/** A batch of 2021 extended twice: on 2021-12-20 to 2022-03-31, on 2022-03-25 to 2022-06-30. */
const batch = {
  batchId: 'B1',
  startsOn: '2021-01-01',
  endsOn: '2022-06-30',
  scheduledEndsOn: '2021-12-31',
  sharePercent: 50,
  extensions: [
    { endsOn: '2022-03-31', previousEndsOn: '2021-12-31', reason: '疫情停课', at: '2021-12-20T01:00:00.000Z' },
    { endsOn: '2022-06-30', previousEndsOn: '2022-03-31', reason: '补考', at: '2022-03-25T01:00:00.000Z' },
  ],
};
const on = (date: string) => startOfLocalDay(date);

describe('A batch’s end as in force at an instant (ExtendBatch)', () => {
  it('is the end as scheduled before any extension, then each extension’s from its time on', () => {
    expect(endsOnAt(batch, on('2021-12-20'))).toBe('2021-12-31');
    expect(endsOnAt(batch, on('2021-12-21'))).toBe('2022-03-31');
    expect(endsOnAt(batch, on('2022-07-01'))).toBe('2022-06-30');
    expect(extensionsBefore(batch, on('2022-01-01')).map((each) => each.reason)).toEqual(['疫情停课']);
  });

  it('keeps a past week’s pace (时间进度) as it was when the batch is extended later', () => {
    // Half of 2021 gone by on 2021-07-02 00:00: 182 of 365 days.
    const july = on('2021-07-02');
    const scheduled = { ...batch, endsOn: '2021-12-31', extensions: [] };
    expect(paceOf(batch, july)).toBe(paceOf(scheduled, july));
    expect(paceOf(batch, july)).toBe(
      Math.round(((july - on('2021-01-01')) / (endOfLocalDay('2021-12-31') - on('2021-01-01'))) * 1000) / 10,
    );
    // After the first extension, the days run to 2022-03-31.
    const january = on('2022-01-01');
    expect(paceOf(batch, january)).toBe(
      Math.round(((january - on('2021-01-01')) / (endOfLocalDay('2022-03-31') - on('2021-01-01'))) * 1000) / 10,
    );
  });

  it('keeps a past week’s target as it was, and holds later weeks to the end in force then', () => {
    // Two batches of 50% each, no milestones of their own: batch 1's target rises to 50% by its end.
    const rulebook = { coverageTargets: [], batchSharesPercent: [50, 50] };
    const second = {
      ...batch,
      batchId: 'B2',
      startsOn: '2023-01-01',
      endsOn: '2023-12-31',
      scheduledEndsOn: '2023-12-31',
      extensions: [],
    };
    const extended = BatchTargets.from({ batchId: 'B1', rulebook }, [batch, second]);
    const asScheduled = BatchTargets.from({ batchId: 'B1', rulebook }, [
      { ...batch, endsOn: '2021-12-31', extensions: [] },
      second,
    ]);
    const december = on('2021-12-01');
    expect(extended.targetAt(december)).toBe(asScheduled.targetAt(december));
    expect(asScheduled.targetAt(on('2022-01-01'))).toBe(50);
    // On 2022-01-01 the batch runs to 2022-03-31: 365 of 455 days gone, 50 × 365 / 455 = 40.1%.
    expect(extended.targetAt(on('2022-01-01'))).toBe(40.1);
    expect(extended.targetAt(on('2022-07-01'))).toBe(50);
  });
});
