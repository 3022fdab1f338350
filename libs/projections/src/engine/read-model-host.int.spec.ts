import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { RecordedEvent } from '@tip/event-store';
import { createTestDatabase, TestDatabase } from '@tip/testing';
import { progressReadModel } from '../read-models';
import { enrolled, world } from '../progress/progress.test-events';
import { PartitionItem, ProjectionRunner } from './projection-runner';
import { liveSchemaOf, migrateReadModel, readModelDataSource } from './read-model';
import { ReadModelHost } from './read-model-host';

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

/**
 * A process serving views while projector workers elsewhere build them (TIP_PROJECTIONS=kafka):
 * a read waiting for minPosition wakes on the workers' notification, not at its next look, and
 * the reads woken together look at the position once between them.
 */
describe('ReadModelHost serving views that workers elsewhere build', () => {
  const topic = 'tip.events.test';
  let database: TestDatabase;
  let worker: DataSource;
  let host: ReadModelHost;
  const events = [...world(), ...enrolled('T1', 'S1')];
  const asMessages = (batch: RecordedEvent[], from = 0): PartitionItem[] =>
    batch.map((each, index) => ({ kind: 'event', offset: from + index, event: each }));

  beforeAll(async () => {
    database = await createTestDatabase();
    worker = readModelDataSource(database.url, progressReadModel, liveSchemaOf(progressReadModel));
    await worker.initialize();
    await migrateReadModel(worker);
    // Looks every 10 s unless told: a wait that ends sooner was woken by the notification.
    host = await ReadModelHost.open(database.url, undefined, [progressReadModel], {
      runProjectors: false,
      kafka: { topic, partitions: 1 },
      pollIntervalMs: 10_000,
      logger: silent,
    });
  });
  afterAll(async () => {
    await host?.close();
    await worker?.destroy();
    await database?.drop();
  });

  it('wakes twenty reads waiting for a position at once when a worker commits it, with a look or two between them', async () => {
    const runner = new ProjectionRunner(worker, liveSchemaOf(progressReadModel), progressReadModel);
    const head = events[events.length - 1].position;
    const looks: string[] = [];
    const query = Client.prototype.query;
    Client.prototype.query = function (this: Client, ...args: unknown[]) {
      const [text] = args;
      if (typeof text === 'string' && text.includes('min(watermark)')) looks.push(text);
      return (query as (...all: unknown[]) => unknown).apply(this, args);
    } as typeof query;
    try {
      const started = Date.now();
      const waits = Array.from({ length: 20 }, () => host.waitFor(progressReadModel, head, 8_000));
      await new Promise((resolve) => setTimeout(resolve, 200));
      const looksBefore = looks.length;
      await runner.handlePartition(topic, 0, [
        ...asMessages(events),
        { kind: 'watermark', offset: events.length, position: head },
      ]);
      await Promise.all(waits);
      expect(Date.now() - started).toBeLessThan(5_000);
      // The twenty first looks share one; after the notification, one or two more.
      expect(looksBefore).toBeLessThanOrEqual(2);
      expect(looks.length - looksBefore).toBeLessThanOrEqual(3);
    } finally {
      Client.prototype.query = query;
    }
    expect(await host.position(progressReadModel)).toBe(head);
  });
});
