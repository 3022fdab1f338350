import { randomUUID } from 'node:crypto';
import { DuplicateEventIdError, InvalidAppendError, WrongExpectedRevisionError } from '../port/errors';
import { NewEvent, RecordedEvent } from '../port/event';
import { EventStore } from '../port/event-store';
import { LoggedEvent } from '../port/event';
import { LogRowsWriter } from '../port/log-load';
import { EventSchemaRegistry } from '../port/upcasting';
import { canonicalJson } from '../port/canonical-json';

/** Ways to change stored events behind the store's back, where the backing store allows it. */
export interface Tampering {
  updateEventData(eventId: string, data: Record<string, unknown>): Promise<void>;
  deleteEvent(eventId: string): Promise<void>;
}

export interface ContractSubject {
  store: EventStore;
  tampering?: Tampering;
  close(): Promise<void>;
}

export interface ContractFactory {
  /** A store over an empty event log. */
  create(options?: { schemas?: EventSchemaRegistry; maxEventBytes?: number }): Promise<ContractSubject>;
  /** A second store over the same log, as after a process restart. */
  reopen(subject: ContractSubject): Promise<ContractSubject>;
  /** Whether the backing store lets a test change events behind the store's back (KurrentDB does not). */
  tamperable: boolean;
  /**
   * Whether loadLog keeps the positions given and loads in one transaction, so that a refusal
   * leaves the store empty (PostgreSQL; KurrentDB numbers positions itself and appends as it goes).
   */
  loadsLogAsStored?: boolean;
}

export function newEvent(
  type: string,
  data: Record<string, unknown> = {},
  metadata: Partial<NewEvent['metadata']> = {},
): NewEvent {
  const commandId = randomUUID();
  return {
    type,
    data,
    metadata: {
      eventId: randomUUID(),
      businessTime: '2021-01-04T02:00:00.000Z',
      actor: { sub: 'admin-1', role: 'school-admin', unitId: '320703001' },
      commandId,
      correlationId: commandId,
      causationId: commandId,
      ...metadata,
    },
  };
}

const streamName = (label: string) => `${label}-${randomUUID()}`;

/**
 * Waits for what becomes visible only once every older transaction on the server has ended
 * (test files share one PostgreSQL, and its snapshot horizon is server-wide).
 */
export async function eventually<T>(
  read: () => Promise<T>,
  accept: (value: T) => boolean,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (accept(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function collectUntil(events: RecordedEvent[], predicate: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out with ${events.length} events collected`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * The behaviour every event store adapter must have. Call it from an adapter's spec file.
 * Each test uses fresh stream ids, so tests may share one log.
 */
export function eventStoreContract(adapterName: string, factory: ContractFactory): void {
  describe(`EventStore contract: ${adapterName}`, () => {
    let subject: ContractSubject;
    let store: EventStore;

    beforeAll(async () => {
      subject = await factory.create();
      store = subject.store;
    });
    afterAll(async () => subject?.close());

    // Nothing written means no position was taken: the head does not move.
    const countAll = async () => (await store.stats()).headPosition;

    describe('appending', () => {
      it('appends a batch to a new stream at revisions 0..n-1 with increasing global positions', async () => {
        const streamId = streamName('teacher');
        const events = [
          newEvent('TeacherEnrolled', { teacherId: 'T-1' }),
          newEvent('EnrollmentConfirmed', { teacherId: 'T-1' }),
        ];
        const result = await store.appendToStream(streamId, events, { expectedRevision: 'no_stream' });
        expect(result.nextExpectedRevision).toBe(1);
        expect(result.events.map((event) => event.revision)).toEqual([0, 1]);
        expect(result.events[1].position).toBeGreaterThan(result.events[0].position);
        expect(result.lastPosition).toBe(result.events[1].position);

        const read = await store.readStream(streamId);
        expect(read.map((event) => [event.type, event.revision, event.position])).toEqual([
          ['TeacherEnrolled', 0, result.events[0].position],
          ['EnrollmentConfirmed', 1, result.events[1].position],
        ]);
        expect(read[0].data).toEqual({ teacherId: 'T-1' });
      });

      it('keeps every metadata field and adds schema version and recorded time', async () => {
        const streamId = streamName('quota');
        const event = newEvent(
          'QuotaAllocated',
          { seats: 3 },
          { importedBy: { sub: 'importer', role: 'system' }, traceparent: '00-abc-def-01' },
        );
        await store.appendToStream(streamId, [event]);
        const [read] = await store.readStream(streamId);
        expect(read.metadata).toEqual({ ...event.metadata, schemaVersion: 1, recordedTime: expect.any(String) });
        expect(Number.isNaN(Date.parse(read.metadata.recordedTime))).toBe(false);
      });

      it('continues a stream at the exact expected revision', async () => {
        const streamId = streamName('school');
        await store.appendToStream(streamId, [newEvent('A')], { expectedRevision: 'no_stream' });
        const second = await store.appendToStream(streamId, [newEvent('B'), newEvent('C')], { expectedRevision: 0 });
        expect(second.nextExpectedRevision).toBe(2);
        const third = await store.appendToStream(streamId, [newEvent('D')], { expectedRevision: 'stream_exists' });
        expect(third.nextExpectedRevision).toBe(3);
        const fourth = await store.appendToStream(streamId, [newEvent('E')], { expectedRevision: 'any' });
        expect(fourth.events[0].revision).toBe(4);
      });
    });

    describe('optimistic concurrency', () => {
      it('refuses no_stream on an existing stream and names the actual revision', async () => {
        const streamId = streamName('school');
        await store.appendToStream(streamId, [newEvent('A'), newEvent('B')]);
        const error = await store
          .appendToStream(streamId, [newEvent('C')], { expectedRevision: 'no_stream' })
          .catch((e) => e);
        expect(error).toBeInstanceOf(WrongExpectedRevisionError);
        expect(error).toMatchObject({ streamId, expected: 'no_stream', actual: 1 });
      });

      it('refuses a stale exact revision', async () => {
        const streamId = streamName('school');
        await store.appendToStream(streamId, [newEvent('A'), newEvent('B'), newEvent('C')]);
        const error = await store.appendToStream(streamId, [newEvent('D')], { expectedRevision: 1 }).catch((e) => e);
        expect(error).toMatchObject({ code: 'WRONG_EXPECTED_REVISION', expected: 1, actual: 2 });
        expect(await store.readStream(streamId)).toHaveLength(3);
      });

      it('refuses stream_exists on a missing stream', async () => {
        const error = await store
          .appendToStream(streamName('none'), [newEvent('A')], { expectedRevision: 'stream_exists' })
          .catch((e) => e);
        expect(error).toMatchObject({ code: 'WRONG_EXPECTED_REVISION', actual: -1 });
      });

      it('lets exactly one of many racing writers win the same revision', async () => {
        const streamId = streamName('quota');
        await store.appendToStream(streamId, [newEvent('QuotaReceived')]);
        const outcomes = await Promise.allSettled(
          Array.from({ length: 10 }, () =>
            store.appendToStream(streamId, [newEvent('QuotaAllocated')], { expectedRevision: 0 }),
          ),
        );
        expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(1);
        const losers = outcomes.filter((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
        expect(losers).toHaveLength(9);
        for (const loser of losers) expect(loser.reason).toBeInstanceOf(WrongExpectedRevisionError);
        expect(await store.readStream(streamId)).toHaveLength(2);
      });

      it('settles each of many concurrent appends on its own: the stale one fails, the rest land', async () => {
        const streams = Array.from({ length: 12 }, () => streamName('concurrent'));
        await Promise.all(streams.map((streamId) => store.appendToStream(streamId, [newEvent('A')])));
        const outcomes = await Promise.allSettled(
          streams.map((streamId, index) =>
            store.appendToStream(streamId, [newEvent('B')], { expectedRevision: index === 5 ? 3 : 0 }),
          ),
        );
        expect(outcomes[5]).toMatchObject({
          status: 'rejected',
          reason: { code: 'WRONG_EXPECTED_REVISION', streamId: streams[5], actual: 0 },
        });
        expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(11);
        const lengths = await Promise.all(streams.map(async (streamId) => (await store.readStream(streamId)).length));
        expect(lengths).toEqual(streams.map((_, index) => (index === 5 ? 1 : 2)));
      });

      it('creates a new stream once when many writers race with no_stream', async () => {
        const streamId = streamName('new');
        const outcomes = await Promise.allSettled(
          Array.from({ length: 8 }, () =>
            store.appendToStream(streamId, [newEvent('Created')], { expectedRevision: 'no_stream' }),
          ),
        );
        expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(1);
        expect(await store.readStream(streamId)).toHaveLength(1);
      });
    });

    describe('idempotent retries', () => {
      it('returns the original result and appends nothing when the same events arrive again', async () => {
        const streamId = streamName('teacher');
        const events = [
          newEvent('OnlineHoursRecorded', { recordId: 'R-1', hours: 2 }),
          newEvent('OnlineHoursRecorded', { recordId: 'R-2', hours: 3 }),
        ];
        const first = await store.appendToStream(streamId, events, { expectedRevision: 'no_stream' });
        const again = await store.appendToStream(streamId, events, { expectedRevision: 'no_stream' });
        const anyRevision = await store.appendToStream(streamId, events, { expectedRevision: 'any' });
        expect(again).toEqual(first);
        expect(anyRevision).toEqual(first);
        expect(await store.readStream(streamId)).toHaveLength(2);
      });

      it('answers concurrent retries of one append with one result', async () => {
        const streamId = streamName('teacher');
        const events = [newEvent('TeacherEnrolled')];
        const results = await Promise.all(
          Array.from({ length: 6 }, () => store.appendToStream(streamId, events, { expectedRevision: 'any' })),
        );
        for (const result of results) expect(result).toEqual(results[0]);
        expect(await store.readStream(streamId)).toHaveLength(1);
      });

      it('refuses a batch that mixes stored and new event ids, writing nothing', async () => {
        const streamId = streamName('teacher');
        const stored = newEvent('A');
        await store.appendToStream(streamId, [stored]);
        const error = await store
          .appendToStream(streamId, [stored, newEvent('B')], { expectedRevision: 0 })
          .catch((e) => e);
        expect(error).toBeInstanceOf(DuplicateEventIdError);
        expect(await store.readStream(streamId)).toHaveLength(1);
      });
    });

    describe('atomicity', () => {
      it('appends to several streams together, or not at all', async () => {
        const parent = streamName('quota-parent');
        const child = streamName('quota-child');
        await store.appendToStream(parent, [newEvent('QuotaReceived', { seats: 10 })]);
        const together = await store.appendToStreams([
          { streamId: parent, expectedRevision: 0, events: [newEvent('QuotaHandedOn', { seats: 4 })] },
          { streamId: child, expectedRevision: 'no_stream', events: [newEvent('QuotaReceived', { seats: 4 })] },
        ]);
        expect(together.streams).toEqual([
          { streamId: parent, nextExpectedRevision: 1 },
          { streamId: child, nextExpectedRevision: 0 },
        ]);

        const error = await store
          .appendToStreams([
            { streamId: parent, expectedRevision: 1, events: [newEvent('QuotaHandedOn', { seats: 4 })] },
            { streamId: child, expectedRevision: 'no_stream', events: [newEvent('QuotaReceived', { seats: 4 })] },
          ])
          .catch((e) => e);
        expect(error).toMatchObject({ code: 'WRONG_EXPECTED_REVISION', streamId: child });
        expect(await store.readStream(parent)).toHaveLength(2);
        expect(await store.readStream(child)).toHaveLength(1);
      });

      it('appends only while a guard stream is still where the writer read it', async () => {
        const guard = streamName('closure');
        const target = streamName('record');
        await store.appendToStream(guard, [newEvent('PlanUploaded')]);
        const guarded = await store.appendToStreams([
          { streamId: target, expectedRevision: 'any', events: [newEvent('HoursRecorded')] },
          { streamId: guard, expectedRevision: 0, events: [] },
        ]);
        expect(guarded.streams).toEqual([
          { streamId: target, nextExpectedRevision: 0 },
          { streamId: guard, nextExpectedRevision: 0 },
        ]);
        await store.appendToStream(guard, [newEvent('SchoolClosed')]);
        const error = await store
          .appendToStreams([
            { streamId: target, expectedRevision: 'any', events: [newEvent('HoursRecorded')] },
            { streamId: guard, expectedRevision: 0, events: [] },
          ])
          .catch((e) => e);
        expect(error).toMatchObject({ code: 'WRONG_EXPECTED_REVISION', streamId: guard, actual: 1 });
        expect(await store.readStream(target)).toHaveLength(1);
        expect(await store.readStream(guard)).toHaveLength(2);
        const missing = await store
          .appendToStreams([
            { streamId: target, expectedRevision: 'any', events: [newEvent('HoursRecorded')] },
            { streamId: streamName('never'), expectedRevision: 'stream_exists', events: [] },
          ])
          .catch((e) => e);
        expect(missing).toMatchObject({ code: 'WRONG_EXPECTED_REVISION', actual: -1 });
        const onlyGuards = await store
          .appendToStreams([
            { streamId: guard, expectedRevision: 1, events: [] },
            { streamId: target, expectedRevision: 0, events: [] },
          ])
          .catch((e) => e);
        expect(onlyGuards).toBeInstanceOf(InvalidAppendError);
      });

      it('writes none of a batch when one of its events is invalid', async () => {
        const streamId = streamName('teacher');
        const error = await store
          .appendToStream(streamId, [newEvent('A'), { ...newEvent('B'), data: { at: new Date() } }, newEvent('C')])
          .catch((e) => e);
        expect(error).toBeInstanceOf(InvalidAppendError);
        expect(error.field).toBe('events[1].data.at');
        expect(await store.readStream(streamId)).toHaveLength(0);
      });
    });

    describe('bulk import', () => {
      it('imports history in chunks, every event once, in stream order, with chains that verify; a rerun adds nothing', async () => {
        const label = streamName('import');
        const history = () =>
          Array.from({ length: 30 }, (_, stream) => ({
            streamId: `${label}-${stream}`,
            expectedRevision: 'no_stream' as const,
            // One stream is longer than a chunk, so it is split over several.
            events: Array.from({ length: stream === 7 ? 120 : 5 }, (_, index) =>
              newEvent('OnlineHoursRecorded', { stream, index }),
            ),
          }));
        const original = history();
        const first = await store.importEvents(original, { chunkSize: 50, concurrency: 3 });
        expect(first.eventsImported).toBe(29 * 5 + 120);
        const long = await store.readStream(`${label}-7`);
        expect(long.map((event) => event.data.index)).toEqual(Array.from({ length: 120 }, (_, index) => index));
        expect((await store.readStream(`${label}-3`)).map((event) => event.revision)).toEqual([0, 1, 2, 3, 4]);

        async function* again() {
          for (const append of original) yield append;
        }
        const rerun = await store.importEvents(again(), { chunkSize: 50, concurrency: 2 });
        expect(rerun.eventsImported).toBe(first.eventsImported);
        expect(await store.readStream(`${label}-7`)).toHaveLength(120);
        const report = await store.verify();
        expect(report.problems).toEqual([]);
      });

      it('stores the history in the order given by default: no append takes positions before an earlier one', async () => {
        const label = streamName('import-order');
        // Streams that refer to each other, as a teacher's and the teacher's enrollment do: many
        // small chunks, each of which could overtake the one before it if they went side by side.
        const history = Array.from({ length: 120 }, (_, index) => ({
          streamId: `${label}-${index}`,
          expectedRevision: 'no_stream' as const,
          events: [newEvent('TeacherRegistered', { index }), newEvent('TeacherEnrolled', { index })],
        }));
        await store.importEvents(history, { chunkSize: 4 });
        const stored = await store.readStreams(history.map((append) => append.streamId));
        const positions = history.flatMap((append) =>
          (stored.get(append.streamId) ?? []).map((event) => event.position),
        );
        expect(positions).toHaveLength(240);
        expect(positions).toEqual([...positions].sort((a, b) => a - b));
      });

      it('refuses a chunk whose stream is not where the history expects it, writing none of it', async () => {
        const existing = streamName('import-existing');
        await store.appendToStream(existing, [newEvent('AlreadyThere')]);
        const fresh = streamName('import-fresh');
        const error = await store
          .importEvents([{ streamId: existing, expectedRevision: 'no_stream', events: [newEvent('Imported')] }], {
            chunkSize: 10,
          })
          .catch((e) => e);
        expect(error).toMatchObject({ code: 'WRONG_EXPECTED_REVISION', streamId: existing, actual: 0 });
        await store.importEvents([{ streamId: fresh, expectedRevision: 'no_stream', events: [newEvent('Imported')] }]);
        expect(await store.readStream(existing)).toHaveLength(1);
        expect(await store.readStream(fresh)).toHaveLength(1);
      });
    });

    describe("loading another store's log (loadLog)", () => {
      /** A few streams appended here (unicode, nested data, escapes), as this store's log gives them. */
      const sourceLog = async (label: string): Promise<LoggedEvent[]> => {
        const a = streamName(`${label}-a`);
        const b = streamName(`${label}-b`);
        await store.appendToStream(a, [
          newEvent('TeacherEnrolled', { name: '张伟 "Zhang" \\ {brace}', nested: { z: [1, { y: '😀' }], a: null } }),
          newEvent('EnrollmentConfirmed', { text: 'line\nbreak\ttab \u2028' }),
        ]);
        await store.appendToStream(b, [newEvent('SchoolOpened', { count: 3.5 })]);
        await store.appendToStream(a, [newEvent('TeacherLeft', {})]);
        const log = await eventually(
          () => store.readLog(),
          (events) => events.filter((event) => event.streamId === a || event.streamId === b).length === 4,
        );
        return log.filter((event) => event.streamId === a || event.streamId === b);
      };
      const withoutPosition = ({ position, ...rest }: LoggedEvent) => (void position, rest);

      it('loads a log into an empty store as it was stored: texts, times, revisions and hashes; its chains verify', async () => {
        const source = await sourceLog('load');
        const target = await factory.create();
        try {
          const progress: number[] = [];
          // A page of events, then one of log rows (as scanLog({ rows: true }) gives them).
          const rows = new LogRowsWriter();
          source.slice(1).forEach((event, index) => rows.add(event, index + 1));
          const result = await target.store.loadLog([source.slice(0, 1), rows.take()], {
            onProgress: (count) => progress.push(count),
          });
          expect(result.eventsImported).toBe(4);
          expect(progress[progress.length - 1]).toBe(4);
          const loaded = await eventually(
            () => target.store.readLog(),
            (events) => events.length === 4,
          );
          if (factory.loadsLogAsStored) expect(loaded).toEqual(source);
          else expect(loaded.map(withoutPosition)).toEqual(source.map(withoutPosition));
          const [first] = await target.store.readStream(source[0].streamId);
          expect(first.data).toEqual(JSON.parse(source[0].data));
          expect((await target.store.verify()).problems).toEqual([]);
          // The store goes on from there.
          const next = await target.store.appendToStream(source[0].streamId, [newEvent('TeacherBack')], {
            expectedRevision: 2,
          });
          expect(next.nextExpectedRevision).toBe(3);
          expect((await target.store.verify()).problems).toEqual([]);
        } finally {
          await target.close();
        }
      });

      it('refuses a store that holds events', async () => {
        const source = await sourceLog('load-full');
        await expect(store.loadLog([source])).rejects.toMatchObject({
          code: 'STORE_NOT_EMPTY',
          message: expect.stringMatching(/already holds events/),
        });
      });

      it('refuses an event out of order, naming it, and writes nothing', async () => {
        const source = await sourceLog('load-gap');
        const target = await factory.create();
        try {
          // The stream's second event dropped: its third comes at revision 2 where 1 was due.
          const gap = [source[0], ...source.slice(2)];
          const third = gap.findIndex((event) => event.streamId === source[0].streamId && event.revision === 2);
          const repeated = await target.store.loadLog([[source[0], source[0]]]).catch((e: unknown) => e);
          expect(repeated).toMatchObject({ field: 'log[1].position' });
          const error = await target.store.loadLog([gap]).catch((e: unknown) => e);
          expect(error).toBeInstanceOf(InvalidAppendError);
          expect(error).toMatchObject({ field: `log[${third}].revision` });
          expect((error as Error).message).toMatch(/must be 1/);
          if (factory.loadsLogAsStored) {
            expect(await target.store.readLog()).toEqual([]);
            // Nothing is left locked or half made: the whole log loads after.
            await target.store.loadLog([source], { beforeCommit: () => Promise.resolve() });
            expect(await target.store.readLog()).toEqual(source);
          }
        } finally {
          await target.close();
        }
      });

      it('says truly whether a refused load leaves the store empty (loadsLogAtomically)', async () => {
        const source = await sourceLog('load-atomic');
        const target = await factory.create();
        try {
          expect(target.store.loadsLogAtomically).toBe(factory.loadsLogAsStored === true);
          const refusal = new Error('refused');
          await expect(target.store.loadLog([source], { beforeCommit: () => Promise.reject(refusal) })).rejects.toBe(
            refusal,
          );
          // A store that says it cannot keeps what it appended before the refusal: tip import-log refuses it.
          expect((await target.store.readLog()).length).toBe(target.store.loadsLogAtomically ? 0 : source.length);
        } finally {
          await target.close();
        }
      });

      if (factory.loadsLogAsStored) {
        it("leaves the store empty when the caller's last check refuses", async () => {
          const source = await sourceLog('load-refused');
          const target = await factory.create();
          try {
            const refusal = new Error('the signed head does not match');
            await expect(target.store.loadLog([source], { beforeCommit: () => Promise.reject(refusal) })).rejects.toBe(
              refusal,
            );
            expect(await target.store.readLog()).toEqual([]);
            expect((await target.store.stats()).headPosition).toBe(0);
          } finally {
            await target.close();
          }
        });
      }
    });

    describe('reading', () => {
      it('reads a stream forwards and backwards from a revision, at most maxCount', async () => {
        const streamId = streamName('batch');
        await store.appendToStream(
          streamId,
          ['A', 'B', 'C', 'D', 'E'].map((type) => newEvent(type)),
        );
        expect((await store.readStream(streamId, { from: 1, maxCount: 2 })).map((event) => event.type)).toEqual([
          'B',
          'C',
        ]);
        expect(
          (await store.readStream(streamId, { direction: 'backwards', maxCount: 2 })).map((event) => event.type),
        ).toEqual(['E', 'D']);
        expect(
          (await store.readStream(streamId, { direction: 'backwards', from: 2 })).map((event) => event.type),
        ).toEqual(['C', 'B', 'A']);
        expect(await store.readStream(streamName('missing'))).toEqual([]);
      });

      it('reads several streams in one go, each in revision order, empty ones included', async () => {
        const first = streamName('many');
        const second = streamName('many');
        await store.appendToStream(first, [newEvent('A'), newEvent('B')]);
        await store.appendToStream(second, [newEvent('C')]);
        await store.appendToStream(first, [newEvent('D')]);
        const streams = await store.readStreams([first, second, streamName('none')]);
        expect([...streams.values()].map((events) => events.map((event) => event.type))).toEqual([
          ['A', 'B', 'D'],
          ['C'],
          [],
        ]);
      });

      it('reads the global log in strictly increasing positions from a position', async () => {
        const streamA = streamName('a');
        const streamB = streamName('b');
        const first = await store.appendToStream(streamA, [newEvent('A1')]);
        await store.appendToStream(streamB, [newEvent('B1')]);
        await store.appendToStream(streamA, [newEvent('A2')]);
        const ours3 = (events: RecordedEvent[]) =>
          events.filter((event) => event.streamId === streamA || event.streamId === streamB);
        const page = await eventually(
          () => store.readAll({ fromPosition: first.lastPosition, maxCount: 1000 }),
          (events) => ours3(events).length === 3,
        );
        const ours = ours3(page);
        expect(ours.map((event) => event.type)).toEqual(['A1', 'B1', 'A2']);
        for (let index = 1; index < page.length; index++)
          expect(page[index].position).toBeGreaterThan(page[index - 1].position);
        expect(await store.readAll({ fromPosition: first.lastPosition, maxCount: 1 })).toHaveLength(1);
      });

      it('reads the same events with the metadata read lazily (lazyMetadata), whatever the metadata holds', async () => {
        const streamId = streamName('lazy');
        const odd = { sub: '}{"x":"\\"}', role: 'system', trail: [{ businessTime: '1999-01-01T00:00:00.000Z' }] };
        const first = await store.appendToStream(streamId, [
          newEvent('Usual'),
          newEvent('Imported', { n: 1 }, { importedBy: { sub: 'ops', role: 'system' }, traceparent: '00-abc-def-01' }),
          newEvent('OddActor', {}, { actor: odd as unknown as NewEvent['metadata']['actor'] }),
          newEvent('Offset', {}, { businessTime: '2021-01-04T10:00:00.123456+08:00' }),
        ]);
        const ours = (events: RecordedEvent[]) => events.filter((event) => event.streamId === streamId);
        const eager = ours(
          await eventually(
            () => store.readAll({ fromPosition: first.lastPosition - 3, maxCount: 100 }),
            (events) => ours(events).length === 4,
          ),
        );
        const lazy = ours(
          await store.readAll({ fromPosition: first.lastPosition - 3, maxCount: 100, lazyMetadata: true }),
        );
        expect(JSON.parse(JSON.stringify(lazy))).toEqual(JSON.parse(JSON.stringify(eager)));
        lazy.forEach((event, index) => {
          const { metadata } = eager[index];
          expect(event.metadata.businessTime).toBe(metadata.businessTime);
          expect(event.metadata.schemaVersion).toBe(metadata.schemaVersion);
          expect(event.metadata.eventId).toBe(metadata.eventId);
          expect(event.metadata.actor).toEqual(metadata.actor);
          expect(event.metadata.importedBy).toEqual(metadata.importedBy);
          expect(event.metadata.traceparent).toBe(metadata.traceparent);
        });
      });
    });

    describe('bad input', () => {
      const invalid: [string, () => Promise<unknown>, string][] = [
        ['an empty stream id', () => store.appendToStream('', [newEvent('A')]), 'streamId'],
        ['no events', () => store.appendToStream(streamName('s'), []), 'events'],
        [
          'a function in data',
          () => store.appendToStream(streamName('s'), [{ ...newEvent('A'), data: { f: () => 1 } }]),
          'events[0].data.f',
        ],
        [
          'a bigint in data',
          () => store.appendToStream(streamName('s'), [{ ...newEvent('A'), data: { n: BigInt(1) } }]),
          'events[0].data.n',
        ],
        [
          'NaN in data',
          () => store.appendToStream(streamName('s'), [{ ...newEvent('A'), data: { n: Number.NaN } }]),
          'events[0].data.n',
        ],
        [
          'U+0000 in data',
          () => store.appendToStream(streamName('s'), [{ ...newEvent('A'), data: { s: 'a\u0000b' } }]),
          'events[0].data.s',
        ],
        [
          'a lone surrogate in data',
          () => store.appendToStream(streamName('s'), [{ ...newEvent('A'), data: { s: 'cut \ud83d' } }]),
          'events[0].data.s',
        ],
        [
          'a lone surrogate in the stream id',
          () => store.appendToStream(`${streamName('s')}\udc00`, [newEvent('A')]),
          'streamId',
        ],
        [
          'a lone surrogate in the type',
          () => store.appendToStream(streamName('s'), [newEvent('Cut\ud83d')]),
          'events[0].type',
        ],
        ['a tab in the type', () => store.appendToStream(streamName('s'), [newEvent('Has\tTab')]), 'events[0].type'],
        [
          'an array as data',
          () =>
            store.appendToStream(streamName('s'), [
              { ...newEvent('A'), data: [] as unknown as Record<string, unknown> },
            ]),
          'events[0].data',
        ],
        [
          'a missing event id',
          () => store.appendToStream(streamName('s'), [newEvent('A', {}, { eventId: 'not-a-uuid' })]),
          'events[0].metadata.eventId',
        ],
        [
          'a bad business time',
          () => store.appendToStream(streamName('s'), [newEvent('A', {}, { businessTime: 'yesterday' })]),
          'events[0].metadata.businessTime',
        ],
        [
          'a schema version beyond a database integer',
          () => store.appendToStream(streamName('s'), [newEvent('A', {}, { schemaVersion: 2 ** 31 })]),
          'events[0].metadata.schemaVersion',
        ],
        [
          'a separator in the business time',
          () => store.appendToStream(streamName('s'), [newEvent('A', {}, { businessTime: 'Nov 20 2020\u001e 08:00' })]),
          'events[0].metadata.businessTime',
        ],
        [
          'a bad expected revision',
          () => store.appendToStream(streamName('s'), [newEvent('A')], { expectedRevision: -5 }),
          'expectedRevision',
        ],
        [
          'an oversized event',
          () => store.appendToStream(streamName('s'), [newEvent('A', { blob: 'x'.repeat(1024 * 1024 + 1) })]),
          'events[0]',
        ],
      ];

      it.each(invalid)(
        'refuses %s with a clear error naming the field, writing nothing',
        async (_label, append, field) => {
          const before = await countAll();
          const error = (await append().catch((e) => e)) as InvalidAppendError;
          expect(error).toBeInstanceOf(InvalidAppendError);
          expect(error.field).toBe(field);
          expect(error.message).toContain(field);
          expect(await countAll()).toBe(before);
        },
      );

      it('refuses circular data', async () => {
        const data: Record<string, unknown> = {};
        data.self = data;
        const error = (await store
          .appendToStream(streamName('s'), [{ ...newEvent('A'), data }])
          .catch((e) => e)) as InvalidAppendError;
        expect(error).toMatchObject({ code: 'INVALID_APPEND', message: expect.stringContaining('circular') });
        expect(error.field.startsWith('events[0].data.self')).toBe(true);
      });
    });

    describe('subscriptions', () => {
      it('catches up from the beginning, then follows live appends', async () => {
        const streamId = streamName('live');
        await store.appendToStream(streamId, [newEvent('Before')]);
        const received: RecordedEvent[] = [];
        const subscription = store.subscribeToAll({
          name: streamName('sub'),
          handle: async (events) => {
            received.push(...events.filter((event) => event.streamId === streamId));
          },
        });
        try {
          await subscription.whenCaughtUp();
          expect(received.map((event) => event.type)).toEqual(['Before']);
          await store.appendToStream(streamId, [newEvent('After')]);
          await collectUntil(received, () => received.length === 2);
          expect(received.map((event) => event.type)).toEqual(['Before', 'After']);
        } finally {
          await subscription.stop();
        }
      });

      it('resumes after a restart from its checkpoint, without repeating events', async () => {
        const streamId = streamName('resume');
        const name = streamName('sub');
        const mine = (events: RecordedEvent[]) =>
          events.filter((event) => event.streamId === streamId).map((event) => event.type);
        await store.appendToStream(streamId, [newEvent('One'), newEvent('Two')]);
        const firstRun: string[] = [];
        const first = store.subscribeToAll({ name, handle: async (events) => void firstRun.push(...mine(events)) });
        await first.whenCaughtUp();
        await first.stop();
        expect(firstRun).toEqual(['One', 'Two']);

        await store.appendToStream(streamId, [newEvent('Three')]);
        const restarted = await factory.reopen(subject);
        try {
          const secondRun: string[] = [];
          const second = restarted.store.subscribeToAll({
            name,
            handle: async (events) => void secondRun.push(...mine(events)),
          });
          await second.whenCaughtUp();
          await second.stop();
          expect(secondRun).toEqual(['Three']);
        } finally {
          await restarted.close();
        }
      });

      it('refuses to wait for catching up once stopped, and settles waiters left at stop', async () => {
        const streamId = streamName('stopped');
        await store.appendToStream(
          streamId,
          Array.from({ length: 30 }, () => newEvent('E')),
        );
        let release: () => void = () => undefined;
        const blocked = new Promise<void>((resolve) => (release = resolve));
        const subscription = store.subscribeToAll({ name: streamName('sub'), batchSize: 1, handle: () => blocked });
        const waiting = subscription.whenCaughtUp().then(
          () => 'caught up',
          (error: Error) => error.message,
        );
        const stopping = subscription.stop();
        release();
        await stopping;
        expect(await waiting).toMatch(/stopped/);
        await expect(subscription.whenCaughtUp()).rejects.toThrow(/stopped/);
      });

      it('reads the next batch only when the handler has finished the last (back-pressure)', async () => {
        const streamId = streamName('pressure');
        await store.appendToStream(
          streamId,
          Array.from({ length: 50 }, (_, index) => newEvent('E', { index })),
        );
        let running = 0;
        let maxRunning = 0;
        let largestBatch = 0;
        const subscription = store.subscribeToAll({
          name: streamName('sub'),
          batchSize: 7,
          handle: async (events) => {
            running += 1;
            maxRunning = Math.max(maxRunning, running);
            largestBatch = Math.max(largestBatch, events.length);
            await new Promise((resolve) => setTimeout(resolve, 2));
            running -= 1;
          },
        });
        await subscription.whenCaughtUp();
        await subscription.stop();
        expect(maxRunning).toBe(1);
        expect(largestBatch).toBeLessThanOrEqual(7);
      });

      it('retries a failing batch and then delivers it once the handler recovers', async () => {
        const streamId = streamName('retry');
        await store.appendToStream(streamId, [newEvent('Flaky')]);
        let failures = 0;
        const delivered: string[] = [];
        const subscription = store.subscribeToAll({
          name: streamName('sub'),
          handle: async (events) => {
            const mine = events.filter((event) => event.streamId === streamId);
            if (mine.length > 0 && failures < 2) {
              failures += 1;
              throw new Error('projection database unavailable');
            }
            delivered.push(...mine.map((event) => event.type));
          },
        });
        await subscription.whenCaughtUp();
        await subscription.stop();
        expect(failures).toBe(2);
        expect(delivered).toEqual(['Flaky']);
      });

      it('stops and rejects its waiters when the handler keeps failing', async () => {
        await store.appendToStream(streamName('doomed'), [newEvent('Poison')]);
        const subscription = store.subscribeToAll({
          name: streamName('sub'),
          maxRetries: 1,
          handle: async () => {
            throw new Error('cannot apply');
          },
        });
        await expect(subscription.finished).rejects.toMatchObject({ code: 'SUBSCRIPTION_FAILED' });
        await expect(subscription.whenCaughtUp()).rejects.toMatchObject({ code: 'SUBSCRIPTION_FAILED' });
      });

      it('delivers every committed event exactly once, in order, while many writers race', async () => {
        const label = streamName('race');
        const received = new Map<string, number>();
        const positions: number[] = [];
        const subscription = store.subscribeToAll({
          name: streamName('sub'),
          batchSize: 50,
          handle: async (events) => {
            for (const event of events) {
              positions.push(event.position);
              if (event.streamId.startsWith(label))
                received.set(event.metadata.eventId, (received.get(event.metadata.eventId) ?? 0) + 1);
            }
          },
        });
        try {
          const writers = 8;
          const appendsPerWriter = 40;
          const committed = new Set<string>();
          await Promise.all(
            Array.from({ length: writers }, async (_, writer) => {
              for (let index = 0; index < appendsPerWriter; index++) {
                const events = Array.from({ length: 1 + (index % 3) }, () => newEvent('Raced', { writer, index }));
                // Writers share a few hot streams and own a few of their own.
                const streamId = index % 2 === 0 ? `${label}-shared-${index % 4}` : `${label}-writer-${writer}`;
                await store.appendToStream(streamId, events);
                for (const event of events) committed.add(event.metadata.eventId);
              }
            }),
          );
          await subscription.whenCaughtUp();
          expect(received.size).toBe(committed.size);
          for (const eventId of committed) expect(received.get(eventId)).toBe(1);
          for (let index = 1; index < positions.length; index++)
            expect(positions[index]).toBeGreaterThan(positions[index - 1]);
        } finally {
          await subscription.stop();
        }
      });
    });

    describe('upcasting', () => {
      it('reads old event shapes in the current shape, and keeps the stored shape for auditors', async () => {
        const schemas = new EventSchemaRegistry().register({
          type: 'TeacherRegistered',
          fromVersion: 1,
          upcast: (data) => ({ ...data, names: { full: data.name } }),
        });
        const upcasting = await factory.create({ schemas });
        try {
          const streamId = streamName('teacher');
          await upcasting.store.appendToStream(streamId, [
            newEvent('TeacherRegistered', { name: '王芳' }, { schemaVersion: 1 }),
          ]);
          await upcasting.store.appendToStream(streamId, [
            newEvent('TeacherRegistered', { name: '李雷', names: { full: '李雷' } }),
          ]);
          const read = await upcasting.store.readStream(streamId);
          expect(read.map((event) => [event.metadata.schemaVersion, event.data])).toEqual([
            [2, { name: '王芳', names: { full: '王芳' } }],
            [2, { name: '李雷', names: { full: '李雷' } }],
          ]);
          const fromLog = (
            await eventually(
              () => upcasting.store.readAll({ fromPosition: 0, maxCount: 100_000 }),
              (events) => events.filter((event) => event.streamId === streamId).length === 2,
            )
          ).filter((event) => event.streamId === streamId);
          expect(fromLog[0].data).toEqual({ name: '王芳', names: { full: '王芳' } });
          const lazily = (
            await upcasting.store.readAll({ fromPosition: fromLog[0].position, maxCount: 2, lazyMetadata: true })
          ).filter((event) => event.streamId === streamId);
          expect(lazily.map((event) => [event.metadata.schemaVersion, event.data])).toEqual([
            [2, { name: '王芳', names: { full: '王芳' } }],
            [2, { name: '李雷', names: { full: '李雷' } }],
          ]);
          expect(lazily[0].metadata.eventId).toBe(fromLog[0].metadata.eventId);
          for (const lazyMetadata of [false, true]) {
            const scanned: RecordedEvent[] = [];
            for await (const page of upcasting.store.scanAll({ fromPosition: fromLog[0].position, lazyMetadata }))
              scanned.push(...page.filter((event) => event.streamId === streamId));
            expect(scanned.map((event) => [event.metadata.schemaVersion, event.data])).toEqual([
              [2, { name: '王芳', names: { full: '王芳' } }],
              [2, { name: '李雷', names: { full: '李雷' } }],
            ]);
          }
          const audited = await upcasting.store.readStreamForAudit(streamId);
          expect(audited[0].data).toEqual({ name: '王芳' });
          expect(audited[0].metadata.schemaVersion).toBe(1);
        } finally {
          await upcasting.close();
        }
      });
    });

    describe('the log as stored (readLog)', () => {
      it('gives every event exactly as stored: canonical texts, times in one form, event id and chain hash', async () => {
        const streamId = streamName('logged');
        const eventId = randomUUID().toUpperCase();
        const appended = await store.appendToStream(streamId, [
          newEvent(
            'HoursRecorded',
            { zeta: 1, alpha: { b: [1, 'two'], a: null }, name: '王芳' },
            { eventId, businessTime: '2021-01-04T10:00:00.123456+08:00', schemaVersion: 3 },
          ),
          newEvent('B', {}, { businessTime: '2021-01-04T02:00:00Z' }),
        ]);
        const logged = (
          await eventually(
            () => store.readLog({ fromPosition: appended.events[0].position, maxCount: 1000 }),
            (events) => events.filter((event) => event.streamId === streamId).length === 2,
          )
        ).filter((event) => event.streamId === streamId);
        const audited = await store.readStreamForAudit(streamId);
        expect(logged.map((event) => [event.position, event.revision, event.hash])).toEqual(
          audited.map((event) => [event.position, event.revision, event.hash]),
        );
        const [first, second] = logged;
        expect(first).toMatchObject({
          streamId,
          eventId: eventId.toLowerCase(),
          type: 'HoursRecorded',
          schemaVersion: 3,
          businessTime: '2021-01-04T02:00:00.123456Z',
          data: '{"alpha":{"a":null,"b":[1,"two"]},"name":"王芳","zeta":1}',
        });
        expect(second.businessTime).toBe('2021-01-04T02:00:00.000000Z');
        expect(first.recordedTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
        expect(first.recordedTime).toBe(
          `${audited[0].metadata.recordedTime.slice(0, 23)}${first.recordedTime.slice(23)}`,
        );
        // The metadata text is what was hashed: canonical, with the store's recorded time in it.
        expect(JSON.parse(first.metadata)).toEqual(audited[0].metadata);
        expect(first.metadata).toBe(canonicalJson(audited[0].metadata));
      });
    });

    describe('readAll in one read (scanAll)', () => {
      it("gives readAll's events from a position on, in pages, metadata lazy or not", async () => {
        const streamId = streamName('scanned-all');
        const appended = await store.appendToStream(streamId, [newEvent('A'), newEvent('B'), newEvent('C')]);
        await eventually(
          () => store.readAll({ fromPosition: appended.lastPosition, maxCount: 1 }),
          (events) => events.length === 1,
        );
        const fromPosition = appended.events[0].position;
        for (const lazyMetadata of [false, true]) {
          const pages: RecordedEvent[][] = [];
          for await (const page of store.scanAll({ fromPosition, pageSize: 2, lazyMetadata })) pages.push(page);
          expect(pages.length).toBeGreaterThanOrEqual(2);
          expect(pages.every((page) => page.length <= 2)).toBe(true);
          const scanned = pages.flat();
          const read = await store.readAll({ fromPosition, maxCount: scanned.length, lazyMetadata });
          expect(scanned.map((event) => event.position)).toEqual(read.map((event) => event.position));
          expect(JSON.parse(JSON.stringify(scanned))).toEqual(JSON.parse(JSON.stringify(read)));
          expect(scanned.filter((event) => event.streamId === streamId).map((event) => event.type)).toEqual([
            'A',
            'B',
            'C',
          ]);
        }
      });
    });

    describe('the whole log in one view (scanLog)', () => {
      it('starts with the safe position, then gives every event in global order, as readLog does', async () => {
        const streamId = streamName('scanned');
        const appended = await store.appendToStream(streamId, [newEvent('A'), newEvent('B'), newEvent('C')]);
        await eventually(
          () => store.readLog({ fromPosition: appended.lastPosition, maxCount: 1 }),
          (events) => events.length === 1,
        );
        const items = [];
        for await (const item of store.scanLog({ pageSize: 2 })) items.push(item);
        const [start] = items;
        expect(start).toMatchObject({ kind: 'start' });
        expect(start.kind === 'start' && start.safePosition).toBeGreaterThanOrEqual(appended.lastPosition);
        const events = items.flatMap((item) => (item.kind === 'events' ? item.events : []));
        const positions = events.map((event) => event.position);
        expect(positions).toEqual([...positions].sort((a, b) => a - b));
        const mine = events.filter((event) => event.streamId === streamId);
        expect(mine.map((event) => [event.revision, event.type])).toEqual([
          [0, 'A'],
          [1, 'B'],
          [2, 'C'],
        ]);
        const logged = await store.readLog({ fromPosition: appended.events[0].position, maxCount: 3 });
        expect(mine).toEqual(logged.filter((event) => event.streamId === streamId));
      });
    });

    describe('tamper evidence', () => {
      it('verifies an untouched log', async () => {
        await store.appendToStream(streamName('clean'), [newEvent('A'), newEvent('B')]);
        const report = await store.verify();
        expect(report.ok).toBe(true);
        expect(report.eventsChecked).toBeGreaterThan(0);
        expect(report.problems).toEqual([]);
      });

      it('chains each event hash to the previous event of its stream', async () => {
        const streamId = streamName('chain');
        await store.appendToStream(streamId, [newEvent('A')]);
        await store.appendToStream(streamId, [newEvent('B')]);
        const audited = await store.readStreamForAudit(streamId);
        expect(audited.map((event) => event.hash)).toEqual([
          expect.stringMatching(/^[0-9a-f]{64}$/),
          expect.stringMatching(/^[0-9a-f]{64}$/),
        ]);
        expect(audited[0].hash).not.toBe(audited[1].hash);
      });

      if (factory.tamperable) {
        const tamperingTest = (title: string, body: (tampering: Tampering, isolated: EventStore) => Promise<void>) =>
          it(title, async () => {
            const isolated = await factory.create();
            try {
              if (!isolated.tampering) throw new Error(`${adapterName} offers no way to tamper with stored events`);
              await body(isolated.tampering, isolated.store);
            } finally {
              await isolated.close();
            }
          });

        tamperingTest('names an event whose data was changed behind the store', async (tampering, isolated) => {
          const streamId = streamName('tampered');
          const result = await isolated.appendToStream(streamId, [
            newEvent('GradeRecorded', { grade: 'fail' }),
            newEvent('B'),
          ]);
          await tampering.updateEventData(result.events[0].eventId, { grade: 'excellent' });
          const report = await isolated.verify();
          expect(report.ok).toBe(false);
          expect(report.firstProblem).toMatchObject({
            kind: 'altered',
            streamId,
            revision: 0,
            eventId: result.events[0].eventId,
          });
        });

        tamperingTest('names the gap where an event was deleted behind the store', async (tampering, isolated) => {
          const streamId = streamName('deleted');
          const result = await isolated.appendToStream(streamId, [newEvent('A'), newEvent('B'), newEvent('C')]);
          await tampering.deleteEvent(result.events[1].eventId);
          const report = await isolated.verify();
          expect(report.firstProblem).toMatchObject({ kind: 'missing', streamId, revision: 1 });
        });

        tamperingTest('notices a stream whose last event was deleted', async (tampering, isolated) => {
          const streamId = streamName('truncated');
          const result = await isolated.appendToStream(streamId, [newEvent('A'), newEvent('B')]);
          await tampering.deleteEvent(result.events[1].eventId);
          const report = await isolated.verify();
          expect(report.firstProblem).toMatchObject({ kind: 'missing', streamId, revision: 1 });
        });
      }
    });
  });
}
