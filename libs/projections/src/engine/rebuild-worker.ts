import { parentPort, workerData } from 'node:worker_threads';
import { RecordedEvent } from '@tip/event-store';
import { readModelNamed } from '../read-models';
import { ProjectionRunner } from './projection-runner';
import { readModelDataSource } from './read-model';
import { Row } from './view-changes';

/** What rebuild.ts starts a partition with. */
export interface PartitionSetup {
  connectionString: string;
  readModel: string;
  schema: string;
  partition: number;
  partitions: number;
  /** Rows of its own this partition caches before writing them (the shared ones it keeps whole). */
  maxRows: number;
  /** Counter rows it merges before handing them over. */
  maxCounterRows: number;
}

/** To a partition: a page of its events, or the end of the log. */
export type ToPartition = { kind: 'events'; events: RecordedEvent[] } | { kind: 'finish' };

/** From a partition: counter rows to add up, a page taken in, done (all written), or failed. */
export type FromPartition =
  | { kind: 'counters'; counters: [string, Row[]][] }
  | { kind: 'taken' }
  | { kind: 'finished' }
  | { kind: 'failed'; error: string };

async function main(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('rebuild-worker runs in a worker thread');
  const setup = workerData as PartitionSetup;
  const send = (message: FromPartition) => port.postMessage(message);
  const readModel = readModelNamed(setup.readModel);
  if (!readModel) throw new Error(`Unknown read model "${setup.readModel}"`);
  const dataSource = readModelDataSource(setup.connectionString, readModel, setup.schema, {
    poolSize: 2,
    applicationName: `tip-rebuild-${setup.readModel}-${setup.partition}`,
  });
  await dataSource.initialize();
  const runner = new ProjectionRunner(dataSource, setup.schema, readModel, {
    partition: {
      writesShared: setup.partition === 0,
      handOver: (counters) => {
        if (counters.size > 0) send({ kind: 'counters', counters: [...counters] });
      },
    },
  });
  // Pages one after another, as they came.
  let queue = Promise.resolve();
  let failed = false;
  port.on('message', (message: ToPartition) => {
    queue = queue.then(async () => {
      if (failed) return;
      try {
        if (message.kind === 'events') {
          await runner.projectAhead(message.events);
          if (runner.cachedRowsHeld >= setup.maxRows) await runner.writeAhead();
          else if (runner.counterRowsHeld >= setup.maxCounterRows) runner.handOverCounters();
          send({ kind: 'taken' });
        } else {
          await runner.finishAhead();
          await dataSource.destroy();
          send({ kind: 'finished' });
          port.close();
        }
      } catch (error) {
        failed = true;
        send({ kind: 'failed', error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
        await dataSource.destroy().catch(() => undefined);
        port.close();
      }
    });
  });
}

main().catch((error: unknown) => {
  parentPort?.postMessage({
    kind: 'failed',
    error: error instanceof Error ? (error.stack ?? error.message) : String(error),
  } satisfies FromPartition);
  parentPort?.close();
});
