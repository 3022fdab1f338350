import { openEventStore } from '@tip/event-store';
import { liveSchemaOf, migrateReadModel, ProjectionRunner, ReadModel, readModelDataSource } from '@tip/projections';
import { readModelsNamed, unknownReadModelMessage } from './rebuild';

/** One runner per live read model, for as long as `work` runs. */
async function withRunners<T>(
  connectionString: string,
  readModels: readonly ReadModel[],
  work: (runners: ProjectionRunner[]) => Promise<T>,
): Promise<T> {
  const sources = readModels.map((readModel) =>
    readModelDataSource(connectionString, readModel, liveSchemaOf(readModel), {
      // Two: migrating holds one connection for its lock while the migrations run on another.
      poolSize: 2,
      applicationName: 'tip-projections',
    }),
  );
  try {
    const runners: ProjectionRunner[] = [];
    for (const [index, source] of sources.entries()) {
      await source.initialize();
      // A database that has not met this version yet gets its parking table here, as the API would.
      await migrateReadModel(source);
      runners.push(new ProjectionRunner(source, liveSchemaOf(readModels[index]), readModels[index]));
    }
    return await work(runners);
  } finally {
    await Promise.all(sources.map((source) => (source.isInitialized ? source.destroy() : undefined)));
  }
}

/** `tip projections parked`: every parked event, oldest first per read model; 0, or 2 for an unknown name. */
export async function listParked(
  connectionString: string,
  names: readonly string[],
  print: (line: string) => void = console.log,
): Promise<number> {
  const selected = readModelsNamed(names);
  if ('unknown' in selected) {
    print(unknownReadModelMessage(selected.unknown));
    return 2;
  }
  return withRunners(connectionString, selected.readModels, async (runners) => {
    let total = 0;
    for (const runner of runners) {
      const parked = await runner.parked(undefined, 1_000_000);
      total += parked.length;
      for (const row of parked) {
        print(
          `${row.readModel}\tposition ${row.position}\t${row.eventType}\tstream ${row.streamId}\tevent ${row.eventId}\t` +
            `attempts ${row.attempts} (first ${row.firstAttempt}, last ${row.lastAttempt})\t${row.error}`,
        );
      }
    }
    print(total === 0 ? 'No parked events.' : `${total} parked event${total === 1 ? '' : 's'}.`);
    return 0;
  });
}

/**
 * `tip projections retry`: applies parked events now (all, or those at the given positions),
 * reading each from the log again; 0 when every one went in, 1 when some are still parked.
 */
export async function retryParked(
  connectionString: string,
  names: readonly string[],
  positions: readonly number[],
  print: (line: string) => void = console.log,
): Promise<number> {
  const selected = readModelsNamed(names);
  if ('unknown' in selected) {
    print(unknownReadModelMessage(selected.unknown));
    return 2;
  }
  const store = await openEventStore(process.env, connectionString);
  try {
    const read = async (position: number) => {
      const [event] = await store.readAll({ fromPosition: position, maxCount: 1 });
      return event?.position === position ? event : undefined;
    };
    return await withRunners(connectionString, selected.readModels, async (runners) => {
      let failed = 0;
      let applied = 0;
      for (const runner of runners) {
        for (const outcome of await runner.retryParked(read, positions.length > 0 ? positions : undefined)) {
          if (outcome.outcome === 'failed') failed += 1;
          if (outcome.outcome === 'applied') applied += 1;
          print(
            `${runner.name}\tposition ${outcome.position}\t` +
              (outcome.outcome === 'applied'
                ? 'applied'
                : outcome.outcome === 'gone'
                  ? 'no longer parked'
                  : `still parked: ${outcome.error}`),
          );
        }
      }
      print(`Applied ${applied}; ${failed} still parked.`);
      return failed === 0 ? 0 : 1;
    });
  } finally {
    await store.close();
  }
}
