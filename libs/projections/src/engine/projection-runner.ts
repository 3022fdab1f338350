import { EventEmitter } from 'node:events';
import { DataSource, EntityManager } from 'typeorm';
import { RecordedEvent } from '@tip/event-store';
import { ReadModel, SWAP_LOCK_SPACE } from './read-model';
import { RowCache } from './row-cache';
import { TableSql } from './table-sql';
import { Row, RowNotLoaded, RowRef } from './view-changes';

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
      if (!kind) throw new Error(`Projection "${this.name}" does not say whether ${metadata.tableName} is a state or a counter table`);
      this.tables.set(metadata.tableName, new TableSql(metadata, kind, schema));
    }
    this.cache = new RowCache(this.tables, options.maxCachedRowsPerTable);
    this.progress.setMaxListeners(0);
  }

  /** The position the read model has reached, as committed. */
  async checkpoint(manager: EntityManager = this.dataSource.manager): Promise<number> {
    const rows: { position: string }[] = await manager.query(`select position from "${this.schema}".projection_checkpoint where name = $1`, [this.name]);
    return rows[0] ? Number(rows[0].position) : 0;
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
      const rows: { position: string }[] = await manager.query(
        `select position from "${this.schema}".projection_checkpoint where name = $1 for update`,
        [this.name],
      );
      const checkpoint = rows[0] ? Number(rows[0].position) : 0;
      // Another copy of the tables was swapped in (a rebuild): what we cached is of the old ones.
      if (checkpoint !== this.committed) this.cache.clear();
      this.committed = checkpoint;
      const fresh = events.filter((event) => event.position > checkpoint);
      if (fresh.length === 0) return;
      await timedPhase(`${this.name}:project`, () => this.project(manager, fresh));
      await timedPhase(`${this.name}:flush`, () => this.flush(manager));
      const position = fresh[fresh.length - 1].position;
      await manager.query(`update "${this.schema}".projection_checkpoint set position = $2, updated_at = now() where name = $1`, [this.name, position]);
      this.committed = position;
    } catch (error) {
      this.forget();
      throw error;
    }
  }

  private forget(): void {
    this.cache.clear();
    this.committed = -1;
  }

  private async project(manager: EntityManager, events: readonly RecordedEvent[]): Promise<void> {
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
          if (!(error instanceof RowNotLoaded)) throw error;
          await this.load(manager, [error.ref]);
        }
      }
    }
  }

  private async load(manager: EntityManager, refs: readonly RowRef[]): Promise<void> {
    if (refs.length === 0) return;
    const byTable = new Map<string, RowRef['key'][]>();
    for (const ref of refs) byTable.set(ref.table, [...(byTable.get(ref.table) ?? []), ref.key]);
    const found = new Map<string, Row[]>();
    for (const [table, keys] of byTable) found.set(table, await timedPhase(`${this.name}:load:${table}`, () => this.table(table).load(manager, keys)));
    this.cache.loaded(refs, found);
  }

  private async flush(manager: EntityManager): Promise<void> {
    const { puts, deletes, counters } = this.cache.takeChanges();
    for (const [table, keys] of deletes) await timedPhase(`${this.name}:flush:${table}`, () => this.table(table).delete(manager, keys));
    for (const [table, rows] of puts) await timedPhase(`${this.name}:flush:${table}`, () => this.table(table).put(manager, rows));
    for (const [table, rows] of counters) await timedPhase(`${this.name}:flush:${table}`, () => this.table(table).add(manager, rows));
  }

  private table(name: string): TableSql {
    const table = this.tables.get(name);
    if (!table) throw new Error(`Unknown read-model table "${name}"`);
    return table;
  }
}
