import { spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { Client } from 'pg';
import {
  AuditLog,
  Checkpoint,
  eventLeafHash,
  KeySettings,
  LogVerificationReport,
  migrateAuditTables,
  openCheckpointSigner,
  rootOf,
  toCheckpoint,
} from '@tip/audit';
import {
  chainHashHex,
  contentHashHexOfCanonical,
  createPool,
  createPostgresEventStore,
  GENESIS_HASH_HEX,
  NewEvent,
} from '@tip/event-store';
import { asAttacker, createTestDatabase, TestDatabase } from '@tip/testing';
import { startTip } from '../../apps/api/src/bootstrap';
import { loadConfig } from '../../apps/api/src/config';
import { exportLog, verifyEventStore } from '../../apps/cli/src/verify';
import { mintToken } from '@tip/auth';
import { pythonForTests } from './python';

/**
 * Every tampering of issue 17, done to a copy of one history by someone with write access to the
 * database (triggers off, as the owner could), each named by all three checkers against a
 * checkpoint taken before it: `tip verify`, GET /api/audit/verify and tools/verify-log.py.
 */

const REPO = path.resolve(__dirname, '../..');
const python = pythonForTests();

function event(type: string, data: Record<string, unknown>, businessTime = '2021-03-01T02:00:00.000Z'): NewEvent {
  const commandId = randomUUID();
  return {
    type,
    data,
    metadata: {
      eventId: randomUUID(),
      businessTime,
      actor: { sub: 's-admin', role: 'school-admin', unitId: 'S-01' },
      commandId,
      correlationId: commandId,
      causationId: commandId,
    },
  };
}

/** A finding every checker must report: which check, what kind, and where when it is about one event. */
interface Finding {
  check: 'hash-chain' | 'tree-leaves' | 'signed-head' | 'checkpoint' | 'event-fields';
  kind: string;
  position?: number;
}

interface Positions {
  [name: string]: number;
}

interface Case {
  name: string;
  tamper(client: Client, at: Positions): Promise<void>;
  named(at: Positions): Finding[];
}

/** As an attacker who knows the chain's rule: each event's hash and the stream's head recomputed. */
async function rechain(client: Client, streamId: string): Promise<void> {
  const { rows } = await client.query<{ position: string; event_type: string; data: string; metadata: string }>(
    'select position, event_type, data::text, metadata::text from tip_events where stream_id = $1 order by stream_revision',
    [streamId],
  );
  let hash = GENESIS_HASH_HEX;
  let prior = GENESIS_HASH_HEX;
  for (const row of rows) {
    prior = hash;
    hash = chainHashHex(hash, contentHashHexOfCanonical(streamId, row.event_type, row.data, row.metadata));
    await client.query("update tip_events set hash = decode($2, 'hex') where position = $1", [row.position, hash]);
  }
  await client.query(
    `update tip_streams set revision = $2, last_hash = decode($3, 'hex'), prior_hash = decode($4, 'hex') where stream_id = $1`,
    [streamId, rows.length - 1, hash, prior],
  );
}

async function swapPositions(client: Client, a: number, b: number): Promise<void> {
  await client.query('update tip_events set position = -1 where position = $1', [a]);
  await client.query('update tip_events set position = $1 where position = $2', [a, b]);
  await client.query('update tip_events set position = $1 where position = -1', [b]);
}

const CASES: Case[] = [
  // The eight that passed as intact before.
  {
    name: 'a forged event with its hash and the stream head recomputed',
    async tamper(client, at) {
      const forged = event('TeacherTransferred', { teacherId: 'T-1', toSchoolId: 'S-02' });
      const metadata = JSON.stringify({
        ...forged.metadata,
        recordedTime: '2021-03-01T02:00:00.000Z',
        schemaVersion: 1,
      });
      await client.query(
        `insert into tip_events (position, transaction_id, stream_id, stream_revision, event_id, event_type, schema_version,
                                 data, metadata, business_time, recorded_time, hash)
         values ($1, '3'::xid8, 'teacher-T-1', 1, $2, $3, 1, $4, $5, $6, $6, '\\x00')`,
        [
          at.gap,
          forged.metadata.eventId,
          forged.type,
          JSON.stringify(forged.data),
          canonical(metadata),
          '2021-03-01T02:00:00Z',
        ],
      );
      await rechain(client, 'teacher-T-1');
    },
    named: (at) => [
      { check: 'tree-leaves', kind: 'inserted', position: at.gap },
      { check: 'checkpoint', kind: 'tree' },
    ],
  },
  {
    name: 'an altered event with the chain recomputed',
    async tamper(client, at) {
      await client.query(`update tip_events set data = '{"seats":300,"unitId":"320707"}' where position = $1`, [
        at.countyReceived,
      ]);
      await rechain(client, 'quota-B:1:320707');
    },
    named: (at) => [
      { check: 'tree-leaves', kind: 'altered', position: at.countyReceived },
      { check: 'checkpoint', kind: 'tree' },
    ],
  },
  {
    name: 'a tail deleted with the head rolled back',
    async tamper(client, at) {
      await client.query('delete from tip_events where position = $1', [at.hours3]);
      await rechain(client, 'enrollment-B:T-1');
    },
    named: (at) => [
      { check: 'tree-leaves', kind: 'missing', position: at.hours3 },
      { check: 'checkpoint', kind: 'missing' },
    ],
  },
  {
    name: 'a whole stream deleted with its tip_streams row',
    async tamper(client) {
      await client.query("delete from tip_events where stream_id = 'quota-B:1:320707'");
      await client.query("delete from tip_streams where stream_id = 'quota-B:1:320707'");
    },
    named: (at) => [
      { check: 'tree-leaves', kind: 'missing', position: at.countyReceived },
      { check: 'tree-leaves', kind: 'missing', position: at.countyAllocated },
      { check: 'checkpoint', kind: 'missing' },
    ],
  },
  {
    name: 'two events’ global positions swapped in one stream',
    tamper: (client, at) => swapPositions(client, at.hours1, at.hours2),
    named: (at) => [
      { check: 'hash-chain', kind: 'out-of-order', position: at.hours2 },
      { check: 'tree-leaves', kind: 'moved', position: at.hours1 },
      { check: 'tree-leaves', kind: 'moved', position: at.hours2 },
      { check: 'checkpoint', kind: 'tree' },
    ],
  },
  {
    name: 'two events’ global positions swapped across streams',
    tamper: (client, at) => swapPositions(client, at.cityAllocated, at.teacher),
    named: (at) => [
      { check: 'tree-leaves', kind: 'moved', position: at.cityAllocated },
      { check: 'tree-leaves', kind: 'moved', position: at.teacher },
      { check: 'checkpoint', kind: 'tree' },
    ],
  },
  {
    name: 'business_time changed',
    async tamper(client, at) {
      await client.query("update tip_events set business_time = business_time - interval '1 day' where position = $1", [
        at.hours1,
      ]);
    },
    named: (at) => [
      { check: 'event-fields', kind: 'inconsistent', position: at.hours1 },
      { check: 'tree-leaves', kind: 'altered', position: at.hours1 },
      { check: 'checkpoint', kind: 'tree' },
    ],
  },
  {
    name: 'event_id changed',
    async tamper(client, at) {
      await client.query('update tip_events set event_id = $2 where position = $1', [at.enrolled, randomUUID()]);
    },
    named: (at) => [
      { check: 'event-fields', kind: 'inconsistent', position: at.enrolled },
      { check: 'tree-leaves', kind: 'altered', position: at.enrolled },
      { check: 'checkpoint', kind: 'tree' },
    ],
  },
  {
    name: 'revision 2 deleted and revision 3 altered (both named, not only the gap)',
    async tamper(client, at) {
      await client.query('delete from tip_events where position = $1', [at.hours2]);
      await client.query(`update tip_events set data = '{"hours":40}' where position = $1`, [at.hours3]);
    },
    named: (at) => [
      { check: 'hash-chain', kind: 'missing', position: at.hours3 },
      { check: 'tree-leaves', kind: 'missing', position: at.hours2 },
      { check: 'tree-leaves', kind: 'altered', position: at.hours3 },
      { check: 'checkpoint', kind: 'missing' },
    ],
  },
  // Those the hash chains named before, named now by the tree too.
  {
    name: 'data changed',
    tamper: async (client, at) => {
      await client.query(`update tip_events set data = '{"seats":1000,"unitId":"320700"}' where position = $1`, [
        at.cityReceived,
      ]);
    },
    named: (at) => [
      { check: 'hash-chain', kind: 'altered', position: at.cityReceived },
      { check: 'tree-leaves', kind: 'altered', position: at.cityReceived },
      { check: 'checkpoint', kind: 'tree' },
    ],
  },
  {
    name: 'metadata changed (the actor)',
    tamper: async (client, at) => {
      await client.query(
        `update tip_events set metadata = replace(metadata::text, '"sub":"s-admin"', '"sub":"someone-else"')::json where position = $1`,
        [at.school],
      );
    },
    named: (at) => [
      { check: 'hash-chain', kind: 'altered', position: at.school },
      { check: 'tree-leaves', kind: 'altered', position: at.school },
    ],
  },
  {
    name: 'event type changed',
    tamper: async (client, at) => {
      await client.query("update tip_events set event_type = 'TeacherDeregistered' where position = $1", [at.teacher]);
    },
    named: (at) => [
      { check: 'hash-chain', kind: 'altered', position: at.teacher },
      { check: 'tree-leaves', kind: 'altered', position: at.teacher },
    ],
  },
  {
    name: 'a stored hash changed',
    tamper: async (client, at) => {
      await client.query("update tip_events set hash = decode(repeat('ab', 32), 'hex') where position = $1", [
        at.countyAllocated,
      ]);
    },
    named: (at) => [{ check: 'hash-chain', kind: 'altered', position: at.countyAllocated }],
  },
  {
    name: 'an event deleted from the middle of a stream',
    tamper: async (client, at) => {
      await client.query('delete from tip_events where position = $1', [at.hours1]);
    },
    named: (at) => [
      { check: 'hash-chain', kind: 'missing', position: at.hours2 },
      { check: 'tree-leaves', kind: 'missing', position: at.hours1 },
    ],
  },
  {
    name: 'the last event of a stream deleted',
    tamper: async (client, at) => {
      await client.query('delete from tip_events where position = $1', [at.cityMore]);
    },
    named: (at) => [
      { check: 'hash-chain', kind: 'missing' },
      { check: 'tree-leaves', kind: 'missing', position: at.cityMore },
    ],
  },
  {
    name: 'a revision renumbered',
    tamper: async (client, at) => {
      await client.query('update tip_events set stream_revision = 7 where position = $1', [at.hours3]);
    },
    named: (at) => [
      { check: 'hash-chain', kind: 'missing', position: at.hours3 },
      { check: 'tree-leaves', kind: 'altered', position: at.hours3 },
    ],
  },
  {
    name: 'an event moved to another stream',
    tamper: async (client, at) => {
      await client.query("update tip_events set stream_id = 'org-unit-S-09' where position = $1", [at.secondSchool]);
    },
    named: (at) => [
      { check: 'hash-chain', kind: 'altered', position: at.secondSchool },
      { check: 'hash-chain', kind: 'missing' },
      { check: 'hash-chain', kind: 'inserted' },
      { check: 'tree-leaves', kind: 'altered', position: at.secondSchool },
    ],
  },
  {
    name: 'recorded_time changed',
    tamper: async (client, at) => {
      await client.query(
        "update tip_events set recorded_time = recorded_time + interval '1 hour' where position = $1",
        [at.city],
      );
    },
    named: (at) => [
      { check: 'event-fields', kind: 'inconsistent', position: at.city },
      { check: 'tree-leaves', kind: 'altered', position: at.city },
    ],
  },
  {
    name: 'schema_version changed',
    tamper: async (client, at) => {
      await client.query('update tip_events set schema_version = 2 where position = $1', [at.province]);
    },
    named: (at) => [
      { check: 'event-fields', kind: 'inconsistent', position: at.province },
      { check: 'tree-leaves', kind: 'altered', position: at.province },
    ],
  },
  // The tree's own tables are no more trusted than the events: the signed roots are.
  {
    name: 'an event altered with its chain, and the stored Merkle leaves rewritten to match',
    async tamper(client, at) {
      await client.query(`update tip_events set data = '{"seats":300,"unitId":"320707"}' where position = $1`, [
        at.countyReceived,
      ]);
      await rechain(client, 'quota-B:1:320707');
      await rewriteStoredLeaves(client);
    },
    named: () => [
      { check: 'checkpoint', kind: 'tree' },
      { check: 'tree-leaves', kind: 'tree' },
    ],
  },
  {
    name: 'the stored Merkle leaves cut short inside a leaf',
    async tamper(client) {
      await client.query(
        'update tip_merkle_chunks set leaves = substring(leaves from 1 for length(leaves) - 5) where chunk = (select max(chunk) from tip_merkle_chunks)',
      );
    },
    named: () => [{ check: 'tree-leaves', kind: 'tree' }],
  },
  {
    name: 'a tree head forged in the table over an altered log',
    async tamper(client, at) {
      await client.query(`update tip_events set data = '{"seats":300,"unitId":"320707"}' where position = $1`, [
        at.countyReceived,
      ]);
      await rechain(client, 'quota-B:1:320707');
      const leaves = await rewriteStoredLeaves(client);
      // A head over the altered log, signed with a key the attacker does not have: the signature cannot be right.
      await client.query(
        `insert into tip_tree_heads (tree_size, root_hash, timestamp_ms, last_position, key_id, public_key, signature, reason)
         select $1, $2, 1614564000000, last_position, k.key_id, k.public_key, $3, 'interval'
         from tip_merkle_tree, (select key_id, public_key from tip_tree_heads limit 1) k`,
        [leaves.length, rootOf(leaves), randomBytes(64)],
      );
    },
    named: () => [
      { check: 'checkpoint', kind: 'tree' },
      { check: 'signed-head', kind: 'signature' },
    ],
  },
];

/** The canonical text of a JSON object (sorted keys), as the store keeps metadata. */
function canonical(json: string): string {
  const sort = (value: unknown): unknown =>
    value && typeof value === 'object' && !Array.isArray(value)
      ? Object.fromEntries(
          Object.keys(value)
            .sort()
            .map((key) => [key, sort((value as Record<string, unknown>)[key])]),
        )
      : value;
  return JSON.stringify(sort(JSON.parse(json)));
}

/**
 * The stored leaves made to agree with the events as they now are, as a careful attacker would;
 * gives every leaf of the tree in order.
 */
async function rewriteStoredLeaves(client: Client): Promise<Buffer[]> {
  const { rows } = await client.query<{ chunk: string; positions: Buffer }>(
    'select chunk, positions from tip_merkle_chunks order by chunk',
  );
  const all: Buffer[] = [];
  for (const row of rows) {
    const leaves: Buffer[] = [];
    for (let offset = 0; offset < row.positions.length; offset += 8) {
      const position = row.positions.readUInt32BE(offset) * 2 ** 32 + row.positions.readUInt32BE(offset + 4);
      const { rows: events } = await client.query(
        `select stream_id, stream_revision, event_id::text, event_type, schema_version,
                to_char(business_time at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as bt,
                to_char(recorded_time at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as rt, data::text, metadata::text
         from tip_events where position = $1`,
        [position],
      );
      const stored = events[0];
      leaves.push(
        eventLeafHash({
          position,
          streamId: stored.stream_id,
          revision: Number(stored.stream_revision),
          eventId: stored.event_id,
          type: stored.event_type,
          schemaVersion: stored.schema_version,
          businessTime: stored.bt,
          recordedTime: stored.rt,
          data: stored.data,
          metadata: stored.metadata,
        }),
      );
    }
    await client.query('update tip_merkle_chunks set leaves = $2 where chunk = $1', [row.chunk, Buffer.concat(leaves)]);
    all.push(...leaves);
  }
  return all;
}

describe('Tampering with the database behind TIP’s back', () => {
  let pristine: TestDatabase;
  let dir: string;
  let keys: KeySettings;
  let keptFile: string;
  let kept: Checkpoint;
  const at: Positions = {};

  beforeAll(async () => {
    pristine = await createTestDatabase();
    dir = await mkdtemp(path.join(tmpdir(), 'tip-tampering-'));
    keys = { keysDir: path.join(dir, 'keys') };
    const store = await createPostgresEventStore({ connectionString: pristine.url });
    const pool = createPool({ connectionString: pristine.url, max: 2 }, () => undefined);
    try {
      const append = async (name: string, streamId: string, events: NewEvent[]) => {
        const result = await store.appendToStream(streamId, events);
        result.events.forEach((each, index) => (at[events.length === 1 ? name : `${name}${index}`] = each.position));
      };
      await append('province', 'org-unit-320000', [event('OrgUnitRegistered', { unitId: '320000', kind: 'province' })]);
      await append('city', 'org-unit-320700', [event('OrgUnitRegistered', { unitId: '320700', kind: 'city' })]);
      await append('county', 'org-unit-320707', [event('OrgUnitRegistered', { unitId: '320707', kind: 'county' })]);
      await append('school', 'org-unit-S-01', [event('OrgUnitRegistered', { unitId: 'S-01', kind: 'school' })]);
      await append('cityLedger', 'quota-B:1:320700', [
        event('QuotaReceived', { seats: 100, unitId: '320700' }),
        event('QuotaAllocated', { seats: 30, toUnitId: '320707' }),
      ]);
      await append('countyLedger', 'quota-B:1:320707', [
        event('QuotaReceived', { seats: 30, unitId: '320707' }),
        event('QuotaAllocated', { seats: 10, toUnitId: 'S-01' }),
      ]);
      await append('teacher', 'teacher-T-1', [
        event('TeacherRegistered', { teacherId: 'T-1', name: '王芳', schoolId: 'S-01' }),
      ]);
      await append('enrolled', 'enrollment-B:T-1', [event('TeacherEnrolled', { teacherId: 'T-1', batchId: 'B' })]);
      // A transaction that took a position and rolled back leaves a gap in the positions.
      const gap = await pool.query<{ position: string }>("select nextval('tip_event_position_seq') as position");
      at.gap = Number(gap.rows[0].position);
      for (const name of ['hours1', 'hours2', 'hours3']) {
        await append(name, 'enrollment-B:T-1', [
          event('OnlineHoursRecorded', { hours: 4 }, '2021-03-02T02:00:00.000Z'),
        ]);
      }
      await append('cityMore', 'quota-B:1:320700', [event('QuotaAllocated', { seats: 20, toUnitId: '320799' })]);
      await append('secondSchool', 'org-unit-S-02', [event('OrgUnitRegistered', { unitId: 'S-02', kind: 'school' })]);
      Object.assign(at, {
        cityReceived: at.cityLedger0,
        cityAllocated: at.cityLedger1,
        countyReceived: at.countyLedger0,
        countyAllocated: at.countyLedger1,
      });
      // The checkpoint an auditor keeps, taken before anything is touched.
      await migrateAuditTables(pool);
      const { signer } = await openCheckpointSigner(keys, { create: true });
      for (;;) {
        const stats = await store.stats();
        if (stats.safePosition === stats.headPosition) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      kept = toCheckpoint(await new AuditLog({ pool, store, signer }).heads.sign('request'));
      expect(kept.treeSize).toBe(15);
      keptFile = path.join(dir, 'kept-checkpoint.json');
      await writeFile(keptFile, JSON.stringify(kept, null, 2));
    } finally {
      await pool.end();
      await store.close();
    }
  }, 60_000);

  afterAll(async () => {
    await pristine?.drop();
    await rm(dir, { recursive: true, force: true });
  });

  /** The three checkers on a copy of the history, tampered with by `tamper` first. */
  async function checkAll(tamper?: (client: Client) => Promise<void>) {
    const copy = await createTestDatabase({ template: pristine.name });
    try {
      if (tamper) await asAttacker(copy.url, tamper);
      const cli = await tipVerify(copy.url);
      const http = await httpVerify(copy.url);
      const py = await pythonVerify(copy.url);
      return { cli, http, py };
    } finally {
      await copy.drop();
    }
  }

  async function tipVerify(url: string) {
    const lines: string[] = [];
    const exitCode = await verifyEventStore(
      url,
      // The log's rows hashed in a worker thread, as for a large log (GET /api/audit/verify hashes them inline).
      { against: [keptFile], maxProblems: 100, keys, hashWorkers: 1, hashWorkersFrom: 0 },
      { print: (line) => lines.push(line), progress: new PassThrough() },
    );
    return { exitCode, text: lines.join('\n') };
  }

  async function httpVerify(url: string): Promise<LogVerificationReport> {
    const secret = randomBytes(32).toString('hex');
    const tip = await startTip(
      loadConfig({
        DATABASE_URL: url,
        PORT: '0',
        TIP_JWT_SECRET: secret,
        TIP_LOG_LEVEL: 'error',
        TIP_KEYS_DIR: keys.keysDir,
      }),
    );
    try {
      const token = await mintToken(secret, { sub: 'a-1', role: 'auditor' });
      const response = await fetch(`${tip.url}/audit/verify?treeSize=${kept.treeSize}&rootHash=${kept.rootHash}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(response.status).toBe(200);
      return (await response.json()) as LogVerificationReport;
    } finally {
      await tip.stop();
    }
  }

  async function pythonVerify(url: string) {
    const file = path.join(dir, `export-${randomUUID()}.ndjson`);
    await exportLog(url, file, keys, () => undefined);
    if (!python.command) return { exitCode: -1, text: `(python skipped: ${python.reason})` };
    const run = spawnSync(
      python.command,
      [path.join(REPO, 'tools/verify-log.py'), 'log', file, '--checkpoint', keptFile],
      {
        encoding: 'utf8',
      },
    );
    await rm(file, { force: true });
    return { exitCode: run.status ?? -1, text: `${run.stdout}${run.stderr}` };
  }

  /** A text report names a finding when one of its problem lines has the check, the kind and the position. */
  function namedInText(text: string, finding: Finding): boolean {
    return text
      .split('\n')
      .some(
        (line) =>
          line.startsWith(`  [${finding.check}] ${finding.kind}:`) &&
          (finding.position === undefined || new RegExp(`position ${finding.position}\\b`).test(line)),
      );
  }

  it('finds the untouched history intact, with all three checkers', async () => {
    const { cli, http, py } = await checkAll();
    expect(cli.text).toContain('INTACT');
    expect(cli.exitCode).toBe(0);
    expect(http).toMatchObject({ ok: true, problems: [], checkpoints: [{ matches: true, signatureOk: true }] });
    if (python.command) {
      expect(py.text).toContain('INTACT: no problem found.');
      expect(py.text).toContain(`Kept checkpoint of ${kept.treeSize} events signed at ${kept.signedAt}: matches.`);
      expect(py.exitCode).toBe(0);
    }
  });

  it('lets the independent verifier check the proofs TIP gives: a later head extends the kept one, an event is in it', async () => {
    if (!python.command) return;
    const copy = await createTestDatabase({ template: pristine.name });
    const store = await createPostgresEventStore({ connectionString: copy.url });
    const pool = createPool({ connectionString: copy.url, max: 2 }, () => undefined);
    try {
      await store.appendToStream('org-unit-S-03', [event('OrgUnitRegistered', { unitId: 'S-03', kind: 'school' })]);
      const { signer } = await openCheckpointSigner(keys, { create: false });
      const audit = new AuditLog({ pool, store, signer });
      const newer = toCheckpoint(await audit.heads.sign('request'));
      const files = {
        newer: path.join(dir, 'newer.json'),
        consistency: path.join(dir, 'consistency.json'),
        inclusion: path.join(dir, 'inclusion.json'),
      };
      await writeFile(files.newer, JSON.stringify(newer));
      const consistency = await audit.proofs.consistency(kept.treeSize, newer.treeSize);
      await writeFile(files.consistency, JSON.stringify(consistency));
      await writeFile(files.inclusion, JSON.stringify(await audit.proofs.inclusion(at.hours2, newer.treeSize)));
      const run = (...args: string[]) =>
        spawnSync(python.command as string, [path.join(REPO, 'tools/verify-log.py'), ...args], { encoding: 'utf8' });

      const consistent = run('consistency', '--old', keptFile, '--new', files.newer, '--proof', files.consistency);
      expect(consistent.stdout).toContain(
        `CONSISTENT: the head of ${newer.treeSize} events extends the kept one of 15.`,
      );
      expect(consistent.status).toBe(0);
      const included = run('inclusion', '--head', files.newer, '--proof', files.inclusion);
      expect(included.stdout).toContain(`INCLUDED: the event at position ${at.hours2} is leaf`);
      expect(included.status).toBe(0);

      // A proof spoiled in one step, and a head whose size was changed, are refused.
      const spoiled = { ...consistency, consistencyPath: [...consistency.consistencyPath] };
      spoiled.consistencyPath[0] = spoiled.consistencyPath[0].replace(/^./, (digit) => (digit === '0' ? '1' : '0'));
      await writeFile(files.consistency, JSON.stringify(spoiled));
      const refused = run('consistency', '--old', keptFile, '--new', files.newer, '--proof', files.consistency);
      expect(refused.stdout).toContain('BROKEN: the proof does not show that the tree of');
      expect(refused.status).toBe(1);
      await writeFile(files.newer, JSON.stringify({ ...newer, treeSize: newer.treeSize + 1 }));
      const forged = run('inclusion', '--head', files.newer, '--proof', files.inclusion);
      expect(forged.stdout).toContain('BROKEN: its signature does not match its tree size, root hash and timestamp');
      expect(forged.status).toBe(1);
    } finally {
      await pool.end();
      await store.close();
      await copy.drop();
    }
  });

  describe.each(CASES.map((each) => [each.name, each] as const))('%s', (_name, tampering) => {
    it('is named by tip verify, GET /api/audit/verify and tools/verify-log.py against the kept checkpoint', async () => {
      const { cli, http, py } = await checkAll((client) => tampering.tamper(client, at));
      const findings = tampering.named(at);
      const unnamed = (text: string) => ({ unnamed: findings.filter((finding) => !namedInText(text, finding)), text });
      expect(unnamed(cli.text)).toEqual({ unnamed: [], text: cli.text });
      expect(cli.exitCode).toBe(1);
      expect(http.ok).toBe(false);
      for (const finding of findings) {
        expect(http.problems).toContainEqual(
          expect.objectContaining({
            check: finding.check,
            kind: finding.kind,
            ...(finding.position === undefined ? {} : { position: finding.position }),
          }),
        );
      }
      if (!python.command) return;
      expect(unnamed(py.text)).toEqual({ unnamed: [], text: py.text });
      expect(py.exitCode).toBe(1);
    });
  });
});
