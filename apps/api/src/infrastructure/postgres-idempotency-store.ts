import { CommandOutcome, CommandResult, IdempotencyStore, StoredCommandOutcome } from '@tip/application';
import { Pool } from 'pg';
import { Migration, quoteIdentifier } from '@tip/event-store';

/** The API's own tables, beside the event store's. */
export const apiMigrations: Migration[] = [
  {
    version: 1,
    name: 'idempotency keys',
    sql: `create table tip_idempotency_keys (
            key text primary key, request_hash text not null, result jsonb not null,
            created_at timestamptz not null default now())`,
  },
  {
    version: 2,
    name: 'teacher keys (crypto-shredding of ID numbers)',
    sql: `create table tip_teacher_keys (
            teacher_id text primary key, key bytea not null, created_at timestamptz not null default now())`,
  },
  {
    version: 3,
    name: 'credential keys (password hashes sealed outside the log)',
    sql: `create table tip_credential_keys (
            user_id text primary key, key bytea not null, created_at timestamptz not null default now())`,
  },
];

/**
 * The application's role keeps answers, teachers' keys (erasing and re-wrapping them too) and
 * accounts' keys (deleting one ends that password).
 */
export function apiGrants(role: string): string {
  const to = quoteIdentifier(role);
  return /* sql */ `
    grant select on tip_api_migrations to ${to};
    grant select, insert on tip_idempotency_keys to ${to};
    grant select, insert, update, delete on tip_teacher_keys to ${to};
    grant select, insert, delete on tip_credential_keys to ${to};
  `;
}

/** Answers to commands sent with an Idempotency-Key, kept in the event store's database. */
export class PostgresIdempotencyStore implements IdempotencyStore {
  constructor(private readonly pool: Pool) {}

  async find(key: string): Promise<StoredCommandOutcome | undefined> {
    const { rows } = await this.pool.query<{ request_hash: string; result: CommandOutcome | CommandResult }>(
      'select request_hash, result from tip_idempotency_keys where key = $1',
      [key],
    );
    return rows[0] ? { requestHash: rows[0].request_hash, outcome: outcomeOf(rows[0].result) } : undefined;
  }

  async save(key: string, requestHash: string, outcome: CommandOutcome): Promise<StoredCommandOutcome> {
    await this.pool.query(
      'insert into tip_idempotency_keys (key, request_hash, result) values ($1, $2, $3) on conflict (key) do nothing',
      [key, requestHash, JSON.stringify(outcome)],
    );
    const stored = await this.find(key);
    return stored ?? { requestHash, outcome };
  }
}

/** Rows written before refusals were kept hold the result itself. */
function outcomeOf(stored: CommandOutcome | CommandResult): CommandOutcome {
  return 'kind' in stored ? stored : { kind: 'done', result: stored };
}
