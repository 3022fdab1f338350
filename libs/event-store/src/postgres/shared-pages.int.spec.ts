import { createTestDatabase } from '@tip/testing';
import { eventually, newEvent } from '../contract/event-store.contract';
import { createPostgresEventStore, PostgresEventStore } from './postgres-event-store';

describe('Subscriptions of one PostgreSQL store following the log side by side', () => {
  let drop: () => Promise<void>;
  let store: PostgresEventStore;

  beforeAll(async () => {
    const database = await createTestDatabase();
    drop = () => database.drop();
    store = await createPostgresEventStore({ connectionString: database.url, pollIntervalMs: 60_000 });
  });

  afterAll(async () => {
    await store.close();
    await drop();
  });

  it('read a page once between them when they ask for it before anything else was appended, and each sees every event', async () => {
    const seen: Record<string, string[]> = { progress: [], inspections: [] };
    const subscriptions = Object.keys(seen).map((name) =>
      store.subscribeToAll({
        name,
        handle: async (events) => void seen[name].push(...events.map((event) => event.type)),
      }),
    );
    try {
      await store.appendToStream('shared-a', [newEvent('First')]);
      await Promise.all(subscriptions.map((subscription) => subscription.whenCaughtUp()));
      const reads = jest.spyOn(store, 'readAll');
      // Reads that found events (a subscription may look once more and find none after catching up).
      const pagesRead = async () =>
        (await Promise.all(reads.mock.results.map((result) => result.value as Promise<unknown[]>))).filter(
          (page) => page.length > 0,
        ).length;
      await store.appendToStream('shared-a', [newEvent('Second')]);
      await eventually(
        async () => Object.values(seen).every((types) => types.length === 2),
        (done) => done,
      );
      expect(await pagesRead()).toBe(1);
      await store.appendToStream('shared-b', [newEvent('Third'), newEvent('Fourth')]);
      await eventually(
        async () => Object.values(seen).every((types) => types.length === 4),
        (done) => done,
      );
      expect(seen).toEqual({
        progress: ['First', 'Second', 'Third', 'Fourth'],
        inspections: ['First', 'Second', 'Third', 'Fourth'],
      });
      expect(await pagesRead()).toBe(2);
      reads.mockRestore();
    } finally {
      await Promise.all(subscriptions.map((subscription) => subscription.stop()));
    }
  });
});
