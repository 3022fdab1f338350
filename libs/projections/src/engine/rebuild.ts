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

/**
 * Builds a read model afresh from position 0 into a schema of its own while the live one keeps
 * serving, then swaps the two under the read model's lock: batches of the live projector wait
 * the few milliseconds the swap takes, then find the new tables (and their checkpoint) in place.
 */
export async function rebuildReadModel(connectionString: string, store: EventStore, readModel: ReadModel, options: RebuildOptions = {}): Promise<RebuildProgress> {
  const pageSize = options.pageSize ?? 5000;
  const name = readModel.projection.name;
  const [live, next, retired] = [liveSchemaOf(readModel), rebuildSchemaOf(readModel), retiredSchemaOf(readModel)];
  const dataSource = readModelDataSource(connectionString, readModel, next, { poolSize: 2, applicationName: `tip-rebuild-${name}` });
  await dataSource.initialize();
  try {
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
    await dataSource.destroy();
  }
}
