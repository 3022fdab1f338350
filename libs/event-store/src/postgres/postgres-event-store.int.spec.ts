import { Client } from 'pg';
import { asAttacker, createTestDatabase, TestDatabaseOptions } from '@tip/testing';
import { eventStoreContract, eventually, newEvent } from '../contract/event-store.contract';
import { DuplicateEventIdError, TransactionHorizonError } from '../port/errors';
import { LoggedEvent, RecordedEvent } from '../port/event';
import { decodeLogRows } from '../port/log-rows';
import { createPostgresEventStore, PostgresEventStore } from './postgres-event-store';
import { PostgresSubscription } from './postgres-subscription';
import { createPool } from './pool';

const fastPolling = { pollIntervalMs: 200, leaseRetryMs: 50 };

/** Behind the store's back, as the table's owner could (the append-only trigger switched off). */
function tamperingOver(store: PostgresEventStore) {
  const url = store.pool.options.connectionString as string;
  return {
    updateEventData: async (eventId: string, data: Record<string, unknown>) => {
      await asAttacker(url, (client) =>
        client.query('update tip_events set data = $2 where event_id = $1', [eventId, data]),
      );
    },
    deleteEvent: async (eventId: string) => {
      await asAttacker(url, (client) => client.query('delete from tip_events where event_id = $1', [eventId]));
    },
  };
}

const databases: { drop(): Promise<void> }[] = [];
afterAll(async () => {
  for (const database of databases) await database.drop();
});

async function freshDatabase(options: TestDatabaseOptions = {}): Promise<string> {
  const database = await createTestDatabase(options);
  databases.push(database);
  return database.url;
}

eventStoreContract('PostgreSQL', {
  tamperable: true,
  loadsLogAsStored: true,
  create: async (options) => {
    const connectionString = await freshDatabase();
    const store = await createPostgresEventStore({ connectionString, ...fastPolling, ...options });
    return { store, tampering: tamperingOver(store), close: () => store.close() };
  },
  reopen: async (subject) => {
    const connectionString = (subject.store as PostgresEventStore).pool.options.connectionString as string;
    const store = await createPostgresEventStore({ connectionString, ...fastPolling });
    return { store, tampering: tamperingOver(store), close: () => store.close() };
  },
});

type DirectAppend = (client: Client, streamId: string, event: ReturnType<typeof newEvent>) => Promise<unknown>;

/** One event appended with each of the database's append functions, as another writer would call them. */
const directAppends: [string, DirectAppend][] = [
  [
    'tip_append',
    (client, streamId, event) =>
      client.query('select * from tip_append($1::jsonb, $2::jsonb)', [
        JSON.stringify([{ streamId, expected: -1, offset: 0, ch: ['00'.repeat(32)] }]),
        JSON.stringify([
          {
            s: 0,
            id: event.metadata.eventId,
            type: event.type,
            v: 1,
            bt: event.metadata.businessTime,
            rt: event.metadata.businessTime,
            data: {},
            metadata: event.metadata,
          },
        ]),
      ]),
  ],
  [
    'tip_append_events',
    (client, streamId, event) =>
      client.query(
        'select * from tip_append_events($1::jsonb, $2::int[], $3::uuid[], $4::int[], $5, $6, $7::int[], $8::int[], $9, $10, $11::bytea, $12::bytea)',
        [
          JSON.stringify([{ streamId, expected: -1, offset: 0, n: 1 }]),
          '{0}',
          `{${event.metadata.eventId}}`,
          '{1}',
          event.type,
          event.metadata.businessTime,
          '{1}',
          '{1}',
          '{}',
          JSON.stringify({ ...event.metadata, schemaVersion: 1, recordedTime: event.metadata.businessTime }),
          `\\x${'00'.repeat(32)}`,
          `\\x${'00'.repeat(32)}`,
        ],
      ),
  ],
  [
    'tip_append_events, the signature of migration 2',
    (client, streamId, event) =>
      client.query('select * from tip_append_events($1::jsonb, $2::int[], $3, $4, $5, $6::bytea, $7::bytea)', [
        JSON.stringify([{ streamId, expected: -1, offset: 0, n: 1 }]),
        '{0}',
        event.type,
        '{}',
        JSON.stringify({ ...event.metadata, schemaVersion: 1, recordedTime: event.metadata.businessTime }),
        `\\x${'00'.repeat(32)}`,
        `\\x${'00'.repeat(32)}`,
      ]),
  ],
];

describe('PostgreSQL event store', () => {
  let connectionString: string;
  let store: PostgresEventStore;

  beforeAll(async () => {
    connectionString = await freshDatabase();
    store = await createPostgresEventStore({ connectionString, ...fastPolling });
  });
  afterAll(async () => store?.close());

  /** Opens a transaction that appends and then stays open, as a slow writer would. */
  async function openTransactionAppending(
    streamId: string,
  ): Promise<{ commit(): Promise<void>; rollback(): Promise<void> }> {
    const client = new Client({ connectionString });
    client.on('error', () => undefined); // dropped with the test database
    await client.connect();
    await client.query('begin');
    const event = newEvent('SlowWriterEvent');
    await client.query('select * from tip_append($1::jsonb, $2::jsonb)', [
      JSON.stringify([{ streamId, expected: -1, offset: 0, ch: ['00'.repeat(32)] }]),
      JSON.stringify([
        {
          s: 0,
          id: event.metadata.eventId,
          type: event.type,
          v: 1,
          bt: event.metadata.businessTime,
          rt: new Date().toISOString(),
          data: {},
          metadata: { ...event.metadata, recordedTime: new Date().toISOString() },
        },
      ]),
    ]);
    const finish = async (sql: string) => {
      await client.query(sql);
      await client.end();
    };
    return { commit: () => finish('commit'), rollback: () => finish('rollback') };
  }

  describe('while an older transaction is still open', () => {
    it('holds back later commits from readers until it ends, then delivers both in order', async () => {
      const slow = await openTransactionAppending(`slow-${Date.now()}`);
      const fast = await store.appendToStream(`fast-${Date.now()}`, [newEvent('FastWriterEvent')]);

      const visible = await store.readAll({ fromPosition: fast.lastPosition, maxCount: 10 });
      expect(visible).toEqual([]);
      const stats = await store.stats();
      expect(stats.heldBackEvents).toBeGreaterThanOrEqual(1);
      expect(stats.headPosition).toBeGreaterThanOrEqual(fast.lastPosition);
      expect(stats.safePosition).toBeLessThan(fast.lastPosition);

      await slow.commit();
      const after = await eventually(
        () => store.readAll({ fromPosition: fast.lastPosition - 1, maxCount: 10 }),
        (events) => events.length >= 2,
      );
      expect(after.map((event) => event.type)).toEqual(['SlowWriterEvent', 'FastWriterEvent']);
      expect(
        (
          await eventually(
            () => store.stats(),
            (stats) => stats.heldBackEvents === 0,
          )
        ).heldBackEvents,
      ).toBe(0);
    });

    it('never lets a live subscription skip the late commit', async () => {
      const delivered: RecordedEvent[] = [];
      const subscription = store.subscribeToAll({
        name: `late-commit-${Date.now()}`,
        handle: async (events) => void delivered.push(...events),
      });
      await subscription.whenCaughtUp();
      const slowStream = `slow-${Date.now()}`;
      const fastStream = `fast-${Date.now()}`;
      const ours = () =>
        delivered
          .filter((event) => event.streamId === slowStream || event.streamId === fastStream)
          .map((event) => event.type);
      const slow = await openTransactionAppending(slowStream);
      await store.appendToStream(fastStream, [newEvent('FastWriterEvent')]);
      await new Promise((resolve) => setTimeout(resolve, 400));
      expect(ours()).toEqual([]);
      await slow.rollback();
      await subscription.whenCaughtUp();
      await subscription.stop();
      expect(ours()).toEqual(['FastWriterEvent']);
    });
  });

  it('reserves positions in the same order as transaction ids', async () => {
    await Promise.all(
      Array.from({ length: 40 }, (_, index) =>
        store.appendToStream(`order-${index % 5}-${Date.now()}`, [newEvent('E'), newEvent('F')]),
      ),
    );
    const { rows } = await store.pool.query<{ out_of_order: string }>(
      `select count(*) as out_of_order from (
         select transaction_id, lag(transaction_id) over (order by position) as previous from tip_events
       ) ordered where previous is not null and transaction_id < previous`,
    );
    expect(Number(rows[0].out_of_order)).toBe(0);
  });

  it('does not make appends to one stream wait for an open append to another', async () => {
    const busy = `busy-${Date.now()}`;
    const slow = await openTransactionAppending(busy);
    try {
      const other = await Promise.race([
        store.appendToStream(`other-${Date.now()}`, [newEvent('E')]).then(() => 'appended'),
        new Promise((resolve) => setTimeout(() => resolve('blocked'), 3000)),
      ]);
      expect(other).toBe('appended');
      let sameStreamDone = false;
      const sameStream = store.appendToStream(busy, [newEvent('E')]).then(() => (sameStreamDone = true));
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(sameStreamDone).toBe(false);
      await slow.commit();
      await sameStream;
      expect((await store.readStream(busy)).map((event) => event.revision)).toEqual([0, 1]);
    } finally {
      await slow.rollback().catch(() => undefined);
    }
  });

  it.each(directAppends)(
    'lets go of the position lock when an append (%s) is cancelled inside it',
    async (_name, append) => {
      // Hold the position sequence so the next append waits inside its locked section…
      const holder = new Client({ connectionString });
      holder.on('error', () => undefined);
      await holder.connect();
      await holder.query('begin');
      await holder.query('alter sequence tip_event_position_seq cache 1');
      const victim = new Client({ connectionString, options: '-c statement_timeout=300' });
      victim.on('error', () => undefined);
      await victim.connect();
      try {
        const cancelled = await append(victim, `cancelled-${Date.now()}`, newEvent('Cancelled')).catch(
          (error: Error) => error,
        );
        // …until its statement times out there.
        expect(String(cancelled)).toMatch(/statement timeout/);
        await holder.query('rollback');
        const { rows } = await victim.query(
          "select count(*)::int as held from pg_locks where locktype = 'advisory' and pid = pg_backend_pid()",
        );
        expect(rows[0].held).toBe(0);
        await expect(store.appendToStream(`after-cancel-${Date.now()}`, [newEvent('E')])).resolves.toMatchObject({
          nextExpectedRevision: 0,
        });
      } finally {
        await holder.end().catch(() => undefined);
        await victim.end();
      }
    },
  );

  const firstWrites: [string, (client: Client) => Promise<unknown>][] = [
    [
      'tip_reserve',
      (client) =>
        client.query('select * from tip_reserve($1::jsonb, 1)', [
          JSON.stringify([{ streamId: 'x', expected: -1, ch: ['00'.repeat(32)] }]),
        ]),
    ],
    [
      'tip_reserve_import',
      (client) =>
        client.query('select * from tip_reserve_import($1::jsonb, 1)', [
          JSON.stringify([{ streamId: 'x', expected: -1, n: 1 }]),
        ]),
    ],
    ...directAppends.map(([name, append]): [string, (client: Client) => Promise<unknown>] => [
      name,
      (client) => append(client, 'x', newEvent('E')),
    ]),
  ];
  it.each(firstWrites)(
    'refuses an append that is not the first write of its transaction (%s)',
    async (_name, append) => {
      const client = new Client({ connectionString });
      client.on('error', () => undefined);
      await client.connect();
      try {
        await client.query('begin');
        await client.query("insert into tip_subscription_checkpoints (name, position) values ('not-first', 0)");
        const error = await append(client).catch((failure: Error) => failure);
        expect(String(error)).toMatch(/first write of its transaction/);
      } finally {
        await client.query('rollback').catch(() => undefined);
        await client.end();
      }
    },
  );

  it('opens a new append connection when the server ends the old one; a retried append lands once', async () => {
    const streamId = `reconnect-${Date.now()}`;
    await store.appendToStream(streamId, [newEvent('Before')]);
    const { rows: ended } = await store.pool.query<{ ended: boolean }>(
      "select pg_terminate_backend(pid) as ended from pg_stat_activity where application_name = 'tip-event-store-appends' and datname = current_database()",
    );
    expect(ended).toEqual([{ ended: true }]);
    // The append racing the termination may fail; the caller's retry, with the same events, lands.
    const events = [newEvent('After'), newEvent('After')];
    const first = await store.appendToStream(streamId, events).catch((error: Error) => error);
    const retried = first instanceof Error ? await store.appendToStream(streamId, events) : first;
    expect(retried).toMatchObject({ nextExpectedRevision: 2 });
    expect((await store.readStream(streamId)).map((event) => event.type)).toEqual(['Before', 'After', 'After']);
  });

  it('ends sessions that sit idle inside a transaction', async () => {
    const { rows } = await store.pool.query<{ idle_in_transaction_session_timeout: string }>(
      'show idle_in_transaction_session_timeout',
    );
    expect(rows[0].idle_in_transaction_session_timeout).toBe('10s');
  });

  it("finishes a scan of the log whose reader takes longer than the store's idle-in-transaction limit", async () => {
    const shared = await freshDatabase();
    const appender = await createPostgresEventStore({ connectionString: shared });
    const slowReader = await createPostgresEventStore({ connectionString: shared, idleInTransactionTimeoutMs: 100 });
    try {
      await appender.appendToStream('scanned-slowly', [newEvent('A'), newEvent('B'), newEvent('C')]);
      const scanned: string[] = [];
      for await (const page of slowReader.scanAll({ pageSize: 1 })) {
        scanned.push(...page.map((event) => event.type));
        // The server sent every row at once and waits, idle in the transaction, for the commit.
        await new Promise((resolve) => setTimeout(resolve, 300));
      }
      expect(scanned).toEqual(['A', 'B', 'C']);
    } finally {
      await slowReader.close();
      await appender.close();
    }
  });

  it('wakes a subscriber of another process by NOTIFY, long before it would poll', async () => {
    const shared = await freshDatabase();
    const writer = await createPostgresEventStore({ connectionString: shared });
    const reader = await createPostgresEventStore({ connectionString: shared, pollIntervalMs: 120_000 });
    const seen: string[] = [];
    const subscription = reader.subscribeToAll({
      name: 'notified',
      handle: async (events) => void seen.push(...events.map((event) => event.type)),
    });
    try {
      await writer.appendToStream('notified-stream', [newEvent('First')]);
      expect(
        await eventually(
          async () => [...seen],
          (types) => types.length > 0,
        ),
      ).toEqual(['First']);
      // Now the subscription sleeps until a notification comes (or two minutes pass).
      await new Promise((resolve) => setTimeout(resolve, 300));
      await writer.appendToStream('notified-stream', [newEvent('Notified')]);
      expect(
        await eventually(
          async () => [...seen],
          (types) => types.length > 1,
          10_000,
        ),
      ).toEqual(['First', 'Notified']);
    } finally {
      await subscription.stop();
      await reader.close();
      await writer.close();
    }
  });

  it('runs only one instance of a named subscription at a time (lease)', async () => {
    const name = `leased-${Date.now()}`;
    const seenBy: string[] = [];
    // An event to catch up with: caught up with an empty log, the first need not hold the lease
    // yet, and the second could take it first (run alone, this case failed now and then).
    await store.appendToStream(`leased-before-${Date.now()}`, [newEvent('BeforeLease')]);
    const first = store.subscribeToAll({ name, handle: async () => void seenBy.push('first') }) as PostgresSubscription;
    await first.whenCaughtUp();
    expect(first.state).toBe('running');
    const second = store.subscribeToAll({
      name,
      handle: async (events) => void seenBy.push(...events.map(() => 'second')),
    }) as PostgresSubscription;
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(second.state).toBe('standby');

    await first.stop();
    await store.appendToStream(`leased-stream-${Date.now()}`, [newEvent('AfterHandover')]);
    await second.whenCaughtUp();
    expect(second.state).toBe('running');
    expect(seenBy.filter((who) => who === 'second')).toHaveLength(1);
    await second.stop();
  });

  it('proves the lease of a subscription whose handler guards its checkpoint once a second, not after every batch', async () => {
    const stream = `guarded-${Date.now()}`;
    const proofs = { guarded: 0, plain: 0 };
    const query = Client.prototype.query;
    const spy = jest.spyOn(Client.prototype, 'query').mockImplementation(function (this: Client, ...args: unknown[]) {
      const name = (this as unknown as { connectionParameters: { application_name?: string } }).connectionParameters
        .application_name;
      if (args[0] === 'select 1' && name === `tip-subscription:${stream}-guarded`) proofs.guarded += 1;
      // The plain one's proof is its checkpoint, moved on the lease's session.
      if (String(args[0]).includes('tip_subscription_checkpoints') && name === `tip-subscription:${stream}-plain`)
        proofs.plain += 1;
      return (query as (...rest: unknown[]) => unknown).apply(this, args) as never;
    });
    const mine = (events: RecordedEvent[]) => events.filter((event) => event.streamId === stream).length;
    let seen = { guarded: 0, plain: 0 };
    const guarded = store.subscribeToAll({
      name: `${stream}-guarded`,
      batchSize: 1,
      handlerGuardsCheckpoint: true,
      checkpoints: { load: async () => undefined, store: async () => undefined },
      handle: async (events) => void (seen = { ...seen, guarded: seen.guarded + mine(events) }),
    });
    const plain = store.subscribeToAll({
      name: `${stream}-plain`,
      batchSize: 1,
      handle: async (events) => void (seen = { ...seen, plain: seen.plain + mine(events) }),
    });
    try {
      await store.appendToStream(stream, [newEvent('One'), newEvent('Two'), newEvent('Three'), newEvent('Four')]);
      await guarded.whenCaughtUp();
      await plain.whenCaughtUp();
      expect(seen).toEqual({ guarded: 4, plain: 4 });
      // Both read the whole log a batch at a time; the plain one proves its lease after each.
      expect(proofs.plain).toBeGreaterThanOrEqual(4);
      expect(proofs.guarded).toBeLessThanOrEqual(1);
    } finally {
      spy.mockRestore();
      await guarded.stop();
      await plain.stop();
    }
  });

  it("moves a plain subscription's checkpoint on its lease's session, one round trip a batch, and without waiting for the WAL flush when it may lag", async () => {
    const stream = `beside-${Date.now()}`;
    const sessions = new Map<string, { client: Client; texts: string[] }>();
    const query = Client.prototype.query;
    const spy = jest.spyOn(Client.prototype, 'query').mockImplementation(function (this: Client, ...args: unknown[]) {
      const name = (this as unknown as { connectionParameters: { application_name?: string } }).connectionParameters
        .application_name;
      if (name?.startsWith(`tip-subscription:${stream}`)) {
        const session = sessions.get(name) ?? { client: this, texts: [] };
        session.texts.push(String(args[0]));
        sessions.set(name, session);
      }
      return (query as (...rest: unknown[]) => unknown).apply(this, args) as never;
    });
    // The test server commits without flushing; new sessions of this database flush, as in production.
    const durability = (setting: string) =>
      store.pool.query(`do $$ begin execute format('alter database %I ${setting}', current_database()); end $$`);
    await durability('set synchronous_commit = on');
    const startAfter = (await store.stats()).headPosition;
    const durable = store.subscribeToAll({
      name: `${stream}-durable`,
      startAfter,
      batchSize: 1,
      handle: async () => undefined,
    });
    const lagging = store.subscribeToAll({
      name: `${stream}-lagging`,
      startAfter,
      batchSize: 1,
      checkpointMayLag: true,
      handle: async () => undefined,
    });
    try {
      const { lastPosition } = await store.appendToStream(stream, [
        newEvent('One'),
        newEvent('Two'),
        newEvent('Three'),
      ]);
      await durable.whenCaughtUp();
      await lagging.whenCaughtUp();
      for (const name of [`${stream}-durable`, `${stream}-lagging`]) {
        const session = sessions.get(`tip-subscription:${name}`);
        const texts = session?.texts ?? [];
        // No proof of its own: the checkpoint's write is it.
        expect(texts.filter((text) => text === 'select 1')).toEqual([]);
        expect(texts.filter((text) => text.includes('tip_subscription_checkpoints')).length).toBeGreaterThanOrEqual(3);
        expect(await store.checkpoints.load(name)).toBe(lastPosition);
      }
      const setting = async (name: string) => {
        const session = sessions.get(`tip-subscription:${name}`);
        if (!session) throw new Error(`no session for ${name}`);
        const { rows } = await session.client.query<{ synchronous_commit: string }>('show synchronous_commit');
        return rows[0].synchronous_commit;
      };
      expect(await setting(`${stream}-durable`)).toBe('on');
      expect(await setting(`${stream}-lagging`)).toBe('off');
    } finally {
      spy.mockRestore();
      await durable.stop();
      await lagging.stop();
      await durability('reset synchronous_commit');
    }
  });

  it('reads a page following live appends no sooner than minPageIntervalMs after the one before', async () => {
    const stream = `paced-${Date.now()}`;
    const pages: number[] = [];
    const subscription = store.subscribeToAll({
      name: stream,
      startAfter: (await store.stats()).headPosition,
      minPageIntervalMs: 1000,
      handle: async (events) => {
        const mine = events.filter((event) => event.streamId === stream).length;
        if (mine > 0) pages.push(mine);
      },
    });
    try {
      await store.appendToStream(stream, [newEvent('First')]);
      expect(
        await eventually(
          async () => pages,
          (seen) => seen.length > 0,
        ),
      ).toEqual([1]);
      // Three appends of their own within the second after the first page: one page.
      for (const type of ['Second', 'Third', 'Fourth']) await store.appendToStream(stream, [newEvent(type)]);
      await subscription.whenCaughtUp();
      expect(pages).toEqual([1, 3]);
    } finally {
      await subscription.stop();
    }
  });

  it('migrates a fresh database safely when two processes start at once', async () => {
    const shared = await freshDatabase();
    const stores = await Promise.all([
      createPostgresEventStore({ connectionString: shared }),
      createPostgresEventStore({ connectionString: shared }),
    ]);
    const pool = createPool({ connectionString: shared }, () => undefined);
    try {
      const { rows } = await pool.query('select version from tip_schema_migrations order by version');
      expect(rows).toEqual([1, 2, 3, 4, 5, 6, 7].map((version) => ({ version })));
    } finally {
      await pool.end();
      await Promise.all(stores.map((each) => each.close()));
    }
  });

  it('compares stream ids byte for byte where the database collates linguistically', async () => {
    const store = await createPostgresEventStore({ connectionString: await freshDatabase({ icuLocale: 'en-US' }) });
    try {
      const streamIds = ['school-b', 'school-B', 'school-a'];
      // The database's own order puts case after letters...
      const { rows: linguistic } = await store.pool.query<{ id: string }>(
        'select id from unnest($1::text[]) id order by id',
        [streamIds],
      );
      expect(linguistic.map((row) => row.id)).toEqual(['school-a', 'school-b', 'school-B']);
      // ...its streams are kept in byte order, and everything that pages through them agrees.
      await store.appendToStreams(
        streamIds.map((streamId) => ({ streamId, events: [newEvent('E')], expectedRevision: 'no_stream' as const })),
      );
      const { rows } = await store.pool.query<{ stream_id: string }>(
        'select stream_id from tip_streams order by stream_id',
      );
      expect(rows.map((row) => row.stream_id)).toEqual(['school-B', 'school-a', 'school-b']);
      expect((await store.readStreams(streamIds)).get('school-B')).toHaveLength(1);
      expect(await store.verify({ pageSize: 1 })).toMatchObject({ ok: true, streamsChecked: 3, eventsChecked: 3 });
    } finally {
      await store.close();
    }
  });

  it('pipelines an import in order: no chunk commits before the one ahead of it, even when that one is held up', async () => {
    const url = await freshDatabase();
    const store = await createPostgresEventStore({ connectionString: url });
    const holder = new Client({ connectionString: url });
    await holder.connect();
    try {
      await store.appendToStream('order-held', [newEvent('Before')]);
      // The first chunk appends to a stream someone holds locked: its reservation waits for them.
      await holder.query('begin');
      await holder.query("select 1 from tip_streams where stream_id = 'order-held' for update");
      const history = [
        { streamId: 'order-held', expectedRevision: 0, events: [newEvent('Imported')] },
        ...Array.from({ length: 6 }, (_, index) => ({
          streamId: `order-${index}`,
          expectedRevision: 'no_stream' as const,
          events: [newEvent('Imported', { index })],
        })),
      ];
      const importing = store.importEvents(history, { chunkSize: 1 });
      // Until the first chunk waits on the lock, and a while after: later chunks had every chance to go ahead.
      const waiting = await eventually(
        async () =>
          // Not from the holder: inside a transaction, pg_stat_activity is read once and kept.
          (
            await store.pool.query<{ waiting: number }>(
              "select count(*)::int as waiting from pg_stat_activity where wait_event_type = 'Lock' and query like '%tip_reserve_import%'",
            )
          ).rows[0].waiting,
        (count) => count >= 1,
      );
      expect(waiting).toBeGreaterThanOrEqual(1);
      await new Promise((resolve) => setTimeout(resolve, 300));
      const { rows: early } = await store.pool.query<{ count: number }>(
        "select count(*)::int from tip_events where stream_id like 'order-%' and stream_id <> 'order-held'",
      );
      expect(early[0].count).toBe(0);
      await holder.query('commit');
      await expect(importing).resolves.toMatchObject({ eventsImported: 7 });
      const stored = await store.readStreams(history.map((append) => append.streamId));
      const positions = history.map((append) => (stored.get(append.streamId) ?? []).slice(-1)[0]?.position);
      expect(positions).toEqual([...positions].sort((a, b) => a - b));
      expect(new Set(positions).size).toBe(7);
    } finally {
      await holder.end();
      await store.close();
    }
  });

  it('keeps the order when a chunk fails and is settled: the chunks after it go again after it', async () => {
    const store = await createPostgresEventStore({ connectionString: await freshDatabase() });
    try {
      // The third of six chunks was stored before (an earlier, cut-short run): its COPY fails, and
      // it is settled (found stored) before the chunks after it, given up meanwhile, go again.
      const history = Array.from({ length: 6 }, (_, index) => ({
        streamId: `settle-${index}`,
        expectedRevision: 'no_stream' as const,
        events: [newEvent('Imported', { index }), newEvent('Imported', { index })],
      }));
      await store.importEvents([history[2]]);
      const result = await store.importEvents(history, { chunkSize: 2 });
      expect(result.eventsImported).toBe(12);
      const stored = await store.readStreams(history.map((append) => append.streamId));
      const positions = history
        .filter((_, index) => index !== 2)
        .flatMap((append) => (stored.get(append.streamId) ?? []).map((event) => event.position));
      expect(positions).toHaveLength(10);
      expect(positions).toEqual([...positions].sort((a, b) => a - b));
      expect(await store.verify()).toMatchObject({ ok: true, eventsChecked: 12 });
    } finally {
      await store.close();
    }
  });

  describe('a first load into an empty store (emptyStore: indexes built after the rows)', () => {
    const constraints = async (store: PostgresEventStore) =>
      (
        await store.pool.query<{ name: string }>(
          "select conname as name from pg_constraint where conrelid = 'tip_events'::regclass order by conname",
        )
      ).rows.map((row) => row.name);
    const history = () =>
      Array.from({ length: 40 }, (_, index) => ({
        // Every fourth append goes on with a stream met before, at its exact revision.
        streamId: index % 4 === 3 ? `load-${index - 3}` : `load-${index}`,
        expectedRevision: index % 4 === 3 ? (2 as const) : ('no_stream' as const),
        events: Array.from({ length: 3 }, (_, event) => newEvent('Imported', { index, event })),
      }));

    it('stores what an import stores, in order, with chains that verify, and its constraints back', async () => {
      const loaded = await createPostgresEventStore({ connectionString: await freshDatabase() });
      const imported = await createPostgresEventStore({ connectionString: await freshDatabase() });
      try {
        const appends = history();
        const result = await loaded.importEvents(appends, { chunkSize: 7, emptyStore: true });
        await imported.importEvents(appends, { chunkSize: 7 });
        expect(result).toEqual({ eventsImported: 120, lastPosition: 120 });
        const strip = (events: LoggedEvent[]) =>
          events.map(({ recordedTime, metadata, ...rest }) => ({
            ...rest,
            metadata: metadata.replace(recordedTime, ''),
          }));
        const log = await loaded.readLog({ maxCount: 1000 });
        expect(log.map((event) => event.position)).toEqual(Array.from({ length: 120 }, (_, index) => index + 1));
        expect(log.map((event) => [event.streamId, event.revision, event.eventId])).toEqual(
          (await imported.readLog({ maxCount: 1000 })).map((event) => [event.streamId, event.revision, event.eventId]),
        );
        expect(strip(log).length).toBe(120);
        expect(await loaded.verify()).toMatchObject({ ok: true, streamsChecked: 30, eventsChecked: 120 });
        expect(await constraints(loaded)).toEqual(await constraints(imported));
        // The store goes on as any other: appends chain on, and the rebuilt indexes refuse what they should.
        await loaded.appendToStream('load-0', [newEvent('After')], { expectedRevision: 5 });
        await expect(
          loaded.pool.query(
            `insert into tip_events select position + 1000, transaction_id, stream_id, stream_revision, gen_random_uuid(),
               event_type, schema_version, data, metadata, business_time, recorded_time, hash from tip_events where position = 1`,
          ),
        ).rejects.toThrow(/tip_events_stream_revision_key/);
        expect(await loaded.verify()).toMatchObject({ ok: true, eventsChecked: 121 });
      } finally {
        await loaded.close();
        await imported.close();
      }
    });

    it('refuses a history with an event id twice, naming it, and leaves the store empty with its constraints', async () => {
      const store = await createPostgresEventStore({ connectionString: await freshDatabase() });
      try {
        const before = await constraints(store);
        const appends = history();
        const twice = appends[1].events[0].metadata.eventId;
        appends[30].events[1] = {
          ...appends[30].events[1],
          metadata: { ...appends[30].events[1].metadata, eventId: twice },
        };
        const error = await store.importEvents(appends, { chunkSize: 7, emptyStore: true }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(DuplicateEventIdError);
        expect(error).toMatchObject({
          eventIds: [twice],
          message: expect.stringContaining(`event id twice: ${twice}`),
        });
        expect((await store.stats()).headPosition).toBe(0);
        expect(await store.readAll()).toEqual([]);
        expect(await constraints(store)).toEqual(before);
        // And loads once the history is right.
        await store.importEvents(history(), { chunkSize: 7, emptyStore: true });
        expect(await store.verify()).toMatchObject({ ok: true, eventsChecked: 120 });
      } finally {
        await store.close();
      }
    });

    it('leaves nothing when the load is cut short, its connection killed halfway, or the store is not empty', async () => {
      const store = await createPostgresEventStore({ connectionString: await freshDatabase() });
      try {
        const before = await constraints(store);
        async function* cutShort() {
          yield* history().slice(0, 20);
          throw new Error('connection lost');
        }
        await expect(store.importEvents(cutShort(), { chunkSize: 7, emptyStore: true })).rejects.toThrow(
          'connection lost',
        );
        // A crash of the loading session: PostgreSQL rolls the whole load back.
        async function* killedHalfway() {
          yield* history().slice(0, 20);
          await store.pool.query(
            `select pg_terminate_backend(pid) from pg_stat_activity
              where datname = current_database() and pid <> pg_backend_pid() and state = 'idle in transaction'`,
          );
          yield* history().slice(20);
        }
        await expect(store.importEvents(killedHalfway(), { chunkSize: 7, emptyStore: true })).rejects.toThrow();
        expect(await store.readAll()).toEqual([]);
        expect(await constraints(store)).toEqual(before);
        await store.appendToStream('there-first', [newEvent('Before')]);
        await expect(store.importEvents(history(), { emptyStore: true })).rejects.toThrow(
          'importEvents({ emptyStore: true }): the store already holds events or streams',
        );
        expect(await store.readAll()).toHaveLength(1);
      } finally {
        await store.close();
      }
    });
  });

  it('imports a history that goes back to a stream within one chunk: that append starts the next chunk', async () => {
    const store = await createPostgresEventStore({ connectionString: await freshDatabase() });
    try {
      const history = [
        { streamId: 'again-a', expectedRevision: 'no_stream' as const, events: [newEvent('First')] },
        { streamId: 'again-b', expectedRevision: 'no_stream' as const, events: [newEvent('Other')] },
        { streamId: 'again-a', expectedRevision: 0, events: [newEvent('Second')] },
      ];
      for (const emptyStore of [false, true]) {
        const into = emptyStore ? await createPostgresEventStore({ connectionString: await freshDatabase() }) : store;
        try {
          await expect(into.importEvents(history, { chunkSize: 10, emptyStore })).resolves.toMatchObject({
            eventsImported: 3,
          });
          expect((await into.readAll()).map((event) => [event.streamId, event.type])).toEqual([
            ['again-a', 'First'],
            ['again-b', 'Other'],
            ['again-a', 'Second'],
          ]);
        } finally {
          if (emptyStore) await into.close();
        }
      }
    } finally {
      await store.close();
    }
  });

  it('resumes an import cut short in chunks of another size, storing every event once', async () => {
    const store = await createPostgresEventStore({ connectionString: await freshDatabase() });
    try {
      await store.appendToStream('resume-existing', [newEvent('Before'), newEvent('Before')]);
      const history = Array.from({ length: 12 }, (_, index) => ({
        streamId: index === 5 ? 'resume-existing' : `resume-${index}`,
        expectedRevision: index === 5 ? ('any' as const) : ('no_stream' as const),
        events: Array.from({ length: 5 }, (_, event) => newEvent('Imported', { index, event })),
      }));
      async function* cutShort() {
        yield* history.slice(0, 7);
        throw new Error('connection lost');
      }
      // Two streams a chunk, then five: the rerun's chunks mix streams stored and streams not.
      await expect(store.importEvents(cutShort(), { chunkSize: 10, concurrency: 1 })).rejects.toThrow(
        'connection lost',
      );
      const before = await store.readAll({ maxCount: 1000 });
      expect(before.length).toBeGreaterThan(2);
      expect(before.length).toBeLessThan(62);

      const rerun = await store.importEvents(history, { chunkSize: 25, concurrency: 2 });
      expect(rerun.eventsImported).toBe(60);
      const all = await store.readAll({ maxCount: 1000 });
      expect(all).toHaveLength(62);
      expect(rerun.lastPosition).toBe(all[all.length - 1].position);
      for (const { streamId, events } of history) {
        const stored = (await store.readStream(streamId)).filter((event) => event.type === 'Imported');
        expect(stored.map((event) => event.metadata.eventId)).toEqual(events.map((event) => event.metadata.eventId));
      }
      expect(await store.verify()).toMatchObject({ ok: true, eventsChecked: 62 });

      // A stream stored only in part is no rerun of the same history.
      const clash = [
        {
          streamId: 'resume-0',
          expectedRevision: 'no_stream' as const,
          events: [...history[0].events.slice(0, 2), newEvent('Other')],
        },
      ];
      await expect(store.importEvents(clash)).rejects.toBeInstanceOf(DuplicateEventIdError);
      // What is left of a chunk fails as any append would: a stream someone else created meanwhile.
      await store.appendToStream('resume-taken', [newEvent('Elsewhere')]);
      const taken = [
        history[0],
        { streamId: 'resume-taken', expectedRevision: 'no_stream' as const, events: [newEvent('Imported')] },
      ];
      await expect(store.importEvents(taken)).rejects.toMatchObject({
        code: 'WRONG_EXPECTED_REVISION',
        streamId: 'resume-taken',
        actual: 0,
      });
      expect(await store.readAll({ maxCount: 1000 })).toHaveLength(63);
    } finally {
      await store.close();
    }
  });

  it('drops the connection of a verify that stops early, so no write lands in its read-only transaction', async () => {
    const single = await createPostgresEventStore({ connectionString: await freshDatabase(), poolSize: 1 });
    try {
      await single.appendToStream('verified', [newEvent('A')]);
      const stop = new Error('enough');
      await expect(
        single.verify({
          onProgress: () => {
            throw stop;
          },
        }),
      ).rejects.toBe(stop);
      // Appends have a connection of their own; an import writes through the pool.
      await expect(
        single.importEvents([{ streamId: 'imported', expectedRevision: 'no_stream', events: [newEvent('B')] }]),
      ).resolves.toMatchObject({
        eventsImported: 1,
      });
    } finally {
      await single.close();
    }
  });

  it('refuses to start when stored transaction ids are ahead of the server (restored dump)', async () => {
    const restored = await freshDatabase();
    const seeded = await createPostgresEventStore({ connectionString: restored });
    const result = await seeded.appendToStream('restored', [newEvent('E')]);
    await asAttacker(restored, (client) =>
      client.query(`update tip_events set transaction_id = '999999999999'::xid8 where position = $1`, [
        result.lastPosition,
      ]),
    );
    await seeded.close();
    await expect(createPostgresEventStore({ connectionString: restored })).rejects.toBeInstanceOf(
      TransactionHorizonError,
    );
  });

  it('chains from the head it last saw, and from the stored head when another process has moved it', async () => {
    const shared = await freshDatabase();
    const [one, other] = await Promise.all([
      createPostgresEventStore({ connectionString: shared }),
      createPostgresEventStore({ connectionString: shared }),
    ]);
    try {
      const streamId = 'record-T-1';
      await one.appendToStream(streamId, [newEvent('A'), newEvent('B')], { expectedRevision: 'no_stream' });
      await one.appendToStream(streamId, [newEvent('C')]);
      await one.appendToStream(streamId, [newEvent('D')], { expectedRevision: 2 });
      // Another process appends: the first one's head is stale now.
      await other.appendToStream(streamId, [newEvent('E'), newEvent('F')]);
      await one.appendToStream(streamId, [newEvent('G')]);
      await one.appendToStream(streamId, [newEvent('H')], { expectedRevision: 6 });
      await other.appendToStream(streamId, [newEvent('I')], { expectedRevision: 7 });
      await expect(one.appendToStream(streamId, [newEvent('J')], { expectedRevision: 7 })).rejects.toMatchObject({
        code: 'WRONG_EXPECTED_REVISION',
        actual: 8,
      });
      await one.appendToStream(streamId, [newEvent('K')], { expectedRevision: 'stream_exists' });
      // Both at once, from both processes, on one stream and on their own.
      await Promise.all(
        Array.from({ length: 20 }, (_, index) =>
          (index % 2 === 0 ? one : other).appendToStreams([
            { streamId, expectedRevision: 'any', events: [newEvent('L')] },
            { streamId: `own-${index % 2}`, expectedRevision: 'any', events: [newEvent('M'), newEvent('N')] },
          ]),
        ),
      );
      const events = await one.readStream(streamId);
      expect(events.slice(0, 10).map((event) => event.type)).toEqual([
        'A',
        'B',
        'C',
        'D',
        'E',
        'F',
        'G',
        'H',
        'I',
        'K',
      ]);
      expect(events.map((event) => event.revision)).toEqual(Array.from({ length: 30 }, (_, index) => index));
      expect(await one.verify()).toMatchObject({ ok: true, streamsChecked: 3, eventsChecked: 70 });
    } finally {
      await Promise.all([one.close(), other.close()]);
    }
  });

  it('imports into new and existing streams alike, with chains and stream heads that verify', async () => {
    const isolated = await createPostgresEventStore({ connectionString: await freshDatabase() });
    try {
      await isolated.appendToStream('exact', [newEvent('A')]);
      await isolated.appendToStream('anything', [newEvent('A'), newEvent('B')]);
      await isolated.appendToStream('exists', [newEvent('A')]);
      await isolated.importEvents(
        [
          { streamId: 'fresh', expectedRevision: 'no_stream', events: [newEvent('I'), newEvent('J')] },
          { streamId: 'exact', expectedRevision: 0, events: [newEvent('I'), newEvent('J'), newEvent('K')] },
          { streamId: 'anything', expectedRevision: 'any', events: [newEvent('I')] },
          { streamId: 'exists', expectedRevision: 'stream_exists', events: [newEvent('I')] },
          { streamId: 'created-by-any', expectedRevision: 'any', events: [newEvent('I'), newEvent('J')] },
          { streamId: 'long', expectedRevision: 'no_stream', events: Array.from({ length: 25 }, () => newEvent('L')) },
        ],
        { chunkSize: 4, concurrency: 2 },
      );
      // Appending afterwards chains from the heads the import stored.
      for (const streamId of ['fresh', 'exact', 'anything', 'exists', 'created-by-any', 'long'])
        await isolated.appendToStream(streamId, [newEvent('After')]);
      expect((await isolated.readStream('exact')).map((event) => event.type)).toEqual(['A', 'I', 'J', 'K', 'After']);
      expect((await isolated.readStream('long')).map((event) => event.revision)).toEqual(
        Array.from({ length: 26 }, (_, index) => index),
      );
      expect(await isolated.verify()).toMatchObject({ ok: true, streamsChecked: 6, eventsChecked: 44 });
    } finally {
      await isolated.close();
    }
  });

  describe('the import chaining from the heads it stored (tip_reserve_import, migration 6)', () => {
    /** Rows of tip_streams rewritten from now on, counted by a trigger the table's owner adds. */
    async function countStreamWrites(store: PostgresEventStore): Promise<() => Promise<number>> {
      await store.pool.query(`
        create table test_stream_writes (stream_id text not null);
        create function test_count_stream_write() returns trigger language plpgsql as $fn$
        begin insert into test_stream_writes values (new.stream_id); return new; end $fn$;
        create trigger test_stream_writes after update on tip_streams for each row execute function test_count_stream_write();`);
      return async () => (await store.pool.query('select count(*)::int as n from test_stream_writes')).rows[0].n;
    }

    it('writes a stream row once per chunk that appends to a stream it stored, and every chain verifies', async () => {
      const store = await createPostgresEventStore({ connectionString: await freshDatabase() });
      try {
        const writes = await countStreamWrites(store);
        // The province's shape: streams created, then appended to two or three events at a time, by each expectation.
        const history = [
          { streamId: 'a', expectedRevision: 'no_stream' as const, events: [newEvent('A0'), newEvent('A1')] },
          { streamId: 'b', expectedRevision: 'any' as const, events: [newEvent('B0')] },
          { streamId: 'a', expectedRevision: 1, events: [newEvent('A2'), newEvent('A3')] },
          { streamId: 'b', expectedRevision: 'stream_exists' as const, events: [newEvent('B1'), newEvent('B2')] },
          { streamId: 'a', expectedRevision: 'any' as const, events: [newEvent('A4')] },
          { streamId: 'b', expectedRevision: 2, events: [newEvent('B3'), newEvent('B4'), newEvent('B5')] },
        ];
        await store.importEvents(history, { chunkSize: 3 });
        // 'b', created by an 'any' append, gets its head set once after its row is inserted; then
        // each of the four appends to a stream the import stored rewrites its row once.
        expect(await writes()).toBe(1 + 4);
        expect((await store.readStream('a')).map((event) => event.type)).toEqual(['A0', 'A1', 'A2', 'A3', 'A4']);
        expect((await store.readStream('b')).map((event) => event.revision)).toEqual([0, 1, 2, 3, 4, 5]);
        await store.appendToStream('a', [newEvent('After')], { expectedRevision: 4 });
        expect(await store.verify()).toMatchObject({ ok: true, streamsChecked: 2, eventsChecked: 12 });
      } finally {
        await store.close();
      }
    });

    it('stores a given chain only if the head given is the head still; a stale head or a new stream is chained from the database', async () => {
      const connectionString = await freshDatabase();
      const store = await createPostgresEventStore({ connectionString });
      const client = new Client({ connectionString });
      await client.connect();
      try {
        await store.appendToStream('s', [newEvent('A')], { expectedRevision: 'no_stream' });
        const headOf = async (streamId: string) =>
          (
            await client.query(
              `select revision::int, encode(last_hash, 'hex') as hash from tip_streams where stream_id = $1`,
              [streamId],
            )
          ).rows[0] as { revision: number; hash: string } | undefined;
        /** The reservation's answer and the stream's head as it leaves it, rolled back after. */
        const reserve = async (stream: Record<string, unknown>) => {
          await client.query('begin');
          try {
            const { rows } = await client.query(
              `select start_revisions::int[] as revisions, array(select encode(h, 'hex') from unnest(start_hashes) h) as starts
               from tip_reserve_import($1::jsonb, 1)`,
              [JSON.stringify([{ n: 1, ...stream }])],
            );
            return {
              ...(rows[0] as { revisions: number[]; starts: (string | null)[] }),
              head: await headOf(stream.streamId as string),
            };
          } finally {
            await client.query('rollback');
          }
        };
        const head = (await headOf('s')) as { revision: number; hash: string };
        const given = 'ab'.repeat(32);
        const genesis = '00'.repeat(32);
        // The head still: stored in one write, no start hash handed back.
        for (const expected of [-1, -3, 0])
          await expect(
            reserve({ streamId: 's', expected, last: given, headRevision: 0, headHash: head.hash }),
          ).resolves.toEqual({ revisions: [0], starts: [null], head: { revision: 1, hash: given } });
        // A stale head (another writer appended since): the chain given is not stored; the start is handed back.
        for (const stale of [
          { headRevision: 0, headHash: 'cd'.repeat(32) },
          { headRevision: 7, headHash: head.hash },
        ])
          await expect(reserve({ streamId: 's', expected: -1, last: given, ...stale })).resolves.toEqual({
            revisions: [0],
            starts: [head.hash],
            head: { revision: 1, hash: head.hash },
          });
        // An exact expectation is checked still, head given or not.
        await expect(
          reserve({ streamId: 's', expected: 3, last: given, headRevision: 0, headHash: head.hash }),
        ).rejects.toMatchObject({ code: 'TS409' });
        // A stream that is not there is created from the genesis hash, not from the chain given with a head.
        await expect(
          reserve({ streamId: 'new', expected: -1, last: given, headRevision: 0, headHash: head.hash }),
        ).resolves.toEqual({ revisions: [-1], starts: [genesis], head: { revision: 0, hash: genesis } });
        expect(await headOf('s')).toEqual(head);
      } finally {
        await client.end();
        await store.close();
      }
    });

    it('chains right when another writer appends between two chunks, and when two importers write the same streams at once', async () => {
      const connectionString = await freshDatabase();
      const [importer, appender, second] = await Promise.all([
        createPostgresEventStore({ connectionString }),
        createPostgresEventStore({ connectionString }),
        createPostgresEventStore({ connectionString }),
      ]);
      try {
        // The appender writes to 's' after the import's first chunk is in: the head the import keeps is stale then.
        async function* racedHistory() {
          yield { streamId: 's', expectedRevision: 'no_stream' as const, events: [newEvent('I0'), newEvent('I1')] };
          yield { streamId: 'other', expectedRevision: 'no_stream' as const, events: [newEvent('O0')] };
          await eventually(
            () => appender.readStream('s'),
            (events) => events.length === 2,
          );
          await appender.appendToStream('s', [newEvent('X')], { expectedRevision: 1 });
          yield { streamId: 's', expectedRevision: 'any' as const, events: [newEvent('I2'), newEvent('I3')] };
          yield { streamId: 's', expectedRevision: 'stream_exists' as const, events: [newEvent('I4')] };
        }
        await importer.importEvents(racedHistory(), { chunkSize: 2 });
        expect((await importer.readStream('s')).map((event) => event.type)).toEqual([
          'I0',
          'I1',
          'X',
          'I2',
          'I3',
          'I4',
        ]);

        // Two importers, appending to the same streams by turns, with an appender among them.
        const turns = (label: string) =>
          Array.from({ length: 30 }, (_, index) => ({
            streamId: `shared-${index % 3}`,
            expectedRevision: 'any' as const,
            events: [newEvent(`${label}${index}`), newEvent(`${label}${index}`)],
          }));
        await Promise.all([
          importer.importEvents(turns('P'), { chunkSize: 4 }),
          second.importEvents(turns('Q'), { chunkSize: 4, concurrency: 2 }),
          (async () => {
            for (let index = 0; index < 15; index++)
              await appender.appendToStream(`shared-${index % 3}`, [newEvent(`R${index}`)]);
          })(),
        ]);
        for (let stream = 0; stream < 3; stream++) {
          const events = await importer.readStream(`shared-${stream}`);
          expect(events.map((event) => event.revision)).toEqual(Array.from({ length: 45 }, (_, index) => index));
        }
        expect(await importer.verify()).toMatchObject({ ok: true, streamsChecked: 5, eventsChecked: 6 + 1 + 135 });
      } finally {
        await Promise.all([importer.close(), appender.close(), second.close()]);
      }
    });
  });

  describe('the streams an import creates, inserted by the run (tip_reserve_import, migration 7)', () => {
    /** A refusal's SQLSTATE and detail (JSON), or the answer when there was none. */
    const refusal = (promise: Promise<unknown>) =>
      promise.then(
        (answer) => answer,
        (error: { code: string; detail: string }) => ({
          code: error.code,
          detail: JSON.parse(error.detail) as unknown,
        }),
      );
    /** tip_reserve_import's answer for `streams` (in this order), and the heads of `streamIds` it left; rolled back after. */
    async function reserveAll(client: Client, streams: Record<string, unknown>[], streamIds: string[]) {
      await client.query('begin');
      try {
        const { rows } = await client.query(
          `select start_revisions::int[] as revisions, array(select encode(h, 'hex') from unnest(start_hashes) h) as starts
           from tip_reserve_import($1::jsonb, $2)`,
          [JSON.stringify(streams), streams.reduce((sum, stream) => sum + Number(stream.n), 0)],
        );
        const { rows: heads } = await client.query(
          `select stream_id, revision::int, encode(last_hash, 'hex') as hash from tip_streams
           where stream_id = any($1) order by stream_id`,
          [streamIds],
        );
        return { ...(rows[0] as { revisions: number[]; starts: (string | null)[] }), heads };
      } finally {
        await client.query('rollback');
      }
    }

    it('answers for runs of new streams among guards and existing streams as for each one at a time', async () => {
      const connectionString = await freshDatabase();
      const store = await createPostgresEventStore({ connectionString });
      const client = new Client({ connectionString });
      await client.connect();
      try {
        await store.appendToStream('m', [newEvent('A'), newEvent('B')], { expectedRevision: 'no_stream' });
        const mHash = (
          await client.query(`select encode(last_hash, 'hex') as hash from tip_streams where stream_id = 'm'`)
        ).rows[0].hash as string;
        const genesis = '00'.repeat(32);
        const last = (byte: string) => byte.repeat(32);
        // Given out of order: by id, 'a' and 'b' make a run, then 'g' (a guard) breaks it, 'h' is a
        // run of one before 'm' (there), and 'n', 'x' and 'y' make another.
        const streams = [
          { streamId: 'y', expected: -2, n: 1, last: last('11') },
          { streamId: 'm', expected: 1, n: 2 },
          { streamId: 'a', expected: -2, n: 3, last: last('22') },
          { streamId: 'g', expected: -2, n: 0 },
          { streamId: 'x', expected: -2, n: 2, last: last('33') },
          { streamId: 'b', expected: -2, n: 1, last: last('44') },
          { streamId: 'n', expected: -2, n: 1, last: last('55') },
          { streamId: 'h', expected: -2, n: 2, last: last('66') },
        ];
        await expect(reserveAll(client, streams, ['a', 'b', 'g', 'h', 'm', 'n', 'x', 'y'])).resolves.toEqual({
          revisions: [-1, 1, -1, -1, -1, -1, -1, -1],
          starts: [genesis, mHash, genesis, null, genesis, genesis, genesis, genesis],
          heads: [
            { stream_id: 'a', revision: 2, hash: last('22') },
            { stream_id: 'b', revision: 0, hash: last('44') },
            { stream_id: 'h', revision: 1, hash: last('66') },
            { stream_id: 'm', revision: 3, hash: mHash },
            { stream_id: 'n', revision: 0, hash: last('55') },
            { stream_id: 'x', revision: 1, hash: last('33') },
            { stream_id: 'y', revision: 0, hash: last('11') },
          ],
        });
      } finally {
        await client.end();
        await store.close();
      }
    });

    it('refuses a run holding a stream that is there, naming it with its revision, and creates none of the run', async () => {
      const connectionString = await freshDatabase();
      const store = await createPostgresEventStore({ connectionString });
      const client = new Client({ connectionString });
      await client.connect();
      try {
        await store.appendToStream('r-2', [newEvent('A'), newEvent('B')], { expectedRevision: 'no_stream' });
        await store.appendToStream('r-4', [newEvent('A')], { expectedRevision: 'no_stream' });
        const run = ['r-1', 'r-2', 'r-3', 'r-4'].map((streamId) => ({
          streamId,
          expected: -2,
          n: 1,
          last: 'ab'.repeat(32),
        }));
        // The first of the run (by id) that is there is named, as one at a time would have named it.
        await expect(refusal(reserveAll(client, run, []))).resolves.toEqual({
          code: 'TS409',
          detail: { streamId: 'r-2', actual: 1 },
        });
        // The import's refusal: the streams before it in the run are not left created.
        await expect(
          store.importEvents(
            ['r-1', 'r-2', 'r-3'].map((streamId) => ({
              streamId,
              expectedRevision: 'no_stream' as const,
              events: [newEvent('I')],
            })),
          ),
        ).rejects.toMatchObject({ code: 'WRONG_EXPECTED_REVISION', streamId: 'r-2', actual: 1 });
        const { rows } = await client.query(`select stream_id from tip_streams order by stream_id`);
        expect(rows.map((row: { stream_id: string }) => row.stream_id)).toEqual(['r-2', 'r-4']);
        // A run of one (between a guard and a stream that is there) is refused alike.
        await store.appendToStream('s-2', [newEvent('A')], { expectedRevision: 'no_stream' });
        await store.appendToStream('s-3', [newEvent('A')], { expectedRevision: 'no_stream' });
        await expect(
          refusal(
            reserveAll(
              client,
              [
                { streamId: 's-3', expected: 0, n: 1 },
                { streamId: 's-2', expected: -2, n: 1, last: 'ab'.repeat(32) },
                { streamId: 's-1', expected: -2, n: 0 },
              ],
              [],
            ),
          ),
        ).resolves.toEqual({ code: 'TS409', detail: { streamId: 's-2', actual: 0 } });
        // A stream given twice in one run: the second is refused, as one at a time would have refused it.
        await expect(
          refusal(
            reserveAll(
              client,
              [
                { streamId: 'd', expected: -2, n: 2, last: 'ab'.repeat(32) },
                { streamId: 'd', expected: -2, n: 2, last: 'cd'.repeat(32) },
              ],
              [],
            ),
          ),
        ).resolves.toEqual({ code: 'TS409', detail: { streamId: 'd', actual: 1 } });
      } finally {
        await client.end();
        await store.close();
      }
    });
  });

  it('stores through the bulk import (binary COPY) exactly what an append stores, to the microsecond', async () => {
    const isolated = await createPostgresEventStore({
      connectionString: await freshDatabase(),
      clock: () => new Date('2026-11-22T08:00:00.123Z'),
    });
    const businessTimes = [
      '2020-11-20T08:00:00.000Z',
      '2020-11-20T08:00Z',
      '2020-11-20T16:00:00.123456+08:00',
      '2020-11-20T16:00:00.00001+08:00',
      '1969-12-31T23:59:59.9995Z',
      '2020-11-20T24:00:00Z',
      '1900-01-01T00:00:00.5-05:30',
    ];
    const events = () =>
      businessTimes.map((businessTime, index) =>
        newEvent(
          '课时已记录',
          { 姓名: '王芳', emoji: '😀', index, quoted: 'a"b\\c\ttab\nline' },
          { businessTime, schemaVersion: index + 1 },
        ),
      );
    try {
      await isolated.appendToStream('appended-王', events());
      await isolated.importEvents([{ streamId: 'imported-王', expectedRevision: 'no_stream', events: events() }]);
      const stored = async (streamId: string) =>
        (
          await isolated.pool.query(
            `select stream_revision, event_type, schema_version, data::text, metadata->>'businessTime' as given,
                    to_char(business_time at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') as business_time,
                    to_char(recorded_time at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') as recorded_time
             from tip_events where stream_id = $1 order by stream_revision`,
            [streamId],
          )
        ).rows;
      const appended = await stored('appended-王');
      expect(appended).toHaveLength(businessTimes.length);
      expect(await stored('imported-王')).toEqual(appended);
      expect(appended[2]).toMatchObject({
        business_time: '2020-11-20 08:00:00.123456',
        recorded_time: '2026-11-22 08:00:00.123000',
      });
      expect(appended[4]).toMatchObject({ business_time: '1969-12-31 23:59:59.999500' });
      expect(await isolated.verify()).toMatchObject({ ok: true, eventsChecked: 2 * businessTimes.length });
    } finally {
      await isolated.close();
    }
  });

  it('refuses a chunk of new streams when one of them exists already, writing none of them (one transaction per chunk)', async () => {
    const label = `import-mixed-${Date.now()}`;
    await store.appendToStream(`${label}-c`, [newEvent('AlreadyThere'), newEvent('AlreadyThere')]);
    const error = await store
      .importEvents(
        ['a', 'b', 'c', 'd'].map((suffix) => ({
          streamId: `${label}-${suffix}`,
          expectedRevision: 'no_stream' as const,
          events: [newEvent('Imported')],
        })),
        { chunkSize: 10 },
      )
      .catch((e) => e);
    expect(error).toMatchObject({ code: 'WRONG_EXPECTED_REVISION', streamId: `${label}-c`, actual: 1 });
    for (const suffix of ['a', 'b', 'd']) expect(await store.readStream(`${label}-${suffix}`)).toEqual([]);
    expect(await store.readStream(`${label}-c`)).toHaveLength(2);
  });

  it('names a bad event of an import by its place in the whole history, and imports the chunks before it', async () => {
    const label = `import-bad-${Date.now()}`;
    const history = Array.from({ length: 5 }, (_, index) => ({
      streamId: `${label}-${index}`,
      expectedRevision: 'no_stream' as const,
      events: [newEvent('Imported', {}, index === 3 ? { businessTime: '2021-02-30T00:00:00Z' } : {})],
    }));
    const error = await store.importEvents(history, { chunkSize: 2, concurrency: 1 }).catch((e) => e);
    expect(error).toMatchObject({ field: 'appends[3].events[0].metadata.businessTime' });
    expect(await store.readStream(`${label}-0`)).toHaveLength(1);
    expect(await store.readStream(`${label}-1`)).toHaveLength(1);
    expect(await store.readStream(`${label}-3`)).toEqual([]);
  });

  it('imports a stream longer than a chunk part by part, numbering a bad event within the whole stream', async () => {
    const streamId = `import-long-${Date.now()}`;
    const events = Array.from({ length: 25 }, (_, index) =>
      newEvent('Imported', { index }, index === 17 ? { businessTime: 'yesterday' } : {}),
    );
    const error = await store
      .importEvents([{ streamId, expectedRevision: 'no_stream', events }], { chunkSize: 10 })
      .catch((e) => e);
    expect(error).toMatchObject({ field: 'appends[0].events[17].metadata.businessTime' });
    // The first part was stored before the second was read.
    expect((await store.readStream(streamId)).map((event) => event.data.index)).toEqual(
      Array.from({ length: 10 }, (_, index) => index),
    );
  });

  it('imports events larger than a piece of the COPY buffer, among small ones', async () => {
    const isolated = await createPostgresEventStore({ connectionString: await freshDatabase() });
    const large = '王芳'.repeat(70_000); // 140,000 characters, 420,000 bytes of UTF-8
    try {
      await isolated.importEvents([
        {
          streamId: 'a',
          expectedRevision: 'no_stream',
          events: [newEvent('Small'), newEvent('Large', { text: large }), newEvent('Small')],
        },
        {
          streamId: 'b',
          expectedRevision: 'no_stream',
          events: [newEvent('Large', { text: large }), newEvent('Large', { text: `${large}!` })],
        },
      ]);
      expect(
        (await isolated.readStream('a')).map((event) => [event.type, (event.data.text as string | undefined)?.length]),
      ).toEqual([
        ['Small', undefined],
        ['Large', 140_000],
        ['Small', undefined],
      ]);
      expect((await isolated.readStream('b')).map((event) => event.data.text)).toEqual([large, `${large}!`]);
      expect(await isolated.verify()).toMatchObject({ ok: true, eventsChecked: 5 });
    } finally {
      await isolated.close();
    }
  });

  it('names an inserted event in a chain', async () => {
    const isolated = await createPostgresEventStore({ connectionString: await freshDatabase() });
    try {
      const result = await isolated.appendToStream('grades', [newEvent('A'), newEvent('B')]);
      // Someone makes room at revision 1 and slips an event in, with a plausible-looking hash.
      await asAttacker(isolated.pool.options.connectionString as string, (client) =>
        client.query(`update tip_events set stream_revision = 2 where event_id = $1`, [result.events[1].eventId]),
      );
      await isolated.pool.query(
        `insert into tip_events select position + 1000, transaction_id, stream_id, 1, gen_random_uuid(), 'Forged', schema_version,
           '{}'::jsonb, metadata, business_time, recorded_time, hash from tip_events where event_id = $1`,
        [result.events[0].eventId],
      );
      const report = await isolated.verify();
      expect(report.problems[0]).toMatchObject({ kind: 'inserted', streamId: 'grades', revision: 1 });
    } finally {
      await isolated.close();
    }
  });
});

describe('scanLog, a binary COPY of the log', () => {
  it('gives every row exactly as readLog prints it: times of any year, texts in any script, many pages', async () => {
    const isolated = await createPostgresEventStore({ connectionString: await freshDatabase() });
    try {
      // Enough rows to arrive in many network chunks, cutting rows anywhere.
      await isolated.importEvents(
        Array.from({ length: 300 }, (_, stream) => ({
          streamId: `教师-"${stream}"\\`,
          expectedRevision: 'no_stream' as const,
          events: Array.from({ length: 5 }, (_, index) =>
            newEvent(
              'HoursRecorded',
              { note: '王芳 '.repeat(index * 40), index },
              { businessTime: `2021-01-0${index + 1}T02:00:00.${index}Z` },
            ),
          ),
        })),
      );
      // Rows no append writes, as the table's owner could: instants PostgreSQL prints in another width.
      for (const [business, recorded] of [
        ['0999-12-31T23:59:59.999999Z', '1000-01-01T00:00:00Z'],
        ['9999-12-31T23:59:59.999999Z', '10000-01-01T00:00:00.000001Z'],
        ['0001-01-01T00:00:00Z', '2021-01-04T02:00:00.5Z'],
        ['1899-12-31T23:59:59.999999Z', '2199-12-31T23:59:59.999999Z'],
        ['1900-01-01T00:00:00Z', '2200-01-01T00:00:00Z'],
      ]) {
        await isolated.pool.query(
          `insert into tip_events (position, transaction_id, stream_id, stream_revision, event_id, event_type, schema_version,
             data, metadata, business_time, recorded_time, hash)
           values (nextval('tip_event_position_seq'), pg_current_xact_id(), $1, 0, gen_random_uuid(), 'Odd', 7, '{"a":"é"}', '{}', $2, $3, sha256('x'))`,
          [`odd-${business}`, business, recorded],
        );
      }
      const scanned: LoggedEvent[] = [];
      for await (const item of isolated.scanLog({ pageSize: 64 }))
        if (item.kind === 'events') scanned.push(...item.events);
      const read: LoggedEvent[] = [];
      for (let from = 0; ;) {
        const page = await isolated.readLog({ fromPosition: from, maxCount: 500 });
        read.push(...page);
        if (page.length < 500) break;
        from = page[page.length - 1].position + 1;
      }
      expect(scanned).toHaveLength(1505);
      expect(scanned).toEqual(read);
      // The same rows as bytes (what a verifier hashes), cut into pages on row boundaries.
      const rows: LoggedEvent[] = [];
      for await (const item of isolated.scanLog({ pageSize: 64, rows: true }))
        if (item.kind === 'rows') rows.push(...decodeLogRows(item.rows));
      expect(rows).toEqual(read);
      expect(scanned.slice(-5).map((event) => [event.businessTime, event.recordedTime])).toEqual([
        ['0999-12-31T23:59:59.999999Z', '1000-01-01T00:00:00.000000Z'],
        ['9999-12-31T23:59:59.999999Z', '10000-01-01T00:00:00.000001Z'],
        ['0001-01-01T00:00:00.000000Z', '2021-01-04T02:00:00.500000Z'],
        ['1899-12-31T23:59:59.999999Z', '2199-12-31T23:59:59.999999Z'],
        ['1900-01-01T00:00:00.000000Z', '2200-01-01T00:00:00.000000Z'],
      ]);
    } finally {
      await isolated.close();
    }
  });
});
