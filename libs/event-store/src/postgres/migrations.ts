import { Pool, PoolClient } from 'pg';
import { createPool } from './pool';

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
    // A role that may not create tables (the application's) finds nothing to do on a database
    // its owner has migrated, without trying to.
    if (await upToDate(client, migrations, table)) return applied;
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

async function upToDate(client: PoolClient, migrations: Migration[], table: string): Promise<boolean> {
  const { rows } = await client.query<{ present: boolean }>('select to_regclass($1) is not null as present', [table]);
  if (!rows[0].present) return false;
  const done = new Set(
    (await client.query<{ version: number }>(`select version from ${table}`)).rows.map((row) => row.version),
  );
  return migrations.every((migration) => done.has(migration.version));
}

/** A database that needs migrating, reached through a role that may not: the owner must run them. */
export class MigrationNeedsOwnerError extends Error {}

/**
 * Migrates as the owner (`ownerConnectionString`), then grants the application's role what it
 * needs (`grants`); without an owner, migrates as the application itself, the one-role setup.
 */
export async function migrateAs(
  ownerConnectionString: string | undefined,
  appPool: Pool,
  migrations: Migration[],
  table: string,
  grants?: (role: string) => string,
): Promise<void> {
  if (!ownerConnectionString) {
    await runMigrations(appPool, migrations, table).catch((error: unknown) => {
      if (error instanceof Error && /permission denied/.test(error.message)) {
        throw new MigrationNeedsOwnerError(
          `${error.message}. The role TIP connects as may not change the schema: give the owner's URL ` +
            '(TIP_DATABASE_OWNER_URL) so that it runs the migrations.',
        );
      }
      throw error;
    });
    return;
  }
  const owner = createPool(
    { connectionString: ownerConnectionString, max: 1, application_name: 'tip-migrations' },
    () => undefined,
  );
  try {
    await runMigrations(owner, migrations, table);
    if (grants) {
      const { rows } = await appPool.query<{ role: string }>('select current_user as role');
      const { rows: same } = await owner.query<{ role: string }>('select current_user as role');
      if (rows[0].role !== same[0].role) await owner.query(grants(rows[0].role));
    }
  } finally {
    await owner.end();
  }
}
