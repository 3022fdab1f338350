import { DataSource, QueryRunner } from 'typeorm';
import { EventStore, RecordedEvent } from '@tip/event-store';
import {
  migrateReadModel,
  readModelDataSource,
  ReadModel,
  rebuildSchemaOf,
  liveSchemaOf,
  retiredSchemaOf,
  SWAP_LOCK_SPACE,
} from './read-model';
import { ProjectionRunner } from './projection-runner';

export interface RebuildProgress {
  readModel: string;
  phase: 'building' | 'swapping' | 'done';
  eventsRead: number;
  position: number;
  /** The newest position when the rebuild started; the rebuild also takes in what arrives meanwhile. */
  headPosition: number;
}

export interface RebuildOptions {
  pageSize?: number;
  /** Changed rows held in memory before they are written; default 100,000. */
  writeEveryRows?: number;
  onProgress?(progress: RebuildProgress): void;
}

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

interface Rebuilding {
  readModel: ReadModel;
  dataSource: DataSource;
  runner: ProjectionRunner;
  progress: RebuildProgress;
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
  const pageSize = options.pageSize ?? 5000;
  const writeEvery = options.writeEveryRows ?? 100_000;
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
    for (const readModel of readModels) {
      const next = rebuildSchemaOf(readModel);
      const dataSource = readModelDataSource(connectionString, readModel, next, {
        poolSize: 2,
        applicationName: `tip-rebuild-${readModel.projection.name}`,
      });
      await dataSource.initialize();
      rebuilding.push({
        readModel,
        dataSource,
        runner: new ProjectionRunner(dataSource, next, readModel, { maxCachedRowsPerTable: 1_000_000 }),
        progress: { readModel: readModel.projection.name, phase: 'building', eventsRead: 0, position: 0, headPosition },
      });
      await dataSource.query(`drop schema if exists ${quote(next)} cascade`);
      await migrateReadModel(dataSource);
    }
    const report = (each: Rebuilding, events: readonly RecordedEvent[]) => {
      each.progress.eventsRead += events.length;
      if (events.length > 0) each.progress.position = events[events.length - 1].position;
      options.onProgress?.({ ...each.progress });
    };

    // Read the next page while the current one is projected; write only every so many rows
    // (nobody reads the copies yet), so a row many events change is written once, not per page,
    // and write in the background while the next pages are projected.
    let page = store.readAll({ fromPosition: 1, maxCount: pageSize });
    for (;;) {
      const events = await page;
      if (events.length === 0) break;
      page = store.readAll({ fromPosition: events[events.length - 1].position + 1, maxCount: pageSize });
      for (const each of rebuilding) {
        await each.runner.projectAhead(events);
        if (each.runner.rowsAhead >= writeEvery) await each.runner.writeAhead();
        report(each, events);
      }
    }
    for (const each of rebuilding) {
      await each.runner.writeAhead();
      await each.runner.writesDone();
    }

    for (const each of rebuilding) await swapIn(each, store, pageSize, report, options);
    return rebuilding.map((each) => each.progress);
  } finally {
    await Promise.all(rebuilding.map((each) => each.dataSource.destroy()));
    // Closing the session lets go of the locks.
    await lock?.release();
    await lockSource?.destroy();
  }
}

async function swapIn(
  { readModel, dataSource, runner, progress }: Rebuilding,
  store: EventStore,
  pageSize: number,
  report: (each: Rebuilding, events: readonly RecordedEvent[]) => void,
  options: RebuildOptions,
): Promise<void> {
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
      report({ readModel, dataSource, runner, progress }, events);
    }
    await manager.query(`drop schema if exists ${quote(retired)} cascade`);
    await manager.query(`create schema if not exists ${quote(live)}`);
    await manager.query(`alter schema ${quote(live)} rename to ${quote(retired)}`);
    await manager.query(`alter schema ${quote(next)} rename to ${quote(live)}`);
  });
  await dataSource.query(`drop schema if exists ${quote(retired)} cascade`);
  // Fresh tables: let the planner know what they hold before views query them.
  for (const entity of readModel.entities)
    await dataSource.query(`analyze ${quote(live)}.${quote(dataSource.getMetadata(entity).tableName)}`);
  progress.phase = 'done';
  options.onProgress?.({ ...progress });
}
