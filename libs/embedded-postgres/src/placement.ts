import { createHash, randomBytes } from 'node:crypto';
import {
  chmod,
  copyFile,
  link,
  lstat,
  mkdir,
  readdir,
  readFile,
  readlink,
  rename,
  rm,
  stat,
  symlink,
} from 'node:fs/promises';
import * as path from 'node:path';
import { DataDirectoryError } from './errors';
import { errorCode } from './processes';
import { ancestorsOf, firstInaccessible, ServiceUser } from './service-user';

/**
 * As root, PostgreSQL runs as a service user. A clone in a private folder (/root, or a
 * `mktemp -d`) is out of that user's reach, and so are the binaries in its node_modules. Rather
 * than ask anyone to open a folder up, what the service user must reach goes here, a folder
 * every user may enter: `<home>/<name of the data directory>/pg` for the cluster (linked from
 * `<dataDir>/pg`) and `<home>/binaries/<package>-<version>/` for the programs.
 */
export const DEFAULT_SERVICE_HOME = '/var/lib/tip';

export interface Placement {
  /** The binaries package to run PostgreSQL from: node_modules' own, or its copy under the service home. */
  packageDir: string;
  /** Where the cluster lives: `<dataDir>/pg`, or the directory that `<dataDir>/pg` links to. */
  clusterDir: string;
  /** What was placed outside the data directory and why, for the log. */
  notes: string[];
}

/**
 * The folder under the service home for a data directory: its path made readable (the tail,
 * which tells clones apart) and a hash of the whole path, so two data directories never share one.
 */
export function serviceDirName(dataDir: string): string {
  const absolute = path.resolve(dataDir);
  const readable = absolute
    .split(path.sep)
    .filter(Boolean)
    .join('-')
    .replace(/[^A-Za-z0-9._-]+/g, '_')
    .slice(-60)
    .replace(/^[-._]+/, '');
  const hash = createHash('sha256').update(absolute).digest('hex').slice(0, 8);
  return `${readable || 'root'}-${hash}`;
}

/** `<dataDir>/pg`, or where it links to when the cluster was placed elsewhere. */
export async function clusterDirOf(pgDir: string): Promise<string> {
  let entry;
  try {
    entry = await lstat(pgDir);
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return pgDir;
    throw error;
  }
  if (!entry.isSymbolicLink()) return pgDir;
  return path.resolve(path.dirname(pgDir), await readlink(pgDir));
}

/**
 * Decides where the service user runs PostgreSQL from and keeps its cluster: in place when it
 * can reach them, else under `serviceHome` (see DEFAULT_SERVICE_HOME). A cluster already made
 * stays where it is.
 */
export async function placeForServiceUser(
  user: ServiceUser,
  packageDir: string,
  dataDir: string,
  pgDir: string,
  serviceHome: string,
): Promise<Placement> {
  const notes: string[] = [];
  const who = user.name === `uid ${user.uid}` ? user.name : `${user.name} (uid ${user.uid})`;

  let runFrom = packageDir;
  const server = path.join(packageDir, 'native', 'bin', 'postgres');
  const blockedBinary = await firstInaccessible(user, ancestorsOf(server));
  if (blockedBinary !== undefined) {
    runFrom = await stageBinaries(packageDir, path.join(serviceHome, 'binaries'), user);
    notes.push(
      `PostgreSQL runs as ${who} because this process is root, and that user cannot enter ${blockedBinary}: ` +
        `it runs the programs from ${runFrom} (hard links to those in ${packageDir})`,
    );
  }

  const existing = await lstat(pgDir).catch((error: unknown) => {
    if (errorCode(error) === 'ENOENT') return undefined;
    throw error;
  });
  if (existing?.isSymbolicLink()) {
    const clusterDir = await clusterDirOf(pgDir);
    await makeReachableDirectory(path.dirname(clusterDir), user);
    notes.push(`The PostgreSQL cluster of ${dataDir} lives in ${clusterDir} (linked from ${pgDir})`);
    return { packageDir: runFrom, clusterDir, notes };
  }
  if (existing) return { packageDir: runFrom, clusterDir: pgDir, notes };

  const blockedData = await firstInaccessible(user, ancestorsOf(dataDir));
  if (blockedData === undefined) return { packageDir: runFrom, clusterDir: pgDir, notes };

  const home = path.join(serviceHome, serviceDirName(dataDir));
  await makeReachableDirectory(home, user);
  const clusterDir = path.join(home, 'pg');
  // A cluster left by a data directory of the same path that was deleted since: not ours, but kept.
  if (
    await lstat(clusterDir).then(
      () => true,
      () => false,
    )
  ) {
    const aside = `${clusterDir}-orphaned-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    await rename(clusterDir, aside);
    notes.push(`${clusterDir} held a cluster whose data directory no longer links to it; moved it to ${aside}`);
  }
  try {
    await symlink(clusterDir, pgDir);
  } catch (error) {
    // Another process starting on the same data directory placed it first.
    if (errorCode(error) !== 'EEXIST') throw error;
  }
  notes.push(
    `PostgreSQL runs as ${who} because this process is root, and that user cannot enter ${blockedData}: ` +
      `its cluster lives in ${clusterDir}, linked from ${pgDir}`,
  );
  return { packageDir: runFrom, clusterDir: await clusterDirOf(pgDir), notes };
}

/** Creates `dir` and its missing parents as every user may enter them, then checks the user can. */
async function makeReachableDirectory(dir: string, user: ServiceUser): Promise<void> {
  let created: string | undefined;
  try {
    created = await mkdir(dir, { recursive: true, mode: 0o755 });
  } catch (error) {
    throw new DataDirectoryError(
      dir,
      `PostgreSQL runs as ${user.name} (uid ${user.uid}) because this process is root, and what it needs is ` +
        `out of that user's reach where it is, so it goes to ${dir}; but that directory cannot be created ` +
        `(${errorCode(error) ?? String(error)}). Create it (mode 0755), or run as an ordinary user.`,
      { cause: error },
    );
  }
  // A umask of 077 would otherwise lock the service user out of what we just made.
  if (created !== undefined) {
    for (let current = dir; ; current = path.dirname(current)) {
      await chmod(current, 0o755);
      if (current === created || path.dirname(current) === current) break;
    }
  }
  const blocked = await firstInaccessible(user, ancestorsOf(dir));
  if (blocked !== undefined) {
    throw new DataDirectoryError(
      blocked,
      `PostgreSQL runs as ${user.name} (uid ${user.uid}) because this process is root, and it would keep ` +
        `what it needs in ${dir}, but that user cannot enter ${blocked}. Allow it (for example ` +
        `\`chmod o+x ${blocked}\`), or run as an ordinary user.`,
    );
  }
}

/**
 * Mirrors the package's `native/` tree into `<into>/<package>-<version>` (hard links where the
 * file system allows, so it costs no space; copies otherwise, and for files others may not
 * read). Made under a temporary name and renamed, so a mirror found there is complete.
 */
async function stageBinaries(packageDir: string, into: string, user: ServiceUser): Promise<string> {
  const manifest: unknown = JSON.parse(await readFile(path.join(packageDir, 'package.json'), 'utf8'));
  const version =
    typeof manifest === 'object' && manifest !== null && 'version' in manifest && typeof manifest.version === 'string'
      ? manifest.version
      : 'unversioned';
  const target = path.join(into, `${path.basename(packageDir)}-${version}`);
  if (await isFile(path.join(target, 'native', 'bin', 'postgres'))) return target;

  await makeReachableDirectory(into, user);
  const partial = `${target}.partial-${randomBytes(4).toString('hex')}`;
  try {
    await mkdir(partial, { mode: 0o755 });
    await chmod(partial, 0o755);
    await copyFile(path.join(packageDir, 'package.json'), path.join(partial, 'package.json'));
    await chmod(path.join(partial, 'package.json'), 0o644);
    await mirror(path.join(packageDir, 'native'), path.join(partial, 'native'), packageDir);
    await rename(partial, target);
  } catch (error) {
    await rm(partial, { recursive: true, force: true });
    // Another process staged the same version at the same moment: theirs is as good.
    if (!(await isFile(path.join(target, 'native', 'bin', 'postgres')))) throw error;
  }
  return target;
}

async function mirror(from: string, to: string, packageDir: string): Promise<void> {
  await mkdir(to, { mode: 0o755 });
  await chmod(to, 0o755);
  for (const entry of await readdir(from, { withFileTypes: true })) {
    const source = path.join(from, entry.name);
    const copy = path.join(to, entry.name);
    if (entry.isDirectory()) {
      await mirror(source, copy, packageDir);
    } else if (entry.isSymbolicLink()) {
      const pointsTo = await readlink(source);
      // A link into the package by absolute path would lead the service user back out of reach.
      const inside = path.isAbsolute(pointsTo) && !path.relative(packageDir, pointsTo).startsWith('..');
      await symlink(inside ? path.relative(from, pointsTo) : pointsTo, copy);
    } else if (entry.isFile()) {
      await linkOrCopy(source, copy);
    }
  }
}

async function linkOrCopy(source: string, copy: string): Promise<void> {
  const { mode } = await stat(source);
  const executable = (mode & 0o111) !== 0;
  const othersMayUse = (mode & 0o004) !== 0 && (!executable || (mode & 0o001) !== 0);
  if (othersMayUse) {
    try {
      await link(source, copy);
      return;
    } catch (error) {
      const code = errorCode(error);
      if (code !== 'EXDEV' && code !== 'EPERM' && code !== 'EMLINK') throw error;
    }
  }
  await copyFile(source, copy);
  await chmod(copy, executable ? 0o755 : 0o644);
}

async function isFile(file: string): Promise<boolean> {
  return stat(file).then(
    (entry) => entry.isFile(),
    () => false,
  );
}
