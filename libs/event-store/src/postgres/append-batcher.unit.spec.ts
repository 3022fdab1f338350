import { AppendResult } from '../port/event-store';
import { AppendBatcher, BatchFailure } from './append-batcher';
import { PreparedAppend } from './append-payload';

const append = (streamId: string, events = 1, guards: string[] = []): PreparedAppend => ({
  streams: [
    // Only whether a stream has events matters to batching.
    {
      streamId,
      expected: -1,
      events: Array.from({ length: events }, () => ({}) as PreparedAppend['streams'][number]['events'][number]),
      eventIds: [],
    },
    ...guards.map((guard) => ({ streamId: guard, expected: -1, events: [], eventIds: [] })),
  ],
  eventCount: events,
});

const resultFor = (batch: PreparedAppend[]): AppendResult[] =>
  batch.map((each) => ({
    streams: [{ streamId: each.streams[0].streamId, nextExpectedRevision: 0 }],
    events: [],
    lastPosition: 1,
  }));

class Conflict extends Error {
  constructor(readonly streamId: string) {
    super(`conflict on ${streamId}`);
  }
}

/**
 * A database stand-in: records each transaction and fails those touching `refused` streams.
 * Transactions run one after another, each taking `work`, as on the store's one append connection.
 */
function fakeDatabase(refused = new Set<string>(), work: () => Promise<void> = async () => undefined) {
  const transactions: string[][] = [];
  let release: () => void = () => undefined;
  let gate = Promise.resolve();
  let previous = Promise.resolve();
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
          // As node-postgres's pool does, the query reaches a connection on the next tick.
          await new Promise((resolve) => process.nextTick(resolve));
          transactions.push(batch.map((each) => each.streams[0].streamId));
          await gate;
          const turn = previous.then(work);
          previous = turn;
          await turn;
          const culprit = batch.find((each) => refused.has(each.streams[0].streamId));
          if (culprit) throw new Conflict(culprit.streams[0].streamId);
          return resultFor(batch);
        },
        recover: async (_append, error) => {
          throw error;
        },
        classify: (error): BatchFailure | 'fatal' | 'unknown' =>
          error instanceof Conflict ? { streamId: error.streamId } : 'fatal',
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
    const all = [
      batcher.submit(append('a')),
      batcher.submit(append('x')),
      batcher.submit(append('x')),
      batcher.submit(append('y')),
    ];
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
    const all = [
      batcher.submit(append('a')),
      batcher.submit(append('b', 6)),
      batcher.submit(append('c', 6)),
      batcher.submit(append('d', 4)),
    ];
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

  it('sends the appends that waited during a transaction before answering its callers', async () => {
    const database = fakeDatabase();
    const batcher = database.batcher(1);
    database.hold();
    const sentWhenAnswered = batcher
      .submit(append('a', 16))
      .then(() => database.transactions.map((streams) => streams.join()));
    const waiting = batcher.submit(append('b', 16));
    database.open();
    await waiting;
    expect(await sentWhenAnswered).toEqual(['a', 'b']);
  });

  it.each([1, 2])(
    'splits callers of sizeable appends into two groups that take turns (%i in flight), so one prepares while the other commits',
    async (inFlight) => {
      const writers = ['w1', 'w2', 'w3', 'w4', 'w5', 'w6', 'w7', 'w8'];
      const transactions = await runWriters({ writers, calls: 6, eventsEach: 10, inFlight });
      // After the first few transactions sort the writers out, each carries half of them.
      const settled = transactions.slice(4);
      expect(settled.length).toBeGreaterThan(6);
      for (const transaction of settled.slice(0, -1)) expect(transaction).toHaveLength(4);
      expect(new Set([...settled[0], ...settled[1]])).toEqual(new Set(writers));
      expect(transactions.flat()).toHaveLength(writers.length * 6);
    },
  );

  it('keeps callers of small appends in one transaction, where a second would cost more than it overlaps', async () => {
    const writers = ['w1', 'w2', 'w3', 'w4', 'w5', 'w6'];
    const transactions = await runWriters({ writers, calls: 6, eventsEach: 1, inFlight: 1 });
    expect(transactions.slice(1).map((transaction) => transaction.length)).toEqual([6, 6, 6, 6, 6, 5]);
  });
});

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Writers that each append `calls` times, one after another, against a database whose round
 * trips end only when the test says so: once every writer still at work has its next append
 * queued or in flight and the batcher has had a few turns of the event loop. Round trips driven
 * this way, not by a timer, make the batching the same on an idle machine and on a busy one.
 */
async function runWriters(run: { writers: string[]; calls: number; eventsEach: number; inFlight: number }) {
  const roundTrips: Array<() => void> = [];
  const database = fakeDatabase(new Set(), () => new Promise<void>((resolve) => roundTrips.push(resolve)));
  const batcher = database.batcher(run.inFlight, 1000);
  let working = run.writers.length;
  let waiting = 0;
  const done = Promise.all(
    run.writers.map(async (writer) => {
      for (let call = 0; call < run.calls; call++) {
        waiting += 1;
        await batcher.submit(append(writer, run.eventsEach));
        waiting -= 1;
      }
      working -= 1;
    }),
  );
  for (;;) {
    let turns = 0;
    // A writer just answered appends again within a turn; the batcher sends on the turn after.
    while (working > 0 && (turns < 3 || waiting < working || roundTrips.length === 0)) {
      if (++turns > 1000) throw new Error(`the batcher sent nothing for ${waiting} waiting appends`);
      await nextTurn();
    }
    if (working === 0) break;
    roundTrips.shift()?.();
  }
  await done;
  return database.transactions;
}
