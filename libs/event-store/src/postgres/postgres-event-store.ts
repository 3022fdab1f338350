import { EventEmitter } from 'node:events';
import { DatabaseError, Pool } from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { createPool } from './pool';
import { DuplicateEventIdError, TransactionHorizonError, WrongExpectedRevisionError } from '../port/errors';
import { AuditedEvent, EventMetadata, LoggedEvent, NewEvent, RecordedEvent } from '../port/event';
import {
  AppendResult,
  EventStore,
  EventStoreStats,
  ImportOptions,
  LoadLogOptions,
  ImportResult,
  LogScanItem,
  ReadAllOptions,
  ScanAllOptions,
  ScanLogOptions,
  ReadStreamOptions,
  StreamAppend,
  StreamAppendResult,
  Subscription,
  SubscriptionOptions,
} from '../port/event-store';
import { ExpectedRevision } from '../port/expected-revision';
import { forEachConcurrently, readAhead } from '../port/concurrently';
import { silentLogger } from '../port/logger';
import { eventsIn, observedAppend } from '../port/observer';
import { CommonEventStoreOptions, storeSettings, StoreSettings } from '../port/store-settings';
import { validateStreamId } from '../port/validation';
import { LogRows } from '../port/log-rows';
import {
  byGlobalOrder,
  IntegrityProblem,
  StoredEvent,
  StoredStreamHead,
  verifyStreamChain,
  VerificationReport,
} from '../port/verification';
import { AppendBatcher, BatchFailure } from './append-batcher';
import {
  AppendIdentity,
  appendArguments,
  PrepareContext,
  PreparedAppend,
  prepareAppend,
  rememberHeads,
  resultsOf,
  StreamHeads,
} from './append-payload';
import {
  ChunkOutOfTurn,
  ChunkStages,
  CopiedChunk,
  copyAppend,
  ImportHeads,
  EncodedImport,
  encodeForImport,
  loadIntoEmptyStore,
  loadLogIntoEmptyStore,
  withoutStreams,
} from './copy-import';
import { EVENT_COPY_COLUMNS, EventCopyDecoder } from './event-copy';
import { LOG_COPY_COLUMNS, LogCopyDecoder } from './log-copy';
import { LogRowsCopyOut } from './log-copy-out';
import { migrateAs } from './migrations';
import { AppendConnection } from './append-connection';
import { storedMetadata } from './stored-metadata';
import { AppendNotifier } from './append-notifier';
import { PostgresCheckpointStore } from './postgres-checkpoint-store';
import { PostgresSubscription, SharedPages } from './postgres-subscription';
import {
  EVENT_COLUMNS,
  EventRow,
  EventTuple,
  LAZY_EVENT_COLUMNS,
  LazyEventTuple,
  LOG_COLUMNS,
  LogTuple,
  toRecordedEvent,
  tupleToLoggedEvent,
  tupleToRecordedEvent,
} from './rows';
import { eventStoreGrants, eventStoreMigrations, NOTIFY_CHANNEL, WRONG_EXPECTED_REVISION_SQLSTATE } from './schema';

export interface PostgresEventStoreOptions extends CommonEventStoreOptions {
  /** The application's role: reads and inserts events, never changes them. */
  connectionString: string;
  /**
   * The owner of the tables, who runs the migrations and grants the application's role what it
   * needs; without it the application's role migrates (one role for both, as before).
   */
  ownerConnectionString?: string;
  poolSize?: number;
  /** Fallback polling when no notification arrives (missed NOTIFY, another database host). */
  pollIntervalMs?: number;
  /** How often a standby subscription tries to take over its lease. */
  leaseRetryMs?: number;
  /**
   * Append transactions in flight at once on the append connection (default 2: one running,
   * the next queued behind it); appends arriving while all are busy wait and are committed
   * together in the next one (group commit).
   */
  appendsInFlight?: number;
  /** Kills sessions that sit idle inside a transaction, which would hold every reader back. */
  idleInTransactionTimeoutMs?: number;
  /**
   * At most one NOTIFY to other processes this often (default 2 ms). Each is a round trip of its
   * own; a process whose readers are all in it (the API with its projectors) can wait longer.
   */
  notifyCoalesceMs?: number;
}

/** The expected revision behind the append functions' numeric code. */
function expectedRevisionOf(code: number): ExpectedRevision {
  switch (code) {
    case -1:
      return 'any';
    case -2:
      return 'no_stream';
    case -3:
      return 'stream_exists';
    default:
      return code;
  }
}

/**
 * Events per import transaction by default. Each COPY pays for setting up its batch of rows
 * (PostgreSQL 17 registers a slot per buffered row), so PostgreSQL spent about 8 µs per event
 * on 1,000-event chunks and 6 on 5,000. The price: with three chunks in flight at 100,000
 * events/s, each transaction stays open about 0.15 s (0.05 s one at a time), and holds subscribers back that long.
 */
export const POSTGRES_IMPORT_CHUNK_SIZE = 5000;
/** A chunk closes early once its rows hold this much, so that a few chunks of large events fit in memory. */
const IMPORT_CHUNK_BYTES = 32 * 1024 * 1024;
/**
 * Import transactions at once, by default. One, so that chunks take their positions in the
 * history's order: with three, a later chunk's reservation could overtake an earlier one's, and
 * a read model rebuilt from the log met teachers' enrollments before the teachers. The database
 * still always has a chunk to work on: the next is encoded while one is stored (see below).
 */
const IMPORT_CONCURRENCY = 1;
/** Import chunks validated and encoded before a worker asks for them. */
const IMPORT_PREPARED_AHEAD = 1;

/** Session settings of every connection of the store. */
function serverOptions(options: PostgresEventStoreOptions): string {
  return `-c idle_in_transaction_session_timeout=${options.idleInTransactionTimeoutMs ?? 10_000}`;
}

/** Creates the store: connects, migrates the schema and refuses a database restored behind our back. */
export async function createPostgresEventStore(options: PostgresEventStoreOptions): Promise<PostgresEventStore> {
  const logger = options.logger ?? silentLogger;
  const pool = createPool(
    {
      connectionString: options.connectionString,
      max: options.poolSize ?? 16,
      application_name: 'tip-event-store',
      options: serverOptions(options),
    },
    (error) => logger.warn('event store connection lost', { error: error.message }),
  );
  try {
    await migrateAs(
      options.ownerConnectionString,
      pool,
      eventStoreMigrations,
      'tip_schema_migrations',
      eventStoreGrants,
    );
    await assertTransactionHorizon(pool);
  } catch (error) {
    await pool.end();
    throw error;
  }
  return new PostgresEventStore(pool, options);
}

/**
 * After a dump and restore into a new cluster, stored transaction ids can be ahead of the
 * server's counter; new events would then sort before old ones and readers would skip them.
 */
async function assertTransactionHorizon(pool: Pool): Promise<void> {
  const { rows } = await pool.query<{ stored: string | null; next: string }>(
    `select (select transaction_id::text from tip_events order by position desc limit 1) as stored,
            pg_snapshot_xmax(pg_current_snapshot())::text as next`,
  );
  const { stored, next } = rows[0];
  if (stored !== null && BigInt(stored) >= BigInt(next)) {
    throw new TransactionHorizonError(
      `The newest stored event was written by transaction ${stored}, but this server's next transaction id is ${next}. ` +
        'The database was probably restored from a dump into another cluster. Refusing to start, because new ' +
        'events would be ordered before old ones. Advance the server past that id (for example with ' +
        'pg_resetwal --next-transaction-id) or restore with pg_basebackup, then start again.',
    );
  }
}

/** An event of an append found stored after the append failed. */
interface StoredEventRow {
  event_id: string;
  stream_id: string;
  stream_revision: string;
  position: string;
}

/**
 * A page of the log in global order without gaps: only rows of transactions older than every
 * transaction still open, so an event that commits late can never land behind a reader's position.
 */
function gaplessPage(name: string, columns: string, options: ReadAllOptions) {
  return {
    name,
    rowMode: 'array' as const,
    text: `select ${columns} from tip_events
           where position >= $1 and transaction_id < (select pg_snapshot_xmin(pg_current_snapshot()))
           order by position limit $2`,
    values: [options.fromPosition ?? 0, options.maxCount ?? 1000],
  };
}

/** The result of the earlier append that stored these very events; they must all be stored, each in its stream. */
function originalResult(append: AppendIdentity, rows: StoredEventRow[]): AppendResult {
  const stored = new Map(rows.map((row) => [row.event_id, row]));
  const result: AppendResult = { streams: [], events: [], lastPosition: 0 };
  for (const stream of append.streams) {
    for (const eventId of stream.eventIds) {
      const row = stored.get(eventId);
      if (!row || row.stream_id !== stream.streamId) throw new DuplicateEventIdError(rows.map((each) => each.event_id));
      result.events.push({
        streamId: stream.streamId,
        eventId,
        revision: Number(row.stream_revision),
        position: Number(row.position),
      });
    }
    const revisions = result.events
      .filter((event) => event.streamId === stream.streamId)
      .map((event) => event.revision);
    // A guard stream appended nothing then: there is no revision of its own to report.
    if (revisions.length > 0)
      result.streams.push({ streamId: stream.streamId, nextExpectedRevision: Math.max(...revisions) });
  }
  result.lastPosition = Math.max(...result.events.map((event) => event.position));
  return result;
}

export class PostgresEventStore implements EventStore {
  /** loadLog copies into a transaction that a refusal rolls back. */
  readonly loadsLogAtomically = true;
  private readonly settings: StoreSettings;
  private readonly notifier: AppendNotifier;
  private readonly subscriptions = new Set<PostgresSubscription>();
  /** Emits 'appended' after each local commit, waking in-process subscriptions at once. */
  readonly localAppends = new EventEmitter().setMaxListeners(0);
  /** The last page a subscription read, for the others asking for it before anything moved. */
  private readonly sharedPages = new SharedPages((fromPosition, maxCount) => this.readAll({ fromPosition, maxCount }));
  readonly checkpoints: PostgresCheckpointStore;
  private readonly batcher: AppendBatcher;
  private readonly appendConnection: AppendConnection;
  /** Where this process last left each stream's chain, so that it can hash the next events itself. */
  private readonly heads = new StreamHeads();

  constructor(
    readonly pool: Pool,
    private readonly options: PostgresEventStoreOptions,
  ) {
    this.settings = storeSettings(options);
    this.notifier = new AppendNotifier(pool, NOTIFY_CHANNEL, this.settings.logger, options.notifyCoalesceMs ?? 2);
    this.checkpoints = new PostgresCheckpointStore(pool);
    this.appendConnection = new AppendConnection({
      connectionString: options.connectionString,
      serverOptions: serverOptions(options),
      logger: this.settings.logger,
    });
    this.batcher = new AppendBatcher({
      execute: (batch) => this.executeAppends(batch),
      recover: (append, error) => this.recoverAppend(append, error),
      classify: (error) => this.classifyFailure(error),
      maxInFlight: Math.max(1, options.appendsInFlight ?? 2),
      maxEventsPerBatch: this.settings.maxEventsPerAppend,
    });
  }

  async appendToStream(
    streamId: string,
    events: NewEvent[],
    options: { expectedRevision?: ExpectedRevision } = {},
  ): Promise<StreamAppendResult> {
    const result = await this.appendToStreams([
      { streamId, events, expectedRevision: options.expectedRevision ?? 'any' },
    ]);
    return {
      streamId,
      nextExpectedRevision: result.streams[0].nextExpectedRevision,
      events: result.events,
      lastPosition: result.lastPosition,
    };
  }

  async appendToStreams(appends: StreamAppend[]): Promise<AppendResult> {
    return observedAppend(this.settings.observer, eventsIn(appends), async () => {
      const prepared = prepareAppend(appends, this.prepareContext(this.settings.maxEventsPerAppend));
      const result = await this.batcher.submit(prepared);
      this.announceAppended(result.lastPosition);
      return result;
    });
  }

  async importEvents(
    appends: Iterable<StreamAppend> | AsyncIterable<StreamAppend>,
    options: ImportOptions = {},
  ): Promise<ImportResult> {
    let eventsImported = 0;
    let lastPosition = 0;
    // An import chunk may hold any number of events; its recorded time is taken as it is encoded.
    const encoded = encodeForImport(
      appends,
      { events: options.chunkSize ?? POSTGRES_IMPORT_CHUNK_SIZE, bytes: IMPORT_CHUNK_BYTES },
      () => this.prepareContext(Number.MAX_SAFE_INTEGER),
    );
    // The next chunk is read and encoded while the workers wait on the database.
    const prepared = readAhead(encoded, IMPORT_PREPARED_AHEAD);
    const stored = (result: CopiedChunk) => {
      eventsImported += result.eventCount;
      lastPosition = Math.max(lastPosition, result.lastPosition);
      options.onProgress?.(eventsImported);
    };
    const concurrency = options.concurrency ?? IMPORT_CONCURRENCY;
    const heads = new ImportHeads();
    if (options.emptyStore) {
      const loaded = await loadIntoEmptyStore(this.pool, prepared, (count) =>
        stored({ eventCount: count, lastPosition: 0 }),
      );
      lastPosition = loaded.lastPosition;
      this.announceAppended(lastPosition);
    } else if (concurrency > 1) {
      await forEachConcurrently(prepared, concurrency, async (chunk) => {
        // A stream split over several chunks keeps its order: its parts run one after another.
        for (const part of chunk) stored(await this.copyImport(part, heads));
      });
    } else {
      await this.importInOrder(prepared, stored, heads);
    }
    return { eventsImported, lastPosition };
  }

  async loadLog(
    pages: Iterable<LoggedEvent[] | LogRows> | AsyncIterable<LoggedEvent[] | LogRows>,
    options: LoadLogOptions = {},
  ): Promise<ImportResult> {
    const loaded = await loadLogIntoEmptyStore(this.pool, pages, options);
    this.announceAppended(loaded.lastPosition);
    return loaded;
  }

  /**
   * Chunks one after another in the history's order, pipelined: the next one's rows go in while
   * the last one commits (it reserves its positions only after the last one's rows are in, and
   * commits only after it). A chunk that fails is settled (recoverImport) before any later one
   * goes again; after one that cannot be stored, none is.
   */
  private async importInOrder(
    prepared: AsyncIterable<Iterable<EncodedImport>>,
    stored: (result: CopiedChunk) => void,
    heads: ImportHeads,
  ): Promise<void> {
    const running: Promise<void>[] = [];
    let previous: ChunkStages | undefined;
    let failure: { error: unknown } | undefined;
    const storeInTurn = async (part: EncodedImport, after: ChunkStages | undefined, stages: ChunkStages) => {
      try {
        let result: CopiedChunk;
        try {
          result = await copyAppend(this.pool, part, { previous: after, stages }, heads);
        } catch (error) {
          // Settled only once the chunk before is: its retry or recovery takes positions before ours.
          // Then tried again on its own, as a chunk of a serial import is, whatever went wrong: the
          // failure may have come from the chunk before (given up, or not yet committed).
          if (after && !(await after.done)) throw new ChunkOutOfTurn();
          result =
            error instanceof ChunkOutOfTurn || after
              ? await copyAppend(this.pool, part, undefined, heads).catch((failure: unknown) =>
                  this.recoverImport(part, failure),
                )
              : await this.recoverImport(part, error);
        }
        this.announceAppended(result.lastPosition);
        stored(result);
        stages.finish(true);
      } catch (error) {
        stages.finish(false);
        if (!(error instanceof ChunkOutOfTurn)) failure ??= { error };
        throw error;
      }
    };
    try {
      for await (const chunk of prepared) {
        for (const part of chunk) {
          if (failure) break;
          const stages = new ChunkStages(part);
          const task = storeInTurn(part, previous, stages);
          task.catch(() => undefined);
          running.push(task);
          previous = stages;
          // The next chunk starts once this one's rows are in (or it is settled): two at a time.
          await Promise.race([stages.copied.reached.catch(() => undefined), stages.done]);
          while (running.length > 1) await running.shift()?.catch(() => undefined);
        }
        if (failure) break;
      }
    } finally {
      // Nothing is left running (or half written) when the import returns.
      await Promise.allSettled(running);
    }
    if (failure) throw failure.error;
  }

  /** Wakes this process's readers and the other processes' (through the notifier) to what was stored up to `lastPosition`. */
  private announceAppended(lastPosition: number): void {
    this.sharedPages.moved();
    this.localAppends.emit('appended', lastPosition);
    this.notifier.appended(lastPosition);
  }

  private async copyImport(prepared: EncodedImport, heads: ImportHeads): Promise<CopiedChunk> {
    let result: CopiedChunk;
    try {
      result = await copyAppend(this.pool, prepared, undefined, heads);
    } catch (error) {
      result = await this.recoverImport(prepared, error);
    }
    this.announceAppended(result.lastPosition);
    return result;
  }

  /**
   * Settles an import chunk that failed. A rerun finds it stored, whole (the same chunks as
   * before) or stream by stream (other chunks: another chunk size, or an earlier release's
   * default); the streams not stored yet then go again. A stream stored only in part, or events
   * stored in other streams, are a real clash.
   */
  private async recoverImport(chunk: EncodedImport, error: unknown): Promise<CopiedChunk> {
    const rows = await this.storedAfterFailure(chunk, error);
    const storedIn = new Map(rows.map((row) => [row.event_id, row.stream_id]));
    const stored = new Set<string>();
    for (const stream of chunk.streams) {
      const found = stream.eventIds.filter((eventId) => storedIn.has(eventId));
      if (found.length === 0) continue;
      if (found.length < stream.eventIds.length || found.some((eventId) => storedIn.get(eventId) !== stream.streamId)) {
        throw new DuplicateEventIdError(rows.map((row) => row.event_id));
      }
      stored.add(stream.streamId);
    }
    const rest = withoutStreams(chunk, stored);
    // What is left may fail as any chunk can (a stream created meanwhile): settled the same way.
    const copied =
      rest.eventCount > 0
        ? await copyAppend(this.pool, rest).catch((failure: unknown) => this.recoverImport(rest, failure))
        : undefined;
    const lastStored = Math.max(...rows.map((row) => Number(row.position)));
    return { eventCount: chunk.eventCount, lastPosition: Math.max(lastStored, copied?.lastPosition ?? 0) };
  }

  /** What preparing an append needs, with the store's clock read now. */
  private prepareContext(maxEventsPerAppend: number): PrepareContext {
    return {
      recordedTime: this.settings.clock().toISOString(),
      schemas: this.settings.schemas,
      maxEventBytes: this.settings.maxEventBytes,
      maxEventsPerAppend,
    };
  }

  /** One transaction for one or more appends on distinct streams. */
  private async executeAppends(batch: PreparedAppend[]): Promise<AppendResult[]> {
    type Row = { first_position: string; next_revisions: string[]; last_hashes: (string | null)[] };
    let rows: Row[];
    const started = process.hrtime.bigint();
    try {
      ({ rows } = await this.appendConnection.query<Row>({
        name: 'tip_append_events',
        text:
          'select first_position, next_revisions, last_hashes ' +
          'from tip_append_events($1::jsonb, $2::int[], $3::uuid[], $4::int[], $5, $6, $7::int[], $8::int[], $9, $10, $11::bytea, $12::bytea)',
        values: appendArguments(batch, this.heads),
      }));
    } catch (error) {
      // Whatever went wrong, the next appends to these streams chain from the database's heads.
      for (const append of batch) for (const stream of append.streams) this.heads.forget(stream.streamId);
      throw error;
    }
    this.settings.observer.committed?.({
      appends: batch.length,
      events: batch.reduce((sum, append) => sum + append.eventCount, 0),
      seconds: Number(process.hrtime.bigint() - started) / 1e9,
    });
    const nextRevisions = rows[0].next_revisions.map(Number);
    rememberHeads(batch, nextRevisions, rows[0].last_hashes, this.heads);
    return resultsOf(batch, Number(rows[0].first_position), nextRevisions);
  }

  private classifyFailure(error: unknown): BatchFailure | 'fatal' | 'unknown' {
    if (!(error instanceof DatabaseError)) return 'fatal';
    if (error.code === WRONG_EXPECTED_REVISION_SQLSTATE && error.detail) {
      try {
        return { streamId: (JSON.parse(error.detail) as { streamId: string }).streamId };
      } catch {
        return 'unknown';
      }
    }
    return 'unknown';
  }

  /** Settles an append that failed alone: a retry whose events are stored gets the first answer. */
  private async recoverAppend(append: AppendIdentity, error: unknown): Promise<AppendResult> {
    return originalResult(append, await this.storedAfterFailure(append, error));
  }

  /**
   * After a wrong expected revision or a duplicate event id, the append's events already stored
   * (a retry may find them all); any other failure, or none of them stored, is thrown as it is.
   */
  private async storedAfterFailure(append: AppendIdentity, error: unknown): Promise<StoredEventRow[]> {
    if (!(error instanceof DatabaseError)) throw error;
    const conflict = this.wrongExpectedRevision(error, append);
    if (!conflict && error.constraint !== 'tip_events_event_id_key') throw error;
    const { rows } = await this.pool.query<StoredEventRow>(
      'select event_id::text, stream_id, stream_revision, position from tip_events where event_id = any($1::uuid[])',
      [append.streams.flatMap((stream) => stream.eventIds)],
    );
    if (rows.length === 0) throw conflict ?? error;
    return rows;
  }

  private wrongExpectedRevision(error: DatabaseError, append: AppendIdentity): WrongExpectedRevisionError | undefined {
    if (error.code !== WRONG_EXPECTED_REVISION_SQLSTATE || !error.detail) return undefined;
    const detail = JSON.parse(error.detail) as { streamId: string; actual: number };
    const stream = append.streams.find((candidate) => candidate.streamId === detail.streamId);
    return new WrongExpectedRevisionError(
      detail.streamId,
      stream ? expectedRevisionOf(stream.expected) : 'any',
      detail.actual,
    );
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    validateStreamId(streamId);
    const backwards = options.direction === 'backwards';
    const from = options.from ?? (backwards ? Number.MAX_SAFE_INTEGER : 0);
    const { rows } = await this.pool.query<EventRow>(
      `select ${EVENT_COLUMNS} from tip_events where stream_id = $1 and stream_revision ${backwards ? '<=' : '>='} $2
       order by stream_revision ${backwards ? 'desc' : 'asc'} limit $3`,
      [streamId, from, options.maxCount ?? null],
    );
    return rows.map((row) => this.settings.schemas.upcast(toRecordedEvent(row)));
  }

  async readStreams(streamIds: string[]): Promise<Map<string, RecordedEvent[]>> {
    streamIds.forEach((streamId, index) => validateStreamId(streamId, `streamIds[${index}]`));
    const streams = new Map<string, RecordedEvent[]>(streamIds.map((streamId) => [streamId, []]));
    if (streamIds.length === 0) return streams;
    const { rows } = await this.pool.query<EventRow>({
      name: 'tip_read_streams',
      text: `select ${EVENT_COLUMNS} from tip_events where stream_id = any($1::text[]) order by stream_id, stream_revision`,
      values: [streamIds],
    });
    for (const row of rows) streams.get(row.stream_id)?.push(this.settings.schemas.upcast(toRecordedEvent(row)));
    return streams;
  }

  /** Global order without gaps (see gaplessPage). */
  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    if (options.lazyMetadata) return this.readAllLazily(options);
    const { rows } = await this.pool.query<EventTuple>(gaplessPage('tip_read_all', EVENT_COLUMNS, options));
    return rows.map((row) => this.settings.schemas.upcast(tupleToRecordedEvent(row)));
  }

  /**
   * readAll's rows in one binary COPY: one statement, so one snapshot and gaplessPage's horizon, as
   * one readAll page of any length would read. The text protocol's pages cost this thread a
   * string and a parse a field (about a sixth of a rebuild's main thread) and PostgreSQL a query a page.
   */
  async *scanAll(options: ScanAllOptions = {}): AsyncGenerator<RecordedEvent[]> {
    const pageSize = options.pageSize ?? 1000;
    const from = options.fromPosition ?? 0;
    if (!Number.isSafeInteger(from)) throw new Error(`fromPosition must be an integer, got ${from}`);
    const client = await this.pool.connect();
    let finished = false;
    try {
      await client.query('begin read only');
      // In position order by the primary key, never by sorting a province's log.
      await client.query('set local enable_sort = off');
      // Once the server has sent the last rows the session is idle in its transaction while the
      // caller still projects what the socket holds (and may wait on its own writes): the store's
      // 10 s limit would end it and fail the commit after the whole log was read.
      await client.query('set local idle_in_transaction_session_timeout = 0');
      const copy = client.query(
        copyTo(
          `copy (select ${EVENT_COPY_COLUMNS} from tip_events
                 where position >= ${from} and transaction_id < (select pg_snapshot_xmin(pg_current_snapshot()))
                 order by position) to stdout (format binary)`,
        ),
      );
      const decoder = new EventCopyDecoder(this.settings.schemas, options.lazyMetadata === true);
      let page: RecordedEvent[] = [];
      for await (const chunk of copy as AsyncIterable<Buffer>) {
        decoder.push(chunk, page);
        while (page.length >= pageSize) {
          yield page.length === pageSize ? page : page.slice(0, pageSize);
          page = page.length === pageSize ? [] : page.slice(pageSize);
        }
      }
      decoder.end();
      if (page.length > 0) yield page;
      await client.query('commit');
      finished = true;
    } finally {
      // A scan left midway leaves its COPY on the connection: dropped.
      client.release(!finished);
    }
  }

  /** readAll with the metadata's text parsed when first asked for (see storedMetadata). */
  private async readAllLazily(options: ReadAllOptions): Promise<RecordedEvent[]> {
    const { rows } = await this.pool.query<LazyEventTuple>(
      gaplessPage('tip_read_all_lazily', LAZY_EVENT_COLUMNS, options),
    );
    const { schemas } = this.settings;
    return rows.map((row) => {
      const [position, streamId, revision, type, data, metadata, schemaVersion] = row;
      // What is upcast gets a copy of its metadata: a whole one.
      const upcast = schemaVersion < schemas.currentVersion(type);
      return schemas.upcast({
        type,
        data,
        metadata: upcast ? (JSON.parse(metadata) as EventMetadata) : storedMetadata(metadata, schemaVersion),
        streamId,
        revision: Number(revision),
        position: Number(position),
      });
    });
  }

  /** As readAll, but the rows as stored: texts unparsed, times in the log's one form. */
  async readLog(options: ReadAllOptions = {}): Promise<LoggedEvent[]> {
    const { rows } = await this.pool.query<LogTuple>(gaplessPage('tip_read_log', LOG_COLUMNS, options));
    return rows.map(tupleToLoggedEvent);
  }

  /**
   * One REPEATABLE READ snapshot for the whole scan, so appends running meanwhile cannot look
   * like tampering; the connection is dropped unless the scan commits (as verify() does).
   */
  async *scanLog(options: ScanLogOptions = {}): AsyncGenerator<LogScanItem> {
    const pageSize = options.pageSize ?? 5000;
    const client = await this.pool.connect();
    let committed = false;
    try {
      await client.query('begin isolation level repeatable read read only');
      const { rows: safe } = await client.query<{ position: string }>(
        `select position from tip_events where transaction_id < (select pg_snapshot_xmin(pg_current_snapshot()))
         order by position desc limit 1`,
      );
      yield { kind: 'start', safePosition: Number(safe[0]?.position ?? 0) };
      // The whole log in one binary COPY: PostgreSQL formats nothing and sends rows as they are
      // checked. In position order by the primary key, never by sorting a province's log.
      await client.query('set local enable_sort = off');
      const copyText = `copy (select ${LOG_COPY_COLUMNS} from tip_events order by position) to stdout (format binary)`;
      if (options.rows) {
        // The rows as they came, a page at a time, in one buffer reused: a verifier hashes them without decoding.
        const copy = client.query(new LogRowsCopyOut(copyText, pageSize));
        for (let rows = await copy.next(); rows; rows = await copy.next()) yield { kind: 'rows', rows };
      } else {
        const copy = client.query(copyTo(copyText));
        const decoder = new LogCopyDecoder();
        let batch: LoggedEvent[] = [];
        for await (const chunk of copy as AsyncIterable<Buffer>) {
          for (const event of decoder.push(chunk)) batch.push(event);
          if (batch.length >= pageSize) {
            yield { kind: 'events', events: batch };
            batch = [];
          }
        }
        decoder.end();
        if (batch.length > 0) yield { kind: 'events', events: batch };
      }
      let afterStream: string | null = null;
      for (;;) {
        const heads: { rows: [string, string, string][] } = await client.query<[string, string, string]>({
          name: 'tip_scan_heads',
          rowMode: 'array',
          text: `select stream_id, revision, encode(last_hash, 'hex') from tip_streams
                 where $1::text is null or stream_id > $1 order by stream_id limit $2`,
          values: [afterStream, pageSize],
        });
        const rows = heads.rows;
        if (rows.length === 0) break;
        afterStream = rows[rows.length - 1][0];
        yield {
          kind: 'heads',
          heads: rows.map(([streamId, revision, lastHash]) => ({ streamId, revision: Number(revision), lastHash })),
        };
        if (rows.length < pageSize) break;
      }
      await client.query('commit');
      committed = true;
    } finally {
      client.release(!committed);
    }
  }

  async readStreamForAudit(streamId: string): Promise<AuditedEvent[]> {
    validateStreamId(streamId);
    const { rows } = await this.pool.query<EventRow & { hash: Buffer }>(
      `select ${EVENT_COLUMNS}, hash from tip_events where stream_id = $1 order by stream_revision`,
      [streamId],
    );
    return rows.map((row) => ({ ...toRecordedEvent(row), hash: row.hash.toString('hex') }));
  }

  /** Position of the newest committed event (0 when there is none). */
  async headPosition(): Promise<number> {
    const { rows } = await this.pool.query<{ head: string }>(
      'select coalesce(max(position), 0) as head from tip_events',
    );
    return Number(rows[0].head);
  }

  subscribeToAll(options: SubscriptionOptions): Subscription {
    const subscription = new PostgresSubscription(
      {
        connectionString: this.options.connectionString,
        readAll: (fromPosition, maxCount) => this.sharedPages.read(fromPosition, maxCount),
        noticed: (payload) => {
          if (this.notifier.sent(payload)) return false;
          this.sharedPages.moved();
          return true;
        },
        headPosition: () => this.headPosition(),
        appends: this.localAppends,
        logger: this.settings.logger,
        pollIntervalMs: this.options.pollIntervalMs ?? 1000,
        leaseRetryMs: this.options.leaseRetryMs ?? 1000,
      },
      {
        ...options,
        checkpoints: options.checkpoints ?? this.checkpoints,
        checkpointsBesideLease: options.checkpoints === undefined,
      },
    );
    this.subscriptions.add(subscription);
    subscription.finished.then(
      () => this.subscriptions.delete(subscription),
      () => this.subscriptions.delete(subscription),
    );
    return subscription;
  }

  async stats(): Promise<EventStoreStats> {
    const { rows } = await this.pool.query<{ head: string; safe: string; oldest: number | null }>(
      `select (select coalesce(max(position), 0) from tip_events) as head,
              (select coalesce(max(position), 0) from tip_events
                where transaction_id < (select pg_snapshot_xmin(pg_current_snapshot()))) as safe,
              (select extract(epoch from max(now() - xact_start))::float8 from pg_stat_activity
                where backend_xid is not null) as oldest`,
    );
    const head = Number(rows[0].head);
    const safe = Number(rows[0].safe);
    if (head > safe) {
      const { rows: held } = await this.pool.query<{ count: string }>(
        'select count(*) from tip_events where position > $1',
        [safe],
      );
      return {
        headPosition: head,
        safePosition: safe,
        heldBackEvents: Number(held[0].count),
        oldestOpenTransactionSeconds: rows[0].oldest ?? 0,
      };
    }
    return {
      headPosition: head,
      safePosition: safe,
      heldBackEvents: 0,
      oldestOpenTransactionSeconds: rows[0].oldest ?? 0,
    };
  }

  async verify(
    options: { onProgress?: (eventsChecked: number) => void; pageSize?: number } = {},
  ): Promise<VerificationReport> {
    const pageSize = options.pageSize ?? 5000;
    const problems: IntegrityProblem[] = [];
    let eventsChecked = 0;
    let streamsChecked = 0;
    let current: { streamId: string; events: StoredEvent[] } | undefined;
    let after: { streamId: string; revision: number } | undefined;
    const client = await this.pool.connect();
    // Unless the walk commits, the connection is dropped: left inside its read-only transaction
    // in the pool, it would fail every append that came to it next.
    let committed = false;
    try {
      // One snapshot for the whole walk, so appends running meanwhile cannot look like tampering.
      await client.query('begin isolation level repeatable read read only');
      const heads = new Map<string, StoredStreamHead>();
      const finishStream = (stream: { streamId: string; events: StoredEvent[] }) => {
        problems.push(...verifyStreamChain(stream.streamId, stream.events, heads.get(stream.streamId)));
        heads.delete(stream.streamId);
        streamsChecked += 1;
      };
      for (;;) {
        const { rows } = await client.query<EventRow & { event_id: string; hash: Buffer }>(
          `select ${EVENT_COLUMNS}, event_id::text, hash from tip_events
           where ($1::text is null or (stream_id, stream_revision) > ($1, $2))
           order by stream_id, stream_revision limit $3`,
          [after?.streamId ?? null, after?.revision ?? 0, pageSize],
        );
        const { rows: headRows } = await client.query<{ stream_id: string; revision: string; last_hash: Buffer }>(
          'select stream_id, revision, last_hash from tip_streams where stream_id = any($1::text[])',
          [[...new Set(rows.map((row) => row.stream_id))]],
        );
        for (const head of headRows)
          heads.set(head.stream_id, { revision: Number(head.revision), lastHash: head.last_hash });
        for (const row of rows) {
          const event: StoredEvent = { ...toRecordedEvent(row), eventId: row.event_id, hash: row.hash };
          if (current && current.streamId !== event.streamId) {
            finishStream(current);
            current = undefined;
          }
          current ??= { streamId: event.streamId, events: [] };
          current.events.push(event);
        }
        eventsChecked += rows.length;
        options.onProgress?.(eventsChecked);
        if (rows.length < pageSize) break;
        const last = rows[rows.length - 1];
        after = { streamId: last.stream_id, revision: Number(last.stream_revision) };
      }
      if (current) finishStream(current);
      // Streams the store created whose every event has since disappeared.
      const { rows: emptied } = await client.query<{ stream_id: string; revision: string; last_hash: Buffer }>(
        `select s.stream_id, s.revision, s.last_hash from tip_streams s
         where not exists (select 1 from tip_events e where e.stream_id = s.stream_id)`,
      );
      for (const row of emptied) {
        problems.push(
          ...verifyStreamChain(row.stream_id, [], { revision: Number(row.revision), lastHash: row.last_hash }),
        );
        streamsChecked += 1;
      }
      await client.query('commit');
      committed = true;
    } finally {
      client.release(!committed);
    }
    problems.sort(byGlobalOrder);
    return {
      ok: problems.length === 0,
      streamsChecked,
      eventsChecked,
      firstProblem: problems[0],
      problems: problems.slice(0, 100),
    };
  }

  async close(): Promise<void> {
    await Promise.all([...this.subscriptions].map((subscription) => subscription.stop()));
    await this.notifier.close();
    await this.appendConnection.close();
    await this.pool.end();
  }
}
