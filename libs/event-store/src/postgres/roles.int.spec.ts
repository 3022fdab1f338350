import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { createTestDatabase, TestDatabase, testServerUrl } from '@tip/testing';
import { newEvent } from '../contract/event-store.contract';
import { createPostgresEventStore, PostgresEventStore } from './postgres-event-store';

/** A login role of the test server, for this file alone (roles are server-wide). */
async function createLoginRole(): Promise<{
  name: string;
  password: string;
  drop(database: TestDatabase): Promise<void>;
}> {
  const name = `tip_app_${randomBytes(4).toString('hex')}`;
  const password = randomBytes(12).toString('hex');
  const admin = new Client({ connectionString: testServerUrl() });
  await admin.connect();
  try {
    await admin.query(`create role ${name} login password '${password}'`);
  } finally {
    await admin.end();
  }
  return {
    name,
    password,
    async drop(database) {
      const client = new Client({ connectionString: database.url });
      await client.connect();
      try {
        await client.query(`drop owned by ${name}`);
      } finally {
        await client.end();
      }
      await database.drop();
      const server = new Client({ connectionString: testServerUrl() });
      await server.connect();
      try {
        await server.query(`drop role if exists ${name}`);
      } finally {
        await server.end();
      }
    },
  };
}

describe('The database cannot be rewritten by the application', () => {
  let database: TestDatabase;
  let role: Awaited<ReturnType<typeof createLoginRole>>;
  let appUrl: string;
  let store: PostgresEventStore;

  beforeAll(async () => {
    database = await createTestDatabase();
    role = await createLoginRole();
    const url = new URL(database.url);
    url.username = role.name;
    url.password = role.password;
    appUrl = url.toString();
    // The owner migrates and grants; the store then works as the application's role.
    store = await createPostgresEventStore({ connectionString: appUrl, ownerConnectionString: database.url });
  });
  afterAll(async () => {
    await store?.close();
    await role?.drop(database);
  });

  async function asApplication<T>(work: (client: Client) => Promise<T>): Promise<T> {
    const client = new Client({ connectionString: appUrl });
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  }

  it('appends, imports, reads, subscribes and verifies as a role that may only read and insert events', async () => {
    await store.appendToStream('ledger', [newEvent('QuotaReceived', { seats: 10 })]);
    await store.appendToStreams([
      { streamId: 'ledger', expectedRevision: 0, events: [newEvent('QuotaAllocated', { seats: 4 })] },
      { streamId: 'school', expectedRevision: 'no_stream', events: [newEvent('SeatReceived', { seats: 4 })] },
    ]);
    await store.importEvents([
      { streamId: 'imported', expectedRevision: 'no_stream', events: [newEvent('A'), newEvent('B')] },
    ]);
    expect((await store.readStream('ledger')).map((event) => event.type)).toEqual(['QuotaReceived', 'QuotaAllocated']);
    expect((await store.verify()).ok).toBe(true);
    const seen: string[] = [];
    const subscription = store.subscribeToAll({
      name: 'roles-test',
      handle: async (events) => void seen.push(...events.map((each) => each.type)),
    });
    await subscription.whenCaughtUp();
    await subscription.stop();
    expect(seen).toHaveLength(5);
    expect(
      await asApplication(async (client) => (await client.query('select current_user as user')).rows[0].user),
    ).toBe(role.name);
  });

  it('refuses the application’s role to update, delete or truncate events', async () => {
    for (const statement of ["update tip_events set data = '{}'", 'delete from tip_events', 'truncate tip_events']) {
      await expect(asApplication((client) => client.query(statement))).rejects.toThrow(
        /permission denied for table tip_events/,
      );
    }
    await expect(asApplication((client) => client.query('drop table tip_events'))).rejects.toThrow(/must be owner/);
  });

  it('meets the owner with a trigger that refuses every change too, as a second line', async () => {
    const owner = new Client({ connectionString: database.url });
    await owner.connect();
    try {
      await expect(owner.query("update tip_events set data = '{}'")).rejects.toThrow(
        /tip_events is append-only: UPDATE refused/,
      );
      await expect(owner.query('delete from tip_events')).rejects.toThrow(/tip_events is append-only: DELETE refused/);
      await expect(owner.query('truncate tip_events')).rejects.toThrow(/tip_events is append-only: TRUNCATE refused/);
    } finally {
      await owner.end();
    }
    expect(await store.readAll({ maxCount: 100 })).toHaveLength(5);
  });

  it('starts as the application’s role on a database its owner migrated, and names the owner when a migration is due', async () => {
    const again = await createPostgresEventStore({ connectionString: appUrl });
    await again.close();
    const fresh = await createTestDatabase();
    try {
      const url = new URL(fresh.url);
      url.username = role.name;
      url.password = role.password;
      await expect(createPostgresEventStore({ connectionString: url.toString() })).rejects.toThrow(
        /permission denied.*give the owner's URL \(TIP_DATABASE_OWNER_URL\)/s,
      );
    } finally {
      await fresh.drop();
    }
  });
});
