import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { createTestDatabase, TestDatabase, testServerUrl } from '@tip/testing';
import { handOverReadModels } from './database-roles';

describe('Read models made by an older release as the superuser', () => {
  let database: TestDatabase;
  const role = `tip_app_${randomBytes(4).toString('hex')}`;

  async function on<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
    const client = new Client({ connectionString: url });
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  }

  beforeAll(async () => {
    database = await createTestDatabase();
    await on(testServerUrl(), (client) => client.query(`create role ${role} login`));
  });
  afterAll(async () => {
    await on(database.url, (client) => client.query(`drop owned by ${role}`));
    await database.drop();
    await on(testServerUrl(), (client) => client.query(`drop role if exists ${role}`));
  });

  it('are handed over, schema and all, to the role that builds them now; other schemas stay', async () => {
    await on(database.url, async (client) => {
      await client.query(`create schema rm_progress; create schema other`);
      await client.query(`create type rm_progress.status as enum ('a', 'b')`);
      await client.query(`create table rm_progress.units (id serial primary key, status rm_progress.status)`);
      await client.query(`create table rm_progress.migrations (name text)`);
      await client.query(`create table other.kept (id int)`);
    });
    await handOverReadModels(database.url, role);
    const owners = await on(database.url, (client) =>
      client.query<{ name: string; owner: string }>(
        `select nspname as name, pg_get_userbyid(nspowner) as owner from pg_namespace where nspname in ('rm_progress', 'other')
         union all select schemaname || '.' || tablename, tableowner from pg_tables where schemaname in ('rm_progress', 'other')
         union all select 'type ' || typname, pg_get_userbyid(typowner) from pg_type where typname = 'status'
         union all select 'sequence ' || sequencename, sequenceowner from pg_sequences where schemaname = 'rm_progress'
         order by 1`,
      ),
    );
    const superuser = new URL(database.url).username;
    expect(owners.rows).toEqual([
      { name: 'other', owner: superuser },
      { name: 'other.kept', owner: superuser },
      { name: 'rm_progress', owner: role },
      { name: 'rm_progress.migrations', owner: role },
      { name: 'rm_progress.units', owner: role },
      { name: 'sequence units_id_seq', owner: role },
      { name: 'type status', owner: role },
    ]);
    // Done twice, nothing is left to do.
    await handOverReadModels(database.url, role);
  });
});
