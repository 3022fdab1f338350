import { createReadStream, createWriteStream } from 'node:fs';
import { chmod, chown, lstat, mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import { Client } from 'pg';
import * as tar from 'tar-stream';
import { findRunningEmbeddedPostgres, prepareClusterDirectory, startEmbeddedPostgres } from '@tip/embedded-postgres';

/**
 * `tip backup` and `tip restore` for the embedded default: a physical copy of the PostgreSQL
 * cluster taken while it runs (PostgreSQL's own low-level backup: pg_backup_start, the files,
 * pg_backup_stop, and the WAL written meanwhile), with the rest of TIP_DATA_DIR (the password of
 * the embedded server, the token secret, keys) beside it, in one gzipped tar. Physical, so the
 * restored cluster keeps its transaction ids (a logical dump would not; see the README).
 */

/** PostgreSQL's data directory inside TIP_DATA_DIR, as the API lays it out. */
const PG_DIR = path.join('postgres', 'pg');
/** Left out, per PostgreSQL's documentation of base backups: recreated or meaningless on restore. */
const SKIPPED_IN_PG = new Set([
  'postmaster.pid',
  'postmaster.opts',
  'backup_label',
  'backup_label.old',
  'tablespace_map',
  'current_logfiles',
]);
const EMPTIED_IN_PG = new Set([
  'pg_wal',
  'pg_replslot',
  'pg_dynshmem',
  'pg_notify',
  'pg_serial',
  'pg_snapshots',
  'pg_stat_tmp',
  'pg_subtrans',
]);
/** TIP_DATA_DIR's own leftovers that a restore must not bring back. */
const SKIPPED_IN_DATA_DIR = new Set([path.join('postgres', 'postgres.log')]);

export interface BackupReport {
  file: string;
  bytes: number;
  files: number;
  walSegments: number;
  startLsn: string;
  stopLsn: string;
}

/**
 * Writes a consistent backup of the embedded TIP in `dataDir` to `file`, while the API runs (or,
 * when it does not, from a server started for the backup). The cluster is copied as it changes;
 * the WAL from the backup's start to its end, kept by a temporary replication slot, makes the
 * copy consistent as of the end.
 */
export async function backupEmbedded(dataDir: string, file: string): Promise<BackupReport> {
  const root = path.resolve(dataDir);
  await requireInitialised(root);
  const pgRoot = path.join(root, 'postgres');
  const running = await findRunningEmbeddedPostgres(pgRoot);
  const started = running ? undefined : await startEmbeddedPostgres({ dataDir: pgRoot });
  const server = running ?? started;
  if (!server) throw new Error(`No PostgreSQL for ${pgRoot}`);
  const client = new Client({ connectionString: server.connectionString('postgres') });
  const partial = `${file}.partial`;
  try {
    await client.connect();
    const level = (await client.query<{ wal_level: string }>('show wal_level')).rows[0].wal_level;
    if (level === 'minimal') throw new Error('wal_level is minimal: a running backup needs replica or logical');
    // The slot keeps every WAL segment from now on until this session ends, whatever checkpoints run meanwhile.
    const slot = `tip_backup_${process.pid}`;
    await client.query('select pg_create_physical_replication_slot($1, true, true)', [slot]);
    const { rows: begun } = await client.query<{ lsn: string; walfile: string }>(
      "select lsn::text, pg_walfile_name(lsn) as walfile from pg_backup_start('tip backup', true) as lsn",
    );
    const pack = tar.pack();
    const written = pipeline(pack, createGzip({ level: 6 }), createWriteStream(partial, { mode: 0o600 }));
    let files = 0;
    // TIP_DATA_DIR, then the cluster under postgres/pg wherever it lives (as root it may be linked).
    for (const [base, prefix] of [
      [root, ''],
      [server.clusterDir, PG_DIR],
    ] as const) {
      for await (const entry of walk(base, prefix)) {
        if (isSkipped(entry.relative)) continue;
        await addEntry(pack, base, prefix, entry);
        if (entry.kind === 'file') files += 1;
      }
    }
    const { rows: ended } = await client.query<{ lsn: string; labelfile: string; spcmapfile: string | null }>(
      'select lsn::text, labelfile, spcmapfile from pg_backup_stop(false)',
    );
    // Closes the segment holding the backup's end, so it is whole on disk when copied.
    const { rows: switched } = await client.query<{ walfile: string }>(
      'select pg_walfile_name(pg_switch_wal()) as walfile',
    );
    await addBuffer(pack, path.join(PG_DIR, 'backup_label'), Buffer.from(ended[0].labelfile));
    if (ended[0].spcmapfile)
      await addBuffer(pack, path.join(PG_DIR, 'tablespace_map'), Buffer.from(ended[0].spcmapfile));
    const walDir = path.join(server.clusterDir, 'pg_wal');
    const first = begun[0].walfile;
    const last = switched[0].walfile;
    const segments = (await readdir(walDir))
      .filter((name) => /^[0-9A-F]{24}$/.test(name) && name.slice(0, 8) === first.slice(0, 8))
      .filter((name) => name >= first && name <= last)
      .sort();
    if (segments[0] !== first) throw new Error(`WAL segment ${first}, where the backup starts, is missing`);
    for (const segment of segments) {
      await addEntry(pack, server.clusterDir, PG_DIR, {
        relative: path.join(PG_DIR, 'pg_wal', segment),
        kind: 'file',
        mode: 0o600,
      });
    }
    pack.finalize();
    await written;
    await rename(partial, file);
    await client.query('select pg_drop_replication_slot($1)', [slot]).catch(() => undefined);
    return {
      file,
      bytes: (await stat(file)).size,
      files,
      walSegments: segments.length,
      startLsn: begun[0].lsn,
      stopLsn: ended[0].lsn,
    };
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  } finally {
    await client.end().catch(() => undefined);
    await started?.stop();
  }
}

/**
 * Unpacks a backup into `dataDir`, which must not exist or be empty. PostgreSQL replays the WAL
 * in it when it first starts there (`tip verify`, `npm start`) and comes up as of the backup's
 * end.
 */
export async function restoreEmbedded(file: string, dataDir: string): Promise<{ files: number }> {
  const root = path.resolve(dataDir);
  const existing = await readdir(root).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    throw error;
  });
  if (existing.length > 0) throw new Error(`--data-dir ${root} is not empty: restore into a new directory`);
  await stat(file).catch(() => {
    throw new Error(`There is no backup at ${file}`);
  });
  await mkdir(root, { recursive: true, mode: 0o755 });
  // The cluster goes where the embedded server will look for it, owned by the user it runs as.
  const { clusterDir, owner } = await prepareClusterDirectory({ dataDir: path.join(root, 'postgres') });
  const extract = tar.extract();
  let files = 0;
  const clusterFiles: string[] = [];
  extract.on('entry', (header, stream, next) => {
    const name = path.normalize(header.name);
    const inCluster = name === PG_DIR || name.startsWith(`${PG_DIR}${path.sep}`);
    const base = inCluster ? clusterDir : root;
    const target = path.resolve(base, inCluster ? path.relative(PG_DIR, name) : name);
    if (target !== base && !target.startsWith(`${base}${path.sep}`)) {
      stream.resume();
      next(new Error(`The backup names a path outside the data directory: ${header.name}`));
      return;
    }
    const done = (error?: unknown) => {
      if (error) return next(error as Error);
      if (inCluster) clusterFiles.push(target);
      next();
    };
    if (header.type === 'directory') {
      stream.resume();
      mkdir(target, { recursive: true, mode: header.mode }).then(() => done(), done);
      return;
    }
    if (header.type !== 'file') {
      stream.resume();
      next(new Error(`The backup holds a ${header.type} (${header.name}); only files and directories belong in one`));
      return;
    }
    files += 1;
    mkdir(path.dirname(target), { recursive: true })
      .then(() => pipeline(stream, createWriteStream(target, { mode: header.mode })))
      .then(() => done(), done);
  });
  await pipeline(createReadStream(file), createGunzip(), extract);
  // PostgreSQL refuses a cluster it does not own, or that others may read.
  if (owner) for (const target of clusterFiles) await chown(target, owner.uid, owner.gid);
  await chmod(clusterDir, 0o700);
  return { files };
}

async function requireInitialised(root: string): Promise<void> {
  const initialised = await stat(path.join(root, PG_DIR, 'PG_VERSION')).then(
    () => true,
    () => false,
  );
  if (!initialised) {
    throw new Error(`There is no TIP database in ${root}: set TIP_DATA_DIR to the data directory the API runs on`);
  }
}

function isSkipped(relative: string): boolean {
  if (SKIPPED_IN_DATA_DIR.has(relative)) return true;
  if (!relative.startsWith(`${PG_DIR}${path.sep}`)) return false;
  const inPg = relative.slice(PG_DIR.length + 1).split(path.sep);
  if (inPg.length === 1 && SKIPPED_IN_PG.has(inPg[0])) return true;
  // Keep these directories, empty: PostgreSQL expects them.
  if (inPg.length > 1 && EMPTIED_IN_PG.has(inPg[0])) return true;
  return inPg.some((part) => part.startsWith('pgsql_tmp'));
}

interface Entry {
  /** Its name in the archive. */
  relative: string;
  kind: 'file' | 'directory';
  mode: number;
}

/**
 * Every file and directory under `base`, parents first, named `prefix/…` in the archive; a file
 * removed meanwhile is passed over, and so are links (the cluster's link is followed apart).
 */
async function* walk(base: string, prefix: string, below = ''): AsyncGenerator<Entry> {
  const names = await readdir(path.join(base, below)).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [] as string[];
    throw error;
  });
  for (const name of names.sort()) {
    const child = path.join(below, name);
    const relative = path.join(prefix, child);
    const info = await lstat(path.join(base, child)).catch(() => undefined);
    if (!info) continue;
    const mode = info.mode & 0o7777;
    if (info.isDirectory()) {
      // The cluster is walked on its own, from where it really lives.
      if (prefix === '' && relative === PG_DIR) continue;
      yield { relative, kind: 'directory', mode };
      yield* walk(base, prefix, child);
    } else if (info.isFile()) {
      yield { relative, kind: 'file', mode };
    }
  }
}

async function addBuffer(pack: tar.Pack, name: string, content: Buffer): Promise<void> {
  await new Promise<void>((resolve, reject) =>
    pack.entry({ name, size: content.length, mode: 0o600 }, content, (error) => (error ? reject(error) : resolve())),
  );
}

/**
 * Adds a file as long as it was when looked at: PostgreSQL may grow or truncate a relation
 * while it is copied, which the WAL put back in order on restore; a shorter file is padded with
 * zeros, a longer one cut, as pg_basebackup does.
 */
async function addEntry(pack: tar.Pack, base: string, prefix: string, entry: Entry): Promise<void> {
  const header = { name: entry.relative, mode: entry.mode };
  if (entry.kind === 'directory') {
    await new Promise<void>((resolve, reject) =>
      pack.entry({ ...header, type: 'directory' }, (error) => (error ? reject(error) : resolve())),
    );
    return;
  }
  const handle = await open(path.join(base, path.relative(prefix, entry.relative)), 'r').catch(() => undefined);
  if (!handle) return;
  try {
    const size = (await handle.stat()).size;
    await new Promise<void>((resolve, reject) => {
      const sink = pack.entry({ ...header, size, type: 'file' }, (error) => (error ? reject(error) : resolve()));
      void (async () => {
        const chunk = Buffer.alloc(1 << 20);
        let offset = 0;
        while (offset < size) {
          const { bytesRead } = await handle.read(chunk, 0, Math.min(chunk.length, size - offset), offset);
          const piece =
            bytesRead > 0 ? chunk.subarray(0, bytesRead) : Buffer.alloc(Math.min(chunk.length, size - offset));
          offset += piece.length;
          if (!sink.write(Buffer.from(piece)))
            await new Promise<void>((drained) => sink.once('drain', () => drained()));
        }
        sink.end(() => undefined);
      })().catch(reject);
    });
  } finally {
    await handle.close();
  }
}
