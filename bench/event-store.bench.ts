import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import {
  createPostgresEventStore,
  NewEvent,
  newEventId,
  POSTGRES_IMPORT_CHUNK_SIZE,
  PostgresEventStore,
} from '@tip/event-store';
import { BenchDatabase, BenchRow, LatencyRecorder, timed } from './harness';

/** A realistic small event: an online-hours record from the course platform. */
function onlineHoursEvent(teacher: number, index: number): NewEvent {
  const commandId = randomUUID();
  return {
    type: 'OnlineHoursRecorded',
    data: {
      batchId: 'JS-2020-1',
      teacherId: `T-${teacher}`,
      recordId: `R-${teacher}-${index}`,
      courseId: 'C-A1',
      hours: 1.5,
    },
    metadata: {
      eventId: newEventId(),
      businessTime: '2020-11-20T08:00:00.000Z',
      actor: { sub: 'course-platform', role: 'system' },
      commandId,
      correlationId: commandId,
      causationId: commandId,
    },
  };
}

const BARE_TABLE = `
  create table bench_bare (
    position bigserial primary key, transaction_id xid8 not null default pg_current_xact_id(),
    stream_id text not null, stream_revision bigint not null, event_id uuid not null, event_type text not null,
    schema_version integer not null, data json not null, metadata json not null,
    business_time timestamptz not null, recorded_time timestamptz not null, hash bytea not null)`;

interface BareRow {
  streamId: string;
  revision: number;
  event: NewEvent;
}

/** The baseline: one multi-row INSERT into a table with the same columns and no rules at all. */
async function insertBare(pool: Pool, rows: BareRow[]): Promise<void> {
  const values: unknown[] = [];
  const tuples = rows.map((row, index) => {
    const base = index * 6;
    values.push(
      row.streamId,
      row.revision,
      row.event.metadata.eventId,
      row.event.type,
      JSON.stringify(row.event.data),
      JSON.stringify(row.event.metadata),
    );
    return `($${base + 1}, $${base + 2}, $${base + 3}, $${base + 4}, 1, $${base + 5}, $${base + 6}, now(), now(), '\\x00')`;
  });
  await pool.query(
    `insert into bench_bare (stream_id, stream_revision, event_id, event_type, schema_version, data, metadata, business_time, recorded_time, hash)
     values ${tuples.join(',')}`,
    values,
  );
}

/**
 * The bulk baseline: one unnest INSERT of `count` rows, made one at a time as the import's are,
 * with only their column texts kept until the statement is sent.
 */
async function bulkInsertBare(pool: Pool, count: number, row: (offset: number) => BareRow): Promise<void> {
  const streamIds: string[] = [];
  const revisions: number[] = [];
  const eventIds: string[] = [];
  const types: string[] = [];
  const data: string[] = [];
  const metadata: string[] = [];
  for (let offset = 0; offset < count; offset++) {
    const { streamId, revision, event } = row(offset);
    streamIds.push(streamId);
    revisions.push(revision);
    eventIds.push(event.metadata.eventId);
    types.push(event.type);
    data.push(JSON.stringify(event.data));
    metadata.push(JSON.stringify(event.metadata));
  }
  await pool.query(
    `insert into bench_bare (stream_id, stream_revision, event_id, event_type, schema_version, data, metadata, business_time, recorded_time, hash)
     select s, r, e, t, 1, d, m, now(), now(), '\\x00'
     from unnest($1::text[], $2::bigint[], $3::uuid[], $4::text[], $5::json[], $6::json[]) as x(s, r, e, t, d, m)`,
    [streamIds, revisions, eventIds, types, data, metadata],
  );
}

/** Runs `writers` loops, each appending `batch` events per call to its own stream, for `totalEvents`; gives the seconds taken. */
async function concurrentWriters(
  writers: number,
  batch: number,
  totalEvents: number,
  latency: LatencyRecorder,
  append: (writer: number, events: NewEvent[], call: number) => Promise<unknown>,
): Promise<number> {
  const callsPerWriter = Math.max(1, Math.round(totalEvents / writers / batch));
  return timed(() =>
    Promise.all(
      Array.from({ length: writers }, async (_, writer) => {
        for (let call = 0; call < callsPerWriter; call++) {
          const events = Array.from({ length: batch }, (_, index) => onlineHoursEvent(writer, call * batch + index));
          const started = process.hrtime.bigint();
          await append(writer, events, call);
          latency.record(Number(process.hrtime.bigint() - started) / 1e6);
        }
      }),
    ),
  );
}

/** Each append case runs this many rounds per side; the median is reported, latencies over all rounds. */
const APPEND_ROUNDS = 5;

export async function eventStoreBenchmarks(database: BenchDatabase, rows: BenchRow[], scale: number): Promise<void> {
  // BENCH_EVENT_STORE_ONLY=import: the bulk import and readAll rows alone.
  if (process.env.BENCH_EVENT_STORE_ONLY === 'import') return bulkAndReadBenchmarks(database, rows, scale);
  const appendCases: [number, number][] = [
    [1, 1],
    [1, 8],
    [1, 32],
    [10, 1],
    [10, 8],
    [10, 32],
    [100, 1],
    [100, 8],
    [100, 32],
  ];
  for (const [batch, writers] of appendCases) {
    const totalEvents = Math.round((batch === 1 ? 8000 : 30_000) * scale);
    const url = await database.fresh();
    const store = await createPostgresEventStore({ connectionString: url, poolSize: Math.max(writers, 4) });
    const pool = new Pool({ connectionString: url, max: Math.max(writers, 4) });
    try {
      await pool.query(BARE_TABLE);
      const ourLatency = new LatencyRecorder();
      const bareLatency = new LatencyRecorder();
      const ourRates: number[] = [];
      const bareRates: number[] = [];
      const revisions = new Map<number, number>();
      const eventsDone = Math.max(1, Math.round(totalEvents / writers / batch)) * writers * batch;
      // Rounds alternate between the two sides, so a slow spell of the machine hits both.
      for (let round = 0; round < APPEND_ROUNDS; round++) {
        const run = `${randomUUID().slice(0, 8)}`;
        const ours = await concurrentWriters(writers, batch, totalEvents, ourLatency, (writer, events) =>
          store.appendToStream(`teacher-${run}-${writer}`, events),
        );
        const bare = await concurrentWriters(writers, batch, totalEvents, bareLatency, (writer, events) => {
          const first = revisions.get(writer) ?? 0;
          revisions.set(writer, first + events.length);
          return insertBare(
            pool,
            events.map((event, index) => ({ streamId: `bare-${writer}`, revision: first + index, event })),
          );
        });
        ourRates.push(eventsDone / ours);
        bareRates.push(eventsDone / bare);
      }
      rows.push({
        benchmark: `append batch=${batch} writers=${writers}`,
        unit: 'events/s',
        ours: median(ourRates),
        baseline: median(bareRates),
        baselineName: 'multi-row INSERT, bare table',
        p50Ms: ourLatency.percentile(50),
        p99Ms: ourLatency.percentile(99),
        baselineP99Ms: bareLatency.percentile(99),
      });
    } finally {
      await pool.end();
      await store.close();
    }
  }

  await bulkAndReadBenchmarks(database, rows, scale);
}

/** Bulk import rounds: the first warms up (JIT, caches) and is not counted; the median of the rest is reported. */
const BULK_ROUNDS = 6;

async function bulkAndReadBenchmarks(database: BenchDatabase, rows: BenchRow[], scale: number): Promise<void> {
  // The adapter's default chunk, then the 1,000 rows per statement of the reference figures.
  const imported = await bulkImportBenchmark(database, rows, scale, POSTGRES_IMPORT_CHUNK_SIZE, 'the default');
  try {
    await readAllBenchmark(imported.store, imported.pool, rows);
  } finally {
    await imported.pool.end();
    await imported.store.close();
  }
  const small = await bulkImportBenchmark(database, rows, scale, 1000, "as in the issue's figures");
  await small.pool.end();
  await small.store.close();
  // A first load into the empty store: one transaction, the unique indexes built after the rows.
  const loaded = await bulkImportBenchmark(database, rows, scale, POSTGRES_IMPORT_CHUNK_SIZE, 'emptyStore', true);
  await loaded.pool.end();
  await loaded.store.close();
}

/** Imports the same history in chunks of `chunk` events, beside unnest INSERTs of as many rows; leaves the last round open. */
async function bulkImportBenchmark(
  database: BenchDatabase,
  rows: BenchRow[],
  scale: number,
  chunk: number,
  chunkIs: string,
  emptyStore = false,
): Promise<{ store: PostgresEventStore; pool: Pool }> {
  const eventsPerStream = 20;
  const chunks = Math.ceil(Math.round(200_000 * scale) / chunk);
  const streams = (chunks * chunk) / eventsPerStream;
  // History is made a stream at a time as it is imported, as an importer reading a file would.
  function* history() {
    for (let stream = 0; stream < streams; stream++) {
      yield {
        streamId: `import-${stream}`,
        expectedRevision: 'no_stream' as const,
        events: Array.from({ length: eventsPerStream }, (_, index) => onlineHoursEvent(stream, index)),
      };
    }
  }
  const ourRates: number[] = [];
  const bareRates: number[] = [];
  // CPU an event of both sides of the connection over the counted rounds: on two cores their sum bounds the rate.
  const cpu = { node: 0, postgres: 0, barePostgres: 0 };
  let store: PostgresEventStore | undefined;
  let pool: Pool | undefined;
  try {
    for (let round = 0; round < BULK_ROUNDS; round++) {
      await store?.close();
      await pool?.end();
      const url = await database.fresh();
      store = await createPostgresEventStore({ connectionString: url });
      pool = new Pool({ connectionString: url, max: 4 });
      await pool.query(BARE_TABLE);
      const bare = pool;
      // Neither side pays for a checkpoint of what earlier benchmarks wrote.
      await pool.query('checkpoint');
      const nodeBefore = process.cpuUsage();
      const postgresBefore = database.postgresCpuSeconds();
      const ours = await timed(() =>
        (store as PostgresEventStore).importEvents(history(), { chunkSize: chunk, emptyStore }),
      );
      const nodeUsed = process.cpuUsage(nodeBefore);
      const postgresUsed = database.postgresCpuSeconds() - postgresBefore;
      await pool.query('checkpoint');
      const bareBefore = database.postgresCpuSeconds();
      const baseline = await timed(async () => {
        for (let index = 0; index < chunks; index++) {
          await bulkInsertBare(bare, chunk, (offset) => {
            const stream = Math.floor((index * chunk + offset) / eventsPerStream);
            return {
              streamId: `bare-${stream}`,
              revision: offset % eventsPerStream,
              event: onlineHoursEvent(stream, offset % eventsPerStream),
            };
          });
        }
      });
      const bareUsed = database.postgresCpuSeconds() - bareBefore;
      if (round === 0) continue;
      ourRates.push((chunks * chunk) / ours);
      bareRates.push((chunks * chunk) / baseline);
      cpu.node += (nodeUsed.user + nodeUsed.system) / (chunks * chunk);
      cpu.postgres += (postgresUsed * 1e6) / (chunks * chunk);
      cpu.barePostgres += (bareUsed * 1e6) / (chunks * chunk);
    }
  } catch (error) {
    await pool?.end();
    await store?.close();
    throw error;
  }
  rows.push({
    benchmark:
      `bulk import (importEvents: binary COPY), ${chunk} events per chunk (${chunkIs}), median of ${BULK_ROUNDS - 1} after a warm-up; ` +
      `Node ${(cpu.node / (BULK_ROUNDS - 1)).toFixed(2)}, PostgreSQL ${(cpu.postgres / (BULK_ROUNDS - 1)).toFixed(2)} µs of CPU an event`,
    unit: 'events/s',
    ours: median(ourRates),
    baseline: median(bareRates),
    baselineName: `unnest INSERT of ${chunk} rows, bare table; PostgreSQL ${(cpu.barePostgres / (BULK_ROUNDS - 1)).toFixed(2)} µs of CPU an event`,
  });
  return { store: store as PostgresEventStore, pool: pool as Pool };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** Catch-up rounds per side, alternating; the median is reported, as one pass swings with the machine. */
const READ_ROUNDS = 5;

/** Reads back what the last bulk round imported. */
async function readAllBenchmark(store: PostgresEventStore, pool: Pool, rows: BenchRow[]): Promise<void> {
  const pageSize = 5000;
  const readAll = async (): Promise<number> => {
    let read = 0;
    const seconds = await timed(async () => {
      let from = 0;
      for (;;) {
        const page = await store.readAll({ fromPosition: from, maxCount: pageSize });
        read += page.length;
        if (page.length < pageSize) return;
        from = page[page.length - 1].position + 1;
      }
    });
    return read / seconds;
  };
  const plainScan = async (): Promise<number> => {
    let read = 0;
    const seconds = await timed(async () => {
      let after = 0;
      for (;;) {
        const { rows: page } = await pool.query<{ position: string }>(
          'select position, stream_id, stream_revision, event_type, data, metadata from bench_bare where position > $1 order by position limit $2',
          [after, pageSize],
        );
        read += page.length;
        if (page.length < pageSize) return;
        after = Number(page[page.length - 1].position);
      }
    });
    return read / seconds;
  };
  const ourRates: number[] = [];
  const scanRates: number[] = [];
  for (let round = 0; round < READ_ROUNDS; round++) {
    ourRates.push(await readAll());
    scanRates.push(await plainScan());
  }
  rows.push({
    benchmark: `catch-up readAll, pages of ${pageSize}, median of ${READ_ROUNDS}`,
    unit: 'events/s',
    ours: median(ourRates),
    baseline: median(scanRates),
    baselineName: 'keyset SELECT scan, bare table',
  });
}
