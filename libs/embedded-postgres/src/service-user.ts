import { execFile } from 'node:child_process';
import { stat } from 'node:fs/promises';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { DataDirectoryError, ServiceUserError } from './errors';
import { errorCode } from './processes';

const run = promisify(execFile);

/** The unprivileged account PostgreSQL runs as when we are root (it refuses to run as root). */
export interface ServiceUser {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
}

export const FALLBACK_USER = 'tip-postgres';

export function isRoot(): boolean {
  return process.getuid?.() === 0;
}

async function lookupUser(name: string): Promise<ServiceUser | undefined> {
  try {
    const [uid, gid] = await Promise.all([run('id', ['-u', name]), run('id', ['-g', name])]);
    return { name, uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
  } catch {
    return undefined;
  }
}

/**
 * Picks who runs PostgreSQL when we are root: whoever already owns an existing cluster (so data
 * made earlier keeps working), else `postgres`, else our own system user, created on first use.
 */
export async function resolveServiceUser(pgDir: string): Promise<ServiceUser> {
  try {
    const owner = await stat(pgDir);
    if (owner.uid !== 0) return { name: `uid ${owner.uid}`, uid: owner.uid, gid: owner.gid };
  } catch (error) {
    if (errorCode(error) !== 'ENOENT') throw error;
  }
  const existing = (await lookupUser('postgres')) ?? (await lookupUser(FALLBACK_USER));
  if (existing) return existing;
  let failure: unknown;
  try {
    await run('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', FALLBACK_USER]);
  } catch (error) {
    failure = error;
  }
  // Another process may have created the user at the same moment; only its absence is fatal.
  const created = await lookupUser(FALLBACK_USER);
  if (created) return created;
  throw new ServiceUserError(
    'PostgreSQL refuses to run as root, and this process is root. There is no "postgres" user, and ' +
      `creating the system user "${FALLBACK_USER}" with useradd failed (${describe(failure)}). Create ` +
      `one of those users yourself, or run as an ordinary user.`,
    { cause: failure },
  );
}

/** Every directory from / down to `target`, in order. */
export function ancestorsOf(target: string): string[] {
  const chain: string[] = [];
  for (let dir = path.resolve(target); ; dir = path.dirname(dir)) {
    chain.unshift(dir);
    if (path.dirname(dir) === dir) return chain;
  }
}

/** Returns the first of `paths` the user cannot reach (with `test -x`), or undefined if all are fine. */
export async function firstInaccessible(user: ServiceUser, paths: readonly string[]): Promise<string | undefined> {
  // Asking the kernel as that user also honours ACLs and the exact group rules spawn applies.
  const script = 'for p in "$@"; do [ -x "$p" ] || { printf %s "$p"; exit 1; }; done';
  try {
    await run('/bin/sh', ['-c', script, 'sh', ...paths], { uid: user.uid, gid: user.gid, cwd: '/' });
    return undefined;
  } catch (error) {
    const stdout = typeof error === 'object' && error !== null && 'stdout' in error ? String(error.stdout) : '';
    return stdout || paths[0];
  }
}

/** Fails clearly when the service user cannot reach the data directory or run the binaries. */
export async function checkServiceUserAccess(
  user: ServiceUser,
  dataDir: string,
  postgresBinary: string,
): Promise<void> {
  const blockedData = await firstInaccessible(user, ancestorsOf(dataDir));
  if (blockedData !== undefined) {
    throw new DataDirectoryError(
      blockedData,
      `PostgreSQL will run as ${user.name} (uid ${user.uid}) because this process is root, but that user ` +
        `cannot enter ${blockedData}, which leads to the data directory ${dataDir}. Allow it ` +
        `(for example \`chmod o+x ${blockedData}\`) or choose a data directory elsewhere.`,
    );
  }
  const blockedBinary = await firstInaccessible(user, ancestorsOf(postgresBinary));
  if (blockedBinary !== undefined) {
    throw new DataDirectoryError(
      blockedBinary,
      `PostgreSQL will run as ${user.name} (uid ${user.uid}) because this process is root, but that user ` +
        `cannot reach ${blockedBinary} on the way to the server program ${postgresBinary}. Allow it ` +
        `(for example \`chmod o+x ${blockedBinary}\`) or install the project somewhere readable by that user.`,
    );
  }
}

function describe(error: unknown): string {
  if (error === undefined) return 'no error, yet the user does not exist afterwards';
  if (typeof error === 'object' && error !== null && 'stderr' in error && String(error.stderr).trim()) {
    return String(error.stderr).trim();
  }
  return error instanceof Error ? error.message : String(error);
}
