import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Client, Pool } from 'pg';
import {
  createPool,
  createPostgresEventStore,
  decodeLogRows,
  LoggedEvent,
  LogRows,
  LogScanItem,
  NewEvent,
  PostgresEventStore,
} from '@tip/event-store';
import { createTestDatabase, TestDatabase } from '@tip/testing';
import { AuditLog, migrateAuditTables, storedCheckpoints } from './audit-log';
import { checkpointSignatureProblem } from './checkpoints/checkpoint';
import { toCheckpoint } from './checkpoints/tree-heads';
import { fileCheckpointSigner } from './keys/checkpoint-signer';
import { eventLeafHash } from './merkle/event-leaf';
import { rootOf, verifyConsistency, verifyInclusion } from './merkle/merkle-tree';
import { MerkleTreeStore } from './tree/merkle-tree-store';
import { verifyLog } from './verification/log-verifier';

function event(type: string, data: Record<string, unknown> = {}): NewEvent {
  const commandId = randomUUID();
  return {
    type,
    data,
    metadata: {
      eventId: randomUUID(),
      businessTime: '2021-01-04T02:00:00.000Z',
      actor: { sub: 'p-admin', role: 'province-admin' },
      commandId,
      correlationId: commandId,
      causationId: commandId,
    },
  };
}

async function wholeLog(store: PostgresEventStore): Promise<LoggedEvent[]> {
  const events: LoggedEvent[] = [];
  for (let from = 0; ;) {
    const page = await store.readLog({ fromPosition: from, maxCount: 1000 });
    if (page.length === 0) return events;
    events.push(...page);
    from = page[page.length - 1].position + 1;
  }
}

/** Waits until readers see everything committed (test files share one server, and its horizon). */
async function settled(store: PostgresEventStore): Promise<void> {
  for (let tries = 0; tries < 500; tries++) {
    const stats = await store.stats();
    if (stats.safePosition === stats.headPosition) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('The audit log (Merkle tree and signed heads over the event store)', () => {
  let database: TestDatabase;
  let store: PostgresEventStore;
  let pool: Pool;
  let keysDir: string;
  let audit: AuditLog;
  let clock: Date;

  beforeAll(async () => {
    database = await createTestDatabase();
    store = await createPostgresEventStore({ connectionString: database.url });
    pool = createPool({ connectionString: database.url, max: 4 }, () => undefined);
    await migrateAuditTables(pool);
    keysDir = await mkdtemp(path.join(tmpdir(), 'tip-audit-keys-'));
    const { signer } = await fileCheckpointSigner(path.join(keysDir, 'signing.pem'), { create: true });
    clock = new Date('2021-01-06T04:00:00Z');
    audit = new AuditLog({ pool, store, signer, now: () => clock });
    // 700 events in 20 streams: leaf chunks (256) fill and the tree has stored subtrees.
    for (let round = 0; round < 35; round++) {
      await store.appendToStreams(
        Array.from({ length: 20 }, (_, stream) => ({
          streamId: `ledger-${stream}`,
          expectedRevision: 'any' as const,
          events: [event('QuotaReceived', { seats: round * 100 + stream, note: '配额' })],
        })),
      );
    }
    await settled(store);
  });
  afterAll(async () => {
    await audit?.stop();
    await pool?.end();
    await store?.close();
    await database?.drop();
    await rm(keysDir, { recursive: true, force: true });
  });

  describe('the tree', () => {
    it('covers every event in global order, leaf = the event as stored, as RFC 9162 builds it', async () => {
      const state = await audit.tree.catchUp();
      const log = await wholeLog(store);
      expect(state.size).toBe(700);
      expect(state.lastPosition).toBe(log[log.length - 1].position);
      expect(state.root.equals(rootOf(log.map(eventLeafHash)))).toBe(true);
    });

    it('grows from where it stopped, in another process too, to the same root as one built at once', async () => {
      await store.appendToStream('late', [event('A'), event('B')]);
      await settled(store);
      const elsewhere = new AuditLog({ pool, store, signer: audit.signer });
      const grown = await elsewhere.tree.catchUp();
      expect(grown.size).toBe(702);
      // The first builder's cursor is behind now: it finds the tree moved and goes on from there.
      await store.appendToStream('late', [event('C')]);
      await settled(store);
      const again = await audit.tree.catchUp();
      expect(again.size).toBe(703);
      expect(again.root.equals(rootOf((await wholeLog(store)).map(eventLeafHash)))).toBe(true);
    });

    it('stops at the end of what it read: events committed while it writes wait for the next catch-up', async () => {
      const before = await audit.tree.catchUp();
      await store.appendToStream('meanwhile', [event('Before')]);
      await settled(store);
      let appended = false;
      const log = {
        readLog: async (options: { fromPosition: number; maxCount: number }) => {
          const page = await store.readLog(options);
          // While commands come in, something has always committed by the time a page is written.
          if (!appended) {
            appended = true;
            await store.appendToStream('meanwhile', [event('Meanwhile')]);
            await settled(store);
          }
          return page;
        },
      };
      const tree = new MerkleTreeStore(pool, log);
      expect((await tree.catchUp()).size).toBe(before.size + 1);
      expect((await tree.catchUp()).size).toBe(before.size + 2);
      expect((await audit.tree.catchUp()).size).toBe(before.size + 2);
    });

    it('leaves out what an open transaction could still precede, and takes it in once that ends', async () => {
      const before = await audit.tree.catchUp();
      const slow = new Client({ connectionString: database.url });
      await slow.connect();
      try {
        // A writer that has taken its transaction id and a position, and not committed yet.
        await slow.query('begin');
        await slow.query('select pg_current_xact_id(), nextval($1)', ['tip_event_position_seq']);
        await store.appendToStream('fast', [event('FastWriterEvent')]);
        const during = await audit.tree.catchUp();
        expect(during.size).toBe(before.size);
        await slow.query('commit');
      } finally {
        await slow.end();
      }
      await settled(store);
      const after = await audit.tree.catchUp();
      expect(after.size).toBe(before.size + 1);
      const log = await wholeLog(store);
      expect(log[log.length - 1].type).toBe('FastWriterEvent');
    });
  });

  describe('signed tree heads', () => {
    it('sign RFC 9162 tree head data with the key outside the database, verifiable from the checkpoint alone', async () => {
      const head = await audit.heads.sign('request');
      const checkpoint = toCheckpoint(head);
      expect(checkpoint).toMatchObject({
        format: 'tip-checkpoint/1',
        treeSize: (await audit.tree.state()).size,
        keyId: audit.signer.keyId,
        publicKey: audit.signer.publicKey.toString('base64'),
        signedAt: clock.toISOString(),
        reason: 'request',
      });
      expect(checkpointSignatureProblem(checkpoint, audit.signer.publicKey)).toBeUndefined();
      expect(checkpointSignatureProblem({ ...checkpoint, treeSize: checkpoint.treeSize - 1 })).toMatch(
        /signature does not match/,
      );
      expect(checkpointSignatureProblem({ ...checkpoint, timestamp: checkpoint.timestamp + 1 })).toMatch(/signature/);
      const other = await fileCheckpointSigner(path.join(keysDir, 'other.pem'), { create: true });
      expect(checkpointSignatureProblem(checkpoint, other.signer.publicKey)).toMatch(/not by the trusted key/);
    });

    it('come at least every minute while events arrive, and not while none do (clock moved, no sleeping)', async () => {
      await audit.heads.sign('request');
      const count = async () => Number((await pool.query('select count(*) from tip_tree_heads')).rows[0].count);
      const start = await count();
      await store.appendToStream('minute', [event('A')]);
      await settled(store);
      clock = new Date(clock.getTime() + 30_000);
      await audit.schedule.tick();
      expect(await count()).toBe(start);
      clock = new Date(clock.getTime() + 30_000);
      await audit.schedule.tick();
      expect(await count()).toBe(start + 1);
      expect((await audit.heads.latest())?.reason).toBe('interval');
      clock = new Date(clock.getTime() + 120_000);
      await audit.schedule.tick();
      expect(await count()).toBe(start + 1);
    });

    it('come at the end of each ISO week in Asia/Shanghai, once, naming the week', async () => {
      // Sunday 2021-01-10 24:00 in Shanghai is 16:00 UTC.
      clock = new Date('2021-01-10T15:59:59Z');
      await audit.schedule.tick();
      expect(await audit.heads.forWeek('2021-W01')).toBeUndefined();
      clock = new Date('2021-01-10T16:00:01Z');
      await audit.schedule.tick();
      const weekEnd = await audit.heads.forWeek('2021-W01');
      expect(weekEnd).toMatchObject({ reason: 'week-end', week: '2021-W01', timestamp: clock.getTime() });
      clock = new Date('2021-01-10T16:05:00Z');
      await audit.schedule.tick();
      expect((await pool.query("select count(*) from tip_tree_heads where week = '2021-W01'")).rows[0].count).toBe('1');
    });

    it('sign exactly the log up to a read model’s position, once, for what was computed from it', async () => {
      const log = await wholeLog(store);
      const head = await audit.heads.headOfPrefix(log[299].position);
      expect(head).toMatchObject({ treeSize: 300, lastPosition: log[299].position, reason: 'request' });
      expect(head.rootHash.equals(rootOf(log.slice(0, 300).map(eventLeafHash)))).toBe(true);
      expect(checkpointSignatureProblem(toCheckpoint(head), audit.signer.publicKey)).toBeUndefined();
      expect((await audit.heads.headOfPrefix(log[299].position)).id).toBe(head.id);
      expect((await audit.heads.headOfPrefix(0)).treeSize).toBe(0);
    });

    it('cannot be changed or deleted in the table', async () => {
      await expect(pool.query('update tip_tree_heads set tree_size = 1')).rejects.toThrow(/append-only/);
      await expect(pool.query('delete from tip_tree_heads')).rejects.toThrow(/append-only/);
    });
  });

  describe('proofs', () => {
    it('prove every event of a head included, from the event as stored', async () => {
      const head = await audit.heads.sign('request');
      const log = await wholeLog(store);
      for (const index of [0, 1, 255, 256, 300, 511, 512, 699, head.treeSize - 1]) {
        const proof = await audit.proofs.inclusion(log[index].position, head.treeSize);
        expect(proof.leafIndex).toBe(index);
        expect(proof.rootHash).toBe(head.rootHash.toString('hex'));
        const leaf = eventLeafHash(proof.event);
        expect(leaf.toString('hex')).toBe(proof.leafHash);
        const path = proof.auditPath.map((each) => Buffer.from(each, 'hex'));
        expect(verifyInclusion(leaf, index, head.treeSize, path, head.rootHash)).toBe(true);
      }
      const older = await audit.proofs.inclusion(log[3].position, 300);
      expect(
        verifyInclusion(
          eventLeafHash(older.event),
          3,
          300,
          older.auditPath.map((each) => Buffer.from(each, 'hex')),
          rootOf(log.slice(0, 300).map(eventLeafHash)),
        ),
      ).toBe(true);
    });

    it('prove that each head extends every earlier one', async () => {
      const heads = await storedCheckpoints(audit.heads);
      const log = await wholeLog(store);
      const sizes = [1, 2, 255, 256, 257, 512, 700, ...heads.map((each) => each.treeSize)];
      const to = (await audit.tree.state()).size;
      for (const from of sizes) {
        const proof = await audit.proofs.consistency(from, to);
        expect(proof.fromRootHash).toBe(rootOf(log.slice(0, from).map(eventLeafHash)).toString('hex'));
        const path = proof.consistencyPath.map((each) => Buffer.from(each, 'hex'));
        expect(
          verifyConsistency(
            from,
            to,
            Buffer.from(proof.fromRootHash, 'hex'),
            Buffer.from(proof.toRootHash, 'hex'),
            path,
          ),
        ).toBe(true);
      }
    });

    it('name the field and the rule when asked for what the tree does not hold', async () => {
      const size = (await audit.tree.state()).size;
      await expect(audit.proofs.inclusion(1, size + 1)).rejects.toMatchObject({ field: 'treeSize' });
      await expect(audit.proofs.inclusion(999_999, size)).rejects.toMatchObject({ field: 'position', notFound: true });
      await expect(audit.proofs.consistency(size, size - 1)).rejects.toMatchObject({ field: 'from' });
      await expect(audit.proofs.consistency(-1, size)).rejects.toMatchObject({ field: 'from' });
    });
  });

  describe('verification', () => {
    it('finds an untouched log intact against its tree, its heads and a kept checkpoint', async () => {
      const kept = toCheckpoint(await audit.heads.sign('request'));
      const report = await audit.verify({ against: [kept] });
      expect(report.problems).toEqual([]);
      expect(report).toMatchObject({
        ok: true,
        eventsChecked: (await audit.tree.state()).size,
        checkpoints: [{ matches: true, signatureOk: true }],
        latestHead: { matches: true, signatureOk: true },
      });
      expect(report.headsChecked).toBe((await storedCheckpoints(audit.heads)).length);
    });

    /** The log in pages of 100 rows, the last through `change`, checked with its rows hashed by worker threads. */
    async function verifyInWorkers(change: (rows: LogRows) => LogRows = (rows) => rows) {
      async function* scan(): AsyncGenerator<LogScanItem> {
        let held: LogRows | undefined;
        let pages = 0;
        for await (const item of store.scanLog({ rows: true, pageSize: 100 })) {
          if (item.kind !== 'rows') {
            if (held) yield { kind: 'rows', rows: change(held) };
            held = undefined;
            yield item;
            continue;
          }
          if (held) yield { kind: 'rows', rows: held };
          // Held past the scan's next step, which reuses the page's buffer: a copy.
          held = { bytes: Buffer.from(item.rows.bytes), count: item.rows.count };
          pages += 1;
        }
        expect(pages).toBeGreaterThan(3);
      }
      return verifyLog({
        scan: scan(),
        storedLeaves: (fromChunk) => audit.tree.storedChunksFrom(fromChunk, 64),
        heads: await storedCheckpoints(audit.heads),
        kept: [],
        hashWorkers: 2,
        hashWorkersFrom: 0,
      });
    }

    it('hashes the rows in worker threads to the very report and root worked out on one thread', async () => {
      await audit.heads.sign('request');
      const inline = await audit.verify({ hashWorkers: 0 });
      const inWorkers = await verifyInWorkers();
      expect(inWorkers.problems).toEqual([]);
      expect(inWorkers).toEqual(inline);
      expect(inline.tree.rootHash).toBe(rootOf((await wholeLog(store)).map(eventLeafHash)).toString('hex'));
    });

    it('catches an event altered in the last page, hashed by a worker thread', async () => {
      await audit.heads.sign('request');
      const lastWithSeats = (rows: LogRows) =>
        decodeLogRows(rows)
          .filter((each) => each.data.includes('"seats":'))
          .pop();
      let altered: LoggedEvent | undefined;
      const report = await verifyInWorkers((rows) => {
        altered = lastWithSeats(rows);
        // One digit of the seats changed in the stored bytes, as an UPDATE behind the store would.
        const bytes = Buffer.from(rows.bytes);
        const at = bytes.lastIndexOf(Buffer.from('"seats":'));
        bytes[at + 8] = bytes[at + 8] === 0x39 ? 0x38 : bytes[at + 8] + 1;
        return { bytes, count: rows.count };
      });
      expect(altered).toBeDefined();
      expect(report.ok).toBe(false);
      expect(report.problems).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ kind: 'altered', check: 'hash-chain', position: altered?.position }),
          expect.objectContaining({ kind: 'altered', check: 'tree-leaves', position: altered?.position }),
          expect.objectContaining({ kind: 'tree', check: 'signed-head' }),
        ]),
      );
    });
  });
});
