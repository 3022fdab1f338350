import { DataSource, MigrationInterface, QueryRunner } from 'typeorm';
import { ConnectionLossTolerantClient } from '@tip/event-store';
import { Projection } from './view-changes';

// TypeORM's own type for entity classes; kept loose because entity classes differ in shape.
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export type EntityClass = Function;
export type MigrationClass = new () => MigrationInterface;

/** A read model: its projector, the entities of its tables, and the migrations that make them. */
export interface ReadModel {
  projection: Projection;
  entities: EntityClass[];
  migrations: MigrationClass[];
}

/** Each read model lives in a schema of its own, so a rebuilt copy can be swapped in whole. */
export const liveSchemaOf = (readModel: ReadModel) => `rm_${readModel.projection.name}`;
export const rebuildSchemaOf = (readModel: ReadModel) => `rm_${readModel.projection.name}_next`;
export const retiredSchemaOf = (readModel: ReadModel) => `rm_${readModel.projection.name}_retired`;

/** Advisory-lock space of read-model swaps: batches take it shared, a swap exclusively. */
export const SWAP_LOCK_SPACE = 7311;
const MIGRATION_LOCK_SPACE = 7312;

/** The schema a migration runs in (the data source's), so one migration serves live and rebuilt copies. */
export function schemaOf(queryRunner: QueryRunner): string {
  const schema = (queryRunner.connection.options as { schema?: string }).schema;
  if (!schema) throw new Error('A read-model data source needs a schema');
  return `"${schema.replace(/"/g, '""')}"`;
}

export interface DataSourceOptions {
  poolSize?: number;
  applicationName?: string;
}

export function readModelDataSource(
  connectionString: string,
  readModel: ReadModel,
  schema: string,
  options: DataSourceOptions = {},
): DataSource {
  return new DataSource({
    type: 'postgres',
    url: connectionString,
    schema,
    entities: readModel.entities,
    migrations: [...readModel.migrations, ...ENGINE_MIGRATIONS],
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'all',
    synchronize: false,
    applicationName: options.applicationName ?? `tip-rm-${readModel.projection.name}`,
    // A read model's connections may be lost under a transaction (a database restart) without taking the process down.
    extra: { max: options.poolSize ?? 3, Client: ConnectionLossTolerantClient },
  });
}

/**
 * Creates the schema and runs its migrations, once even when several processes start together
 * (an advisory lock per schema serialises them; the second finds nothing left to run).
 */
export async function migrateReadModel(dataSource: DataSource): Promise<void> {
  const schema = (dataSource.options as { schema?: string }).schema ?? 'public';
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('select pg_advisory_lock($1, hashtext($2))', [MIGRATION_LOCK_SPACE, schema]);
    try {
      await runner.query(`create schema if not exists "${schema.replace(/"/g, '""')}"`);
      await dataSource.runMigrations({ transaction: 'all' });
    } finally {
      await runner.query('select pg_advisory_unlock($1, hashtext($2))', [MIGRATION_LOCK_SPACE, schema]);
    }
  } finally {
    await runner.release();
  }
}

/** The shared SQL every read-model schema has: its checkpoints (global, per Kafka partition) and the counters' JSON addition. */
export async function createEngineObjects(queryRunner: QueryRunner, projectionName: string): Promise<void> {
  const schema = schemaOf(queryRunner);
  await queryRunner.query(`create table ${schema}.projection_checkpoint (
    name text primary key,
    position bigint not null,
    updated_at timestamptz not null default now())`);
  await queryRunner.query(`insert into ${schema}.projection_checkpoint (name, position) values ($1, 0)`, [
    projectionName,
  ]);
  // Projector workers fed by Kafka: per partition, the last offset and highest event position applied, and the highest watermark seen.
  await queryRunner.query(`create table ${schema}.kafka_partitions (
    name text not null,
    topic text not null,
    partition integer not null,
    applied_offset bigint not null default -1,
    applied_position bigint not null default 0,
    watermark bigint not null default 0,
    updated_at timestamptz not null default now(),
    primary key (name, topic, partition))`);
  await queryRunner.query(`create function ${schema}.jsonb_add(a jsonb, b jsonb) returns jsonb
    language sql immutable parallel safe as $$
      select coalesce(jsonb_object_agg(key, total), '{}'::jsonb)
      from (select key, sum(value::numeric) as total
            from (select * from jsonb_each_text(coalesce(a, '{}'::jsonb)) union all select * from jsonb_each_text(coalesce(b, '{}'::jsonb))) as each_pair
            group by key) as sums
    $$`);
}

/**
 * Parking (every read model, after its own first migration): events its projector cannot handle
 * wait in `parked_events` with the error, and the checkpoint goes on past them. A rebuilt copy
 * gets its own table, so what a rebuild could not handle is parked there, and a rebuild after a
 * fix starts with none. `generation` moves when a parked event is applied out of turn (a retry),
 * telling a projector that rows it keeps in memory may be stale; `awaiting_position` is where a
 * Kafka partition waits for another partition's event.
 */
export class ParkedEvents1765000000000 implements MigrationInterface {
  name = 'ParkedEvents1765000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const schema = schemaOf(queryRunner);
    await queryRunner.query(`create table ${schema}.parked_events (
      name text not null,
      position bigint not null,
      event_id text not null,
      stream_id text not null,
      event_type text not null,
      event jsonb not null,
      error text not null,
      attempts integer not null default 1,
      first_attempt timestamptz not null default now(),
      last_attempt timestamptz not null default now(),
      primary key (name, position))`);
    await queryRunner.query(
      `alter table ${schema}.projection_checkpoint add column generation bigint not null default 0`,
    );
    await queryRunner.query(`alter table ${schema}.kafka_partitions add column awaiting_position bigint`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const schema = schemaOf(queryRunner);
    await queryRunner.query(`alter table ${schema}.kafka_partitions drop column awaiting_position`);
    await queryRunner.query(`alter table ${schema}.projection_checkpoint drop column generation`);
    await queryRunner.query(`drop table ${schema}.parked_events`);
  }
}

const ENGINE_MIGRATIONS: MigrationClass[] = [ParkedEvents1765000000000];
