import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Pool, PoolClient } from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { planProvince, ProvinceHistory } from './province-history';

/**
 * The province's history kept between runs (`BENCH_PROVINCE_CACHE=<dir>`, off by default):
 * deciding it through the command pipeline takes most of a run (~45 min at BENCH_SCALE=0.1 on a
 * loaded 2-core machine) before any figure is measured. What the rest of the bench needs is
 * saved once a history is built — the event store's rows in PostgreSQL's binary COPY format and
 * the history's summary it is checked against — under a key of the scale and the generator's
 * source, so a changed generator builds afresh. `tip verify` needs no key material here: the
 * bench signs no checkpoints. A run from the cache measures no import: it says so.
 */

const GENERATOR = path.join(__dirname, 'province-history.ts');
const SUMMARY = 'history.json';
const EVENTS = 'tip_events.bin';
const STREAMS = 'tip_streams.bin';

interface Summary {
  scale: number;
  generator: string;
  /** The layouts the rows were written in (column name and type, in order): another layout is a miss. */
  eventColumns: string[];
  streamColumns: string[];
  events: number;
  schools: number;
  teachers: number;
  tally: [string, number][];
  eventTypes: [string, number][];
  decideSeconds: number;
  builtAt: string;
  commit: string;
}

export interface CachedHistory {
  history: ProvinceHistory;
  builtAt: string;
  commit: string;
  restoreSeconds: number;
}

async function generatorHash(): Promise<string> {
  return createHash('sha256')
    .update(await readFile(GENERATOR))
    .digest('hex')
    .slice(0, 16);
}

export async function cacheFolder(root: string, scale: number): Promise<string> {
  return path.join(path.resolve(root), `province-${scale}-${await generatorHash()}`);
}

/** Every column but transaction_id, which belongs to the server that wrote the row (restored as the restoring transaction's). */
async function columnsOf(client: PoolClient | Pool, table: string): Promise<string[]> {
  const { rows } = await client.query<{ name: string; type: string }>(
    `select attname as name, format_type(atttypid, atttypmod) as type from pg_attribute
      where attrelid = $1::regclass and attnum > 0 and not attisdropped and attname <> 'transaction_id'
      order by attnum`,
    [table],
  );
  return rows.map((row) => `${row.name} ${row.type}`);
}

const names = (columns: string[]) => columns.map((column) => `"${column.split(' ')[0]}"`).join(', ');

/** The commit the run started at (the history is decided by the code loaded then, whatever HEAD is by the save). */
const STARTED_AT = ((): string => {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: __dirname, encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
})();

/** Saves the history just built (the store's tables as they stand) for later runs at this scale. */
export async function saveHistory(root: string, scale: number, pool: Pool, history: ProvinceHistory): Promise<string> {
  const folder = await cacheFolder(root, scale);
  const partial = `${folder}.partial-${process.pid}`;
  await rm(partial, { recursive: true, force: true });
  await mkdir(partial, { recursive: true });
  const client = await pool.connect();
  try {
    const eventColumns = await columnsOf(client, 'tip_events');
    const streamColumns = await columnsOf(client, 'tip_streams');
    const copyOut = async (table: string, columns: string[], file: string) =>
      pipeline(
        client.query(copyTo(`copy ${table} (${names(columns)}) to stdout (format binary)`)),
        createWriteStream(path.join(partial, file)),
      );
    await copyOut('tip_events', eventColumns, EVENTS);
    await copyOut('tip_streams', streamColumns, STREAMS);
    const summary: Summary = {
      scale,
      generator: await generatorHash(),
      eventColumns,
      streamColumns,
      events: history.events,
      schools: history.plan.schools,
      teachers: history.plan.teachers,
      tally: [...history.tally],
      eventTypes: [...history.eventTypes],
      decideSeconds: history.decideSeconds,
      builtAt: new Date().toISOString(),
      commit: STARTED_AT,
    };
    // The summary last, and the folder renamed into place whole: a run killed while saving leaves no half cache.
    await writeFile(path.join(partial, SUMMARY), JSON.stringify(summary, null, 2));
    await rm(folder, { recursive: true, force: true });
    await rename(partial, folder);
    return folder;
  } catch (error) {
    await rm(partial, { recursive: true, force: true });
    throw error;
  } finally {
    client.release();
  }
}

/**
 * Loads a cached history into the (fresh, migrated, empty) event store behind `pool`; undefined,
 * with the reason printed, when there is none for this scale and generator or it does not fit.
 */
export async function restoreHistory(root: string, scale: number, pool: Pool): Promise<CachedHistory | undefined> {
  const folder = await cacheFolder(root, scale);
  let summary: Summary;
  try {
    summary = JSON.parse(await readFile(path.join(folder, SUMMARY), 'utf8')) as Summary;
  } catch {
    console.error(`province: no cached history in ${folder}; building it`);
    return undefined;
  }
  const plan = planProvince(scale);
  const client = await pool.connect();
  try {
    const eventColumns = await columnsOf(client, 'tip_events');
    const streamColumns = await columnsOf(client, 'tip_streams');
    const misfit =
      summary.scale !== scale || summary.schools !== plan.schools || summary.teachers !== plan.teachers
        ? 'another plan of the province'
        : eventColumns.join() !== summary.eventColumns.join() || streamColumns.join() !== summary.streamColumns.join()
          ? 'another layout of tip_events or tip_streams'
          : undefined;
    if (misfit) {
      console.error(`province: the cached history in ${folder} was written for ${misfit}; building it afresh`);
      return undefined;
    }
    const { rows: empty } = await client.query<{ any: boolean }>('select exists (select 1 from tip_events) as any');
    if (empty[0].any) throw new Error('A cached history is restored only into an empty event store');
    const started = process.hrtime.bigint();
    await client.query('begin');
    try {
      // The rows take this server's transaction id (the import's own would be ahead of a fresh
      // server's counter, and readers would wait for a transaction that never ends).
      await client.query('alter table tip_events alter column transaction_id set default pg_current_xact_id()');
      await pipeline(
        createReadStream(path.join(folder, EVENTS)),
        client.query(copyFrom(`copy tip_events (${names(eventColumns)}) from stdin (format binary)`)),
      );
      await client.query('alter table tip_events alter column transaction_id drop default');
      await pipeline(
        createReadStream(path.join(folder, STREAMS)),
        client.query(copyFrom(`copy tip_streams (${names(streamColumns)}) from stdin (format binary)`)),
      );
      await client.query(`select setval('tip_event_position_seq', (select max(position) from tip_events))`);
      const { rows } = await client.query<{ count: string }>('select count(*) from tip_events');
      if (Number(rows[0].count) !== summary.events)
        throw new Error(`The cached history holds ${rows[0].count} events, its summary says ${summary.events}`);
      await client.query('commit');
    } catch (error) {
      await client.query('rollback');
      throw error;
    }
    const restoreSeconds = Number(process.hrtime.bigint() - started) / 1e9;
    const size = (await stat(path.join(folder, EVENTS))).size;
    console.error(
      `province: history restored from ${folder} (built ${summary.builtAt} at ${summary.commit}; ` +
        `${summary.events.toLocaleString('en-US')} events, ${Math.round(size / 2 ** 20)} MB) in ${restoreSeconds.toFixed(0)} s`,
    );
    return {
      history: {
        plan,
        tally: new Map(summary.tally),
        eventTypes: new Map(summary.eventTypes),
        events: summary.events,
        decideSeconds: summary.decideSeconds,
      },
      builtAt: summary.builtAt,
      commit: summary.commit,
      restoreSeconds,
    };
  } finally {
    client.release();
  }
}
