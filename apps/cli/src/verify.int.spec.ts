import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { Pool } from 'pg';
import { AuditLog, KeySettings, migrateAuditTables, openCheckpointSigner } from '@tip/audit';
import { createPool, createPostgresEventStore, EventStore, NewEvent } from '@tip/event-store';
import { asAttacker, createTestDatabase, TestDatabase } from '@tip/testing';
import { exportLog, printCheckpoint, UsageError, verifyEventStore } from './verify';

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

describe('tip verify, tip checkpoint, tip export-log', () => {
  let database: TestDatabase;
  let store: EventStore;
  let pool: Pool;
  let dir: string;
  let keys: KeySettings;

  beforeAll(async () => {
    database = await createTestDatabase();
    store = await createPostgresEventStore({ connectionString: database.url });
    pool = createPool({ connectionString: database.url, max: 2 }, () => undefined);
    await migrateAuditTables(pool);
    dir = await mkdtemp(path.join(tmpdir(), 'tip-cli-verify-'));
    keys = { keysDir: path.join(dir, 'keys') };
    for (const unitId of ['320700', '320707', '320722']) {
      await store.appendToStream(`quota-B:1:${unitId}`, [
        event('QuotaReceived', { seats: 10 }),
        event('QuotaReceived', { seats: 5 }),
      ]);
    }
    // What the running API does: the tree follows the log and heads are signed.
    const { signer } = await openCheckpointSigner(keys, { create: true });
    await new AuditLog({ pool, store, signer }).heads.sign('request');
  });
  afterAll(async () => {
    await pool?.end();
    await store?.close();
    await database?.drop();
    await rm(dir, { recursive: true, force: true });
  });

  async function verify(against: string[] = []): Promise<{ exitCode: number; lines: string[] }> {
    const lines: string[] = [];
    const exitCode = await verifyEventStore(
      database.url,
      // The log's rows hashed in a worker thread, as for a large log.
      { against, maxProblems: 100, keys, hashWorkers: 1, hashWorkersFrom: 0 },
      { print: (line) => lines.push(line), progress: new PassThrough() },
    );
    return { exitCode, lines };
  }

  it('keeps a checkpoint, and exits 0 when the log, its tree and its heads agree', async () => {
    const printed: string[] = [];
    expect(await printCheckpoint(database.url, keys, (line) => printed.push(line))).toBe(0);
    await writeFile(path.join(dir, 'kept.json'), printed.join('\n'));
    expect(JSON.parse(printed.join('\n'))).toMatchObject({ format: 'tip-checkpoint/1', treeSize: 6 });

    const { exitCode, lines } = await verify([path.join(dir, 'kept.json')]);
    expect(exitCode).toBe(0);
    expect(lines[0]).toMatch(/^Checked 6 events in 3 streams/);
    expect(lines).toContainEqual(expect.stringMatching(/^Newest signed head: 6 events, signed at .*: matches/));
    expect(lines).toContainEqual(
      expect.stringMatching(/^Kept checkpoint .*kept\.json: 6 events, signed at .*: matches\.$/),
    );
    expect(lines).toContain('INTACT: every hash chain, every event and the tree agree with every signed head.');
  });

  it('writes the log for the independent verifier, covered to its end by a fresh head', async () => {
    await store.appendToStream('quota-B:1:320700', [event('QuotaReceived', { seats: 1 })]);
    const file = path.join(dir, 'log.ndjson');
    const printed: string[] = [];
    expect(await exportLog(database.url, file, keys, (line) => printed.push(line))).toBe(0);
    expect(printed[0]).toMatch(/^Exported 7 events to .*; the newest head covers 7 of them/);
    const lines = (await readFile(file, 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { kind: string });
    expect(lines[0]).toMatchObject({ kind: 'header', format: 'tip-log/1', head: { treeSize: 7 } });
    expect(lines.filter((line) => line.kind === 'event')).toHaveLength(7);
    expect(lines.at(-1)).toEqual({ kind: 'end', events: 7 });
    expect((await stat(file)).size).toBeGreaterThan(1000);
  });

  it('exits 1 naming every problem: an event altered behind the store, against the kept checkpoint', async () => {
    const { rows } = await asAttacker(database.url, (client) =>
      client.query<{ position: string }>(
        `update tip_events set data = '{"seats": 50}' where stream_id = 'quota-B:1:320707' and stream_revision = 1 returning position`,
      ),
    );
    const position = Number(rows[0].position);
    const { exitCode, lines } = await verify([path.join(dir, 'kept.json')]);
    expect(exitCode).toBe(1);
    const report = lines.join('\n');
    expect(report).toContain(
      `[hash-chain] altered: event at revision 1 of stream "quota-B:1:320707" (position ${position}) does not match its hash`,
    );
    expect(report).toContain(
      `[tree-leaves] altered: the event at position ${position} (stream "quota-B:1:320707", revision 1) is not the one the tree recorded there`,
    );
    expect(report).toMatch(
      /\[checkpoint\] tree: the first 6 events of the log no longer hash to the root of the kept checkpoint/,
    );
    expect(report).toMatch(/Kept checkpoint .*: 6 events, .*: DOES NOT MATCH/);
  });

  it('refuses a checkpoint file that is not one, naming the field', async () => {
    await writeFile(path.join(dir, 'bad.json'), JSON.stringify({ format: 'tip-checkpoint/1', treeSize: -1 }));
    await expect(verify([path.join(dir, 'bad.json')])).rejects.toThrow(UsageError);
    await expect(verify([path.join(dir, 'bad.json')])).rejects.toThrow(/treeSize: must be a whole number ≥ 0/);
  });
});
