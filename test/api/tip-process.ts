import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmod, chown, mkdtemp, readFile, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { stripVTControlCharacters } from 'node:util';

/**
 * Runs TIP the way a user does (`npm start` = `node scripts/start.js`) in a child process and
 * keeps track of everything it starts, so cleanUp() can leave no app or PostgreSQL behind.
 */

export const REPO_ROOT = path.resolve(__dirname, '../..');
const START_SCRIPT_IN_REPO = path.join('scripts', 'start.js');

/** Generous enough for a cold swc compile plus initdb on a slow CI machine. */
export const START_TIMEOUT_MS = 60_000;
export const STOP_TIMEOUT_MS = 60_000;

const READY_LINE = /TIP is ready at (http:\/\/127\.0\.0\.1:(\d+)\/api)\b/;
const EMBEDDED_LISTENING_LINE = /Embedded PostgreSQL is listening on 127\.0\.0\.1:(\d+)/;

/** Variables the app reads: never inherited from whoever runs the tests. */
const APP_VARIABLES = [
  'PORT',
  'DATABASE_URL',
  'TIP_DATA_DIR',
  'TIP_EMBEDDED_PG_PORT',
  'TIP_EMBEDDED_PG_RESTART_MS',
  'TIP_EVENT_STORE',
  'TIP_LOG_LEVEL',
  'TIP_KEYS_DIR',
  'TIP_KMS_MODULE',
  'TIP_LOG_FORMAT',
];

export interface Account {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
}

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface StartOptions {
  /** Set on top of this process's environment, minus the app's own variables. */
  env: Record<string, string>;
  /** Run the app as this account (needs root). */
  runAs?: Account;
  /** Run the app from this checkout (one the account can read, see checkoutReadableBy); this repository by default. */
  repoRoot?: string;
}

export interface Ready {
  /** Base URL from the ready line, e.g. http://127.0.0.1:41234/api */
  url: string;
  port: number;
}

const running = new Set<TipProcess>();
const dataDirs = new Set<string>();
const tempDirs = new Set<string>();

export class TipProcess {
  private text = '';
  private exitStatus: Exit | undefined;
  private readonly listeners = new Set<() => void>();
  private readonly exited: Promise<Exit>;

  private constructor(private readonly child: ChildProcess) {
    for (const stream of [child.stdout, child.stderr]) {
      stream?.setEncoding('utf8');
      stream?.on('data', (chunk: string) => {
        this.text += chunk;
        this.notify();
      });
    }
    this.exited = new Promise((resolve) => {
      const finish = (status: Exit): void => {
        this.exitStatus = status;
        running.delete(this);
        this.notify();
        resolve(status);
      };
      child.once('exit', (code, signal) => {
        // 'close' follows once the output pipes are drained; wait for it, but not forever.
        const status = { code, signal };
        const timer = setTimeout(() => finish(status), 2_000);
        child.once('close', () => {
          clearTimeout(timer);
          finish(status);
        });
      });
      child.once('error', (error) => {
        this.text += `\n[spawn failed: ${error.message}]\n`;
        finish({ code: null, signal: null });
      });
    });
  }

  static start(options: StartOptions): TipProcess {
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const name of APP_VARIABLES) delete env[name];
    Object.assign(env, options.env);
    if (env.TIP_DATA_DIR) dataDirs.add(env.TIP_DATA_DIR);
    const repoRoot = options.repoRoot ?? REPO_ROOT;
    const child = spawn(process.execPath, [path.join(repoRoot, START_SCRIPT_IN_REPO)], {
      cwd: repoRoot,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(options.runAs ? { uid: options.runAs.uid, gid: options.runAs.gid } : {}),
    });
    const tip = new TipProcess(child);
    running.add(tip);
    return tip;
  }

  get pid(): number {
    if (this.child.pid === undefined) throw new Error(`the app did not start:\n${this.output}`);
    return this.child.pid;
  }

  /** Everything the app printed so far (stdout and stderr), exactly as printed. */
  get rawOutput(): string {
    return this.text;
  }

  /** Everything the app printed so far (stdout and stderr), without colour codes. */
  get output(): string {
    return stripVTControlCharacters(this.text);
  }

  /** Port the embedded PostgreSQL reported it listens on, if it said so. */
  get loggedEmbeddedPort(): number | undefined {
    const match = EMBEDDED_LISTENING_LINE.exec(this.output);
    return match ? Number(match[1]) : undefined;
  }

  /** Resolves with the URL of the ready line; rejects if the app exits or stays silent. */
  async waitForReady(timeoutMs = START_TIMEOUT_MS): Promise<Ready> {
    await this.waitFor(
      () => READY_LINE.test(this.output) || this.exitStatus !== undefined,
      timeoutMs,
      'the ready line',
    );
    const match = READY_LINE.exec(this.output);
    if (!match) {
      throw new Error(`the app exited (${describeExit(this.exitStatus)}) before it was ready. Output:\n${this.tail()}`);
    }
    return { url: match[1], port: Number(match[2]) };
  }

  async waitForExit(timeoutMs = STOP_TIMEOUT_MS): Promise<Exit> {
    await this.waitFor(() => this.exitStatus !== undefined, timeoutMs, 'the process to exit');
    return this.exited;
  }

  /** Sends `signal` and waits for the process to exit. */
  async stop(signal: NodeJS.Signals, timeoutMs = STOP_TIMEOUT_MS): Promise<Exit> {
    if (this.exitStatus === undefined) this.child.kill(signal);
    return this.waitForExit(timeoutMs);
  }

  /** SIGKILL if still running; resolves once it has exited. */
  async kill(): Promise<void> {
    if (this.exitStatus !== undefined) return;
    this.child.kill('SIGKILL');
    await this.exited;
  }

  tail(chars = 6_000): string {
    const output = this.output;
    return output.length > chars ? `…${output.slice(-chars)}` : output;
  }

  private notify(): void {
    for (const listener of [...this.listeners]) listener();
  }

  private waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (!condition()) return;
        clearTimeout(timer);
        this.listeners.delete(check);
        resolve();
      };
      // Declared after `check`, which only runs once the timer exists.
      const timer = setTimeout(() => {
        this.listeners.delete(check);
        reject(new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}. Output so far:\n${this.tail()}`));
      }, timeoutMs);
      this.listeners.add(check);
      check();
    });
  }
}

function describeExit(exit: Exit | undefined): string {
  if (!exit) return 'still running';
  return exit.signal ? `killed by ${exit.signal}` : `code ${exit.code}`;
}

/** A fresh directory (mode 0755, so a service user can pass through), removed by cleanUp(). */
export async function makeTempDir(owner?: Account): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'tip-api-e2e-'));
  tempDirs.add(dir);
  await chmod(dir, 0o755);
  if (owner) await chown(dir, owner.uid, owner.gid);
  return dir;
}

export function isRoot(): boolean {
  return process.getuid?.() === 0;
}

export function lookUpAccount(name: string): Account {
  const id = (flag: string): number => Number(execFileSync('id', [flag, name], { encoding: 'utf8' }).trim());
  return { name, uid: id('-u'), gid: id('-g') };
}

export function embeddedPgDir(dataDir: string): string {
  return path.join(dataDir, 'postgres', 'pg');
}

export interface Postmaster {
  pid: number;
  port: number;
}

/** The running postmaster as its lock file names it, or undefined when there is no lock file. */
export async function readPostmaster(dataDir: string): Promise<Postmaster | undefined> {
  let text: string;
  try {
    text = await readFile(path.join(embeddedPgDir(dataDir), 'postmaster.pid'), 'utf8');
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return undefined;
    throw error;
  }
  // Lines: pid, data directory, start time, port, …
  const lines = text.split('\n');
  return { pid: Number(lines[0]), port: Number(lines[3]) };
}

/** Owner of a live process (from /proc), to check who PostgreSQL runs as. */
export async function processUid(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const match = /^Uid:\s+(\d+)/m.exec(status);
  if (!match) throw new Error(`no Uid line in /proc/${pid}/status`);
  return Number(match[1]);
}

/** Alive and not a zombie. */
export async function isAlive(pid: number): Promise<boolean> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const state = stat
      .slice(stat.lastIndexOf(')') + 1)
      .trim()
      .split(' ')[0];
    return state !== 'Z' && state !== 'X';
  } catch {
    try {
      process.kill(pid, 0);
      return true;
    } catch (error) {
      return errorCode(error) === 'EPERM';
    }
  }
}

/** True when nothing listens on 127.0.0.1:port (ECONNREFUSED). */
export function refusesConnections(port: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.setTimeout(5_000, () => {
      socket.destroy();
      reject(new Error(`connecting to 127.0.0.1:${port} neither succeeded nor failed within 5 s`));
    });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (error) => {
      if (errorCode(error) === 'ECONNREFUSED') resolve(true);
      else reject(error);
    });
  });
}

/**
 * Leaves nothing behind: SIGKILLs every app still running, then stops any PostgreSQL still
 * running on one of their data directories (SIGINT, then SIGQUIT, then SIGKILL), then removes
 * the temp directories. Safe to call any number of times.
 */
export async function cleanUp(): Promise<void> {
  const problems: string[] = [];
  await Promise.all([...running].map((tip) => tip.kill()));
  for (const dataDir of [...dataDirs]) {
    try {
      await stopLeftoverPostmaster(dataDir);
      dataDirs.delete(dataDir);
    } catch (error) {
      problems.push(error instanceof Error ? error.message : String(error));
    }
  }
  for (const dir of [...tempDirs]) {
    // A directory whose PostgreSQL would not stop is kept, rather than pulled from under it.
    if ([...dataDirs].some((dataDir) => dataDir === dir || dataDir.startsWith(`${dir}${path.sep}`))) continue;
    await rm(dir, { recursive: true, force: true });
    tempDirs.delete(dir);
  }
  if (problems.length > 0) throw new Error(`cleanup failed:\n${problems.join('\n')}`);
}

async function stopLeftoverPostmaster(dataDir: string): Promise<void> {
  const postmaster = await readPostmaster(dataDir);
  if (!postmaster || !Number.isSafeInteger(postmaster.pid) || postmaster.pid <= 0) return;
  if (!(await isPostmasterFor(postmaster.pid, embeddedPgDir(dataDir)))) return;
  const steps: [NodeJS.Signals, number][] = [
    ['SIGINT', 30_000],
    ['SIGQUIT', 10_000],
    ['SIGKILL', 5_000],
  ];
  for (const [signal, graceMs] of steps) {
    try {
      process.kill(postmaster.pid, signal);
    } catch (error) {
      if (errorCode(error) === 'ESRCH') return;
      throw error;
    }
    if (await exitsWithin(postmaster.pid, graceMs)) return;
  }
  throw new Error(`PostgreSQL (pid ${postmaster.pid}) on ${dataDir} survived SIGINT, SIGQUIT and SIGKILL`);
}

async function isPostmasterFor(pid: number, pgDir: string): Promise<boolean> {
  if (!(await isAlive(pid))) return false;
  let argv: string[];
  try {
    argv = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0');
  } catch {
    // No /proc: trust the lock file.
    return true;
  }
  const dirFlag = argv.indexOf('-D');
  return (
    path.basename(argv[0]) === 'postgres' && dirFlag > 0 && path.resolve(argv[dirFlag + 1]) === path.resolve(pgDir)
  );
}

async function exitsWithin(pid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (!(await isAlive(pid))) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function errorCode(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string')
    return error.code;
  return undefined;
}
