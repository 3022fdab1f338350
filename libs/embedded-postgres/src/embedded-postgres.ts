import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, appendFileSync } from 'node:fs';
import { chmod, chown, mkdir, open, readFile, readdir, realpath, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import * as path from 'node:path';
import { Client } from 'pg';
import {
  DataDirectoryError,
  InitdbFailedError,
  PostgresBinariesMissingError,
  PostgresStartError,
  PostgresStopError,
} from './errors';
import { findBinariesPackage, hydrateSymlinks as hydrateSymlinksIn, linkLibrariesInto } from './hydrate-symlinks';
import {
  errorCode,
  isPostmasterFor,
  parsePostmasterPid,
  processCommandLine,
  processInfo,
  processState,
} from './processes';
import { clusterDirOf, DEFAULT_SERVICE_HOME, placeForServiceUser } from './placement';
import { checkServiceUserAccess, isRoot, resolveServiceUser, ServiceUser } from './service-user';
import { connectionString, postgresArguments } from './settings';

export interface EmbeddedPostgresOptions {
  /** Our directory: PostgreSQL's data lives in `<dataDir>/pg`, its password in `<dataDir>/embedded-postgres.json`. */
  dataDir: string;
  /** Loopback port to listen on; a free one is picked when omitted. */
  port?: number;
  /** Receives PostgreSQL's output and our own notices; without it they go to `<dataDir>/postgres.log`. */
  log?: (line: string) => void;
  /** PostgreSQL settings (`-c name=value`) that override the defaults in DEFAULT_SETTINGS. */
  settings?: Record<string, string>;
  /**
   * As root: where the service user's cluster and programs go when it cannot reach them where
   * they are (a clone in a private folder). Default DEFAULT_SERVICE_HOME, /var/lib/tip.
   */
  serviceHome?: string;
  /** Restart the server when it dies on its own (kill -9, a crash), on the same port; see Supervision. */
  supervise?: Supervision;
}

/**
 * What a supervised server does when it exits without being asked: starts again on the same port
 * and data directory (PostgreSQL replays its WAL, so every commit it acknowledged is there), with
 * backoff, for `giveUpAfterMs`; then it gives up and says so, for the caller to exit (and a
 * process supervisor to start everything afresh).
 */
export interface Supervision {
  onRestarting?(attempt: number, reason: string): void;
  onRestarted?(attempt: number): void;
  onGiveUp(error: Error): void;
  /** How long to keep trying after a crash; 60 s by default. */
  giveUpAfterMs?: number;
}

export interface EmbeddedPostgres {
  readonly port: number;
  readonly user: string;
  /** Where the cluster lives: `<dataDir>/pg`, or (as root, see `serviceHome`) the directory it links to. */
  readonly clusterDir: string;
  /** What the launcher placed outside the data directory and why: worth a line in the caller's log. */
  readonly notes: readonly string[];
  /** URL for the superuser; `database` defaults to "postgres". */
  connectionString(database?: string): string;
  /** Fast shutdown; resolves once the server has exited. Safe to call more than once. */
  stop(): Promise<void>;
}

const SUPERUSER = 'tip';
const READY_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 30_000;
const QUIT_GRACE_MS = 10_000;
const INITDB_TIMEOUT_MS = 120_000;
const LOG_TAIL_LINES = 30;

interface Credentials {
  user: string;
  password: string;
}

interface Layout {
  dataDir: string;
  pgDir: string;
  credentialsFile: string;
  logFile: string;
}

/** Where output goes: a callback, or appended to `<dataDir>/postgres.log`. */
interface LogSink {
  notice(message: string): void;
  /** Last lines PostgreSQL printed since `mark()`, for error messages. */
  tail(): Promise<string>;
  mark(): Promise<void>;
  consume(child: ChildProcess): void;
  stdio(): { out: 'pipe' | number; close(): void };
}

export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const dataLayout = layoutOf(options.dataDir);
  const runAs = isRoot() ? await resolveServiceUser(await clusterDirOf(dataLayout.pgDir)) : undefined;

  await makeDataDir(dataLayout.dataDir, runAs !== undefined);
  const sink = options.log ? callbackSink(options.log) : fileSink(dataLayout.logFile);
  const placement = runAs
    ? await placeForServiceUser(
        runAs,
        binariesPackageDir(),
        dataLayout.dataDir,
        dataLayout.pgDir,
        options.serviceHome ?? DEFAULT_SERVICE_HOME,
      )
    : { packageDir: binariesPackageDir(), clusterDir: await clusterDirOf(dataLayout.pgDir), notes: [] };
  for (const note of placement.notes) sink.notice(note);
  // From here on the cluster is named by its real path: that is what PostgreSQL is given and reports.
  const layout: Layout = { ...dataLayout, pgDir: placement.clusterDir };
  const packageDir = placement.packageDir;
  const binDir = path.join(packageDir, 'native', 'bin');
  const libraryPath = await prepareLibraries(packageDir, layout.dataDir, sink);
  if (runAs) await checkServiceUserAccess(runAs, path.dirname(layout.pgDir), path.join(binDir, 'postgres'));
  const env = childEnv(libraryPath);

  const initialised = await isInitialised(layout);
  const credentials = await loadCredentials(layout, initialised);
  if (!initialised) await initdb(binDir, layout, credentials, runAs, env, sink);
  await stopStaleServer(layout.pgDir, sink);

  const launch = {
    binDir,
    pgDir: layout.pgDir,
    workDir: path.dirname(layout.pgDir),
    env,
    runAs,
    credentials,
    sink,
    notes: placement.notes,
  };
  const server = await firstLaunch(launch, options);
  return options.supervise ? new SupervisedServer(server, launch, options.settings, options.supervise) : server;
}

async function firstLaunch(launch: Launch, options: EmbeddedPostgresOptions): Promise<RunningServer> {
  if (options.port !== undefined) return launchServer(launch, options.port, options.settings);
  for (let attempt = 1; ; attempt += 1) {
    const port = await freePort();
    try {
      return await launchServer(launch, port, options.settings);
    } catch (error) {
      // The free port we picked can be taken by someone else before PostgreSQL binds it.
      const raced = error instanceof PostgresStartError && /Address already in use/.test(error.logTail);
      if (!raced || attempt >= 3) throw error;
      launch.sink.notice(`Port ${port} was taken before PostgreSQL could use it; trying another`);
    }
  }
}

const RESTART_DELAYS_MS = [100, 250, 500, 1000, 2000, 4000];

/**
 * A server brought back whenever it dies on its own. Same port and credentials throughout, so
 * connection pools need nothing but to reconnect. Restarts wait a little more each time (a
 * killed postmaster's backends must leave its shared memory before a new one may start).
 */
class SupervisedServer implements EmbeddedPostgres {
  readonly port: number;
  readonly user: string;
  readonly clusterDir: string;
  readonly notes: readonly string[];
  private current: RunningServer;
  private stopping = false;
  private reviving: Promise<void> | undefined;

  constructor(
    first: RunningServer,
    private readonly launch: Launch,
    private readonly settings: Record<string, string> | undefined,
    private readonly supervision: Supervision,
  ) {
    this.current = first;
    this.port = first.port;
    this.user = first.user;
    this.clusterDir = first.clusterDir;
    this.notes = first.notes;
    this.watch(first);
  }

  connectionString(database?: string): string {
    return this.current.connectionString(database);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.reviving;
    await this.current.stop();
  }

  private watch(server: RunningServer): void {
    void server.whenExited().then((reason) => {
      if (this.stopping || server.stoppedOnPurpose || server !== this.current) return;
      this.reviving = this.revive(reason);
    });
  }

  private async revive(reason: string): Promise<void> {
    const deadline = Date.now() + (this.supervision.giveUpAfterMs ?? 60_000);
    for (let attempt = 1; !this.stopping; attempt++) {
      this.launch.sink.notice(`PostgreSQL ${reason}; starting it again (attempt ${attempt})`);
      this.supervision.onRestarting?.(attempt, reason);
      try {
        const server = await launchServer(this.launch, this.port, this.settings);
        this.current = server;
        this.watch(server);
        if (this.stopping) return;
        this.launch.sink.notice(`PostgreSQL is back on port ${this.port}`);
        this.supervision.onRestarted?.(attempt);
        return;
      } catch (error) {
        const delay = RESTART_DELAYS_MS[Math.min(attempt - 1, RESTART_DELAYS_MS.length - 1)];
        if (Date.now() + delay > deadline) {
          const failure = new PostgresStartError(
            `PostgreSQL ${reason} and could not be started again within ` +
              `${Math.round((this.supervision.giveUpAfterMs ?? 60_000) / 1000)} s (${attempt} attempts): ` +
              (error instanceof Error ? error.message : String(error)),
            error instanceof PostgresStartError ? error.logTail : '',
            { cause: error },
          );
          this.launch.sink.notice(failure.message);
          this.supervision.onGiveUp(failure);
          return;
        }
        await sleep(delay);
      }
    }
  }
}

interface Launch {
  binDir: string;
  pgDir: string;
  /** The cluster's parent directory: the service user's working directory. */
  workDir: string;
  env: NodeJS.ProcessEnv;
  runAs: ServiceUser | undefined;
  credentials: Credentials;
  sink: LogSink;
  notes: readonly string[];
}

async function launchServer(
  launch: Launch,
  port: number,
  settings: Record<string, string> | undefined,
): Promise<RunningServer> {
  const { binDir, pgDir, workDir, env, runAs, credentials, sink } = launch;
  const args = postgresArguments(pgDir, port, settings);
  await sink.mark();
  const output = sink.stdio();
  let child: ChildProcess;
  try {
    // Own process group: a Ctrl-C in the terminal reaches only Node, which then stops us in order.
    child = spawn(path.join(binDir, 'postgres'), args, {
      cwd: workDir,
      env,
      detached: true,
      stdio: ['ignore', output.out, output.out],
      ...(runAs ? { uid: runAs.uid, gid: runAs.gid } : {}),
    });
  } finally {
    output.close();
  }
  sink.consume(child);
  const server = new RunningServer(child, port, credentials, sink, pgDir, launch.notes);
  try {
    await server.waitUntilReady(pgDir);
  } catch (error) {
    await server.stop().catch(() => undefined);
    throw error;
  }
  return server;
}

/**
 * Makes the directory a cluster restored into `dataDir` goes to, as initdb's would be made: empty,
 * mode 0700, owned by the user the server will run as (as root, the service user, under
 * `serviceHome` when the data directory is out of its reach). The restored files must be given
 * to `owner`, when there is one.
 */
export async function prepareClusterDirectory(options: {
  dataDir: string;
  serviceHome?: string;
}): Promise<{ clusterDir: string; owner?: { uid: number; gid: number } }> {
  const dataLayout = layoutOf(options.dataDir);
  const runAs = isRoot() ? await resolveServiceUser(await clusterDirOf(dataLayout.pgDir)) : undefined;
  await makeDataDir(dataLayout.dataDir, runAs !== undefined);
  const { clusterDir } = runAs
    ? await placeForServiceUser(
        runAs,
        binariesPackageDir(),
        dataLayout.dataDir,
        dataLayout.pgDir,
        options.serviceHome ?? DEFAULT_SERVICE_HOME,
      )
    : { clusterDir: await clusterDirOf(dataLayout.pgDir) };
  await mkdir(clusterDir, { recursive: true, mode: 0o700 });
  if ((await readdir(clusterDir)).length > 0) {
    throw new DataDirectoryError(clusterDir, `${clusterDir} already holds files: restore into a new data directory`);
  }
  if (!runAs) return { clusterDir };
  await chown(clusterDir, runAs.uid, runAs.gid);
  return { clusterDir, owner: { uid: runAs.uid, gid: runAs.gid } };
}

/** A server another process started on a data directory: ours to use, not to stop. */
export type RunningEmbeddedPostgres = Omit<EmbeddedPostgres, 'stop'>;

/**
 * The server already running on `dataDir` (the API's, say), or undefined when none is: a tool
 * that needs the database uses it instead of stopping it to start its own.
 */
export async function findRunningEmbeddedPostgres(dataDir: string): Promise<RunningEmbeddedPostgres | undefined> {
  const layout = layoutOf(dataDir);
  const clusterDir = await clusterDirOf(layout.pgDir);
  let text: string;
  try {
    text = await readFile(path.join(clusterDir, 'postmaster.pid'), 'utf8');
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return undefined;
    throw error;
  }
  const lock = parsePostmasterPid(text);
  if (lock?.port === undefined || (await processState(lock.pid)) !== 'running') return undefined;
  // After a crash the pid may belong to another program by now.
  const argv = await processCommandLine(lock.pid);
  if (argv && !isPostmasterFor(argv, clusterDir)) return undefined;
  const { user, password } = await loadCredentials(layout, true);
  const port = lock.port;
  return {
    port,
    user,
    clusterDir,
    notes: [],
    connectionString: (database = 'postgres') => connectionString(user, password, port, database),
  };
}

/** Recreates the binaries package's library symlinks (see hydrate-symlinks.js). Idempotent. */
export async function hydrateSymlinks(): Promise<void> {
  await hydrateSymlinksIn(binariesPackageDir());
}

class RunningServer implements EmbeddedPostgres {
  readonly user: string;
  private readonly exited: Promise<void>;
  /** Also waits for piped output to drain, so error messages include the last lines. */
  private readonly closed: Promise<void>;
  private exitDescription: string | undefined;
  private stopping: Promise<void> | undefined;

  /** Whether stop() was called: an exit then is no crash. */
  get stoppedOnPurpose(): boolean {
    return this.stopping !== undefined;
  }

  /** Resolves with how the server exited ("was killed by SIGKILL"), whenever it does. */
  async whenExited(): Promise<string> {
    await this.exited;
    return this.exitDescription ?? 'exited';
  }

  constructor(
    private readonly child: ChildProcess,
    readonly port: number,
    private readonly credentials: Credentials,
    private readonly sink: LogSink,
    readonly clusterDir: string,
    readonly notes: readonly string[],
  ) {
    this.user = credentials.user;
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exitDescription = signal ? `was killed by ${signal}` : `exited with code ${code}`;
        if (!this.stopping) sink.notice(`PostgreSQL (pid ${child.pid}) ${this.exitDescription} unexpectedly`);
        resolve();
      });
      // Spawn failures (missing or non-executable binary) come as 'error' without 'exit'.
      child.once('error', (error) => {
        this.exitDescription ??= `could not be started: ${error.message}`;
        resolve();
      });
    });
    this.closed = new Promise((resolve) => {
      child.once('close', () => resolve());
      child.once('error', () => resolve());
    });
  }

  connectionString(database = 'postgres'): string {
    return connectionString(this.credentials.user, this.credentials.password, this.port, database);
  }

  stop(): Promise<void> {
    this.stopping ??= this.shutDown();
    return this.stopping;
  }

  private async shutDown(): Promise<void> {
    if (this.exitDescription !== undefined || this.child.pid === undefined) return;
    const pid = this.child.pid;
    const signalled = (signal: NodeJS.Signals): void => {
      if (this.exitDescription === undefined) this.child.kill(signal);
    };
    signalled('SIGINT');
    if (await settlesWithin(this.exited, STOP_GRACE_MS)) return;
    this.sink.notice(`PostgreSQL (pid ${pid}) did not finish a fast shutdown in 30 s; sending SIGQUIT`);
    signalled('SIGQUIT');
    if (await settlesWithin(this.exited, QUIT_GRACE_MS)) return;
    throw new PostgresStopError(
      `PostgreSQL (pid ${pid}) ignored SIGINT and SIGQUIT and is still running. Stop it by hand ` +
        `(kill -9 ${pid}) before starting it again.`,
    );
  }

  async waitUntilReady(pgDir: string): Promise<void> {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    const expectedDir = await realpath(pgDir);
    let lastError: unknown;
    while (Date.now() < deadline) {
      if (this.exitDescription !== undefined) {
        await settlesWithin(this.closed, 1_000);
        throw new PostgresStartError(
          `PostgreSQL ${this.exitDescription} before accepting connections (data directory ${pgDir}, ` +
            `port ${this.port}). The log below usually says why, e.g. the port is taken or the data ` +
            'directory belongs to another user.',
          await this.sink.tail(),
        );
      }
      const client = new Client({
        host: '127.0.0.1',
        port: this.port,
        user: this.credentials.user,
        password: this.credentials.password,
        database: 'postgres',
        connectionTimeoutMillis: 2_000,
      });
      client.on('error', () => undefined);
      try {
        await client.connect();
        const { rows } = await client.query<{ data_directory: string }>('SHOW data_directory');
        const actual = await realpath(rows[0].data_directory).catch(() => rows[0].data_directory);
        if (actual !== expectedDir) {
          throw new PostgresStartError(
            `Another PostgreSQL (data directory ${rows[0].data_directory}) answers on port ${this.port}, ` +
              'not ours. Choose another port.',
            '',
          );
        }
        return;
      } catch (error) {
        if (error instanceof PostgresStartError) throw error;
        lastError = error;
      } finally {
        await client.end().catch(() => undefined);
      }
      await settlesWithin(this.exited, 100);
    }
    throw new PostgresStartError(
      `PostgreSQL did not accept connections on 127.0.0.1:${this.port} within ${READY_TIMEOUT_MS / 1000} s ` +
        `(last attempt: ${lastError instanceof Error ? lastError.message : String(lastError)}). If the log ` +
        'mentions password authentication, embedded-postgres.json no longer matches the cluster.',
      await this.sink.tail(),
      { cause: lastError },
    );
  }
}

function binariesPackageDir(): string {
  const { name, dir } = findBinariesPackage();
  if (dir === undefined) throw new PostgresBinariesMissingError(name);
  return dir;
}

function layoutOf(dataDir: string): Layout {
  const root = path.resolve(dataDir);
  return {
    dataDir: root,
    pgDir: path.join(root, 'pg'),
    credentialsFile: path.join(root, 'embedded-postgres.json'),
    logFile: path.join(root, 'postgres.log'),
  };
}

async function makeDataDir(dataDir: string, forServiceUser: boolean): Promise<void> {
  let created: string | undefined;
  try {
    created = await mkdir(dataDir, { recursive: true });
  } catch (error) {
    throw new DataDirectoryError(
      dataDir,
      `Cannot create the data directory ${dataDir} (${errorCode(error) ?? String(error)}). Create it ` +
        'yourself, or choose a directory this user may write to.',
      { cause: error },
    );
  }
  // A umask of 077 would otherwise lock the service user out of directories we just made.
  if (forServiceUser && created !== undefined) {
    for (let dir = dataDir; ; dir = path.dirname(dir)) {
      await chmod(dir, 0o755);
      if (dir === created || path.dirname(dir) === dir) break;
    }
  }
}

/**
 * Makes sure the libraries' version symlinks exist. If native/lib is read-only for us (an
 * install made by root, run by an ordinary user), link them in the data directory instead.
 */
async function prepareLibraries(packageDir: string, dataDir: string, sink: LogSink): Promise<string | undefined> {
  const libDir = path.join(packageDir, 'native', 'lib');
  try {
    await hydrateSymlinksIn(packageDir);
    return undefined;
  } catch (error) {
    const code = errorCode(error);
    if (code !== 'EACCES' && code !== 'EPERM' && code !== 'EROFS') throw error;
    const privateLibDir = path.join(dataDir, '.pg-lib');
    await linkLibrariesInto(packageDir, privateLibDir);
    sink.notice(`${libDir} lacks library links and is not writable (${code}); using links in ${privateLibDir}`);
    // libDir too: a library loaded through a link there looks for its own dependencies
    // relative to the link ($ORIGIN), not to native/lib.
    return `${privateLibDir}:${libDir}`;
  }
}

function childEnv(libraryPath: string | undefined): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, LC_ALL: 'C' };
  if (libraryPath !== undefined) {
    env.LD_LIBRARY_PATH = env.LD_LIBRARY_PATH ? `${libraryPath}:${env.LD_LIBRARY_PATH}` : libraryPath;
  }
  return env;
}

async function isInitialised(layout: Layout): Promise<boolean> {
  try {
    await stat(path.join(layout.pgDir, 'PG_VERSION'));
    return true;
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return false;
    throw new DataDirectoryError(
      layout.pgDir,
      `Cannot read ${layout.pgDir} (${errorCode(error) ?? String(error)}). It probably belongs to another ` +
        'user: run as that user, or point dataDir elsewhere.',
      { cause: error },
    );
  }
}

async function loadCredentials(layout: Layout, initialised: boolean): Promise<Credentials> {
  let text: string | undefined;
  try {
    text = await readFile(layout.credentialsFile, 'utf8');
  } catch (error) {
    if (errorCode(error) !== 'ENOENT') throw error;
  }
  if (text !== undefined) {
    const parsed: unknown = JSON.parse(text);
    if (
      typeof parsed === 'object' &&
      parsed !== null &&
      'user' in parsed &&
      'password' in parsed &&
      typeof parsed.user === 'string' &&
      typeof parsed.password === 'string'
    ) {
      return { user: parsed.user, password: parsed.password };
    }
    throw new DataDirectoryError(
      layout.credentialsFile,
      `${layout.credentialsFile} should hold {"user": …, "password": …} for the cluster in ${layout.pgDir}. ` +
        'Restore it from a backup of that directory.',
    );
  }
  if (initialised) {
    throw new DataDirectoryError(
      layout.credentialsFile,
      `${layout.pgDir} holds a PostgreSQL cluster, but ${layout.credentialsFile}, which keeps its superuser ` +
        `password, is missing. Restore that file, or delete ${layout.dataDir} to start over with no data.`,
    );
  }
  const credentials = { user: SUPERUSER, password: randomBytes(24).toString('hex') };
  // Written before initdb so that the password on disk always matches the cluster.
  await writeFile(layout.credentialsFile, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
  await chmod(layout.credentialsFile, 0o600);
  return credentials;
}

async function initdb(
  binDir: string,
  layout: Layout,
  credentials: Credentials,
  runAs: ServiceUser | undefined,
  env: NodeJS.ProcessEnv,
  sink: LogSink,
): Promise<void> {
  const handOver = async (target: string): Promise<void> => {
    if (runAs) await chown(target, runAs.uid, runAs.gid);
  };
  try {
    await mkdir(layout.pgDir, { mode: 0o700 });
  } catch (error) {
    // An empty directory is fine for initdb; leftovers are reported by initdb itself.
    if (errorCode(error) !== 'EEXIST') throw error;
  }
  await handOver(layout.pgDir);
  // The service user must read the password file, so it lives in a private directory it owns.
  const scratch = path.join(path.dirname(layout.pgDir), `.initdb-${randomBytes(4).toString('hex')}`);
  await mkdir(scratch, { mode: 0o700 });
  try {
    await handOver(scratch);
    const pwfile = path.join(scratch, 'pwfile');
    await writeFile(pwfile, `${credentials.password}\n`, { mode: 0o600 });
    await handOver(pwfile);
    sink.notice(`Creating a new PostgreSQL cluster in ${layout.pgDir}${runAs ? ` as ${runAs.name}` : ''}`);
    const args = [
      '-D',
      layout.pgDir,
      '--auth=scram-sha-256',
      `--username=${credentials.user}`,
      `--pwfile=${pwfile}`,
      '--encoding=UTF8',
      '--locale=C',
      '--no-instructions',
    ];
    const { output, exit } = await runToCompletion(path.join(binDir, 'initdb'), args, {
      cwd: path.dirname(layout.pgDir),
      env,
      ...(runAs ? { uid: runAs.uid, gid: runAs.gid } : {}),
    });
    for (const line of output.split('\n')) if (line.trim()) sink.notice(`initdb: ${line}`);
    if (exit !== undefined) throw new InitdbFailedError(layout.pgDir, output, exit);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

function runToCompletion(
  command: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; uid?: number; gid?: number },
): Promise<{ output: string; exit: string | undefined }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    child.stdout?.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.stderr?.on('data', (chunk: Buffer) => chunks.push(chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), INITDB_TIMEOUT_MS);
    child.once('error', (error) => {
      clearTimeout(timer);
      resolve({ output: Buffer.concat(chunks).toString('utf8'), exit: `could not run: ${error.message}` });
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      const exit = code === 0 ? undefined : signal ? `was killed by ${signal}` : `exited with code ${code}`;
      resolve({ output: Buffer.concat(chunks).toString('utf8'), exit });
    });
  });
}

/**
 * A postmaster still running on our data directory was left behind by a Node process that died
 * without stopping it (e.g. SIGKILL). Shut it down so we can start our own.
 */
async function stopStaleServer(pgDir: string, sink: LogSink): Promise<void> {
  const pidFile = path.join(pgDir, 'postmaster.pid');
  let text: string;
  try {
    text = await readFile(pidFile, 'utf8');
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return;
    throw error;
  }
  const lock = parsePostmasterPid(text);
  if (!lock) return;
  const state = await processState(lock.pid);
  // A dead pid is a stale lock PostgreSQL clears itself (and it still checks shared memory).
  if (state === 'absent') return;
  if (state === 'zombie') {
    // kill(pid, 0) succeeds on an unreaped zombie, so PostgreSQL would refuse to start.
    sink.notice(`Removing ${pidFile}: its postmaster (pid ${lock.pid}) has exited but was never reaped`);
    await unlink(pidFile).catch(() => undefined);
    return;
  }
  const argv = await processCommandLine(lock.pid);
  if (!argv || !isPostmasterFor(argv, pgDir)) return;
  await refuseIfOwnedByLiveNode(lock.pid, pgDir);

  sink.notice(
    `PostgreSQL (pid ${lock.pid}) is still running on ${pgDir}, left behind by a process that ended ` +
      'without stopping it; shutting it down before starting again',
  );
  for (const [signal, graceMs] of [
    ['SIGINT', STOP_GRACE_MS],
    ['SIGQUIT', QUIT_GRACE_MS],
  ] as const) {
    try {
      process.kill(lock.pid, signal);
    } catch (error) {
      if (errorCode(error) === 'ESRCH') break;
      throw new PostgresStopError(
        `Cannot signal the PostgreSQL server (pid ${lock.pid}) still running on ${pgDir} ` +
          `(${errorCode(error) ?? String(error)}). Stop it yourself, then start again.`,
        { cause: error },
      );
    }
    if (await exitsWithin(lock.pid, graceMs)) {
      if ((await processState(lock.pid)) === 'zombie') await unlink(pidFile).catch(() => undefined);
      sink.notice(`Stale PostgreSQL (pid ${lock.pid}) has stopped`);
      return;
    }
    sink.notice(`Stale PostgreSQL (pid ${lock.pid}) did not stop after ${signal}`);
  }
  if (await exitsWithin(lock.pid, 0)) return;
  throw new PostgresStopError(
    `The PostgreSQL server (pid ${lock.pid}) left running on ${pgDir} did not stop after SIGINT and SIGQUIT. ` +
      `Stop it yourself (kill -9 ${lock.pid}), then start again.`,
  );
}

/**
 * The server is only stale if the Node process that started it is gone. A live Node parent is
 * another instance of the app (or this one) still using it: stopping that would pull the
 * database out from under it.
 */
async function refuseIfOwnedByLiveNode(pid: number, pgDir: string): Promise<void> {
  const { ppid } = await processInfo(pid);
  if (ppid === undefined || ppid <= 1) return;
  const parent = await processCommandLine(ppid);
  const parentProgram = parent?.[0] ? path.basename(parent[0]) : '';
  if (ppid !== process.pid && !parentProgram.startsWith('node')) return;
  throw new DataDirectoryError(
    pgDir,
    ppid === process.pid
      ? `PostgreSQL (pid ${pid}) on ${pgDir} was already started by this process and not stopped. Use that ` +
          'server, or stop() it before starting another on the same data directory.'
      : `PostgreSQL (pid ${pid}) on ${pgDir} is in use by another running Node process (pid ${ppid}). Stop ` +
          'that process first, or give this one a different data directory.',
  );
}

async function exitsWithin(pid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if ((await processState(pid)) !== 'running') return true;
    if (Date.now() >= deadline) return false;
    await sleep(100);
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : undefined;
      server.close(() => (port ? resolve(port) : reject(new Error('could not find a free port on 127.0.0.1'))));
    });
  });
}

function callbackSink(log: (line: string) => void): LogSink {
  const recent: string[] = [];
  const remember = (line: string): void => {
    recent.push(line);
    if (recent.length > LOG_TAIL_LINES) recent.shift();
  };
  const follow = (stream: NodeJS.ReadableStream | null): void => {
    if (!stream) return;
    let partial = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        remember(line);
        log(line);
      }
    });
    stream.on('end', () => {
      if (partial) log(partial);
    });
  };
  return {
    notice: (message) => log(`embedded-postgres: ${message}`),
    tail: async () => recent.join('\n'),
    mark: async () => {
      recent.length = 0;
    },
    consume: (child) => {
      follow(child.stdout);
      follow(child.stderr);
    },
    stdio: () => ({ out: 'pipe', close: () => undefined }),
  };
}

function fileSink(logFile: string): LogSink {
  let startOffset = 0;
  return {
    notice: (message) =>
      appendFileSync(logFile, `${new Date().toISOString()} embedded-postgres: ${message}\n`, { mode: 0o600 }),
    tail: async () => {
      const handle = await open(logFile, 'r').catch(() => undefined);
      if (!handle) return '';
      try {
        const { size } = await handle.stat();
        const from = Math.max(startOffset, size - 16_384);
        const buffer = Buffer.alloc(size - from);
        await handle.read(buffer, 0, buffer.length, from);
        return buffer.toString('utf8').trimEnd().split('\n').slice(-LOG_TAIL_LINES).join('\n');
      } finally {
        await handle.close();
      }
    },
    mark: async () => {
      startOffset = await stat(logFile).then(
        (s) => s.size,
        () => 0,
      );
    },
    consume: () => undefined,
    stdio: () => {
      // The server writes straight into the file, so its output survives us if we are killed.
      const fd = openSync(logFile, 'a', 0o600);
      return { out: fd, close: () => closeSync(fd) };
    },
  };
}

function settlesWithin(promise: Promise<void>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    void promise.then(() => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
