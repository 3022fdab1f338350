import { AppendResult } from '../port/event-store';
import { AppendBatcher, BatchFailure } from './append-batcher';
import { PreparedAppend } from './append-payload';

const append = (streamId: string, events = 1, guards: string[] = []): PreparedAppend => ({
  streams: [
    // Only whether a stream has events matters to batching.
    { streamId, expected: -1, events: Array.from({ length: events }, () => ({}) as PreparedAppend['streams'][number]['events'][number]), eventIds: [] },
    ...guards.map((guard) => ({ streamId: guard, expected: -1, events: [], eventIds: [] })),
  ],
  eventCount: events,
});

const resultFor = (batch: PreparedAppend[]): AppendResult[] =>
  batch.map((each) => ({ streams: [{ streamId: each.streams[0].streamId, nextExpectedRevision: 0 }], events: [], lastPosition: 1 }));

class Conflict extends Error {
  constructor(readonly streamId: string) {
    super(`conflict on ${streamId}`);
  }
}

/** A database stand-in: records each transaction and fails those touching `refused` streams. */
function fakeDatabase(refused = new Set<string>()) {
  const transactions: string[][] = [];
  let release: () => void = () => undefined;
  let gate = Promise.resolve();
  return {
    transactions,
    hold() {
      gate = new Promise<void>((resolve) => (release = resolve));
    },
    open: () => release(),
    batcher: (maxInFlight: number, maxEventsPerBatch = 100) =>
      new AppendBatcher({
        maxInFlight,
        maxEventsPerBatch,
        execute: async (batch) => {
          transactions.push(batch.map((each) => each.streams[0].streamId));
          await gate;
          const culprit = batch.find((each) => refused.has(each.streams[0].streamId));
          if (culprit) throw new Conflict(culprit.streams[0].streamId);
          return resultFor(batch);
        },
        recover: async (_append, error) => {
          throw error;
        },
        classify: (error): BatchFailure | 'fatal' | 'unknown' => (error instanceof Conflict ? { streamId: error.streamId } : 'fatal'),
      }),
  };
}

describe('AppendBatcher (group commit)', () => {
  it('sends an append at once when a transaction slot is free', async () => {
    const database = fakeDatabase();
    const batcher = database.batcher(2);
    await batcher.submit(append('a'));
    expect(database.transactions).toEqual([['a']]);
  });

  it('commits appends that arrive while every slot is busy together, in arrival order', async () => {
    const database = fakeDatabase();
    const batcher = database.batcher(1);
    database.hold();
    const first = batcher.submit(append('a'));
    const waiting = ['b', 'c', 'd'].map((stream) => batcher.submit(append(stream)));
    database.open();
    await Promise.all([first, ...waiting]);
    expect(database.transactions).toEqual([['a'], ['b', 'c', 'd']]);
  });

  it('lets callers who append again as soon as they are answered share the next transaction', async () => {
    const database = fakeDatabase();
    const batcher = database.batcher(1);
    database.hold();
    const first = batcher.submit(append('a'));
    // Each caller goes through a few awaits (its own code) before appending again.
    const callers = ['b', 'c'].map(async (stream) => {
      await batcher.submit(append(stream));
      for (let hop = 0; hop < 5; hop++) await null;
      await batcher.submit(append(`${stream}-next`));
    });
    database.open();
    await Promise.all([first, ...callers]);
    expect(database.transactions).toEqual([['a'], ['b', 'c'], ['b-next', 'c-next']]);
  });

  it('never puts two appends to the same stream in one transaction', async () => {
    const database = fakeDatabase();
    const batcher = database.batcher(1);
    database.hold();
    const all = [batcher.submit(append('a')), batcher.submit(append('x')), batcher.submit(append('x')), batcher.submit(append('y'))];
    database.open();
    await Promise.all(all);
    expect(database.transactions).toEqual([['a'], ['x', 'y'], ['x']]);
  });

  it('lets appends share a guard stream, but never write a stream another one guards', async () => {
    const database = fakeDatabase();
    const batcher = database.batcher(1);
    database.hold();
    const all = [
      batcher.submit(append('a')),
      batcher.submit(append('r1', 1, ['closure'])),
      batcher.submit(append('r2', 1, ['closure'])),
      batcher.submit(append('closure')),
    ];
    database.open();
    await Promise.all(all);
    expect(database.transactions).toEqual([['a'], ['r1', 'r2'], ['closure']]);
  });

  it('keeps each transaction within the event limit', async () => {
    const database = fakeDatabase();
    const batcher = database.batcher(1, 10);
    database.hold();
    const all = [batcher.submit(append('a')), batcher.submit(append('b', 6)), batcher.submit(append('c', 6)), batcher.submit(append('d', 4))];
    database.open();
    await Promise.all(all);
    expect(database.transactions).toEqual([['a'], ['b', 'd'], ['c']]);
  });

  it('fails only the append the database refused; the others go again and land', async () => {
    const database = fakeDatabase(new Set(['stale']));
    const batcher = database.batcher(1);
    database.hold();
    const first = batcher.submit(append('a'));
    const outcomes = Promise.allSettled(['b', 'stale', 'c'].map((stream) => batcher.submit(append(stream))));
    database.open();
    await first;
    const [b, stale, c] = await outcomes;
    expect(b.status).toBe('fulfilled');
    expect(c.status).toBe('fulfilled');
    expect(stale).toMatchObject({ status: 'rejected', reason: expect.any(Conflict) });
    expect(database.transactions).toEqual([['a'], ['b', 'stale', 'c'], ['b', 'c']]);
  });
});
