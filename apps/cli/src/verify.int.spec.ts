import { randomUUID } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { Client } from 'pg';
import { createPostgresEventStore, EventStore, NewEvent } from '@tip/event-store';
import { createTestDatabase, TestDatabase } from '@tip/testing';
import { verifyEventStore } from './verify';

function event(type: string, data: Record<string, unknown>): NewEvent {
  const commandId = randomUUID();
  return {
    type,
    data,
    metadata: {
      eventId: randomUUID(),
      businessTime: '2016-03-10T01:00:00.000Z',
      actor: { sub: 'p-admin', role: 'province-admin' },
      commandId,
      correlationId: commandId,
      causationId: commandId,
    },
  };
}

describe('tip verify', () => {
  let database: TestDatabase;
  let store: EventStore;

  beforeAll(async () => {
    database = await createTestDatabase();
    store = await createPostgresEventStore({ connectionString: database.url });
    for (const unitId of ['320700', '320707', '320722']) {
      await store.appendToStream(`quota-B:1:${unitId}`, [
        event('QuotaReceived', { seats: 10 }),
        event('QuotaReceived', { seats: 5 }),
      ]);
    }
  });
  afterAll(async () => {
    await store?.close();
    await database?.drop();
  });

  async function verify(): Promise<{ exitCode: number; lines: string[] }> {
    const lines: string[] = [];
    const exitCode = await verifyEventStore(database.url, {
      print: (line) => lines.push(line),
      progress: new PassThrough(),
    });
    return { exitCode, lines };
  }

  it('exits 0 when every chain is intact', async () => {
    const { exitCode, lines } = await verify();
    expect(exitCode).toBe(0);
    expect(lines[0]).toMatch(/^Checked 6 events in 3 streams/);
    expect(lines).toContain('Every hash chain is intact.');
  });

  it('exits 1 naming the first event altered behind the store', async () => {
    // Behind the store's back, as someone with write access to the table could.
    const client = new Client({ connectionString: database.url });
    await client.connect();
    const { rows } = await client
      .query<{ position: string }>(
        `update tip_events set data = '{"seats": 50}' where stream_id = 'quota-B:1:320707' and stream_revision = 1 returning position`,
      )
      .finally(() => client.end());
    const { exitCode, lines } = await verify();
    expect(exitCode).toBe(1);
    const report = lines.join('\n');
    expect(report).toContain('altered: event at revision 1 of stream "quota-B:1:320707" does not match its hash');
    expect(report).toContain(`stream quota-B:1:320707, revision 1, position ${rows[0].position}`);
  });
});
