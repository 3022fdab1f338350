import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { createPostgresEventStore } from '@tip/event-store';
import { checkoutReadableBy, createTestDatabase, ReadableCheckout, TestDatabase } from '@tip/testing';
import {
  Account,
  cleanUp,
  embeddedPgDir,
  isAlive,
  isRoot,
  lookUpAccount,
  makeTempDir,
  Postmaster,
  processUid,
  readPostmaster,
  refusesConnections,
  REPO_ROOT,
  TipProcess,
} from './tip-process';

/**
 * `npm start` end to end: the real process, started and stopped the way a user does, with the
 * embedded PostgreSQL it brings along (or a server named by DATABASE_URL).
 */

const CLEAN_EXIT = { code: 0, signal: null };

interface ComponentHealth {
  status: string;
  [detail: string]: unknown;
}

interface Health {
  status: string;
  eventStore: ComponentHealth;
  readModels: ComponentHealth;
}

async function getHealth(baseUrl: string): Promise<{ httpStatus: number; body: Health }> {
  const response = await fetch(`${baseUrl}/health`, { signal: AbortSignal.timeout(10_000) });
  return { httpStatus: response.status, body: (await response.json()) as Health };
}

async function expectHealthy(baseUrl: string): Promise<Health> {
  const health = await getHealth(baseUrl);
  expect(health).toMatchObject({
    httpStatus: 200,
    body: {
      status: 'ok',
      eventStore: { status: 'up' },
      readModels: {
        status: 'up',
        views: { progress: { position: expect.any(Number) }, inspections: { position: expect.any(Number) } },
      },
    },
  });
  return health.body;
}

function headPosition(health: Health): number {
  const head = health.eventStore.headPosition;
  if (typeof head !== 'number')
    throw new Error(`health has no numeric eventStore.headPosition: ${JSON.stringify(health)}`);
  return head;
}

/** The postmaster of a running app: its lock file exists, it is alive and on the port the app logged. */
async function runningPostmaster(dataDir: string, tip: TipProcess): Promise<Postmaster> {
  const postmaster = await readPostmaster(dataDir);
  if (!postmaster)
    throw new Error(`no postmaster.pid in ${embeddedPgDir(dataDir)} while the app runs. Output:\n${tip.tail()}`);
  expect(await isAlive(postmaster.pid)).toBe(true);
  expect(postmaster.port).toBe(tip.loggedEmbeddedPort);
  return postmaster;
}

async function expectPostgresDown(dataDir: string, postmaster: Postmaster): Promise<void> {
  expect(existsSync(path.join(embeddedPgDir(dataDir), 'postmaster.pid'))).toBe(false);
  expect(await isAlive(postmaster.pid)).toBe(false);
  expect(await refusesConnections(postmaster.port)).toBe(true);
}

/** URL of the embedded server's `tip` database, from the password file the library keeps. */
async function embeddedDatabaseUrl(dataDir: string, port: number): Promise<string> {
  const file = path.join(dataDir, 'postgres', 'embedded-postgres.json');
  const credentials: unknown = JSON.parse(await readFile(file, 'utf8'));
  if (
    typeof credentials !== 'object' ||
    credentials === null ||
    !('user' in credentials) ||
    !('password' in credentials) ||
    typeof credentials.user !== 'string' ||
    typeof credentials.password !== 'string'
  ) {
    throw new Error(`${file} does not hold {"user": …, "password": …}`);
  }
  const user = encodeURIComponent(credentials.user);
  const password = encodeURIComponent(credentials.password);
  return `postgresql://${user}:${password}@127.0.0.1:${port}/tip`;
}

interface AppendedProbe {
  streamId: string;
  eventId: string;
  position: number;
}

async function appendProbeEvent(connectionString: string): Promise<AppendedProbe> {
  const store = await createPostgresEventStore({ connectionString });
  try {
    const eventId = randomUUID();
    const streamId = `e2e-start-probe-${eventId}`;
    const commandId = randomUUID();
    const { lastPosition } = await store.appendToStream(streamId, [
      {
        type: 'E2eProbeRecorded',
        data: { purpose: 'must survive a restart' },
        metadata: {
          eventId,
          businessTime: new Date().toISOString(),
          actor: { sub: 'e2e-test', role: 'admin' },
          commandId,
          correlationId: commandId,
          causationId: commandId,
        },
      },
    ]);
    return { streamId, eventId, position: lastPosition };
  } finally {
    await store.close();
  }
}

async function readProbeEventIds(connectionString: string, streamId: string): Promise<string[]> {
  const store = await createPostgresEventStore({ connectionString });
  try {
    return (await store.readStream(streamId)).map((event) => event.metadata.eventId);
  } finally {
    await store.close();
  }
}

function ownUid(): number {
  const uid = process.getuid?.();
  if (uid === undefined) throw new Error('these tests need a POSIX system (process.getuid)');
  return uid;
}

describe('npm start (scripts/start.js)', () => {
  let database: TestDatabase | undefined;
  let checkout: ReadableCheckout | undefined;

  afterEach(async () => {
    try {
      await cleanUp();
    } finally {
      await database?.drop();
      database = undefined;
      await checkout?.release();
      checkout = undefined;
    }
  }, 120_000);

  afterAll(() => cleanUp(), 120_000);

  it('embedded PostgreSQL: starts on a free port, keeps appended events across SIGTERM and a restart, stops on SIGINT', async () => {
    const dataDir = await makeTempDir();
    const env = { TIP_DATA_DIR: dataDir, PORT: '0' };

    const first = TipProcess.start({ env });
    const ready = await first.waitForReady();
    expect(ready.port).toBeGreaterThan(0);
    await expectHealthy(ready.url);
    const postmaster = await runningPostmaster(dataDir, first);
    // PostgreSQL refuses to run as root; as root the library hands it to a service user.
    if (isRoot()) expect(await processUid(postmaster.pid)).not.toBe(0);

    const databaseUrl = await embeddedDatabaseUrl(dataDir, postmaster.port);
    const probe = await appendProbeEvent(databaseUrl);
    expect(probe.position).toBeGreaterThan(0);
    expect(headPosition(await expectHealthy(ready.url))).toBeGreaterThanOrEqual(probe.position);

    expect(await first.stop('SIGTERM')).toEqual(CLEAN_EXIT);
    expect(first.output).toContain('SIGTERM received');
    await expectPostgresDown(dataDir, postmaster);

    const second = TipProcess.start({ env });
    const readyAgain = await second.waitForReady();
    const health = await expectHealthy(readyAgain.url);
    expect(headPosition(health)).toBeGreaterThanOrEqual(probe.position);
    const secondPostmaster = await runningPostmaster(dataDir, second);
    expect(await readProbeEventIds(await embeddedDatabaseUrl(dataDir, secondPostmaster.port), probe.streamId)).toEqual([
      probe.eventId,
    ]);

    expect(await second.stop('SIGINT')).toEqual(CLEAN_EXIT);
    expect(second.output).toContain('SIGINT received');
    await expectPostgresDown(dataDir, secondPostmaster);
  }, 300_000);

  const asRoot = isRoot();
  it(
    asRoot
      ? 'as root, started as user nobody: the app and its PostgreSQL run as nobody, answer health, and stop on SIGTERM'
      : 'not root, so the direct path: the app and its PostgreSQL run as the current user, answer health, and stop on SIGTERM',
    async () => {
      const account: Account | undefined = asRoot ? lookUpAccount('nobody') : undefined;
      const expectedUid = account?.uid ?? ownUid();
      const dataDir = await makeTempDir(account);
      const env: Record<string, string> = { TIP_DATA_DIR: dataDir, PORT: '0' };
      if (account) env.HOME = dataDir;
      checkout = account ? await checkoutReadableBy(account, REPO_ROOT) : undefined;

      const tip = TipProcess.start({ env, runAs: account, repoRoot: checkout?.root });
      const ready = await tip.waitForReady();
      expect(await processUid(tip.pid)).toBe(expectedUid);
      await expectHealthy(ready.url);
      const postmaster = await runningPostmaster(dataDir, tip);
      expect(await processUid(postmaster.pid)).toBe(expectedUid);
      expect((await stat(embeddedPgDir(dataDir))).uid).toBe(expectedUid);

      expect(await tip.stop('SIGTERM')).toEqual(CLEAN_EXIT);
      await expectPostgresDown(dataDir, postmaster);
    },
    180_000,
  );

  it('with DATABASE_URL: uses that server and creates no embedded PostgreSQL', async () => {
    database = await createTestDatabase();
    const dataDir = await makeTempDir();

    const tip = TipProcess.start({ env: { TIP_DATA_DIR: dataDir, PORT: '0', DATABASE_URL: database.url } });
    const ready = await tip.waitForReady();
    await expectHealthy(ready.url);
    // The app really reads the given database: an event appended there shows in its health.
    const probe = await appendProbeEvent(database.url);
    expect(headPosition(await expectHealthy(ready.url))).toBeGreaterThanOrEqual(probe.position);
    expect(tip.output).not.toMatch(/embedded PostgreSQL/i);
    expect(existsSync(path.join(dataDir, 'postgres'))).toBe(false);

    expect(await tip.stop('SIGTERM')).toEqual(CLEAN_EXIT);
    expect(existsSync(path.join(dataDir, 'postgres'))).toBe(false);
  }, 180_000);

  it.each(['abc', '70000'])(
    'PORT=%s: exits non-zero within 10 s with a message naming PORT, and starts no PostgreSQL',
    async (port) => {
      const dataDir = await makeTempDir();

      const tip = TipProcess.start({ env: { TIP_DATA_DIR: dataDir, PORT: port } });
      const exit = await tip.waitForExit(10_000);

      expect(exit.signal).toBeNull();
      expect(exit.code).toBeGreaterThan(0);
      expect(tip.output).toMatch(/\bPORT\b/);
      expect(tip.output).not.toContain('TIP is ready');
      expect(await readdir(dataDir)).toEqual([]);
    },
    30_000,
  );
});
