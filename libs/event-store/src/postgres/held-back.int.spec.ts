import { Client } from 'pg';
import { createTestDatabase } from '@tip/testing';
import { newEvent } from '../contract/event-store.contract';
import { createPostgresEventStore, PostgresEventStore } from './postgres-event-store';

/**
 * A subscription in another process than the appends (the Kafka relay) is woken by their NOTIFY.
 * Readers see only events of transactions older than every transaction still open, and a
 * projector worker's transaction ends without a word to the log's readers: the events it held
 * back must not wait for the poll interval (here a minute: the case would time out).
 */
describe('A subscription told of events an open transaction holds back', () => {
  let drop: () => Promise<void>;
  let appending: PostgresEventStore;
  let following: PostgresEventStore;
  let url: string;

  beforeAll(async () => {
    const database = await createTestDatabase();
    url = database.url;
    drop = () => database.drop();
    appending = await createPostgresEventStore({ connectionString: url, pollIntervalMs: 60_000 });
    following = await createPostgresEventStore({ connectionString: url, pollIntervalMs: 60_000 });
  });

  afterAll(async () => {
    await following.close();
    await appending.close();
    await drop();
  });

  it('reads them once that transaction has ended, without a poll interval between', async () => {
    const seen: string[] = [];
    const told: (() => void)[] = [];
    const subscription = following.subscribeToAll({
      name: 'relay',
      handle: async (events) => {
        seen.push(...events.map((event) => event.type));
        told.splice(0).forEach((resolve) => resolve());
      },
    });
    const holder = new Client({ connectionString: url });
    await holder.connect();
    try {
      await appending.appendToStream('held-a', [newEvent('First')]);
      await subscription.whenCaughtUp();
      // A writer's transaction (a projector worker's, say) with an id older than the next append's.
      await holder.query('begin');
      await holder.query('select pg_current_xact_id()');
      const reads = jest.spyOn(following, 'readAll');
      await appending.appendToStream('held-a', [newEvent('Second')]);
      // The append's NOTIFY wakes the subscription, whose read finds nothing it may take yet.
      for (let waited = 0; waited < 10_000 && reads.mock.results.length === 0; waited += 10)
        await new Promise((resolve) => setTimeout(resolve, 10));
      expect(await reads.mock.results[0]?.value).toEqual([]);
      reads.mockRestore();
      expect(seen).toEqual(['First']);
      const second = new Promise<void>((resolve) => told.push(resolve));
      await holder.query('commit');
      await second;
      expect(seen).toEqual(['First', 'Second']);
    } finally {
      await holder.end();
      await subscription.stop();
    }
  });
});
