import { EventStore, RecordedEvent } from '@tip/event-store';
import { migrateReadModel, readModelDataSource, ReadModel, rebuildSchemaOf, liveSchemaOf, retiredSchemaOf, SWAP_LOCK_SPACE } from './read-model';
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
export async function rebuildReadModel(connectionString: string, store: EventStore, readModel: ReadModel, options: RebuildOptions = {}): Promise<RebuildProgress> {
  const pageSize = options.pageSize ?? 5000;
  const name = readModel.projection.name;
  const [live, next, retired] = [liveSchemaOf(readModel), rebuildSchemaOf(readModel), retiredSchemaOf(readModel)];
  // One connection holds the rebuild's lock; migrations take two more.
  const dataSource = readModelDataSource(connectionString, readModel, next, { poolSize: 3, applicationName: `tip-rebuild-${name}` });
  await dataSource.initialize();
  const lock = dataSource.createQueryRunner();
  try {
    // One rebuild of a read model at a time: a second would drop and remake the copy the first is
    // building into; each would then skip, as taken in already, the pages the other had written
    // past, and the copy swapped in would lack their events.
    await lock.connect();
    const [{ acquired }]: { acquired: boolean }[] = await lock.query('select pg_try_advisory_lock($1, hashtext($2)) as acquired', [REBUILD_LOCK_SPACE, name]);
    if (!acquired) throw new RebuildInProgressError(name);
    await dataSource.query(`drop schema if exists ${quote(next)} cascade`);
    await migrateReadModel(dataSource);
    const runner = new ProjectionRunner(dataSource, next, readModel, { maxCachedRowsPerTable: 1_000_000 });
    const progress: RebuildProgress = { readModel: name, phase: 'building', eventsRead: 0, position: 0, headPosition: (await store.stats()).headPosition };
    const report = (pages: RecordedEvent[]) => {
      progress.eventsRead += pages.length;
      if (pages.length > 0) progress.position = pages[pages.length - 1].position;
      options.onProgress?.({ ...progress });
    };

    // Read the next page while the current one is written.
    let page = store.readAll({ fromPosition: 1, maxCount: pageSize });
    for (;;) {
      const events = await page;
      if (events.length === 0) break;
      page = store.readAll({ fromPosition: events[events.length - 1].position + 1, maxCount: pageSize });
      await runner.handle(events);
      report(events);
    }

    progress.phase = 'swapping';
    options.onProgress?.({ ...progress });
    await dataSource.transaction(async (manager) => {
      await manager.query('select pg_advisory_xact_lock($1, hashtext($2))', [SWAP_LOCK_SPACE, name]);
      // What arrived during the rebuild; the live projector is held back from here to the commit.
      for (;;) {
        const events = await store.readAll({ fromPosition: progress.position + 1, maxCount: pageSize });
        if (events.length === 0) break;
        await runner.handleWithin(manager, events);
        report(events);
      }
      await manager.query(`drop schema if exists ${quote(retired)} cascade`);
      await manager.query(`create schema if not exists ${quote(live)}`);
      await manager.query(`alter schema ${quote(live)} rename to ${quote(retired)}`);
      await manager.query(`alter schema ${quote(next)} rename to ${quote(live)}`);
    });
    await dataSource.query(`drop schema if exists ${quote(retired)} cascade`);
    progress.phase = 'done';
    options.onProgress?.({ ...progress });
    return progress;
  } finally {
    // Closing the session lets go of the lock.
    await lock.release();
    await dataSource.destroy();
  }
}
