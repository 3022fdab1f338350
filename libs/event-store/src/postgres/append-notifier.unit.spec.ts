import { Pool } from 'pg';
import { AppendNotifier } from './append-notifier';

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

describe('The append notifier', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  function counting(coalesceMs: number) {
    const sent: unknown[][] = [];
    const pool = { query: async (_text: string, values: unknown[]) => void sent.push(values) } as unknown as Pool;
    return { sent, notifier: new AppendNotifier(pool, 'tip_events_appended', silent, coalesceMs) };
  }

  it('tells other processes once for the appends of its window, the latest position and itself as sender', async () => {
    const { sent, notifier } = counting(25);
    notifier.appended(10);
    await jest.advanceTimersByTimeAsync(10);
    notifier.appended(12);
    notifier.appended(11);
    expect(sent).toEqual([]);
    await jest.advanceTimersByTimeAsync(15);
    expect(sent).toEqual([['tip_events_appended', `12 ${notifier.sender}`]]);
    expect(notifier.sent(`12 ${notifier.sender}`)).toBe(true);
    expect(notifier.sent('12 another-process')).toBe(false);
    notifier.appended(13);
    await jest.advanceTimersByTimeAsync(25);
    expect(sent).toHaveLength(2);
    await notifier.close();
  });
});
