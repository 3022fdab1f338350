import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { DataSource, QueryRunner } from 'typeorm';
import { EventStore, RecordedEvent } from '@tip/event-store';
import { readModelNamed } from '../read-models';
import {
  migrateReadModel,
  readModelDataSource,
  ReadModel,
  rebuildSchemaOf,
  liveSchemaOf,
  retiredSchemaOf,
  SWAP_LOCK_SPACE,
} from './read-model';
import { ProjectionRunner, timedPhase } from './projection-runner';
import type { FromPartition, PartitionSetup, ToPartition } from './rebuild-worker';
import { Row } from './view-changes';

export interface RebuildProgress {
  readModel: string;
  phase: 'building' | 'swapping' | 'done';
  eventsRead: number;
  position: number;
  /** The newest position when the rebuild started; the rebuild also takes in what arrives meanwhile. */
  headPosition: number;
}

export interface RebuildOptions {
  /**
   * Events read at a time; default 1,000. A page read ahead lives while the one before is
   * projected, long enough to be copied out of V8's young generation (and often promoted): at
   * BENCH_SCALE=0.03, pages of 5,000 cost 24.5 µs of CPU an event and peaked at 970 MB, pages of
   * 1,000 21.7 µs and 478 MB.
   */
  pageSize?: number;
  /**
   * Rows held in memory per read model (cached and changed) before they are written and
   * forgotten: bounds the rebuild's memory however long the log; default 100,000. Below it, every
   * row is written once, by COPY, when the log is done.
   */
  maxRowsInMemory?: number;
  /**
   * Worker threads projecting a read model side by side, each the events of its share of the
   * partition keys (Projection.partitionOf) and every shared one; `maxRowsInMemory` is divided
   * among them. Default 1, in this thread (also for a read model without partitions): on two cores
   * partitions were slower (BENCH_SCALE=0.1: 15,554 events/s against 23,704, 110 s of CPU against
   * 75) and peaked above 1.5 GB; with more cores, say how many (os.availableParallelism less one
   * for the reader is a start).
   */
  workers?: number;
  onProgress?(progress: RebuildProgress): void;
}

/** A partition's old generation at most (a worker past it fails the rebuild, never the machine). */
const PARTITION_HEAP_MB = 768;

/** Pages a partition may be behind the reader: the reader waits beyond, so memory stays bounded. */
const PAGES_AHEAD = 3;

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** Advisory-lock space of running rebuilds (beside read-model.ts's swaps, 7311, and migrations, 7312). */
const REBUILD_LOCK_SPACE = 7313;

/** Another rebuild of the read model is running (in this process or another); nothing was touched. */
export class RebuildInProgressError extends Error {
  constructor(readonly readModel: string) {
    super(`A rebuild of the ${readModel} read model is already running; wait for it to finish`);
  }
}

/**
 * Builds a read model afresh from position 0 into a schema of its own while the live one keeps
 * serving, then swaps the two under the read model's lock: batches of the live projector wait
 * the few milliseconds the swap takes, then find the new tables (and their checkpoint) in place.
 */
export async function rebuildReadModel(
  connectionString: string,
  store: EventStore,
  readModel: ReadModel,
  options: RebuildOptions = {},
): Promise<RebuildProgress> {
  const [result] = await rebuildReadModels(connectionString, store, [readModel], options);
  return result;
}

/**
 * Drops the copy's indexes other than its keys (which loading needs, when rows held had to be
 * written and are read back): one index built over the loaded rows costs less than keeping it
 * up to date row by row. Their definitions, to make them again.
 */
async function dropSecondaryIndexes(dataSource: DataSource, schema: string): Promise<string[]> {
  const indexes: { name: string; definition: string }[] = await dataSource.query(
    `select index.relname as name, pg_get_indexdef(index.oid) as definition
     from pg_index
     join pg_class index on index.oid = pg_index.indexrelid
     join pg_namespace namespace on namespace.oid = index.relnamespace
     where namespace.nspname = $1 and not exists (select from pg_constraint where conindid = index.oid)
     order by 1`,
    [schema],
  );
  for (const { name } of indexes) await dataSource.query(`drop index ${quote(schema)}.${quote(name)}`);
  return indexes.map(({ definition }) => definition);
}

/** The copy's secondary indexes made over its rows, two at a time, and the planner told what the tables hold. */
async function madeAgain({ dataSource, readModel, indexes }: Rebuilding): Promise<void> {
  const waiting = [...indexes];
  await Promise.all(
    [0, 1].map(async () => {
      for (let definition = waiting.shift(); definition; definition = waiting.shift())
        await dataSource.query(definition);
    }),
  );
  const schema = rebuildSchemaOf(readModel);
  for (const entity of readModel.entities)
    await dataSource.query(`analyze ${quote(schema)}.${quote(dataSource.getMetadata(entity).tableName)}`);
}

interface Rebuilding {
  readModel: ReadModel;
  dataSource: DataSource;
  /** Projects the log (in this thread), or adds up and writes the partitions' counters; then the catch-up. */
  runner: ProjectionRunner;
  /** Worker threads projecting the read model, when it is rebuilt in partitions. */
  partitions?: Partitions;
  progress: RebuildProgress;
  /** The copy's secondary indexes, made once its rows are in. */
  indexes: string[];
}

/** FNV-1a: a partition key's partition, the same in every run. */
export function partitionOfKey(key: string, partitions: number): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < key.length; index++) hash = Math.imul(hash ^ key.charCodeAt(index), 0x01000193);
  return (hash >>> 0) % partitions;
}

/**
 * A read model projected by worker threads (rebuild-worker.ts), one partition each: this thread
 * reads the log once and hands each partition, in global order, the events of its keys and the
 * shared ones (each page structured-cloned per partition: a shared event is cloned once for every
 * partition, ~5 µs an event on this thread at BENCH_SCALE=0.1); the partitions hand their counter
 * rows back, which are sums, to be added up here and written by this thread's runner.
 */
class Partitions {
  private readonly workers: Worker[] = [];
  private readonly behind: number[];
  private readonly counters: [string, Row[]][][] = [];
  private failure: Error | undefined;
  private finished = 0;
  private wake: () => void = () => undefined;

  constructor(
    private readonly readModel: ReadModel,
    setup: Omit<PartitionSetup, 'partition'>,
  ) {
    this.behind = Array.from({ length: setup.partitions }, () => 0);
    for (let partition = 0; partition < setup.partitions; partition++) {
      const worker = new Worker(path.join(__dirname, 'rebuild-worker.js'), {
        workerData: { ...setup, partition } satisfies PartitionSetup,
        // Bounded by maxRows, a partition stays well under this; without a cap V8 lets garbage pile
        // up to its default limit (about half the machine's memory) before a full collection.
        // The young generation as the main thread's (--max-semi-space-size=64: three semi-spaces).
        resourceLimits: { maxOldGenerationSizeMb: PARTITION_HEAP_MB, maxYoungGenerationSizeMb: 192 },
      });
      worker.on('message', (message: FromPartition) => {
        if (message.kind === 'counters') this.counters.push(message.counters);
        else if (message.kind === 'taken') this.behind[partition]--;
        else if (message.kind === 'finished') this.finished++;
        else this.fail(new Error(`Partition ${partition} of the ${setup.readModel} rebuild failed: ${message.error}`));
        this.wake();
      });
      worker.on('error', (error) => this.fail(error));
      worker.on('exit', (code) => {
        if (code !== 0)
          this.fail(new Error(`Partition ${partition} of the ${setup.readModel} rebuild exited with ${code}`));
      });
      this.workers.push(worker);
    }
  }

  /** Hands a page to the partitions, once none is more than PAGES_AHEAD behind. */
  async dispatch(events: readonly RecordedEvent[]): Promise<void> {
    const { projection } = this.readModel;
    const pages: RecordedEvent[][] = this.workers.map(() => []);
    for (const event of events) {
      if (!projection.handles(event)) continue;
      const key = projection.partitionOf?.(event.streamId);
      if (key === undefined) for (const page of pages) page.push(event);
      else pages[partitionOfKey(key, pages.length)].push(event);
    }
    await this.until(() => this.behind.every((behind) => behind < PAGES_AHEAD));
    pages.forEach((page, partition) => {
      this.behind[partition]++;
      this.workers[partition].postMessage({ kind: 'events', events: page } satisfies ToPartition);
    });
  }

  /** Counter rows the partitions handed back since last asked. */
  takeCounters(): [string, Row[]][][] {
    return this.counters.splice(0);
  }

  /** Tells the partitions the log is done; resolves once each has written its rows (and handed its counters back). */
  async finish(): Promise<void> {
    for (const worker of this.workers) worker.postMessage({ kind: 'finish' } satisfies ToPartition);
    await this.until(() => this.finished === this.workers.length);
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }

  private fail(error: Error): void {
    this.failure ??= error;
    this.wake();
  }

  private async until(done: () => boolean): Promise<void> {
    for (;;) {
      if (this.failure) throw this.failure;
      if (done()) return;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }
}

/**
 * Rebuilds several read models in one pass over the log (each page read once, projected into
 * every copy), then swaps each copy in; one result per read model.
 */
export async function rebuildReadModels(
  connectionString: string,
  store: EventStore,
  readModels: readonly ReadModel[],
  options: RebuildOptions = {},
): Promise<RebuildProgress[]> {
  const pageSize = options.pageSize ?? 1000;
  const maxRows = options.maxRowsInMemory ?? 100_000;
  const names = readModels.map((readModel) => readModel.projection.name);
  const rebuilding: Rebuilding[] = [];
  const lockSource =
    readModels.length > 0
      ? readModelDataSource(connectionString, readModels[0], rebuildSchemaOf(readModels[0]), {
          poolSize: 1,
          applicationName: 'tip-rebuild-lock',
        })
      : undefined;
  await lockSource?.initialize();
  const lock = lockSource?.createQueryRunner();
  try {
    // One rebuild of a read model at a time: a second would drop and remake the copy the first is
    // building into; each would then skip, as taken in already, the pages the other had written
    // past, and the copy swapped in would lack their events. (The session holds the locks.)
    await lock?.connect();
    for (const name of names) {
      const [{ acquired }]: { acquired: boolean }[] = await (lock as QueryRunner).query(
        'select pg_try_advisory_lock($1, hashtext($2)) as acquired',
        [REBUILD_LOCK_SPACE, name],
      );
      if (!acquired) throw new RebuildInProgressError(name);
    }
    const headPosition = (await store.stats()).headPosition;
    const workers = options.workers ?? 1;
    for (const readModel of readModels) {
      const next = rebuildSchemaOf(readModel);
      const dataSource = readModelDataSource(connectionString, readModel, next, {
        poolSize: 2,
        applicationName: `tip-rebuild-${readModel.projection.name}`,
      });
      await dataSource.initialize();
      await dataSource.query(`drop schema if exists ${quote(next)} cascade`);
      await migrateReadModel(dataSource);
      const name = readModel.projection.name;
      // Worker threads find the read model by name: one TIP keeps, and that has partitions.
      const partitioned = workers > 1 && readModel.projection.partitionOf && readModelNamed(name) === readModel;
      const each: Rebuilding = {
        readModel,
        dataSource,
        runner: new ProjectionRunner(dataSource, next, readModel, { freshCopy: true }),
        progress: { readModel: name, phase: 'building', eventsRead: 0, position: 0, headPosition },
        indexes: await dropSecondaryIndexes(dataSource, next),
      };
      rebuilding.push(each);
      if (partitioned)
        each.partitions = new Partitions(readModel, {
          connectionString,
          readModel: name,
          schema: next,
          partitions: workers,
          // Half the rows for the partitions' own, a quarter for their counters, half for their sum
          // here (counters weigh less than a teacher's record): about as much as one thread's.
          maxRows: Math.max(1, Math.floor(maxRows / 2 / workers)),
          maxCounterRows: Math.max(1, Math.floor(maxRows / 4 / workers)),
        });
    }
    const report = (each: Rebuilding, events: readonly RecordedEvent[]) => {
      each.progress.eventsRead += events.length;
      if (events.length > 0) each.progress.position = events[events.length - 1].position;
      options.onProgress?.({ ...each.progress });
    };

    // Write only every so many rows (nobody reads the copies yet), so a row many events change is
    // written once, not per page, and write in the background while the next pages are projected.
    const projectPage = async (events: readonly RecordedEvent[]) => {
      for (const each of rebuilding) {
        if (each.partitions) {
          await each.partitions.dispatch(events);
          await mergeCounters(each, events[events.length - 1].position, maxRows);
        } else await each.runner.projectAhead(events);
        if (each.runner.rowsHeld >= (each.partitions ? maxRows / 2 : maxRows)) await each.runner.writeAhead();
        report(each, events);
      }
    };
    // The metadata parsed only where more than its business time is read (about a quarter of
    // reading an event), unless events go to partitions (structured-cloned: plain objects only).
    const lazyMetadata = rebuilding.every((each) => !each.partitions);
    // The log in one read (the socket's buffers read ahead while a page is projected), then what
    // was appended meanwhile, a page at a time, up to where readAll stops.
    let position = 0;
    for await (const events of store.scanAll({ fromPosition: 1, pageSize, lazyMetadata })) {
      await projectPage(events);
      position = events[events.length - 1].position;
    }
    let page = store.readAll({ fromPosition: position + 1, maxCount: pageSize, lazyMetadata });
    for (;;) {
      const events = await page;
      if (events.length === 0) break;
      page = store.readAll({ fromPosition: events[events.length - 1].position + 1, maxCount: pageSize, lazyMetadata });
      await projectPage(events);
    }
    for (const each of rebuilding) {
      if (each.partitions) {
        await timedPhase(`${each.readModel.projection.name}:partitions`, async () => each.partitions?.finish());
        await mergeCounters(each, each.progress.position, maxRows);
      }
      // The last rows written once the log is read: time nothing else overlaps (benches: its share of the whole).
      await timedPhase(`${each.readModel.projection.name}:last-write`, () => each.runner.finishAhead());
      await timedPhase(`${each.readModel.projection.name}:indexes`, () => madeAgain(each));
    }

    for (const each of rebuilding) await swapIn(each, store, pageSize, report, options);
    return rebuilding.map((each) => each.progress);
  } finally {
    await Promise.all(rebuilding.map((each) => each.partitions?.close()));
    await Promise.all(rebuilding.map((each) => each.dataSource.destroy()));
    // Closing the session lets go of the locks.
    await lock?.release();
    await lockSource?.destroy();
  }
}

/** The partitions' counter rows handed back so far, added up (and written past `maxRows`, as projected ones are). */
async function mergeCounters({ partitions, runner }: Rebuilding, position: number, maxRows: number): Promise<void> {
  for (const counters of partitions?.takeCounters() ?? []) {
    runner.mergeCounters(counters, position);
    if (runner.rowsHeld >= maxRows / 2) await runner.writeAhead();
  }
  runner.mergeCounters([], position);
}

async function swapIn(
  rebuilt: Rebuilding,
  store: EventStore,
  pageSize: number,
  report: (each: Rebuilding, events: readonly RecordedEvent[]) => void,
  options: RebuildOptions,
): Promise<void> {
  const { readModel, dataSource, runner, progress } = rebuilt;
  const name = readModel.projection.name;
  const [live, next, retired] = [liveSchemaOf(readModel), rebuildSchemaOf(readModel), retiredSchemaOf(readModel)];
  progress.phase = 'swapping';
  options.onProgress?.({ ...progress });
  await dataSource.transaction(async (manager) => {
    await manager.query('select pg_advisory_xact_lock($1, hashtext($2))', [SWAP_LOCK_SPACE, name]);
    // What arrived during the rebuild; the live projector is held back from here to the commit.
    for (;;) {
      const events = await store.readAll({ fromPosition: progress.position + 1, maxCount: pageSize });
      if (events.length === 0) break;
      await runner.handleWithin(manager, events);
      report(rebuilt, events);
    }
    await manager.query(`drop schema if exists ${quote(retired)} cascade`);
    await manager.query(`create schema if not exists ${quote(live)}`);
    await manager.query(`alter schema ${quote(live)} rename to ${quote(retired)}`);
    await manager.query(`alter schema ${quote(next)} rename to ${quote(live)}`);
  });
  await dataSource.query(`drop schema if exists ${quote(retired)} cascade`);
  progress.phase = 'done';
  options.onProgress?.({ ...progress });
}
