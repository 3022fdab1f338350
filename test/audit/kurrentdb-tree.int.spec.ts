import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Pool } from 'pg';
import { AuditLog, eventLeafHash, fileCheckpointSigner, migrateAuditTables, rootOf } from '@tip/audit';
import { createPool, LoggedEvent, NewEvent } from '@tip/event-store';
import { createTestDatabase, TestDatabase } from '@tip/testing';
import { InMemoryKurrentDb } from '../../libs/event-store/src/kurrentdb/in-memory-kurrentdb';
import { KurrentDbEventStore } from '../../libs/event-store/src/kurrentdb/kurrentdb-event-store';

/**
 * The tree needs nothing of PostgreSQL's event store: it is built from the port's readLog, so a
 * KurrentDB log (here the adapter over the in-memory stand-in for its client) is covered, signed
 * and verified the same way, with the tree and heads kept in PostgreSQL.
 */
describe('The Merkle tree over a KurrentDB log', () => {
  let database: TestDatabase;
  let pool: Pool;
  let keysDir: string;
  let store: KurrentDbEventStore;

  const event = (type: string, data: Record<string, unknown>): NewEvent => {
    const commandId = randomUUID();
    return {
      type,
      data,
      metadata: {
        eventId: randomUUID(),
        businessTime: '2021-01-04T10:00:00.5+08:00',
        actor: { sub: 'p-admin', role: 'province-admin' },
        commandId,
        correlationId: commandId,
        causationId: commandId,
      },
    };
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    pool = createPool({ connectionString: database.url, max: 2 }, () => undefined);
    await migrateAuditTables(pool);
    keysDir = await mkdtemp(path.join(tmpdir(), 'tip-kurrent-keys-'));
    store = new KurrentDbEventStore(new InMemoryKurrentDb().client(), { pollIntervalMs: 50 });
  });
  afterAll(async () => {
    await store?.close();
    await pool?.end();
    await database?.drop();
    await rm(keysDir, { recursive: true, force: true });
  });

  it('is built from readLog, signed, and verified against its heads like any other', async () => {
    for (let round = 0; round < 30; round++) {
      await store.appendToStream(`quota-B:1:${round % 4}`, [event('QuotaReceived', { seats: round, 单位: '连云港' })]);
    }
    const { signer } = await fileCheckpointSigner(path.join(keysDir, 'signing.pem'), { create: true });
    const audit = new AuditLog({ pool, store, signer });
    const head = await audit.heads.sign('request');
    const log: LoggedEvent[] = await store.readLog({ fromPosition: 0, maxCount: 1000 });
    expect(head.treeSize).toBe(30);
    expect(head.rootHash.equals(rootOf(log.map(eventLeafHash)))).toBe(true);
    // Times come from TIP's metadata, in the log's one form.
    expect(log[0].businessTime).toBe('2021-01-04T02:00:00.500000Z');
    const report = await audit.verify();
    expect(report.problems).toEqual([]);
    expect(report).toMatchObject({ ok: true, eventsChecked: 30, latestHead: { matches: true } });
  });
});
