import { Migration, quoteIdentifier } from '@tip/event-store';

export const PERSONAL_DATA_MIGRATIONS_TABLE = 'tip_personal_data_migrations';

/**
 * The teachers' data keys, wrapped. `tip_teacher_keys` was made by the API's own migrations
 * (with each key in plain); it is made here when it is not there yet, so these run after those.
 */
export const personalDataMigrations: Migration[] = [
  {
    version: 1,
    name: 'data keys wrapped by a key-encryption key outside the database',
    sql: /* sql */ `
      create table if not exists tip_teacher_keys (
        teacher_id text primary key, key bytea, created_at timestamptz not null default now());
      -- key (a data key in plain, from before) stays only until the vault first opens and wraps it.
      alter table tip_teacher_keys alter column key drop not null,
        add column wrapped_key bytea, add column kek_id text;
      create table tip_kek_state (
        singleton boolean primary key default true check (singleton),
        current_kek_id text not null,
        rotated_at timestamptz not null default now());
    `,
  },
];

/** The application's role reads, makes, re-wraps and erases data keys, and moves the current KEK. */
export function personalDataGrants(role: string): string {
  const to = quoteIdentifier(role);
  return /* sql */ `
    grant select on ${PERSONAL_DATA_MIGRATIONS_TABLE} to ${to};
    grant select, insert, update, delete on tip_teacher_keys to ${to};
    grant select, insert, update on tip_kek_state to ${to};
  `;
}
