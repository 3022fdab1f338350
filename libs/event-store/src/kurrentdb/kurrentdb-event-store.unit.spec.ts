import { jsonEvent } from '@kurrent/kurrentdb-client';
import { eventStoreContract, newEvent } from '../contract/event-store.contract';
import { InvalidAppendError, UnsupportedOperationError } from '../port/errors';
import { EventStore } from '../port/event-store';
import { InMemoryKurrentDb } from './in-memory-kurrentdb';
import { KurrentDbEventStore } from './kurrentdb-event-store';
import { KurrentDbSubscription } from './kurrentdb-subscription';

const fast = { pollIntervalMs: 50, leaseRetryMs: 20, leaseTimeoutMs: 3000 };
const databases = new WeakMap<EventStore, InMemoryKurrentDb>();

eventStoreContract(
  'KurrentDB adapter over an in-memory stand-in for the client (no server; see in-memory-kurrentdb.ts)',
  {
    tamperable: false,
    create: async (options) => {
      const database = new InMemoryKurrentDb({ appendRecords: true });
      const store = new KurrentDbEventStore(database.client(), { ...fast, ...options });
      databases.set(store, database);
      return { store, close: () => store.close() };
    },
    reopen: async (subject) => {
      const database = databases.get(subject.store);
      if (!database) throw new Error('unknown subject');
      const store = new KurrentDbEventStore(database.client(), fast);
      databases.set(store, database);
      return { store, close: () => store.close() };
    },
  },
);

describe('KurrentDB adapter (over the in-memory stand-in)', () => {
  const open = (database: InMemoryKurrentDb) => new KurrentDbEventStore(database.client(), fast);

  it('stores TIP metadata and the chain hash as string metadata of the KurrentDB event', async () => {
    const database = new InMemoryKurrentDb();
    const store = open(database);
    const event = newEvent('TeacherEnrolled', { teacherId: 'T-1' });
    await store.appendToStream('teacher-T-1', [event]);
    const [raw] = await collect(database.client().readStream('teacher-T-1'));
    expect(raw.event?.id).toBe(event.metadata.eventId);
    expect(raw.event?.data).toEqual({ teacherId: 'T-1' });
    expect(raw.event?.metadata).toEqual({
      tipMetadata: expect.any(String),
      tipHash: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    const [audited] = await store.readStreamForAudit('teacher-T-1');
    expect(audited.hash).toBe((raw.event?.metadata as Record<string, string>).tipHash);
    await store.close();
  });

  it("keeps KurrentDB's own events out of reads, the head and subscriptions", async () => {
    const database = new InMemoryKurrentDb();
    const store = open(database);
    const result = await store.appendToStream('school-S-1', [newEvent('A')]);
    database.writeSystemRecord('$stats-127.0.0.1:2113');
    database.writeSystemRecord('$$school-S-1');
    expect((await store.stats()).headPosition).toBe(result.lastPosition);
    expect((await store.readAll()).map((event) => event.streamId)).toEqual(['school-S-1']);
    await store.close();
  });

  it('reads $all from position + 1, and from an exact position, in a process that has seen neither', async () => {
    const database = new InMemoryKurrentDb();
    const writer = open(database);
    const positions: number[] = [];
    for (let index = 0; index < 6; index++)
      positions.push((await writer.appendToStream(`s-${index % 2}`, [newEvent(`E${index}`)])).lastPosition);
    await writer.close();

    const exact = open(database);
    const before = database.calls.invalidPositions;
    expect((await exact.readAll({ fromPosition: positions[2] })).map((event) => event.type)).toEqual([
      'E2',
      'E3',
      'E4',
      'E5',
    ]);
    expect(database.calls.invalidPositions).toBe(before);

    const next = open(database);
    expect((await next.readAll({ fromPosition: positions[2] + 1 })).map((event) => event.type)).toEqual([
      'E3',
      'E4',
      'E5',
    ]);
    // Paging on with position + 1 now starts at a position this process has seen: no more guessing.
    const guesses = database.calls.invalidPositions;
    expect((await next.readAll({ fromPosition: positions[4] + 1, maxCount: 1 })).map((event) => event.type)).toEqual([
      'E5',
    ]);
    expect(database.calls.invalidPositions).toBe(guesses);

    // A position inside a record, far from anything seen: still the events at or after it.
    const lost = open(database);
    expect((await lost.readAll({ fromPosition: positions[3] - 7 })).map((event) => event.type)).toEqual([
      'E3',
      'E4',
      'E5',
    ]);
    expect(await lost.readAll({ fromPosition: positions[5] + 1 })).toEqual([]);
  });

  it('appends to several streams with multiStreamAppend (25.1) when appendRecords is missing and nothing is guarded', async () => {
    const database = new InMemoryKurrentDb({ appendRecords: false, multiStreamAppend: true });
    const store = open(database);
    const result = await store.appendToStreams([
      { streamId: 'quota-from', expectedRevision: 'no_stream', events: [newEvent('QuotaHandedOn')] },
      { streamId: 'quota-to', expectedRevision: 'no_stream', events: [newEvent('QuotaReceived')] },
    ]);
    expect(result.streams).toEqual([
      { streamId: 'quota-from', nextExpectedRevision: 0 },
      { streamId: 'quota-to', nextExpectedRevision: 0 },
    ]);
    expect(database.calls.multiStreamAppend).toBe(1);
    const guarded = await store
      .appendToStreams([
        { streamId: 'enrollment-1', expectedRevision: 'no_stream', events: [newEvent('TeacherEnrolled')] },
        { streamId: 'quota-from', expectedRevision: 0, events: [] },
      ])
      .catch((error: unknown) => error);
    expect(guarded).toBeInstanceOf(UnsupportedOperationError);
    expect((guarded as Error).message).toMatch(/26\.1/);
    expect(await store.readStream('enrollment-1')).toEqual([]);
    await store.close();
  });

  it('refuses, and writes nothing, when the server can append to one stream at a time only', async () => {
    const database = new InMemoryKurrentDb({ appendRecords: false, multiStreamAppend: false });
    const store = open(database);
    await expect(store.appendToStream('single', [newEvent('A')])).resolves.toMatchObject({ nextExpectedRevision: 0 });
    const error = await store
      .appendToStreams([
        { streamId: 'quota-from', expectedRevision: 'any', events: [newEvent('QuotaHandedOn')] },
        { streamId: 'quota-to', expectedRevision: 'any', events: [newEvent('QuotaReceived')] },
      ])
      .catch((failure: unknown) => failure);
    expect(error).toMatchObject({ code: 'UNSUPPORTED_OPERATION', operation: 'appendToStreams' });
    expect(await store.readStreams(['quota-from', 'quota-to'])).toEqual(
      new Map([
        ['quota-from', []],
        ['quota-to', []],
      ]),
    );
    await store.close();
  });

  it('refuses stream ids and event types KurrentDB keeps for itself', async () => {
    const store = open(new InMemoryKurrentDb());
    await expect(store.appendToStream('$settings', [newEvent('A')])).rejects.toMatchObject({
      code: 'INVALID_APPEND',
      field: 'streamId',
    });
    await expect(store.readStream('$settings')).rejects.toBeInstanceOf(InvalidAppendError);
    await expect(store.appendToStream('s', [newEvent('A'), newEvent('$metadata')])).rejects.toMatchObject({
      code: 'INVALID_APPEND',
      field: 'events[1].type',
    });
    await store.close();
  });

  it('names an event another writer put into a TIP stream, and verify reports it', async () => {
    const database = new InMemoryKurrentDb();
    const store = open(database);
    await store.appendToStream('grades', [newEvent('A'), newEvent('B')]);
    await database.client().appendToStream('grades', jsonEvent({ type: 'Forged', data: { grade: 'excellent' } }));
    await expect(store.readStream('grades')).rejects.toThrow(/not written by TIP/);
    const report = await store.verify();
    expect(report.ok).toBe(false);
    expect(report.firstProblem).toMatchObject({ streamId: 'grades', revision: 2 });
    await store.close();
  });

  it('reports the missing head of a stream truncated behind its back (maxCount metadata)', async () => {
    const database = new InMemoryKurrentDb();
    const store = open(database);
    await store.appendToStream('truncated', [newEvent('A'), newEvent('B'), newEvent('C')]);
    await database.client().setStreamMetadata('truncated', { maxCount: 1 });
    const report = await store.verify();
    expect(report.firstProblem).toMatchObject({ kind: 'missing', streamId: 'truncated', revision: 0 });
    await store.close();
  });

  it('runs one instance of a named subscription: the second stands by until the first stops, then resumes after it', async () => {
    const database = new InMemoryKurrentDb();
    const store = open(database);
    const other = open(database);
    const name = 'read-model:leased';
    const seenBy: string[] = [];
    await store.appendToStream('leased', [newEvent('Before')]);
    const first = store.subscribeToAll({
      name,
      handle: async (events) => void seenBy.push(...events.map(() => 'first')),
    }) as KurrentDbSubscription;
    await first.whenCaughtUp();
    const second = other.subscribeToAll({
      name,
      handle: async (events) => void seenBy.push(...events.map(() => 'second')),
    }) as KurrentDbSubscription;
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(second.state).toBe('standby');
    await first.stop();
    await store.appendToStream('leased', [newEvent('AfterHandover')]);
    await second.whenCaughtUp();
    expect(second.state).toBe('running');
    expect(seenBy).toEqual(['first', 'second']);
    await second.stop();
    await store.close();
    await other.close();
  });
});

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

describe('KurrentDB adapter subscriptions with checkpoints kept elsewhere (read models)', () => {
  it('resume at the stored position without guessing at record boundaries', async () => {
    const database = new InMemoryKurrentDb();
    const writer = new KurrentDbEventStore(database.client(), fast);
    const first = await writer.appendToStream('records', [newEvent('One'), newEvent('Two')]);
    await writer.appendToStream('records', [newEvent('Three')]);
    await writer.close();

    const restarted = new KurrentDbEventStore(database.client(), fast);
    const seen: string[] = [];
    const before = database.calls.invalidPositions;
    const subscription = restarted.subscribeToAll({
      name: 'read-model:elsewhere',
      // The read model keeps its own checkpoint, in its own transaction: the position of the last event it applied.
      checkpoints: { load: async () => first.lastPosition, store: async () => undefined },
      handle: async (events) => void seen.push(...events.map((event) => event.type)),
    });
    await subscription.whenCaughtUp();
    await subscription.stop();
    expect(seen).toEqual(['Three']);
    expect(database.calls.invalidPositions).toBe(before);
    await restarted.close();
  });
});
