import {
  CheckpointConflictError,
  CheckpointLease,
  CheckpointRecord,
  CheckpointStreams,
  LeaseLostError,
} from './checkpoint-lease';
import { numberToPosition } from './kurrentdb-mapping';
import { PositionIndex } from './position-index';

describe('PositionIndex: where a read of $all can start', () => {
  it('reads from the start for 0 and 1 (the beginning of the log)', () => {
    expect(new PositionIndex().startsFor(0)).toEqual([{ kind: 'start' }]);
    expect(new PositionIndex().startsFor(1)).toEqual([{ kind: 'start' }]);
  });

  it('starts at a seen position when asked for it, or for just past it (position + 1)', () => {
    const index = new PositionIndex();
    index.remember(5000, numberToPosition(5000));
    index.remember(5400, numberToPosition(5400));
    expect(index.startsFor(5400)).toEqual([
      { kind: 'exact', position: 5400, exact: numberToPosition(5400), verified: true },
    ]);
    expect(index.startsFor(5401)).toEqual([
      { kind: 'exact', position: 5400, exact: numberToPosition(5400), verified: true },
    ]);
    expect(index.startsFor(5399)).toEqual([
      { kind: 'exact', position: 5000, exact: numberToPosition(5000), verified: true },
    ]);
  });

  it('guesses the position itself, then the one before, then falls back to the nearest seen one or the start', () => {
    const index = new PositionIndex(100, 1000);
    expect(index.startsFor(90_000)).toEqual([
      { kind: 'exact', position: 90_000, exact: numberToPosition(90_000), verified: false },
      { kind: 'exact', position: 89_999, exact: numberToPosition(89_999), verified: false },
      { kind: 'start' },
    ]);
    index.remember(10_000, numberToPosition(10_000));
    expect(index.startsFor(90_000)[2]).toEqual({
      kind: 'exact',
      position: 10_000,
      exact: numberToPosition(10_000),
      verified: true,
    });
  });

  it('keeps exact positions even where commit and prepare differ', () => {
    const index = new PositionIndex();
    const exact = { commit: BigInt(7000), prepare: BigInt(6900) };
    index.remember(7000, exact);
    expect(index.floor(7100)).toEqual({ position: 7000, exact });
  });

  it('stays within its capacity, thinning evenly and keeping the newest', () => {
    const index = new PositionIndex(10);
    for (let position = 100; position <= 2000; position += 100) index.remember(position, numberToPosition(position));
    // Out of order too: a read of an older page after a newer one.
    index.remember(150, numberToPosition(150));
    expect(index.size).toBeLessThanOrEqual(10);
    expect(index.floor(2000)?.position).toBe(2000);
    expect(index.floor(99)).toBeUndefined();
  });
});

/** Checkpoint streams in memory, with KurrentDB's expected-revision rule. */
function memoryStreams(): CheckpointStreams & { events: Map<string, CheckpointRecord[]> } {
  const events = new Map<string, CheckpointRecord[]>();
  return {
    events,
    readLast: async (streamId) => {
      const stream = events.get(streamId);
      return stream && stream.length > 0
        ? { revision: stream.length - 1, record: stream[stream.length - 1] }
        : undefined;
    },
    append: async (streamId, record, expectedRevision) => {
      const stream = events.get(streamId) ?? [];
      if (stream.length - 1 !== expectedRevision) throw new CheckpointConflictError(streamId, stream.length - 1);
      stream.push(record);
      events.set(streamId, stream);
      return stream.length - 1;
    },
    limitToLatest: async () => undefined,
  };
}

describe('CheckpointLease: one instance per subscription, by optimistic concurrency', () => {
  const stream = '$tip-checkpoint-read-model:progress';

  it('lets the first instance in and keeps the second in standby until the first releases', async () => {
    const streams = memoryStreams();
    const first = new CheckpointLease(streams, stream, 'first', 15_000);
    const second = new CheckpointLease(streams, stream, 'second', 15_000);
    expect(await first.tryAcquire()).toBe(true);
    expect(await second.tryAcquire()).toBe(false);
    await first.renew({ position: 4096, exact: numberToPosition(4096) });
    expect(await second.tryAcquire()).toBe(false);
    await first.release();
    expect(await second.tryAcquire()).toBe(true);
    // The checkpoint goes with the lease.
    expect(second.checkpoint).toEqual({ position: 4096, exact: numberToPosition(4096) });
    expect(streams.events.get(stream)?.map((record) => `${record.owner}:${record.state}`)).toEqual([
      'first:active',
      'first:active',
      'first:released',
      'second:active',
    ]);
  });

  it('takes over from a holder that fell silent for the timeout, and the old holder loses at its next write', async () => {
    let now = 0;
    const clock = () => now;
    const streams = memoryStreams();
    const holder = new CheckpointLease(streams, stream, 'holder', 15_000, clock);
    const standby = new CheckpointLease(streams, stream, 'standby', 15_000, clock);
    expect(await holder.tryAcquire()).toBe(true);
    expect(await standby.tryAcquire()).toBe(false);
    now = 10_000;
    expect(holder.dueForHeartbeat).toBe(true);
    await holder.renew();
    now = 20_000;
    // Silent for 10 s only: still the holder's.
    expect(await standby.tryAcquire()).toBe(false);
    now = 40_000;
    expect(await standby.tryAcquire()).toBe(true);
    await expect(holder.renew({ position: 1 })).rejects.toBeInstanceOf(LeaseLostError);
    expect(holder.isHeld).toBe(false);
  });

  it('loses to a racing instance when both claim a free lease at once', async () => {
    const streams = memoryStreams();
    const outcomes = await Promise.all(
      ['a', 'b', 'c'].map((owner) => new CheckpointLease(streams, stream, owner, 15_000).tryAcquire()),
    );
    expect(outcomes.filter(Boolean)).toHaveLength(1);
  });

  it('starts with no checkpoint on a new stream', async () => {
    const lease = new CheckpointLease(memoryStreams(), stream, 'only', 15_000);
    expect(await lease.tryAcquire()).toBe(true);
    expect(lease.checkpoint).toBeUndefined();
  });
});
