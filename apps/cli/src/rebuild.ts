import { Presets, SingleBar } from 'cli-progress';
import { openEventStore } from '@tip/event-store';
import { READ_MODELS, ReadModel, readModelNamed, rebuildReadModels as rebuildReadModelsOf } from '@tip/projections';

export interface RebuildOutput {
  /** A summary line per read model, or why nothing was done. */
  print(line: string): void;
  /** Where the progress bars are drawn. */
  progress: NodeJS.WritableStream;
}

export const knownReadModels = (): string[] => READ_MODELS.map((readModel) => readModel.projection.name);

/** The read models named (all, in order, when none is), or the names nobody knows. */
export function readModelsNamed(names: readonly string[]): { readModels: ReadModel[] } | { unknown: string[] } {
  if (names.length === 0) return { readModels: [...READ_MODELS] };
  const unknown = names.filter((name) => readModelNamed(name) === undefined);
  if (unknown.length > 0) return { unknown };
  // Each once, in the order TIP keeps them (whatever order they were named in).
  return { readModels: READ_MODELS.filter((readModel) => names.includes(readModel.projection.name)) };
}

export const unknownReadModelMessage = (unknown: readonly string[]) =>
  `Unknown read model${unknown.length === 1 ? '' : 's'} ${unknown.map((name) => `"${name}"`).join(', ')}; known: ${knownReadModels().join(', ')}`;

/**
 * Rebuilds read models from the first event, each into a copy of its own that is swapped in
 * when done (the API's projectors may keep running meanwhile): 0 when all were rebuilt, 2 when
 * a name is unknown (nothing is touched then).
 */
export async function rebuildReadModels(
  connectionString: string,
  names: readonly string[],
  output: RebuildOutput = { print: console.log, progress: process.stderr },
  options: { workers?: number } = {},
): Promise<number> {
  const selected = readModelsNamed(names);
  if ('unknown' in selected) {
    output.print(unknownReadModelMessage(selected.unknown));
    return 2;
  }
  // The log is where TIP_EVENT_STORE says; the read models are in PostgreSQL either way.
  const store = await openEventStore(process.env, connectionString);
  try {
    const label = selected.readModels.map((readModel) => readModel.projection.name).join('+');
    const bar = new SingleBar(
      {
        stream: output.progress,
        format: `${label} {bar} {value}/{total} events | {speed} events/s | {eta_formatted} left | {phase}`,
      },
      Presets.shades_classic,
    );
    const started = Date.now();
    const speed = (events: number) => Math.round((events * 1000) / Math.max(Date.now() - started, 1));
    // The head position bounds the count (rolled-back appends leave gaps): a total for the ETA.
    bar.start((await store.stats()).headPosition, 0, { speed: 0, phase: 'building' });
    try {
      // One pass over the log feeds every read model's copy: each event is read once.
      const results = await rebuildReadModelsOf(connectionString, store, selected.readModels, {
        workers: options.workers,
        onProgress: (progress) => {
          // Events that arrive during the rebuild are taken in too: the total grows with them.
          if (progress.eventsRead > bar.getTotal()) bar.setTotal(progress.eventsRead);
          bar.update(progress.eventsRead, { speed: speed(progress.eventsRead), phase: progress.phase });
        },
      });
      const events = Math.max(...results.map((result) => result.eventsRead));
      bar.setTotal(events);
      bar.update(events, { speed: speed(events), phase: 'done' });
      bar.stop();
      const seconds = (Date.now() - started) / 1000;
      for (const result of results) {
        output.print(
          `Rebuilt ${result.readModel}: ${result.eventsRead} events in ${seconds.toFixed(1)} s (${speed(result.eventsRead)} events/s), up to position ${result.position}.`,
        );
      }
    } finally {
      bar.stop();
    }
    return 0;
  } finally {
    await store.close();
  }
}
