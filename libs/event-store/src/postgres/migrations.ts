import { Pool } from 'pg';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** Any constant will do; it only has to be the same for every process migrating this database. */
const MIGRATION_LOCK = 7_461_230;

/**
 * Applies the migrations not yet recorded, in order, each in its own transaction. A session
 * advisory lock makes two processes starting at once take turns; the second finds nothing to do.
 */
export async function runMigrations(
  pool: Pool,
  migrations: Migration[],
  table = 'tip_schema_migrations',
): Promise<number[]> {
  const client = await pool.connect();
  const applied: number[] = [];
  try {
    await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK]);
    await client.query(
      `create table if not exists ${table} (version integer primary key, name text not null, applied_at timestamptz not null default now())`,
    );
    const done = new Set(
      (await client.query<{ version: number }>(`select version from ${table}`)).rows.map((row) => row.version),
    );
    for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
      if (done.has(migration.version)) continue;
      await client.query('begin');
      try {
        await client.query(migration.sql);
        await client.query(`insert into ${table} (version, name) values ($1, $2)`, [migration.version, migration.name]);
        await client.query('commit');
      } catch (error) {
        await client.query('rollback');
        throw new Error(`Migration ${migration.version} (${migration.name}) failed: ${(error as Error).message}`);
      }
      applied.push(migration.version);
    }
  } finally {
    await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    client.release();
  }
  return applied;
}
