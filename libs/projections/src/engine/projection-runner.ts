import { EventEmitter } from 'node:events';
import { DataSource, EntityManager } from 'typeorm';
import { RecordedEvent } from '@tip/event-store';
import { ReadModel, SWAP_LOCK_SPACE } from './read-model';
import { RowCache } from './row-cache';
import { TableSql } from './table-sql';
import { AwaitingEvents, Row, RowNotLoaded, RowRef } from './view-changes';

/**
 * Wall time per phase of the batches handled, in ms, summed by "readModel:phase" (for benches;
 * `enabled` is false unless one turns it on, and then it costs a few clock reads per batch).
 */
export const projectionTimings = { enabled: false, phases: new Map<string, number>() };

async function timedPhase<T>(phase: string, work: () => Promise<T>): Promise<T> {
  if (!projectionTimings.enabled) return work();
  const started = performance.now();
  try {
    return await work();
  } finally {
    projectionTimings.phases.set(phase, (projectionTimings.phases.get(phase) ?? 0) + performance.now() - started);
  }
}

/** A partition's message as the runner sees it: an event, or the relay's watermark. */
export type PartitionItem =
  { kind: 'event'; offset: number; event: RecordedEvent } | { kind: 'watermark'; offset: number; position: number };

export interface ProjectionRunnerOptions {
  /** Rows kept in memory per table between batches. */
  maxCachedRowsPerTable?: number;
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
  private readonly cache: RowCache;
  private committed = -1;
  /** Rebuilds: the position projectAhead has taken in, written or not. */
  private ahead = 0;
  /** Rebuilds: the write writeAhead has going in the background. */
  private writing: Promise<void> | undefined;
  /** Which copy of the tables `committed` and the cache are of: the checkpoint table's oid. */
  private copy: string | undefined;

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
    this.cache = new RowCache(this.tables, options.maxCachedRowsPerTable);
    this.progress.setMaxListeners(0);
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

  /** Changes taken in by projectAhead and not written yet. */
  get rowsAhead(): number {
    return this.cache.pendingRows;
  }

  /**
   * Writes what projectAhead took in, with the checkpoint, in one transaction — in the
   * background: projectAhead may go on meanwhile (it changes no row object it handed over).
   * Waits for the write before it first; `writesDone` waits for the last.
   */
  async writeAhead(): Promise<void> {
    await this.writesDone();
    // A safe point: everything handed over is committed, so forgetting rows loses nothing.
    this.cache.trim();
    const position = this.ahead;
    const changes = this.cache.takeChanges();
    this.writing = timedPhase(`${this.name}:transaction`, () =>
      this.dataSource.transaction(async (manager) => {
        await timedPhase(`${this.name}:flush`, () => this.write(manager, changes));
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

  /** One batch in its own transaction; waits while a rebuilt copy is being swapped in. */
  async handle(events: readonly RecordedEvent[]): Promise<void> {
    try {
      await timedPhase(`${this.name}:transaction`, () =>
        this.dataSource.transaction(async (manager) => {
          await manager.query('select pg_advisory_xact_lock_shared($1, hashtext($2))', [SWAP_LOCK_SPACE, this.name]);
          await this.handleWithin(manager, events);
        }),
      );
    } catch (error) {
      this.forget();
      throw error;
    }
    this.cache.trim();
    this.progress.emit('advanced', this.committed);
  }

  /**
   * One batch inside the caller's transaction (a swap holds its own lock). What it caches
   * assumes the transaction commits; a caller whose transaction fails must not use it again.
   */
  async handleWithin(manager: EntityManager, events: readonly RecordedEvent[]): Promise<void> {
    try {
      const rows: { position: string; copy: string }[] = await manager.query(
        `select position, tableoid::bigint as copy from "${this.schema}".projection_checkpoint where name = $1 for update`,
        [this.name],
      );
      const checkpoint = rows[0] ? Number(rows[0].position) : 0;
      const copy = rows[0]?.copy;
      // Another copy of the tables was swapped in (a rebuild): what we cached is of the old ones,
      // even when the new copy stands at the very position we reached (nothing came meanwhile).
      if (checkpoint !== this.committed || copy !== this.copy) this.cache.clear();
      this.committed = checkpoint;
      this.copy = copy;
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
   * whichever worker gets it. Several workers write at once: only rows this
   * transaction reads are trusted (no cache), counters merge, and every other row belongs to one
   * stream, which Kafka keeps on one partition. Events a rebuild already took in (at or below
   * the read model's checkpoint) are skipped. Throws AwaitingEvents, after committing what came
   * before, when an event needs one another partition has not delivered yet: call again later.
   */
  async handlePartition(topic: string, partition: number, messages: readonly PartitionItem[]): Promise<void> {
    let stopped: { awaiting: RecordedEvent; reason: AwaitingEvents } | undefined;
    let progressed = false;
    try {
      await this.dataSource.transaction(async (manager) => {
        await manager.query('select pg_advisory_xact_lock_shared($1, hashtext($2))', [SWAP_LOCK_SPACE, this.name]);
        this.cache.clear();
        const table = `"${this.schema}".kafka_partitions`;
        await manager.query(
          `insert into ${table} (name, topic, partition) values ($1, $2, $3) on conflict do nothing`,
          [this.name, topic, partition],
        );
        const [stored]: { applied_offset: string; applied_position: string; watermark: string }[] = await manager.query(
          `select applied_offset, applied_position, watermark from ${table} where name = $1 and topic = $2 and partition = $3 for update`,
          [this.name, topic, partition],
        );
        const applied = Number(stored.applied_offset);
        const fresh = messages.filter((message) => message.offset > applied);
        if (fresh.length === 0) return;
        // A partition carries its streams' events in position order; lower again means published
        // again (the relay is at least once), and what a rebuild took in is in already.
        let highest = Math.max(await this.checkpoint(manager), Number(stored.applied_position));
        const events = fresh.flatMap((message) => {
          if (message.kind !== 'event' || message.event.position <= highest) return [];
          highest = message.event.position;
          return [message.event];
        });
        // An event waiting for another partition's: what comes before it is applied now, so that
        // every partition gets as far as it can (and none waits on one that waits on it).
        stopped = await this.project(manager, events, true);
        const done = stopped
          ? fresh.slice(
              0,
              fresh.findIndex((message) => message.kind === 'event' && message.event === stopped?.awaiting),
            )
          : fresh;
        if (done.length === 0) return;
        await this.flush(manager);
        const watermark = Math.max(
          Number(stored.watermark),
          ...done.map((message) => (message.kind === 'watermark' ? message.position : 0)),
        );
        const position = Math.max(
          Number(stored.applied_position),
          ...done.map((message) => (message.kind === 'event' ? message.event.position : 0)),
        );
        await manager.query(
          `update ${table} set applied_offset = $4, applied_position = $5, watermark = $6, updated_at = now() where name = $1 and topic = $2 and partition = $3`,
          [this.name, topic, partition, done[done.length - 1].offset, position, watermark],
        );
        progressed = true;
      });
    } catch (error) {
      this.forget();
      throw error;
    }
    if (progressed) this.progress.emit('advanced');
    if (stopped) throw stopped.reason;
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
    const [row]: { position: string | null }[] = await manager.query(
      `select case when count(*) < $3 then 0 else min(watermark) end as position
       from "${this.schema}".kafka_partitions where name = $1 and topic = $2 and partition < $3`,
      [this.name, topic, partitions],
    );
    return Math.max(Number(row?.position ?? 0), await this.checkpoint(manager));
  }

  private forget(): void {
    this.cache.clear();
    this.committed = -1;
    this.copy = undefined;
  }

  /**
   * Applies the events in order. Returns the event that must wait for others (see
   * AwaitingEvents) when `stopWhenAwaiting`, having applied every event before it; otherwise a
   * waiting event fails the batch.
   */
  private async project(
    manager: EntityManager,
    events: readonly RecordedEvent[],
    stopWhenAwaiting = false,
  ): Promise<{ awaiting: RecordedEvent; reason: AwaitingEvents } | undefined> {
    const { projection } = this.readModel;
    const relevant = events.filter((event) => projection.handles(event));
    // Two rounds: the second sees rows the first brought (a teacher's record names the school).
    for (let round = 0; round < 2; round++) {
      await this.load(manager, this.cache.missing(relevant.flatMap((event) => projection.prefetch(event, this.cache))));
    }
    for (const event of relevant) {
      for (;;) {
        try {
          this.cache.apply(projection.project(event, this.cache));
          break;
        } catch (error) {
          if (error instanceof AwaitingEvents && stopWhenAwaiting) return { awaiting: event, reason: error };
          if (!(error instanceof RowNotLoaded)) throw error;
          await this.load(manager, [error.ref]);
        }
      }
    }
    return undefined;
  }

  private async load(manager: EntityManager, refs: readonly RowRef[]): Promise<void> {
    if (refs.length === 0) return;
    const byTable = new Map<string, RowRef['key'][]>();
    for (const ref of refs) byTable.set(ref.table, [...(byTable.get(ref.table) ?? []), ref.key]);
    const found = new Map<string, Row[]>();
    for (const [table, keys] of byTable)
      found.set(table, await timedPhase(`${this.name}:load:${table}`, () => this.table(table).load(manager, keys)));
    this.cache.loaded(refs, found);
  }

  private async flush(manager: EntityManager): Promise<void> {
    await this.write(manager, this.cache.takeChanges());
  }

  private async write(
    manager: EntityManager,
    { puts, deletes, counters }: ReturnType<RowCache['takeChanges']>,
  ): Promise<void> {
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
