import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { RecordedEvent } from '@tip/event-store';
import { createTestDatabase, TestDatabase } from '@tip/testing';
import { inspectionsReadModel, progressReadModel } from '../read-models';
import { enrolled, online, world } from '../progress/progress.test-events';
import { PartitionItem, ProjectionRunner, READ_MODEL_CHANNEL, SharedBatches } from './projection-runner';
import { inMemory, stored } from './progress.test-tables';
import { migrateReadModel, readModelDataSource, ReadModel } from './read-model';
import { TableSql } from './table-sql';

/** The runner's promise: every event's changes land exactly once, with the checkpoint, or not at all. */
describe('ProjectionRunner on PostgreSQL', () => {
  let database: TestDatabase;
  let dataSource: DataSource;
  const schema = 'rm_progress';

  beforeAll(async () => {
    database = await createTestDatabase();
    dataSource = readModelDataSource(database.url, progressReadModel, schema);
    await dataSource.initialize();
    await migrateReadModel(dataSource);
  });
  afterAll(async () => {
    await dataSource?.destroy();
    await database?.drop();
  });

  const events: RecordedEvent[] = [
    ...world(),
    ...enrolled('T1', 'S1'),
    ...enrolled('T2', 'S2'),
    online('T1', 'R1', 15),
    online('T1', 'R2', 12.5),
    online('T2', 'R1', 30),
  ];

  const checkpoint = async () =>
    Number((await dataSource.query(`select position from ${schema}.projection_checkpoint`))[0].position);

  it('writes every table as the projector decides, batch by batch, and the checkpoint with them', async () => {
    const runner = new ProjectionRunner(dataSource, schema, progressReadModel);
    await runner.handle(events.slice(0, 10));
    expect(await checkpoint()).toBe(events[9].position);
    await runner.handle(events.slice(10));
    expect(await checkpoint()).toBe(events[events.length - 1].position);
    expect(await stored(dataSource)).toEqual(inMemory(dataSource, events));
  });

  it("keeps a json column's text as the projector made it, as a rebuild's COPY does (not printed back from jsonb)", async () => {
    const made = inMemory(dataSource, events).teacher_records as { teacherId: string; record: unknown }[];
    const rows = (await dataSource.query(
      `select teacher_id, record::text as text from ${schema}.teacher_records order by teacher_id`,
    )) as { teacher_id: string; text: string }[];
    expect(rows.map((row) => row.text)).toEqual(made.map((row) => JSON.stringify(row.record)));
  });

  it("adds a counter row's empty map as nothing: the row keeps its map, and a new row gets an empty one", async () => {
    const table = new TableSql(dataSource.getMetadata('unit_progress'), 'counter', schema);
    const manager = dataSource.manager;
    const [template] = await dataSource.query(`select batch_id, unit_id from ${schema}.unit_progress limit 1`);
    const [stored] = await table.load(manager, [[template.batch_id, template.unit_id]]);
    const zero = Object.fromEntries(
      Object.entries(stored).map(([key, value]) => [key, typeof value === 'number' ? 0 : value]),
    );
    const key = { batchId: 'B-spec', unitId: 'U-spec' };
    await table.put(manager, [
      { ...zero, ...key, hoursByCategory: { 理论: 1.5 }, excellentVideosBySubject: {}, enrolled: 2 },
    ]);
    await table.add(manager, [
      { ...zero, ...key, hoursByCategory: {}, excellentVideosBySubject: { 数学: 1 }, enrolled: 1 },
      { ...zero, batchId: 'B-spec', unitId: 'U-new', hoursByCategory: {}, excellentVideosBySubject: {} },
    ]);
    const rows = await table.load(manager, [
      ['B-spec', 'U-spec'],
      ['B-spec', 'U-new'],
    ]);
    expect(
      rows
        .map((row) => [row.unitId, row.enrolled, row.hoursByCategory, row.excellentVideosBySubject])
        .sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
    ).toEqual([
      ['U-new', 0, {}, {}],
      ['U-spec', 3, { 理论: 1.5 }, { 数学: 1 }],
    ]);
    await dataSource.query(`delete from ${schema}.unit_progress where batch_id = 'B-spec'`);
  });

  it('applies a batch delivered again (a retry, a restart) not twice: the checkpoint says what is in', async () => {
    const before = await stored(dataSource);
    const restarted = new ProjectionRunner(dataSource, schema, progressReadModel);
    await restarted.handle(events.slice(5));
    expect(await stored(dataSource)).toEqual(before);
    expect(await restarted.checkpoint()).toBe(events[events.length - 1].position);
  });

  it('lets a runner that went on from a stale checkpoint write nothing: another instance had moved it', async () => {
    // Two instances of the projector: `left` lost its lease mid-run, `taker` went on. `left`
    // still holds the checkpoint and rows of its last batch and tries the next batch from there.
    const fresh = 'rm_two_instances';
    const twice = readModelDataSource(database.url, progressReadModel, fresh);
    await twice.initialize();
    try {
      await migrateReadModel(twice);
      const left = new ProjectionRunner(twice, fresh, progressReadModel);
      const taker = new ProjectionRunner(twice, fresh, progressReadModel);
      const positionOf = async () =>
        Number((await twice.query(`select position from ${fresh}.projection_checkpoint`))[0].position);
      await left.handle(events.slice(0, events.length - 3));
      await taker.handle(events.slice(0, events.length - 1));
      // Counters (hours, per unit and week) would be added twice from left's stale rows.
      await left.handle(events.slice(events.length - 3));
      expect(await positionOf()).toBe(events[events.length - 1].position);
      expect(await stored(twice)).toEqual(inMemory(twice, events));
      // And the other way round: the taker, stale now, goes on with a batch the left already took in.
      await taker.handle(events.slice(events.length - 2));
      expect(await stored(twice)).toEqual(inMemory(twice, events));
    } finally {
      await twice.destroy();
    }
  });

  it('sends a batch of a runner that knows where the read model stands in one round trip', async () => {
    const fresh = 'rm_one_round_trip';
    const counted = readModelDataSource(database.url, progressReadModel, fresh);
    await counted.initialize();
    try {
      await migrateReadModel(counted);
      const runner = new ProjectionRunner(counted, fresh, progressReadModel);
      await runner.handle(events.slice(0, events.length - 3));
      const sent: string[] = [];
      const query = Client.prototype.query;
      const spy = jest.spyOn(Client.prototype, 'query').mockImplementation(function (this: Client, ...args: unknown[]) {
        const [config] = args as [string | { text: string }];
        sent.push(typeof config === 'string' ? config : config.text);
        return (query as (...rest: unknown[]) => unknown).apply(this, args) as never;
      });
      try {
        // Hours of a teacher whose rows the runner holds: nothing to read, one text to send.
        await runner.handle(events.slice(events.length - 3, events.length - 1));
      } finally {
        spy.mockRestore();
      }
      expect(sent).toHaveLength(1);
      expect(sent[0]).toMatch(/^begin; select pg_advisory_xact_lock_shared[\s\S]*; commit$/);
      await runner.handle(events.slice(events.length - 1));
      expect(await stored(counted)).toEqual(inMemory(counted, events));
    } finally {
      await counted.destroy();
    }
  });

  it("fails a rebuild's partition whose projector changes a table from shared events and from its own", async () => {
    // Partitions would each keep the shared events' rows and write their own: one table from both would differ between them.
    const wrong: ReadModel = {
      ...progressReadModel,
      projection: {
        ...progressReadModel.projection,
        partitionOf: (streamId) => (streamId.endsWith(':T1') ? 'T1' : undefined),
      },
    };
    const partition = new ProjectionRunner(dataSource, schema, wrong, {
      partition: { writesShared: true, handOver: () => undefined },
    });
    await expect(partition.projectAhead(events)).rejects.toThrow(
      'changes teacher_records rows from events every partition projects and from one partition',
    );
    // Keyed as progress keys them, the same events go through.
    const right = new ProjectionRunner(dataSource, schema, progressReadModel, {
      partition: { writesShared: true, handOver: () => undefined },
    });
    await right.projectAhead(events);
    expect(right.cachedRowsHeld).toBeGreaterThan(0);
  });
});

/**
 * A projector worker handles several Kafka partitions at once (kafkajs runs their batches
 * concurrently), all through the read model's one runner: each batch must keep its own rows and
 * changes, or one batch's start wipes what another has taken in but not written yet.
 */
describe('ProjectionRunner fed by Kafka partitions at once', () => {
  const topic = 'tip.events.test';
  const schema = 'rm_partitions_at_once';
  let database: TestDatabase;
  let dataSource: DataSource;
  const setup = [...world(), ...enrolled('T1', 'S1'), ...enrolled('T2', 'S2')];
  const taken = online('T1', 'R1', 15);
  // Reads a row nobody prefetches, so its batch waits on the database with `taken` in hand.
  const slow = online('T1', 'R2', 12.5);
  const other = online('T2', 'R1', 30);
  const waitsMidBatch: ReadModel = {
    ...progressReadModel,
    projection: {
      ...progressReadModel.projection,
      project: (event, rows) => {
        if (event.position === slow.position) rows.get('unit_offices', 'NOT-A-UNIT', 'never');
        return progressReadModel.projection.project(event, rows);
      },
    },
  };
  const asMessages = (events: RecordedEvent[], from = 0): PartitionItem[] =>
    events.map((each, index) => ({ kind: 'event', offset: from + index, event: each }));

  beforeAll(async () => {
    database = await createTestDatabase();
    dataSource = readModelDataSource(database.url, progressReadModel, schema);
    await dataSource.initialize();
    await migrateReadModel(dataSource);
  });
  afterAll(async () => {
    await dataSource?.destroy();
    await database?.drop();
  });

  it('keeps each batch its own: one starting while another waits neither wipes nor takes its changes', async () => {
    const runner = new ProjectionRunner(dataSource, schema, waitsMidBatch);
    await runner.handlePartition(topic, 0, asMessages(setup), 2);
    await runner.handlePartition(
      topic,
      1,
      [{ kind: 'watermark', offset: 0, position: setup[setup.length - 1].position }],
      2,
    );

    // Holds partition 0's batch in its read of unit_offices, after it has taken in `taken`.
    const gate = new Client({ connectionString: database.url });
    await gate.connect();
    await gate.query('begin');
    await gate.query(`lock table ${schema}.unit_offices in access exclusive mode`);
    const held = runner.handlePartition(topic, 0, asMessages([taken, slow], setup.length), 2);
    for (let waited = 0; ; waited += 20) {
      const [{ waiting }] = (
        await gate.query<{ waiting: number }>(
          `select count(*)::int as waiting from pg_locks where relation = $1::regclass and not granted`,
          [`${schema}.unit_offices`],
        )
      ).rows;
      if (waiting > 0) break;
      if (waited > 10_000) throw new Error('the batch of partition 0 never reached unit_offices');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    // Partition 1's batch, start to commit, while partition 0's is under way.
    await runner.handlePartition(topic, 1, asMessages([other], 1), 2);
    await gate.query('commit');
    await gate.end();
    await held;

    expect(await stored(dataSource)).toEqual(inMemory(dataSource, [...setup, taken, slow, other]));
  });
});

/**
 * A projector worker's cost is mostly its round trips to PostgreSQL (each a write to the socket
 * and a wait): a partition's batch takes a fixed few, whatever tables it writes, and tells the
 * processes serving views once it has committed.
 */
describe("ProjectionRunner: a Kafka partition's batch in few round trips", () => {
  const topic = 'tip.events.test';
  const schema = 'rm_round_trips';
  let database: TestDatabase;
  let dataSource: DataSource;
  let listener: Client;
  const notified: string[] = [];
  const setup = [...world(), ...enrolled('T1', 'S1'), ...enrolled('T2', 'S2')];
  const firstHours = [online('T1', 'R1', 15), online('T2', 'R1', 30), online('T1', 'R2', 12.5)];
  const secondHours = [online('T1', 'R3', 2), online('T2', 'R3', 3)];
  const asMessages = (events: RecordedEvent[], from = 0): PartitionItem[] =>
    events.map((each, index) => ({ kind: 'event', offset: from + index, event: each }));

  /** Round trips to PostgreSQL (queries sent, each one message or one corked group) while `work` runs. */
  async function roundTrips(work: () => Promise<void>): Promise<string[]> {
    const sent: string[] = [];
    const recording = Client.prototype.query;
    Client.prototype.query = function (this: Client, ...args: unknown[]) {
      const [text] = args;
      sent.push(typeof text === 'string' ? text : String((text as { text?: string }).text));
      return (recording as (...all: unknown[]) => unknown).apply(this, args);
    } as typeof query;
    try {
      await work();
    } finally {
      Client.prototype.query = recording;
    }
    // Each EXECUTE written as the statement it runs, the PREPAREs before them left out.
    return sent.map(readable);
  }

  // What each prepared name stands for, from every PREPARE sent (a worker's batches EXECUTE a
  // table's statements, prepared once a connection: see PreparedTexts).
  const preparedAs = new Map<string, string>();
  const query = Client.prototype.query;
  const readable = (text: string) =>
    text
      .replace(/^(prepare tip_\w+\(text\) as [^;]*;\s*)+/, '')
      .replace(/execute (tip_\w+)\(/g, (_, name: string) => `execute ${preparedAs.get(name) ?? name} (`);

  // The read models told since `before`. A notice of an earlier batch may reach the listener late
  // (a loaded machine) and be among them: the cases check that theirs came, not how many came.
  const notifiedOnce = async (before: number) => {
    for (let waited = 0; notified.length === before && waited < 5_000; waited += 10)
      await new Promise((resolve) => setTimeout(resolve, 10));
    return [...new Set(notified.slice(before))];
  };

  beforeAll(async () => {
    Client.prototype.query = function (this: Client, ...args: unknown[]) {
      const [text] = args;
      if (typeof text === 'string')
        for (const [, name, statement] of text.matchAll(/prepare (tip_\w+)\(text\) as ([^;]*)/g))
          preparedAs.set(name, statement);
      return (query as (...all: unknown[]) => unknown).apply(this, args);
    } as typeof query;
    database = await createTestDatabase();
    dataSource = readModelDataSource(database.url, progressReadModel, schema);
    await dataSource.initialize();
    await migrateReadModel(dataSource);
    listener = new Client({ connectionString: database.url });
    await listener.connect();
    listener.on('notification', ({ channel, payload }) => notified.push(`${channel}:${payload}`));
    await listener.query(`listen ${READ_MODEL_CHANNEL}`);
  });
  afterAll(async () => {
    Client.prototype.query = query;
    await listener?.end();
    await dataSource?.destroy();
    await database?.drop();
  });

  it('applies a batch of events in three round trips: its start with the first reads, the reads they tell of, and every write with a commit that notifies', async () => {
    const runner = new ProjectionRunner(dataSource, schema, progressReadModel);
    await runner.handlePartition(topic, 0, asMessages(setup), 1);
    const events = firstHours;
    const before = notified.length;
    const sent = await roundTrips(() =>
      runner.handlePartition(
        topic,
        0,
        [...asMessages(events, setup.length), { kind: 'watermark', offset: setup.length + 3, position: 99 }],
        1,
      ),
    );
    // Begin, lock, the partition's row and the first reads, every table at once; the reads the
    // first ones tell of (a teacher's record names the school); every table's rows, the partition,
    // the commit and the notification.
    expect(sent).toHaveLength(3);
    expect(sent[0]).toMatch(
      /^begin;\s*select pg_advisory_xact_lock_shared\(.*;\s*select p\.applied_offset.*for update of p;\s*execute select "[^*;]* from .*teacher_records.*;\s*execute select "[^*;]* from .*batches/s,
    );
    expect(sent[1]).toMatch(/units/);
    expect(sent[2]).toMatch(
      /^execute insert into .*teacher_records.*;\s*execute insert into .*unit_progress.*;\s*update .*kafka_partitions .*;\s*commit;\s*select pg_notify/s,
    );
    expect(await notifiedOnce(before)).toEqual([`${READ_MODEL_CHANNEL}:progress`]);

    expect(await stored(dataSource)).toEqual(inMemory(dataSource, [...setup, ...events]));
    expect(await runner.partitionsPosition(topic, 1)).toBe(99);
    // Delivered again (a rebalance, a restart): nothing counted twice.
    await runner.handlePartition(topic, 0, asMessages(events, setup.length), 1);
    expect(await stored(dataSource)).toEqual(inMemory(dataSource, [...setup, ...events]));
  });

  it('applies a batch two workers are handed at once (a rebalance under way) once: the partition row is locked with the start', async () => {
    const one = new ProjectionRunner(dataSource, schema, progressReadModel);
    const other = new ProjectionRunner(dataSource, schema, progressReadModel);
    const before = await stored(dataSource);
    const [{ applied_offset: from }] = await dataSource.query(
      `select applied_offset from ${schema}.kafka_partitions where partition = 0`,
    );
    const events = secondHours;
    const batch = asMessages(events, Number(from) + 1);
    await Promise.all([one.handlePartition(topic, 0, batch, 1), other.handlePartition(topic, 0, batch, 1)]);
    const after = await stored(dataSource);
    expect(after).toEqual(inMemory(dataSource, [...setup, ...firstHours, ...events]));
    expect(after).not.toEqual(before);
  });

  it("passes a batch of other read models' events and watermarks in one round trip, moving the partition and telling the views", async () => {
    const runner = new ProjectionRunner(dataSource, schema, progressReadModel);
    const before = notified.length;
    const tables = await stored(dataSource);
    const sent = await roundTrips(() =>
      runner.handlePartition(
        topic,
        0,
        [
          { kind: 'passed', offset: 100, position: 120 },
          { kind: 'watermark', offset: 101, position: 130 },
        ],
        1,
      ),
    );
    expect(sent).toHaveLength(1);
    expect(await notifiedOnce(before)).toEqual([`${READ_MODEL_CHANNEL}:progress`]);
    expect(await runner.partitionsPosition(topic, 1)).toBe(130);
    const [row] = await dataSource.query(
      `select applied_offset, applied_position from ${schema}.kafka_partitions where partition = 0`,
    );
    expect(row).toEqual({ applied_offset: '101', applied_position: '120' });
    expect(await stored(dataSource)).toEqual(tables);
  });

  it('passes the batches of several partitions handed over at once (one fetch) in one round trip', async () => {
    const runner = new ProjectionRunner(dataSource, schema, progressReadModel);
    // Partition 1's first batch makes its row.
    await runner.handlePartition(topic, 1, [{ kind: 'watermark', offset: 0, position: 130 }], 2);
    const before = notified.length;
    const tables = await stored(dataSource);
    const sent = await roundTrips(async () => {
      await Promise.all([
        runner.handlePartition(
          topic,
          0,
          [
            { kind: 'passed', offset: 200, position: 220 },
            { kind: 'watermark', offset: 201, position: 230 },
          ],
          2,
        ),
        runner.handlePartition(topic, 1, [{ kind: 'watermark', offset: 1, position: 230 }], 2),
      ]);
    });
    expect(sent).toHaveLength(1);
    expect(await notifiedOnce(before)).toEqual([`${READ_MODEL_CHANNEL}:progress`]);
    expect(await runner.partitionsPosition(topic, 2)).toBe(230);
    expect(
      await dataSource.query(
        `select partition, applied_offset, applied_position, watermark from ${schema}.kafka_partitions order by partition`,
      ),
    ).toEqual([
      { partition: 0, applied_offset: '201', applied_position: '220', watermark: '230' },
      { partition: 1, applied_offset: '1', applied_position: '0', watermark: '230' },
    ]);
    // Delivered again: nothing moves, and the full path finds it applied already.
    await runner.handlePartition(topic, 1, [{ kind: 'watermark', offset: 1, position: 230 }], 2);
    expect(await stored(dataSource)).toEqual(tables);
  });

  it('applies the batches of several partitions handed over at once (one fetch) in one transaction, with the ones it passes', async () => {
    const runner = new ProjectionRunner(dataSource, schema, progressReadModel);
    const before = await stored(dataSource);
    const applied = [...setup, ...firstHours, ...secondHours];
    // Partitions never used above (their rows made by a first batch each): one for each teacher, one with a watermark alone.
    for (const partition of [5, 6, 7])
      await runner.handlePartition(topic, partition, [{ kind: 'watermark', offset: 0, position: 1 }], 8);
    const [t1, t2] = [online('T1', 'R4', 4), online('T2', 'R4', 5)];
    const sent = await roundTrips(async () => {
      await Promise.all([
        runner.handlePartition(topic, 5, asMessages([t1], 1), 8),
        runner.handlePartition(topic, 6, asMessages([t2], 1), 8),
        runner.handlePartition(topic, 7, [{ kind: 'watermark', offset: 1, position: t2.position }], 8),
      ]);
    });
    // One start with both partitions' rows and first reads, each batch's second reads (a teacher's
    // record names the school), one end with both batches' rows, the third partition's move and
    // the one commit: four round trips, where a transaction a partition took seven.
    expect(sent).toHaveLength(4);
    expect(sent[0]).toMatch(
      /^begin;.*kafka_partitions.*partition = 5 for update of p;.*kafka_partitions.*partition = 6 for update of p/s,
    );
    expect(sent.filter((text) => /\bcommit\b/.test(text))).toEqual([sent[3]]);
    expect(sent[3]).toMatch(/update .*kafka_partitions .*partition = 5.*partition = 6.*partition = 7.*commit/s);
    // Both batches add to unit totals (rows every partition adds to): one statement, in key order.
    expect(sent[3].match(/insert into [^;]*unit_progress/g)).toHaveLength(1);
    expect(await stored(dataSource)).toEqual(inMemory(dataSource, [...applied, t1, t2]));
    expect(
      await dataSource.query(
        `select partition, applied_offset, watermark from ${schema}.kafka_partitions where partition >= 5 order by partition`,
      ),
    ).toEqual([
      { partition: 5, applied_offset: '1', watermark: '1' },
      { partition: 6, applied_offset: '1', watermark: '1' },
      { partition: 7, applied_offset: '1', watermark: String(t2.position) },
    ]);
    // Delivered again: nothing counted twice.
    await Promise.all([
      runner.handlePartition(topic, 5, asMessages([t1], 1), 8),
      runner.handlePartition(topic, 6, asMessages([t2], 1), 8),
    ]);
    expect(await stored(dataSource)).toEqual(inMemory(dataSource, [...applied, t1, t2]));
    expect(before).not.toEqual(await stored(dataSource));
  });

  /** The progress and inspections read models as one worker's (one consumer group's), sharing their fetches' transactions. */
  async function withBothReadModels(
    suffix: string,
    run: (both: {
      progress: ProjectionRunner;
      inspecting: ProjectionRunner;
      inspections: DataSource;
      inspectionsSchema: string;
    }) => Promise<void>,
  ): Promise<void> {
    const inspectionsSchema = `${schema}_${suffix}`;
    const inspections = readModelDataSource(database.url, inspectionsReadModel, inspectionsSchema);
    await inspections.initialize();
    try {
      await migrateReadModel(inspections);
      const sharedBatches = new SharedBatches();
      const progress = new ProjectionRunner(dataSource, schema, progressReadModel, { sharedBatches });
      const inspecting = new ProjectionRunner(inspections, inspectionsSchema, inspectionsReadModel, { sharedBatches });
      await run({ progress, inspecting, inspections, inspectionsSchema });
    } finally {
      await inspections.destroy();
    }
  }

  it('sends the batches of one fetch for two read models of one worker (one consumer group) in one transaction', async () => {
    await withBothReadModels('inspections', async ({ progress, inspecting, inspections, inspectionsSchema }) => {
      const applied = await stored(dataSource);
      // Partition 9's rows made by a first batch in each.
      for (const runner of [progress, inspecting])
        await runner.handlePartition(topic, 9, [{ kind: 'watermark', offset: 0, position: 1 }], 10);
      const hours = online('T1', 'R5', 1);
      const before = notified.length;
      const sent = await roundTrips(async () => {
        await Promise.all([
          progress.handlePartition(
            topic,
            9,
            [...asMessages([hours], 1), { kind: 'watermark', offset: 2, position: hours.position }],
            10,
          ),
          // The inspections model handles no hour record: it passes the event by its headers.
          inspecting.handlePartition(
            topic,
            9,
            [
              { kind: 'passed', offset: 1, position: hours.position },
              { kind: 'watermark', offset: 2, position: hours.position },
            ],
            10,
          ),
        ]);
      });
      // The start with both swap locks, the progress batch's reads, the end with both read models'
      // partition rows, one commit and a notification for each: where a transaction a read model took four.
      expect(sent.filter((text) => /\bcommit\b/.test(text))).toEqual([sent[sent.length - 1]]);
      expect(sent.length).toBeLessThanOrEqual(3);
      expect(sent[0]).toMatch(
        /^begin;\s*select pg_advisory_xact_lock_shared\(.*'inspections'.*;\s*select pg_advisory_xact_lock_shared\(.*'progress'/s,
      );
      expect(sent[sent.length - 1]).toMatch(
        /_inspections"\.kafka_partitions.*commit;.*pg_notify.*'inspections'.*pg_notify.*'progress'/s,
      );
      const told = [`${READ_MODEL_CHANNEL}:inspections`, `${READ_MODEL_CHANNEL}:progress`];
      for (let waited = 0; !told.every((each) => notified.slice(before).includes(each)) && waited < 5_000; waited += 10)
        await new Promise((resolve) => setTimeout(resolve, 10));
      expect(notified.slice(before)).toEqual(expect.arrayContaining(told));
      expect(
        await inspections.query(
          `select applied_offset, watermark from ${inspectionsSchema}.kafka_partitions where partition = 9`,
        ),
      ).toEqual([{ applied_offset: '2', watermark: String(hours.position) }]);
      expect(
        await dataSource.query(`select applied_offset, watermark from ${schema}.kafka_partitions where partition = 9`),
      ).toEqual([{ applied_offset: '2', watermark: String(hours.position) }]);
      expect(await stored(dataSource)).not.toEqual(applied);
    });
  });

  it("passes another read model's batch of the same fetch when the transaction they shared failed for a batch it applies", async () => {
    await withBothReadModels(
      'inspections_refused',
      async ({ progress, inspecting, inspections, inspectionsSchema }) => {
        try {
          for (const runner of [progress, inspecting])
            await runner.handlePartition(topic, 11, [{ kind: 'watermark', offset: 0, position: 1 }], 12);
          // The database refuses the progress model's rows of teacher T9 (as it would a value out of range).
          await dataSource.query(
            `alter table ${schema}.teacher_records add constraint no_t9 check (teacher_id <> 'T9') not valid`,
          );
          const refused = enrolled('T9', 'S1');
          const last = refused[refused.length - 1].position;
          await Promise.all([
            progress.handlePartition(topic, 11, asMessages(refused, 1), 12),
            inspecting.handlePartition(
              topic,
              11,
              refused.map((each, index) => ({ kind: 'passed', offset: 1 + index, position: each.position })),
              12,
            ),
          ]);
          // The refused event parked by the progress model; the inspections model's partition moved all the same.
          expect((await progress.parked()).map((row) => row.streamId)).toEqual(
            expect.arrayContaining([refused[refused.length - 1].streamId]),
          );
          expect(
            await inspections.query(
              `select applied_offset, applied_position from ${inspectionsSchema}.kafka_partitions where partition = 11`,
            ),
          ).toEqual([{ applied_offset: String(refused.length), applied_position: String(last) }]);
        } finally {
          await dataSource.query(`alter table ${schema}.teacher_records drop constraint if exists no_t9`);
        }
      },
    );
  });
});
