import { Logger } from '@nestjs/common';
import { Client } from 'pg';
import { EmbeddedPostgres, ensureApplicationRole } from '@tip/embedded-postgres';

/**
 * The embedded default's two roles: the superuser owns the tables and runs the migrations; TIP's
 * processes connect as the application's role, which may read and insert events but never
 * change them. Read models belong to the application (it rebuilds them): those an older release
 * made as the superuser are handed over.
 */
export async function embeddedDatabaseRoles(
  embedded: EmbeddedPostgres,
  dataDir: string,
  database: string,
): Promise<{ databaseUrl: string; ownerUrl: string }> {
  const ownerUrl = embedded.connectionString(database);
  const application = await ensureApplicationRole(embedded, dataDir, database);
  await handOverReadModels(ownerUrl, application.name);
  return { databaseUrl: application.connectionString(database), ownerUrl };
}

/** Schemas of read models (rm_…) and everything in them, made over to the role that builds them. */
export async function handOverReadModels(ownerUrl: string, role: string): Promise<void> {
  const client = new Client({ connectionString: ownerUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ statement: string }>(
      `select format('alter schema %I owner to %I', n.nspname, $1::text) as statement
         from pg_namespace n where n.nspname like 'rm\\_%' and pg_get_userbyid(n.nspowner) <> $1::text
       union all
       select format(case c.relkind when 'S' then 'alter sequence %I.%I owner to %I'
                                    when 'v' then 'alter view %I.%I owner to %I'
                                    when 'm' then 'alter materialized view %I.%I owner to %I'
                                    else 'alter table %I.%I owner to %I' end, n.nspname, c.relname, $1::text)
         from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname like 'rm\\_%' and c.relkind in ('r', 'p', 'v', 'm', 'S') and pg_get_userbyid(c.relowner) <> $1::text
          and not (c.relkind = 'S' and exists (select 1 from pg_depend d where d.objid = c.oid and d.deptype in ('a', 'i')))
       union all
       select format('alter type %I.%I owner to %I', n.nspname, t.typname, $1::text)
         from pg_type t join pg_namespace n on n.oid = t.typnamespace
        where n.nspname like 'rm\\_%' and t.typtype in ('e', 'd') and pg_get_userbyid(t.typowner) <> $1::text`,
      [role],
    );
    for (const { statement } of rows) await client.query(statement);
  } finally {
    await client.end();
  }
}

/**
 * A warning when TIP connects as a role that may change events (a superuser, the tables' owner):
 * the issue's threat is exactly that role. The README says how to set up two roles.
 */
export async function warnIfApplicationMayRewrite(databaseUrl: string): Promise<void> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ role: string; rewrites: boolean }>(
      `select current_user as role,
              (select rolsuper from pg_roles where rolname = current_user)
              or has_table_privilege('tip_events', 'UPDATE') or has_table_privilege('tip_events', 'DELETE')
              or pg_has_role((select tableowner from pg_tables where tablename = 'tip_events' and schemaname = 'public'), 'USAGE')
              as rewrites`,
    );
    if (rows[0]?.rewrites) {
      new Logger('TIP').warn(
        `TIP connects as "${rows[0].role}", which may update or delete events. Connect as a role that may only ` +
          'read and insert them, and give the owner to TIP_DATABASE_OWNER_URL (README: "The database cannot be rewritten by the application").',
      );
    }
  } finally {
    await client.end();
  }
}
