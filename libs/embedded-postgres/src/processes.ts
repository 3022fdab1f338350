import { readFile } from 'node:fs/promises';
import * as path from 'node:path';

/** The parts of PostgreSQL's postmaster.pid lock file that we use. */
export interface PostmasterPidFile {
  readonly pid: number;
  readonly dataDirectory: string;
  readonly port: number | undefined;
}

/** Parses postmaster.pid (pid, data directory, start time, port, …, one per line). */
export function parsePostmasterPid(text: string): PostmasterPidFile | undefined {
  const lines = text.split('\n');
  const pid = Number(lines[0]?.trim());
  // A negative pid marks a standalone (single-user) backend; there is no postmaster to manage.
  if (!Number.isSafeInteger(pid) || pid <= 0) return undefined;
  const port = Number(lines[3]?.trim());
  return {
    pid,
    dataDirectory: lines[1]?.trim() ?? '',
    port: Number.isSafeInteger(port) && port > 0 ? port : undefined,
  };
}

/**
 * Whether a command line (argv from /proc/<pid>/cmdline) is a postmaster for `dataDirectory`.
 * Backends show up as "postgres: user db …" and are deliberately not matched.
 */
export function isPostmasterFor(argv: readonly string[], dataDirectory: string): boolean {
  if (argv.length === 0 || path.basename(argv[0]) !== 'postgres') return false;
  const wanted = path.resolve(dataDirectory);
  for (let i = 1; i < argv.length; i += 1) {
    const arg = argv[i];
    const dir = arg === '-D' ? argv[i + 1] : arg.startsWith('-D') ? arg.slice(2) : undefined;
    if (dir !== undefined && path.resolve(dir) === wanted) return true;
  }
  return false;
}

/** Splits /proc/<pid>/cmdline (NUL-separated, NUL-terminated). */
export function parseCmdline(raw: string): string[] {
  const parts = raw.split('\0');
  if (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  return parts;
}

/** State letter and parent pid from /proc/<pid>/stat; the command name may hold spaces and parens. */
export function parseProcStat(stat: string): { state: string; ppid: number } | undefined {
  const end = stat.lastIndexOf(')');
  if (end < 0) return undefined;
  const [state, ppid] = stat
    .slice(end + 1)
    .trim()
    .split(' ');
  if (!state || !Number.isSafeInteger(Number(ppid))) return undefined;
  return { state, ppid: Number(ppid) };
}

export type ProcessState = 'absent' | 'zombie' | 'running';

export interface ProcessInfo {
  readonly state: ProcessState;
  /** Unknown without /proc. */
  readonly ppid: number | undefined;
}

export async function processInfo(pid: number): Promise<ProcessInfo> {
  try {
    const stat = parseProcStat(await readFile(`/proc/${pid}/stat`, 'utf8'));
    // kill(pid, 0) succeeds on zombies, so /proc is the only way to tell them apart.
    const state = stat?.state === 'Z' || stat?.state === 'X' ? 'zombie' : 'running';
    return { state, ppid: stat?.ppid };
  } catch (error) {
    if (errorCode(error) !== 'ENOENT' && errorCode(error) !== 'ESRCH') throw error;
    if (await procIsMounted()) return { state: 'absent', ppid: undefined };
  }
  try {
    process.kill(pid, 0);
    return { state: 'running', ppid: undefined };
  } catch (error) {
    return { state: errorCode(error) === 'EPERM' ? 'running' : 'absent', ppid: undefined };
  }
}

export async function processState(pid: number): Promise<ProcessState> {
  return (await processInfo(pid)).state;
}

export async function processCommandLine(pid: number): Promise<string[] | undefined> {
  try {
    return parseCmdline(await readFile(`/proc/${pid}/cmdline`, 'utf8'));
  } catch {
    return undefined;
  }
}

let procMounted: boolean | undefined;
async function procIsMounted(): Promise<boolean> {
  if (procMounted === undefined) {
    procMounted = await readFile('/proc/self/stat', 'utf8').then(
      () => true,
      () => false,
    );
  }
  return procMounted;
}

export function errorCode(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error) {
    const { code } = error;
    return typeof code === 'string' ? code : undefined;
  }
  return undefined;
}
