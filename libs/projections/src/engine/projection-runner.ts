import { EventEmitter } from 'node:events';
import { ClientBase } from 'pg';
import { DataSource, EntityManager } from 'typeorm';
import { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import { isDatabaseUnavailable, RecordedEvent } from '@tip/event-store';
import { describeFailure, failsTheSameWayAgain, isPassingTrouble, ParkedEvent } from './parking';
import { ReadModel, SWAP_LOCK_SPACE } from './read-model';
import { RowCache } from './row-cache';
import { PreparedTexts } from './prepared-texts';
import { inlined, Statement, TableSql } from './table-sql';
import { AwaitingEvents, keyString, Row, RowNotLoaded, RowRef, ViewChange } from './view-changes';

/**
 * Wall time per phase of the batches handled, in ms, summed by "readModel:phase" (for benches;
 * `enabled` is false unless one turns it on, and then it costs a few clock reads per batch).
 */
export const projectionTimings = { enabled: false, phases: new Map<string, number>() };

export async function timedPhase<T>(phase: string, work: () => Promise<T>): Promise<T> {
  if (!projectionTimings.enabled) return work();
  const started = performance.now();
  try {
    return await work();
  } finally {
    projectionTimings.phases.set(phase, (projectionTimings.phases.get(phase) ?? 0) + performance.now() - started);
  }
}

/**
 * A partition's message as the runner sees it: an event, the relay's watermark, or an event the
 * read model does not handle, passed over by its headers (its position only: never parsed).
 */
export type PartitionItem =
  | { kind: 'event'; offset: number; event: RecordedEvent }
  | { kind: 'watermark'; offset: number; position: number }
  | { kind: 'passed'; offset: number; position: number };

/** The row of a Kafka partition as its batch finds it (bigints as PostgreSQL's text), with the read model's checkpoint. */
interface StoredPartition {
  applied_offset: string;
  applied_position: string;
  watermark: string;
  awaiting_position: string | null;
  checkpoint: string | null;
}

/**
 * Projector workers notify this channel, with the read model's name, once a batch moved its
 * views: a process serving views wakes its readers waiting for a position (READ_MODEL_CHANNEL).
 */
export const READ_MODEL_CHANNEL = 'tip_read_model_advanced';

/** A number written into SQL as a literal: only ever an integer. */
function integer(value: number): string {
  if (!Number.isSafeInteger(value)) throw new Error(`Expected an integer, got ${value}`);
  return String(value);
}

/** The event position a partition's message carries (0 for a watermark: it moves the watermark instead). */
const eventPositionOf = (message: PartitionItem): number =>
  message.kind === 'event' ? message.event.position : message.kind === 'passed' ? message.position : 0;

/** A parked event as `tip projections parked` and health show it. */
export interface ParkedEventRow {
  readModel: string;
  position: number;
  eventId: string;
  streamId: string;
  eventType: string;
  error: string;
  attempts: number;
  firstAttempt: string;
  lastAttempt: string;
}

interface RawParkedRow {
  position: string;
  event_id: string;
  stream_id: string;
  event_type: string;
  error: string;
  attempts: number;
  first_attempt: Date;
  last_attempt: Date;
}

export interface RetryOutcome {
  position: number;
  outcome: 'applied' | 'gone' | 'failed';
  error?: string;
}

type Changes = ReturnType<RowCache['takeChanges']> & { parked: ParkedEvent[] };

/** What a batch has in hand until it commits: the rows it read and changed, the events it parks. */
interface BatchWork {
  cache: RowCache;
  /** Events the projector could not handle: parked with the batch's rows. */
  parking: ParkedEvent[];
  /** Parked in the transaction under way: announced ('parked') once it commits. */
  justParked: ParkedEvent[];
}

/** A Kafka partition's batch to pass over (only its row moves), waiting for others to go in the same transaction. */
interface PendingPass {
  kind: 'pass';
  topic: string;
  partition: number;
  messages: readonly PartitionItem[];
  resolve(moved: boolean): void;
  reject(error: unknown): void;
}

/** A Kafka partition's batch to apply (see partitionTransaction), waiting for others to go in the same transaction. */
interface PendingApply {
  kind: 'apply';
  topic: string;
  partition: number;
  reads: readonly RowRef[];
  cache: RowCache;
  work: (manager: EntityManager, stored: StoredPartition) => Promise<BatchEnd | undefined>;
  notify: () => boolean;
  resolve(moved: boolean): void;
  reject(error: unknown): void;
}

type PendingBatch = PendingPass | PendingApply;

/** What a Kafka partition's batch writes at its end: its rows' changes, then statements of its own (its partition's row). */
interface BatchEnd {
  changes?: Changes;
  statements: Statement[];
}

/** Rolls a retry back when the projector parks the event again. */
class RetryFailed extends Error {}

/** Rows of a fresh copy's table sent by one COPY: pieces go over two connections side by side. */
const COPY_PIECE = 5000;

/** What a batch sent in one text fails with when the checkpoint was not where its runner left it. */
const CHECKPOINT_MOVED = 'tip: the checkpoint moved under this projector, rows ';

const PARK_EVENT = (schema: string) =>
  `insert into "${schema}".parked_events (name, position, event_id, stream_id, event_type, event, error)
   values ($1, $2, $3, $4, $5, $6, $7)
   on conflict (name, position) do update
     set error = excluded.error, attempts = parked_events.attempts + 1, last_attempt = now()`;

/** Failures of unknown kind (neither the projector's nor a refusal the database repeats) parked at the third alike. */
const FAILURES_BEFORE_PARKING = 3;

export interface ProjectionRunnerOptions {
  /** Rows kept in memory per table between batches. */
  maxCachedRowsPerTable?: number;
  /**
   * Rebuilds: the tables start empty and only this runner writes them until `finishAhead`, so a
   * row it has not written is known absent without asking, and a row written for the first time
   * goes in by COPY.
   */
  freshCopy?: boolean;
  /** A fresh copy built in partitions side by side (rebuild-worker.ts): this runner is one of them. */
  partition?: RebuildPartition;
  /**
   * Shared by the runners of one worker's read models (one database, one consumer group): their
   * Kafka batches of one fetch go in one transaction. Each runner has its own when unset.
   */
  sharedBatches?: SharedBatches;
}

/** Where the Kafka batches of runners on one database wait for the others of the same fetch (see ProjectionRunnerOptions). */
export class SharedBatches {
  /** @internal */
  pending: [ProjectionRunner, PendingBatch][] | undefined;
}

/**
 * One partition of a parallel rebuild. It projects the events of its keys and those every
 * partition projects (Projection.partitionOf), in global order; writes the rows of its keys, and
 * of the shared events if `writesShared` (one partition does); hands its counter rows over, for
 * one thread to add up and write; leaves the checkpoint to that thread.
 */
export interface RebuildPartition {
  writesShared: boolean;
  handOver(counters: Map<string, Row[]>): void;
}

/**
 * Applies batches of events to one read model's tables: loads what the projector will read,
 * runs it, and writes every change together with the checkpoint in one transaction, so a crash
 * never applies an event twice nor skips one.
 */
export class ProjectionRunner {
  readonly name: string;
  /** Emits 'advanced' (position) after each commit. */
  readonly progress = new EventEmitter();
  private readonly tables = new Map<string, TableSql>();
  /**
   * The batches in global order, one at a time: rows kept between them. Kafka partitions' batches
   * each get their own (a worker runs several at once, and they share no rows).
   */
  private readonly work: BatchWork;
  private committed = -1;
  /** Rebuilds: the position projectAhead has taken in, written or not. */
  private ahead = 0;
  /** Rebuilds: the write writeAhead has going in the background. */
  private writing: Promise<void> | undefined;
  /** Which copy of the tables `committed` and the cache are of: the checkpoint table's oid. */
  private copy: string | undefined;
  /** The copy's generation when the cache was filled: a retry elsewhere moves it. */
  private generation: string | undefined;
  /** Failures of unknown kind, by position: parked once the same error came back often enough. */
  private readonly failures = new Map<number, { error: string; count: number }>();
  /**
   * A fresh copy being built (rebuilds): the keys of the rows written to it so far, per table;
   * every other row is absent. Undefined once the copy is finished, or for live tables.
   */
  private written: Map<string, Set<string>> | undefined;
  private readonly partition: RebuildPartition | undefined;
  /** A fresh copy's rows were written and forgotten (held to maxRowsInMemory): some must be read back. */
  private forgotten = false;
  /**
   * A fresh copy that has forgotten rows asks for each page's rows ahead (prefetch, in bulk) until
   * pages read nothing back; then it reads back the rare row one at a time, until they come often.
   */
  private askAhead = true;
  private pagesReadingNothing = 0;
  /** Rows a fresh copy has read back, so far. */
  private readBack = 0;
  /**
   * A partition's tables put by shared events and by its own: never both (every partition keeps
   * the shared ones whole, unwritten but by one, so they are never forgotten).
   */
  private readonly sharedTables = new Set<string>();
  private readonly ownTables = new Set<string>();
  /** Where Kafka partitions' batches of one fetch wait to go in one transaction (see together). */
  private readonly sharedBatches: SharedBatches;

  constructor(
    private readonly dataSource: DataSource,
    private readonly schema: string,
    private readonly readModel: ReadModel,
    options: ProjectionRunnerOptions = {},
  ) {
    this.name = readModel.projection.name;
    for (const entity of readModel.entities) {
      const metadata = dataSource.getMetadata(entity);
      const kind = readModel.projection.tables[metadata.tableName];
      if (!kind)
        throw new Error(
          `Projection "${this.name}" does not say whether ${metadata.tableName} is a state or a counter table`,
        );
      this.tables.set(metadata.tableName, new TableSql(metadata, kind, schema));
    }
    this.work = this.batchWork(options.maxCachedRowsPerTable);
    if (options.freshCopy || options.partition)
      this.written = new Map([...this.tables.keys()].map((table) => [table, new Set<string>()]));
    this.partition = options.partition;
    this.sharedBatches = options.sharedBatches ?? new SharedBatches();
    this.progress.setMaxListeners(0);
  }

  /** Whether the read model takes this event in (see Projection.handles). */
  handles(event: Pick<RecordedEvent, 'streamId' | 'type' | 'position'>): boolean {
    return this.readModel.projection.handles(event);
  }

  /** The position the read model has reached, as committed. */
  async checkpoint(manager: EntityManager = this.dataSource.manager): Promise<number> {
    const rows: { position: string }[] = await manager.query(
      `select position from "${this.schema}".projection_checkpoint where name = $1`,
      [this.name],
    );
    return rows[0] ? Number(rows[0].position) : 0;
  }

  /**
   * Rebuilds only, where nobody reads the tables yet: takes a page in memory and writes nothing;
   * a row changed by many events is written once, at `writeAhead`. Start from an empty copy.
   */
  async projectAhead(events: readonly RecordedEvent[]): Promise<void> {
    const fresh = events.filter((event) => event.position > this.ahead);
    if (fresh.length === 0) return;
    try {
      await timedPhase(`${this.name}:project`, () => this.project(this.dataSource.manager, fresh));
    } catch (error) {
      this.forget();
      throw error;
    }
    this.ahead = fresh[fresh.length - 1].position;
  }

  /** Rows projectAhead holds in memory: cached ones, and counter rows merged but not written. */
  get rowsHeld(): number {
    return this.work.cache.heldRows;
  }

  /**
   * Of rowsHeld, the cached rows but a partition's shared ones (kept whole, never written and
   * forgotten); a partition's counter rows are handed over apart, handOverCounters.
   */
  get cachedRowsHeld(): number {
    return this.work.cache.cachedRows(this.sharedTables);
  }

  get counterRowsHeld(): number {
    return this.work.cache.counterRows;
  }

  /** A partition's counter rows, to the thread that adds them up (see RebuildPartition). */
  handOverCounters(): void {
    this.partition?.handOver(this.work.cache.takeCounters(false));
  }

  /**
   * The thread adding up a parallel rebuild's counters: the partitions' rows, merged with those
   * held, written by writeAhead as the projected ones are; `position` the log's, as far as taken in.
   */
  mergeCounters(counters: Iterable<[string, Row[]]>, position: number): void {
    for (const [table, rows] of counters)
      this.work.cache.apply(rows.map((row): ViewChange => ({ op: 'add', table, row })));
    this.ahead = Math.max(this.ahead, position);
  }

  /**
   * Writes what projectAhead took in, with the checkpoint, in one transaction — in the
   * background: projectAhead may go on meanwhile (it changes no row object it handed over).
   * Waits for the write before it first; `writesDone` waits for the last. A fresh copy then
   * forgets the rows it held (they are written, and read back when needed): memory stays bounded
   * however long the log.
   */
  async writeAhead(): Promise<void> {
    // How long projecting stood still for the database (benches: beside `transaction`, which runs in the background).
    await timedPhase(`${this.name}:waiting-for-write`, () => this.writesDone());
    // A safe point: everything handed over is committed, so forgetting rows loses nothing.
    if (this.written) {
      this.work.cache.forgetRows(this.sharedTables);
      this.forgotten = true;
      this.askAhead = true;
      this.pagesReadingNothing = 0;
    } else this.work.cache.trim();
    const position = this.ahead;
    const changes = this.takeChanges();
    const partition = this.partition;
    if (partition) {
      partition.handOver(changes.counters);
      changes.counters = new Map();
    }
    const fresh = this.written && this.freshRows(changes);
    this.writing = timedPhase(`${this.name}:transaction`, async () => {
      if (fresh) await this.copyFresh(fresh);
      await this.dataSource.transaction(async (manager) => {
        await timedPhase(`${this.name}:flush`, () => this.write(manager, changes));
        // The thread adding up the partitions' counters moves the checkpoint, once it has them all.
        if (partition) return;
        await manager.query(
          `update "${this.schema}".projection_checkpoint set position = $2, updated_at = now() where name = $1`,
          [this.name, position],
        );
        const [row]: { copy: string }[] = await manager.query(
          `select tableoid::bigint as copy from "${this.schema}".projection_checkpoint where name = $1`,
          [this.name],
        );
        this.copy = row?.copy;
        this.committed = position;
      });
    });
  }

  /**
   * Writes the last of what projectAhead took in and leaves the fresh copy's ways: from here on
   * the tables are read and written as live ones (the catch-up before a swap).
   */
  async finishAhead(): Promise<void> {
    await this.writeAhead();
    await this.writesDone();
    this.written = undefined;
    this.forget();
  }

  /**
   * Of a fresh copy's changes, takes out the rows written for the first time (to COPY), the state
   * rows written before (`replaced`: deleted, then copied again) and the deletes of rows never
   * written (nothing to do); what stays (counter rows written before) is added as usual.
   */
  private freshRows(changes: Changes): { first: Map<string, Row[]>; replaced: Map<string, Row[]> } {
    const first = new Map<string, Row[]>();
    const replaced = new Map<string, Row[]>();
    const written = this.written as Map<string, Set<string>>;
    const take = (table: string, rows: Row[]) => {
      const keys = written.get(table) as Set<string>;
      const { primaryKeys } = this.table(table);
      const firstRows: Row[] = [];
      const again: Row[] = [];
      for (const row of rows) {
        const key = keyString(primaryKeys.map((column) => row[column]));
        if (keys.has(key)) again.push(row);
        else {
          keys.add(key);
          firstRows.push(row);
        }
      }
      first.set(table, firstRows);
      return again;
    };
    // A state row written before goes in again by COPY, its old one deleted first: an upsert
    // sends every row in one JSON text (at BENCH_SCALE=0.1 in time order, a write's teacher
    // records were hundreds of MB, parsed again by PostgreSQL).
    for (const [table, rows] of changes.puts) {
      replaced.set(table, take(table, rows));
      changes.puts.delete(table);
    }
    for (const [table, rows] of changes.counters) changes.counters.set(table, take(table, rows));
    for (const [table, keys] of changes.deletes) {
      const writtenKeys = written.get(table) as Set<string>;
      changes.deletes.set(
        table,
        keys.filter((key) => writtenKeys.delete(keyString(key))),
      );
    }
    return { first, replaced };
  }

  /**
   * A fresh copy's new rows by COPY, in pieces over two connections at once (PostgreSQL's side of
   * a COPY, parsing JSON and compressing it, is most of its cost), once the old rows of the
   * `replaced` ones are deleted. Each piece commits alone: a copy is never read nor resumed before
   * its rebuild has finished, and a failed rebuild drops it (nor read back before this is done).
   */
  private async copyFresh({ first, replaced }: ReturnType<ProjectionRunner['freshRows']>): Promise<void> {
    const pieces: { table: string; rows: Row[] }[] = [];
    for (const rowsOf of [first, replaced])
      for (const [table, rows] of rowsOf)
        for (let start = 0; start < rows.length; start += COPY_PIECE)
          pieces.push({ table, rows: rows.slice(start, start + COPY_PIECE) });
    for (const [table, rows] of replaced) {
      if (rows.length === 0) continue;
      const { primaryKeys } = this.table(table);
      for (let start = 0; start < rows.length; start += COPY_PIECE) {
        const keys = rows.slice(start, start + COPY_PIECE).map((row) => primaryKeys.map((column) => row[column]));
        await timedPhase(`${this.name}:replace:${table}`, () =>
          this.table(table).delete(this.dataSource.manager, keys),
        );
      }
    }
    await Promise.all(
      [0, 1].map(async () => {
        const runner = this.dataSource.createQueryRunner();
        try {
          const client = (await runner.connect()) as ClientBase;
          for (let piece = pieces.shift(); piece; piece = pieces.shift()) {
            const { table, rows } = piece;
            await timedPhase(`${this.name}:copy:${table}`, () => this.table(table).copy(client, rows));
          }
        } finally {
          await runner.release();
        }
      }),
    );
  }

  /** Waits for the write writeAhead started, if any; throws what it failed with. */
  async writesDone(): Promise<void> {
    const writing = this.writing;
    this.writing = undefined;
    try {
      await writing;
    } catch (error) {
      this.forget();
      throw error;
    }
  }

  /**
   * One batch in its own transaction; waits while a rebuilt copy is being swapped in. An event
   * the projector cannot handle is parked and the batch goes on. When the database refuses the
   * batch's rows, the events are taken one at a time to find the one at fault, which is parked
   * once its failure is known to come back (see parking.ts); the database being away is waited
   * out (thrown, for the subscription to retry), never parked.
   */
  async handle(events: readonly RecordedEvent[]): Promise<void> {
    try {
      await this.handleBatch(events);
    } catch (error) {
      if (isPassingTrouble(error) || events.length === 0) throw error;
      for (const event of events) {
        try {
          await this.handleBatch([event]);
        } catch (single) {
          if (isPassingTrouble(single) || !this.failsForGood(event.position, single)) throw single;
          await this.parkAlone(event, single);
        }
      }
    }
    this.failures.clear();
    this.work.cache.trim();
    this.progress.emit('advanced', this.committed);
  }

  private async handleBatch(events: readonly RecordedEvent[]): Promise<void> {
    try {
      await timedPhase(`${this.name}:transaction`, async () => {
        if (await this.handleWhereKnown(events)) return;
        await this.dataSource.transaction(async (manager) => {
          await manager.query('select pg_advisory_xact_lock_shared($1, hashtext($2))', [SWAP_LOCK_SPACE, this.name]);
          await this.handleWithin(manager, events);
        });
      });
    } catch (error) {
      this.forget();
      throw error;
    }
    this.announceParked();
  }

  /**
   * A batch in one round trip, when this runner committed the last one it knows of: projected
   * from the rows it holds (those missing read outside the transaction), then its writes sent
   * with the swap lock, the checkpoint's move and the commit as one text. The checkpoint moves
   * only from where this runner left it, in the same copy and generation; otherwise (another
   * instance, a rebuild swapped in, a parked event retried) the whole text fails and is rolled
   * back, and the batch goes the careful way: false, and the runner forgets what it held. False
   * too when the runner does not know where the read model stands.
   */
  private async handleWhereKnown(events: readonly RecordedEvent[]): Promise<boolean> {
    const { committed, copy, generation } = this;
    if (committed < 0 || copy === undefined || generation === undefined || this.written || this.partition) return false;
    const fresh = events.filter((event) => event.position > committed);
    if (fresh.length === 0) return true;
    await timedPhase(`${this.name}:project`, () => this.project(this.dataSource.manager, fresh));
    const position = fresh[fresh.length - 1].position;
    const changes = this.takeChanges();
    const checkpoint = `"${this.schema}".projection_checkpoint`;
    const statements: Statement[] = [
      { text: 'select pg_advisory_xact_lock_shared($1, hashtext($2))', values: [SWAP_LOCK_SPACE, this.name] },
      {
        // A failed cast, when the checkpoint was not where this runner left it: the text stops there.
        text: `with moved as (
                 update ${checkpoint} set position = $2, updated_at = now()
                 where name = $1 and position = $3 and tableoid::bigint = $4 and generation = $5 returning 1)
               select ($6 || count(*))::int from moved having count(*) <> 1`,
        values: [this.name, position, committed, Number(copy), Number(generation), CHECKPOINT_MOVED],
      },
      ...this.writeStatements(changes),
    ];
    const [client, release] = (await (this.dataSource.driver as PostgresDriver).obtainMasterConnection()) as [
      ClientBase,
      (error?: unknown) => void,
    ];
    try {
      await timedPhase(`${this.name}:flush`, () =>
        client.query(`begin; ${statements.map(inlined).join(';\n')}; commit`),
      );
    } catch (error) {
      const broken = await client.query('rollback').then(
        () => undefined,
        (rollbackError: unknown) => rollbackError,
      );
      release(broken);
      if (error instanceof Error && error.message.includes(CHECKPOINT_MOVED)) {
        this.forget();
        return false;
      }
      throw error;
    }
    release();
    this.work.justParked.push(...changes.parked);
    this.committed = position;
    return true;
  }

  /** Emits 'parked' (readModel, position, error) for each event parked by the transaction just committed. */
  private announceParked(work: BatchWork = this.work): void {
    for (const { event, error } of work.justParked.splice(0))
      this.progress.emit('parked', { readModel: this.name, position: event.position, type: event.type, error });
  }

  /** Parks an event the database keeps refusing, and moves the checkpoint past it. */
  private async parkAlone(event: RecordedEvent, error: unknown): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      await manager.query('select pg_advisory_xact_lock_shared($1, hashtext($2))', [SWAP_LOCK_SPACE, this.name]);
      const [row]: { position: string }[] = await manager.query(
        `select position from "${this.schema}".projection_checkpoint where name = $1 for update`,
        [this.name],
      );
      if (Number(row?.position ?? 0) >= event.position) return;
      await this.writeParked(manager, [{ event, error: describeFailure(error) }]);
      this.work.justParked.push({ event, error: describeFailure(error) });
      await manager.query(
        `update "${this.schema}".projection_checkpoint set position = $2, updated_at = now() where name = $1`,
        [this.name, event.position],
      );
    });
    this.failures.delete(event.position);
    this.announceParked();
    this.forget();
  }

  /** True once a failure of this event is known to come back: at once when it says so, else the third time alike. */
  private failsForGood(position: number, error: unknown): boolean {
    if (failsTheSameWayAgain(error)) return true;
    const description = describeFailure(error);
    const earlier = this.failures.get(position);
    const count = earlier?.error === description ? earlier.count + 1 : 1;
    this.failures.set(position, { error: description, count });
    return count >= FAILURES_BEFORE_PARKING;
  }

  /**
   * One batch inside the caller's transaction (a swap holds its own lock). What it caches
   * assumes the transaction commits; a caller whose transaction fails must not use it again.
   */
  async handleWithin(manager: EntityManager, events: readonly RecordedEvent[]): Promise<void> {
    try {
      const rows: { position: string; copy: string; generation: string }[] = await manager.query(
        `select position, tableoid::bigint as copy, generation from "${this.schema}".projection_checkpoint where name = $1 for update`,
        [this.name],
      );
      const checkpoint = rows[0] ? Number(rows[0].position) : 0;
      const copy = rows[0]?.copy;
      const generation = rows[0]?.generation;
      // Another copy of the tables was swapped in (a rebuild): what we cached is of the old ones,
      // even when the new copy stands at the very position we reached (nothing came meanwhile).
      // A retried parked event changed rows behind our back: the same.
      if (checkpoint !== this.committed || copy !== this.copy || generation !== this.generation)
        this.work.cache.clear();
      this.committed = checkpoint;
      this.copy = copy;
      this.generation = generation;
      const fresh = events.filter((event) => event.position > checkpoint);
      if (fresh.length === 0) return;
      await timedPhase(`${this.name}:project`, () => this.project(manager, fresh));
      await timedPhase(`${this.name}:flush`, () => this.flush(manager));
      const position = fresh[fresh.length - 1].position;
      await manager.query(
        `update "${this.schema}".projection_checkpoint set position = $2, updated_at = now() where name = $1`,
        [this.name, position],
      );
      this.committed = position;
    } catch (error) {
      this.forget();
      throw error;
    }
  }

  /**
   * One batch of one Kafka partition, for projector workers sharing a topic's partitions. Each
   * partition's offset, highest event position and watermark are stored with the rows, so a
   * batch delivered again (same offsets) or published again (new offsets) is filtered out,
   * whichever worker gets it. Several workers write at once, and a worker runs several
   * partitions' batches at once: each batch has rows and changes of its own, only rows its
   * transaction reads are trusted (no cache), counters merge, and every other row belongs to one
   * stream, which Kafka keeps on one partition. Events a rebuild already took in (at or below
   * the read model's checkpoint) are skipped. Throws AwaitingEvents, after committing what came
   * before, when an event needs one another partition has not delivered yet: call again later.
   * Given the topic's partition count, an event still awaiting when every other partition has
   * passed it is parked: what it waits for will never come. Events the projector or the
   * database refuse are parked as in `handle`.
   */
  async handlePartition(
    topic: string,
    partition: number,
    messages: readonly PartitionItem[],
    partitions?: number,
  ): Promise<void> {
    if (!messages.some((message) => message.kind === 'event' && this.readModel.projection.handles(message.event))) {
      if (messages.length === 0 || (await this.passPartitionBatch(topic, partition, messages))) return;
    }
    try {
      await this.handlePartitionBatch(topic, partition, messages, partitions, true);
    } catch (error) {
      if (error instanceof AwaitingEvents || isPassingTrouble(error) || messages.length === 0) throw error;
      for (const message of messages) {
        try {
          await this.handlePartitionBatch(topic, partition, [message], partitions, false);
        } catch (single) {
          if (single instanceof AwaitingEvents || isPassingTrouble(single) || message.kind !== 'event') throw single;
          if (!this.failsForGood(message.event.position, single)) throw single;
          await this.parkPartitionMessage(topic, partition, message, single);
        }
      }
    }
    // Only this partition's: another's batch under way keeps counting its own failures.
    for (const message of messages) if (message.kind === 'event') this.failures.delete(message.event.position);
  }

  private async handlePartitionBatch(
    topic: string,
    partition: number,
    messages: readonly PartitionItem[],
    partitions: number | undefined,
    together: boolean,
  ): Promise<void> {
    let stopped: { awaiting: RecordedEvent; reason: AwaitingEvents } | undefined;
    let progressed = false;
    let parked: ParkedEvent[] = [];
    // Not the runner's own: other partitions' batches are under way meanwhile, each with its own.
    const work = this.batchWork();
    const table = `"${this.schema}".kafka_partitions`;
    await this.partitionTransaction(
      topic,
      partition,
      this.firstReads(messages, work.cache),
      work.cache,
      async (manager, stored) => {
        const applied = Number(stored.applied_offset);
        const fresh = messages.filter((message) => message.offset > applied);
        if (fresh.length === 0) return undefined;
        // A partition carries its streams' events in position order; lower again means published
        // again (the relay is at least once), and what a rebuild took in is in already.
        let highest = Math.max(Number(stored.checkpoint ?? 0), Number(stored.applied_position));
        const events = fresh.flatMap((message) => {
          if (message.kind !== 'event' || message.event.position <= highest) return [];
          highest = message.event.position;
          return [message.event];
        });
        // An event waiting for another partition's: what comes before it is applied now, so that
        // every partition gets as far as it can (and none waits on one that waits on it).
        stopped = await this.project(
          manager,
          events,
          partitions === undefined
            ? undefined
            : (event) => this.othersHavePassed(manager, topic, partition, partitions, event.position),
          work,
        );
        const awaitingPosition = stopped ? String(stopped.awaiting.position) : null;
        const done = stopped
          ? fresh.slice(
              0,
              fresh.findIndex((message) => message.kind === 'event' && message.event === stopped?.awaiting),
            )
          : fresh;
        if (done.length === 0) {
          // Where this partition waits, for the other partitions to tell what is awaited for good.
          if (awaitingPosition === stored.awaiting_position) return undefined;
          return {
            statements: [
              {
                text: `update ${table} set awaiting_position = $4 where name = $1 and topic = $2 and partition = $3`,
                values: [this.name, topic, partition, awaitingPosition],
              },
            ],
          };
        }
        const watermark = Math.max(
          Number(stored.watermark),
          ...done.map((message) => (message.kind === 'watermark' ? message.position : 0)),
        );
        const position = Math.max(Number(stored.applied_position), ...done.map(eventPositionOf));
        const changes = this.takeChanges(work);
        parked = changes.parked;
        progressed = true;
        // The batch's rows and the partition's row go with the commit: one round trip, not one a table.
        return {
          changes,
          statements: [
            {
              text: `update ${table} set applied_offset = $4, applied_position = $5, watermark = $6, awaiting_position = $7, updated_at = now() where name = $1 and topic = $2 and partition = $3`,
              values: [
                this.name,
                topic,
                partition,
                done[done.length - 1].offset,
                position,
                watermark,
                awaitingPosition,
              ],
            },
          ],
        };
      },
      () => progressed,
      together,
    );
    work.justParked.push(...parked);
    this.announceParked(work);
    if (progressed) this.progress.emit('advanced');
    if (stopped) throw stopped.reason;
  }

  /**
   * A Kafka partition's batch in one transaction, in as few round trips as can be: its start, the
   * swap lock and the partition's row (locked, with the read model's checkpoint) in one; `work`'s
   * reads; then the statements `work` answers (its writes), the commit and, when `notify` says the
   * views moved, a notification on READ_MODEL_CHANNEL, in one (the notification in a transaction
   * of its own after the commit: inside the batch's it would hold PostgreSQL's notify lock through
   * every worker's commit). Statements sent as one text carry their values as literals. `together`:
   * in the same transaction as the other partitions' batches handed over meanwhile (see together).
   */
  private partitionTransaction(
    topic: string,
    partition: number,
    reads: readonly RowRef[],
    cache: RowCache,
    work: (manager: EntityManager, stored: StoredPartition) => Promise<BatchEnd | undefined>,
    notify: () => boolean,
    together: boolean,
  ): Promise<void> {
    return new Promise<boolean>((resolve, reject) => {
      const batch: PendingApply = { kind: 'apply', topic, partition, reads, cache, work, notify, resolve, reject };
      if (together) this.together(batch);
      else ProjectionRunner.partitionsTransaction([[this, batch]]).then(() => resolve(true), reject);
    }).then(() => undefined);
  }

  /**
   * A batch with no event this read model handles (watermarks, other read models' events): only
   * the partition's row moves, by one conditional update, with the other partitions' batches of
   * the same fetch (see together). False when that moved nothing (a partition's first batch, or
   * one delivered again): the full path takes it then.
   */
  private async passPartitionBatch(
    topic: string,
    partition: number,
    messages: readonly PartitionItem[],
  ): Promise<boolean> {
    try {
      return await new Promise<boolean>((resolve, reject) =>
        this.together({ kind: 'pass', topic, partition, messages, resolve, reject }),
      );
    } catch (error) {
      if (isPassingTrouble(error)) throw error;
      // Another batch of the same fetch (another read model's, another partition's) may be what
      // failed the transaction: this one alone again.
      const alone: PendingPass = {
        kind: 'pass',
        topic,
        partition,
        messages,
        resolve: () => undefined,
        reject: () => undefined,
      };
      const [moved] = await ProjectionRunner.partitionsTransaction([[this, alone]]);
      return moved;
    }
  }

  /**
   * A fetch hands a worker every partition of its with something new at once, for every read
   * model it builds (one consumer group for them all): their batches go in one transaction (one
   * commit, one round trip to start and one to end it, whatever the number of partitions and read
   * models), sent once the other handlers of the same fetch have run up to here. A batch retried
   * alone (to find an event at fault) does not come this way: another partition's batch must
   * never fail with it.
   */
  private together(batch: PendingBatch): void {
    const shared = this.sharedBatches;
    if (shared.pending) return void shared.pending.push([this, batch]);
    shared.pending = [[this, batch]];
    setImmediate(() => {
      const pending = shared.pending ?? [];
      shared.pending = undefined;
      ProjectionRunner.partitionsTransaction(pending).then(
        (moved) => pending.forEach(([, each], index) => each.resolve(moved[index])),
        (error: unknown) => pending.forEach(([, each]) => each.reject(error)),
      );
    });
  }

  /**
   * Partitions' batches of one or more read models (one database) in one transaction, each read
   * model's partition rows locked in partition order (two workers never wait crosswise): the
   * batches to apply as partitionTransaction says, the ones to pass by a conditional update each
   * with the commit. Answers, per batch, whether it moved (a pass that moved nothing goes the
   * full way).
   */
  private static async partitionsTransaction(
    pending: readonly (readonly [ProjectionRunner, PendingBatch])[],
  ): Promise<boolean[]> {
    const byPartition = (a: PendingBatch, b: PendingBatch) =>
      a.topic.localeCompare(b.topic) || a.partition - b.partition;
    const runners = [...new Set(pending.map(([runner]) => runner))].sort((a, b) => a.name.localeCompare(b.name));
    const batchesOf = (runner: ProjectionRunner) =>
      pending.filter(([each]) => each === runner).map(([, batch]) => batch);
    const applies = runners.flatMap((runner) =>
      batchesOf(runner)
        .filter((batch): batch is PendingApply => batch.kind === 'apply')
        .sort(byPartition)
        .map((batch) => [runner, batch] as const),
    );
    const passes = runners.flatMap((runner) =>
      batchesOf(runner)
        .filter((batch): batch is PendingPass => batch.kind === 'pass')
        .sort(byPartition)
        .map((batch) => [runner, batch] as const),
    );
    const queryRunner = runners[0].dataSource.createQueryRunner();
    let moved: boolean[];
    let notified: ProjectionRunner[] = [];
    try {
      const client = (await queryRunner.connect()) as ClientBase;
      const texts = new PreparedTexts(client);
      const literal = (value: string) => client.escapeLiteral(value);
      const where = (runner: ProjectionRunner, topic: string, partition: number) =>
        `name = ${literal(runner.name)} and topic = ${literal(topic)} and partition = ${integer(partition)}`;
      const select = (runner: ProjectionRunner, topic: string, partition: number) =>
        `select p.applied_offset, p.applied_position, p.watermark, p.awaiting_position,
           (select c.position from "${runner.schema}".projection_checkpoint c where c.name = ${literal(runner.name)}) as checkpoint
         from "${runner.schema}".kafka_partitions p where ${where(runner, topic, partition)} for update of p`;
      const start = [
        'begin',
        ...runners.map(
          (runner) => `select pg_advisory_xact_lock_shared(${SWAP_LOCK_SPACE}, hashtext(${literal(runner.name)}))`,
        ),
      ];
      try {
        const closing: string[] = [];
        if (applies.length > 0) {
          const layout = applies.map(([runner, { topic, partition, reads }]) => {
            const tables = runner.keysByTable(reads);
            const at = start.length;
            start.push(
              select(runner, topic, partition),
              ...tables.map(([table, keys]) => texts.text(runner.table(table).loadStatement(keys) as Statement)),
            );
            return { tables, at };
          });
          // The PREPAREs first (outside the count: results from the start's own statements on).
          const prepares = texts.takePrepares();
          const started = (
            (await client.query([...prepares, ...start].join(';\n'))) as unknown as {
              rows: Record<string, unknown>[];
            }[]
          ).slice(prepares.length);
          texts.sent();
          const stored: StoredPartition[] = [];
          for (const [index, [runner, { topic, partition, reads, cache }]] of applies.entries()) {
            const { tables, at } = layout[index];
            let [row] = started[at].rows as unknown as StoredPartition[];
            if (row)
              cache.loaded(
                reads,
                new Map(
                  tables.map(([table], each) => [table, runner.table(table).loaded(started[at + 1 + each].rows)]),
                ),
              );
            else {
              // The partition's first batch here: its row is made, then locked; the rows read before
              // it was locked are left for the batch to read again.
              const [, made] = (await client.query(
                `insert into "${runner.schema}".kafka_partitions (name, topic, partition) values (${literal(runner.name)}, ${literal(topic)}, ${integer(partition)}) on conflict do nothing; ${select(runner, topic, partition)}`,
              )) as unknown as { rows: StoredPartition[] }[];
              row = made.rows[0];
            }
            stored.push(row);
          }
          // Every batch's work to its end, even when one fails: none may use the connection after it went back.
          const works = await Promise.allSettled(
            applies.map(([, batch], index) => batch.work(queryRunner.manager, stored[index])),
          );
          for (const done of works) if (done.status === 'rejected') throw done.reason;
          const ends = works.map((done) => (done.status === 'fulfilled' ? done.value : undefined));
          // A read model's batches write together: its counter rows (unit totals, shared by every
          // partition) added by one statement a table in key order, as another worker adds them, so
          // that two workers' transactions never lock them crosswise; then the partitions' rows.
          for (const runner of runners) {
            const own = ends.filter((end, index): end is BatchEnd => end !== undefined && applies[index][0] === runner);
            const changes = own.flatMap((end) => (end.changes ? [end.changes] : []));
            if (changes.length > 0)
              closing.push(...runner.writeStatements(runner.mergeChanges(changes)).map((each) => texts.text(each)));
            for (const end of own) closing.push(...end.statements.map(inlined));
          }
        } else closing.push(...start);
        const updates = passes.map(([runner, { topic, partition, messages }]) => {
          let position = 0;
          let watermark = 0;
          for (const message of messages) {
            if (message.kind === 'watermark') watermark = Math.max(watermark, message.position);
            else position = Math.max(position, eventPositionOf(message));
          }
          const offset = integer(messages[messages.length - 1].offset);
          return `update "${runner.schema}".kafka_partitions
             set applied_offset = ${offset}, applied_position = greatest(applied_position, ${integer(position)}),
                 watermark = greatest(watermark, ${integer(watermark)}), awaiting_position = null, updated_at = now()
             where ${where(runner, topic, partition)} and applied_offset < ${offset}`;
        });
        notified = runners.filter(
          (runner) =>
            passes.some(([each]) => each === runner) ||
            applies.some(([each, batch]) => each === runner && batch.notify()),
        );
        const results = (await timedPhase(`${runners[0].name}:flush`, () =>
          client.query(
            [
              ...texts.takePrepares(),
              ...closing,
              ...updates,
              'commit',
              ...notified.map((runner) => `select pg_notify('${READ_MODEL_CHANNEL}', ${literal(runner.name)})`),
            ].join(';\n'),
          ),
        )) as unknown as { rowCount: number | null }[] | { rowCount: number | null };
        texts.sent();
        // The updates' results come right before the commit's (and the notifications').
        const all = Array.isArray(results) ? results : [results];
        const firstUpdate = all.length - notified.length - 1 - updates.length;
        const passMoved = new Map(
          passes.map(([, pass], index) => [pass as PendingBatch, (all[firstUpdate + index].rowCount ?? 0) > 0]),
        );
        moved = pending.map(([, batch]) => passMoved.get(batch) ?? true);
      } catch (error) {
        // A failure part-way leaves the transaction open (or aborted): end it before the connection goes back.
        await client.query('rollback').catch(() => undefined);
        await texts.failed();
        throw error;
      }
    } finally {
      await queryRunner.release();
    }
    for (const runner of runners)
      if (pending.some(([each, batch], index) => each === runner && batch.kind === 'pass' && moved[index]))
        runner.progress.emit('advanced');
    return moved;
  }

  /**
   * Whether every other partition has applied everything before `position`: its watermark has
   * passed it, or it waits itself at a later event. Then an event still awaiting another waits
   * for nothing that will come (the lowest such wait always qualifies, so none wait on each other).
   */
  private async othersHavePassed(
    manager: EntityManager,
    topic: string,
    partition: number,
    partitions: number,
    position: number,
  ): Promise<boolean> {
    const [row]: { passed: number }[] = await manager.query(
      `select count(*)::int as passed from "${this.schema}".kafka_partitions
       where name = $1 and topic = $2 and partition < $3 and partition <> $4
         and (watermark >= $5 or awaiting_position > $5)`,
      [this.name, topic, partitions, partition, position],
    );
    return (row?.passed ?? 0) >= partitions - 1;
  }

  /** Parks a partition's event the database keeps refusing, and moves the partition past it. */
  /** Holds off a swap for the transaction and makes sure the partition has its row; the row's table. */
  private async enterPartition(manager: EntityManager, topic: string, partition: number): Promise<string> {
    await manager.query('select pg_advisory_xact_lock_shared($1, hashtext($2))', [SWAP_LOCK_SPACE, this.name]);
    const table = `"${this.schema}".kafka_partitions`;
    await manager.query(`insert into ${table} (name, topic, partition) values ($1, $2, $3) on conflict do nothing`, [
      this.name,
      topic,
      partition,
    ]);
    return table;
  }

  private async parkPartitionMessage(
    topic: string,
    partition: number,
    message: PartitionItem & { kind: 'event' },
    error: unknown,
  ): Promise<void> {
    const work = this.batchWork();
    await this.dataSource.transaction(async (manager) => {
      const table = await this.enterPartition(manager, topic, partition);
      const [stored]: { applied_offset: string }[] = await manager.query(
        `select applied_offset from ${table} where name = $1 and topic = $2 and partition = $3 for update`,
        [this.name, topic, partition],
      );
      if (stored && Number(stored.applied_offset) >= message.offset) return;
      const parked = { event: message.event, error: describeFailure(error) };
      await this.writeParked(manager, [parked]);
      work.justParked.push(parked);
      await manager.query(
        `update ${table} set applied_offset = $4, applied_position = greatest(applied_position, $5), awaiting_position = null, updated_at = now()
         where name = $1 and topic = $2 and partition = $3`,
        [this.name, topic, partition, message.offset, message.event.position],
      );
    });
    this.failures.delete(message.event.position);
    this.announceParked(work);
  }

  /** The offset after the last this read model applied, by partition of the topic (those it has a row for). */
  async nextOffsets(topic: string, manager: EntityManager = this.dataSource.manager): Promise<Map<number, number>> {
    const rows: { partition: number; applied_offset: string }[] = await manager.query(
      `select partition, applied_offset from "${this.schema}".kafka_partitions where name = $1 and topic = $2`,
      [this.name, topic],
    );
    return new Map(rows.map((row) => [Number(row.partition), Number(row.applied_offset) + 1]));
  }

  /**
   * How far a read model fed by Kafka has come: every partition has seen a watermark at least
   * this high, and the relay publishes a watermark only after every event up to it.
   */
  async partitionsPosition(
    topic: string,
    partitions: number,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<number> {
    // With the checkpoint (what a rebuild took in) in the same statement: one round trip a look.
    const [row]: { position: string | null; checkpoint: string | null }[] = await manager.query(
      `select case when count(*) < $3 then 0 else min(watermark) end as position,
         (select c.position from "${this.schema}".projection_checkpoint c where c.name = $1) as checkpoint
       from "${this.schema}".kafka_partitions where name = $1 and topic = $2 and partition < $3`,
      [this.name, topic, partitions],
    );
    return Math.max(Number(row?.position ?? 0), Number(row?.checkpoint ?? 0));
  }

  private batchWork(maxCachedRowsPerTable?: number): BatchWork {
    return { cache: new RowCache(this.tables, maxCachedRowsPerTable), parking: [], justParked: [] };
  }

  private forget(): void {
    this.work.cache.clear();
    this.work.parking = [];
    this.work.justParked = [];
    this.committed = -1;
    this.copy = undefined;
    this.generation = undefined;
  }

  /** The parked events, oldest first. */
  async parked(manager: EntityManager = this.dataSource.manager, limit = 1000): Promise<ParkedEventRow[]> {
    const rows: RawParkedRow[] = await manager.query(
      `select position, event_id, stream_id, event_type, error, attempts, first_attempt, last_attempt
       from "${this.schema}".parked_events where name = $1 order by position limit $2`,
      [this.name, limit],
    );
    return rows.map((row) => ({
      readModel: this.name,
      position: Number(row.position),
      eventId: row.event_id,
      streamId: row.stream_id,
      eventType: row.event_type,
      error: row.error,
      attempts: row.attempts,
      firstAttempt: new Date(row.first_attempt).toISOString(),
      lastAttempt: new Date(row.last_attempt).toISOString(),
    }));
  }

  async parkedCount(manager: EntityManager = this.dataSource.manager): Promise<number> {
    const [row]: { count: number }[] = await manager.query(
      `select count(*)::int as count from "${this.schema}".parked_events where name = $1`,
      [this.name],
    );
    return row?.count ?? 0;
  }

  /** Whether the read model skipped an event: its views then say `degraded`. */
  async isDegraded(manager: EntityManager = this.dataSource.manager): Promise<boolean> {
    const [row]: { degraded: boolean }[] = await manager.query(
      `select exists (select from "${this.schema}".parked_events where name = $1) as degraded`,
      [this.name],
    );
    return row?.degraded ?? false;
  }

  /**
   * Applies parked events now, oldest first (after a fix: a projector that handles them, the
   * unit they named registered since). `read` gets an event from the log by its position, so the
   * upcasters of today apply. No batch of any projector of this read model runs meanwhile (the
   * swap lock, taken exclusively per event). An event that fails again stays parked, with the
   * new error and one more attempt. Events are applied after later ones of theirs were: a
   * rebuild gives the exact result where order matters.
   */
  async retryParked(
    read: (position: number) => Promise<RecordedEvent | undefined>,
    positions?: readonly number[],
  ): Promise<RetryOutcome[]> {
    const wanted = positions ? new Set(positions) : undefined;
    const outcomes: RetryOutcome[] = [];
    for (const row of await this.parked(undefined, 1_000_000)) {
      if (wanted && !wanted.has(row.position)) continue;
      const event = await read(row.position);
      if (!event) {
        outcomes.push({ position: row.position, outcome: 'failed', error: 'the event is no longer in the log' });
        continue;
      }
      try {
        const applied = await this.dataSource.transaction(async (manager) => {
          await manager.query('select pg_advisory_xact_lock($1, hashtext($2))', [SWAP_LOCK_SPACE, this.name]);
          const [still]: unknown[] = await manager.query(
            `select from "${this.schema}".parked_events where name = $1 and position = $2 for update`,
            [this.name, row.position],
          );
          if (!still) return 'gone' as const;
          this.forget();
          await this.project(manager, [event]);
          const again = this.work.parking.splice(0);
          if (again.length > 0) throw new RetryFailed(again[0].error);
          await this.flush(manager);
          await manager.query(`delete from "${this.schema}".parked_events where name = $1 and position = $2`, [
            this.name,
            row.position,
          ]);
          await manager.query(
            `update "${this.schema}".projection_checkpoint set generation = generation + 1 where name = $1`,
            [this.name],
          );
          return 'applied' as const;
        });
        outcomes.push({ position: row.position, outcome: applied });
      } catch (error) {
        this.forget();
        if (isDatabaseUnavailable(error)) throw error;
        const description = error instanceof RetryFailed ? error.message : describeFailure(error);
        await this.dataSource.query(
          `update "${this.schema}".parked_events set error = $3, attempts = attempts + 1, last_attempt = now()
           where name = $1 and position = $2`,
          [this.name, row.position, description],
        );
        outcomes.push({ position: row.position, outcome: 'failed', error: description });
      }
    }
    return outcomes;
  }

  private takeChanges(work: BatchWork = this.work): Changes {
    // Live tables take counters from several workers at once: each adds to its rows in key order,
    // so that none waits for another crosswise. A fresh copy has one writer.
    return { ...work.cache.takeChanges(this.written === undefined), parked: work.parking.splice(0) };
  }

  private async writeParked(manager: EntityManager, parked: readonly ParkedEvent[]): Promise<void> {
    for (const each of parked) {
      const { text, values } = this.parkStatement(each);
      await manager.query(text, values);
    }
  }

  /** The statement that parks an event (or counts one more attempt at it). */
  private parkStatement({ event, error }: ParkedEvent): Statement {
    return {
      text: PARK_EVENT(this.schema),
      values: [
        this.name,
        event.position,
        event.metadata.eventId,
        event.streamId,
        event.type,
        JSON.stringify(event),
        error,
      ],
    };
  }

  /**
   * Applies the events in order. Returns the event that must wait for others (see
   * AwaitingEvents) when `stopWhenAwaiting`, having applied every event before it; otherwise a
   * waiting event fails the batch. What it reads and changes is in `work`, to flush with it.
   */
  private async project(
    manager: EntityManager,
    events: readonly RecordedEvent[],
    awaitedForGood?: (event: RecordedEvent) => Promise<boolean>,
    work: BatchWork = this.work,
  ): Promise<{ awaiting: RecordedEvent; reason: AwaitingEvents } | undefined> {
    const { projection } = this.readModel;
    const { cache } = work;
    const partition = this.partition;
    const relevant = events.filter((event) => projection.handles(event));
    // What to fetch, as far as each event tells (one that cannot say fetches as it goes).
    const wanted = (event: RecordedEvent) => {
      try {
        return projection.prefetch(event, cache);
      } catch {
        return [];
      }
    };
    // Two rounds: the second sees rows the first brought (a teacher's record names the school).
    // A fresh copy that has forgotten nothing holds every row there is: nothing to fetch.
    cache.absentUnlessHeld = this.written !== undefined && !this.forgotten;
    cache.absentUnlessWritten = this.written;
    const askingAhead = !cache.absentUnlessHeld && (this.written === undefined || this.askAhead);
    const readBackBefore = this.readBack;
    for (let round = 0; round < 2 && askingAhead; round++) {
      await this.load(manager, cache.missing(relevant.flatMap(wanted)), cache);
    }
    const readAhead = this.readBack - readBackBefore;
    for (const event of relevant) {
      for (;;) {
        let changes: ViewChange[];
        try {
          changes = projection.project(event, cache);
        } catch (error) {
          if (error instanceof RowNotLoaded) {
            await this.load(manager, [error.ref], cache);
            continue;
          }
          // In global order (no callback) what an event awaits would have come before it.
          if (error instanceof AwaitingEvents && awaitedForGood && !(await awaitedForGood(event)))
            return { awaiting: event, reason: error };
          // The projector decides from the event and the rows loaded in this transaction: the
          // same again would fail the same way. Parked with the batch's rows; the batch goes on
          // (by one partition, for a shared event).
          const shared = partition && projection.partitionOf?.(event.streamId) === undefined;
          if (!shared || partition.writesShared) work.parking.push({ event, error: describeFailure(error) });
          break;
        }
        // Outside the parking: changes the engine cannot take fail the batch (see handle).
        if (partition) {
          const shared = projection.partitionOf?.(event.streamId) === undefined;
          this.checkPartitioned(changes, shared);
          cache.apply(changes, !shared || partition.writesShared);
        } else cache.apply(changes);
        break;
      }
    }
    if (this.written && this.forgotten)
      this.adaptAskingAhead(askingAhead, readAhead, this.readBack - readBackBefore, relevant.length);
    return undefined;
  }

  /**
   * Asking for every event's rows costs a fresh copy as much as projecting a fifth of them, and
   * after a write most of what events ask for was never written (a log in county order goes on
   * elsewhere): three pages reading nothing back stop the asking; a row read back one at a time
   * for one event in a hundred of a page (one a query) starts it again.
   */
  private adaptAskingAhead(askedAhead: boolean, readAhead: number, readBack: number, events: number): void {
    if (askedAhead) {
      this.pagesReadingNothing = readAhead === 0 ? this.pagesReadingNothing + 1 : 0;
      if (this.pagesReadingNothing >= 3) this.askAhead = false;
    } else if (readBack > 0 && readBack >= events / 100) {
      this.askAhead = true;
      this.pagesReadingNothing = 0;
    }
  }

  /**
   * A partition keeps every row shared events put, and only writes them in one partition: a
   * table its own events put too would then differ between partitions (partitionOf is wrong).
   */
  private checkPartitioned(changes: readonly ViewChange[], shared: boolean): void {
    const [mine, other] = shared ? [this.sharedTables, this.ownTables] : [this.ownTables, this.sharedTables];
    for (const change of changes) {
      if (change.op === 'add') continue;
      if (other.has(change.table))
        throw new Error(
          `Projection "${this.name}" changes ${change.table} rows from events every partition projects and from one partition's: its partitionOf cannot rebuild it in parallel`,
        );
      mine.add(change.table);
    }
  }

  private async load(manager: EntityManager, refs: readonly RowRef[], cache: RowCache): Promise<void> {
    if (this.written && refs.length > 0) {
      // A fresh copy holds only what this runner wrote: the rest is known absent, unasked.
      const written = this.written;
      const stored = refs.filter((ref) => written.get(ref.table)?.has(keyString(ref.key)));
      cache.loaded(
        refs.filter((ref) => !written.get(ref.table)?.has(keyString(ref.key))),
        new Map(),
      );
      // What it wrote may still be on its way in the background: read it once committed.
      if (stored.length > 0) await this.writesDone();
      this.readBack += stored.length;
      refs = stored;
    }
    if (refs.length === 0) return;
    const byTable = new Map(this.keysByTable(refs));
    const found = new Map<string, Row[]>();
    // In a transaction of its own connection, every table's rows in one round trip (one text).
    const client =
      byTable.size > 1 && manager.queryRunner ? ((await manager.queryRunner.connect()) as ClientBase) : undefined;
    if (client) {
      const tables = [...byTable];
      const statements = tables.map(([table, keys]) => this.table(table).loadStatement(keys) as Statement);
      // What the connection has prepared (a Kafka worker's) by EXECUTE; nothing prepared here,
      // where a failure is not followed by a look at what the connection holds.
      const texts = new PreparedTexts(client);
      const results = (await timedPhase(`${this.name}:load`, () =>
        client.query(statements.map((each) => texts.text(each, false)).join(';\n')),
      )) as unknown as { rows: Record<string, unknown>[] }[];
      tables.forEach(([table], index) => found.set(table, this.table(table).loaded(results[index].rows)));
    } else
      for (const [table, keys] of byTable)
        found.set(table, await timedPhase(`${this.name}:load:${table}`, () => this.table(table).load(manager, keys)));
    cache.loaded(refs, found);
  }

  private keysByTable(refs: readonly RowRef[]): [string, RowRef['key'][]][] {
    const byTable = new Map<string, RowRef['key'][]>();
    for (const ref of refs) {
      const keys = byTable.get(ref.table);
      if (keys) keys.push(ref.key);
      else byTable.set(ref.table, [ref.key]);
    }
    return [...byTable];
  }

  /**
   * The rows a Kafka partition's batch will read first, as far as its events tell (see
   * `project`'s first round): read with the transaction's start, after the partition's row is
   * locked. Events the batch turns out to have applied already are asked for too: a few rows more.
   */
  private firstReads(messages: readonly PartitionItem[], cache: RowCache): RowRef[] {
    const { projection } = this.readModel;
    return cache.missing(
      messages.flatMap((message) => {
        if (message.kind !== 'event' || !projection.handles(message.event)) return [];
        try {
          return projection.prefetch(message.event, cache);
        } catch {
          return [];
        }
      }),
    );
  }

  private async flush(manager: EntityManager, work: BatchWork = this.work): Promise<void> {
    await this.write(manager, this.takeChanges(work), work);
  }

  /** Several batches' changes as one (Kafka partitions' batches of one fetch): counter rows added up, in key order. */
  private mergeChanges(list: readonly Changes[]): Changes {
    if (list.length === 1) return list[0];
    const puts = new Map<string, Row[]>();
    const deletes = new Map<string, unknown[][]>();
    const counters = this.batchWork().cache;
    for (const each of list) {
      for (const [table, rows] of each.puts) puts.set(table, [...(puts.get(table) ?? []), ...rows]);
      for (const [table, keys] of each.deletes) deletes.set(table, [...(deletes.get(table) ?? []), ...keys]);
      for (const [table, rows] of each.counters)
        counters.apply(rows.map((row): ViewChange => ({ op: 'add', table, row })));
    }
    return { puts, deletes, counters: counters.takeCounters(), parked: list.flatMap((each) => each.parked) };
  }

  /** What `write` sends, as statements to go in one text (parked events first, as there). */
  private writeStatements({ puts, deletes, counters, parked }: Changes): Statement[] {
    const statements: (Statement | undefined)[] = parked.map((each) => this.parkStatement(each));
    for (const [table, keys] of deletes) statements.push(this.table(table).deleteStatement(keys));
    for (const [table, rows] of puts) statements.push(this.table(table).putStatement(rows));
    for (const [table, rows] of counters) statements.push(this.table(table).addStatement(rows));
    return statements.filter((statement): statement is Statement => statement !== undefined);
  }

  private async write(
    manager: EntityManager,
    { puts, deletes, counters, parked }: Changes,
    work: BatchWork = this.work,
  ): Promise<void> {
    if (parked.length > 0) await this.writeParked(manager, parked);
    work.justParked.push(...parked);
    for (const [table, keys] of deletes)
      await timedPhase(`${this.name}:flush:${table}`, () => this.table(table).delete(manager, keys));
    for (const [table, rows] of puts)
      await timedPhase(`${this.name}:flush:${table}`, () => this.table(table).put(manager, rows));
    for (const [table, rows] of counters)
      await timedPhase(`${this.name}:flush:${table}`, () => this.table(table).add(manager, rows));
  }

  private table(name: string): TableSql {
    const table = this.tables.get(name);
    if (!table) throw new Error(`Unknown read-model table "${name}"`);
    return table;
  }
}
