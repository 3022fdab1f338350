import { once } from 'node:events';
import { Client, Pool } from 'pg';
import { createTestDatabase, TestDatabase } from '@tip/testing';
import { createPool } from './pool';

describe('a pooled connection lost to a database restart', () => {
  let database: TestDatabase;
  let pool: Pool;
  let admin: Client;
  const lost: Error[] = [];

  /** The server sends 57P01 "terminating connection due to administrator command", as a shutdown does. */
  const terminate = (pid: number) => admin.query('select pg_terminate_backend($1)', [pid]);

  beforeAll(async () => {
    database = await createTestDatabase();
    pool = createPool({ connectionString: database.url, max: 3 }, (error) => lost.push(error));
    admin = new Client({ connectionString: database.url });
    await admin.connect();
  });
  afterAll(async () => {
    await admin?.end();
    await pool?.end();
    await database?.drop();
  });

  it('between two statements of a transaction does not take the process down: the next query fails, the pool carries on', async () => {
    const client = await pool.connect();
    await client.query('begin');
    const { rows } = await client.query<{ pid: number }>('select pg_backend_pid() as pid');
    const ended = new Promise((resolve) => client.once('end', resolve));
    await terminate(rows[0].pid);
    await ended;

    await expect(client.query('select 1')).rejects.toThrow(/not queryable|terminat/);
    client.release(true);
    expect((await pool.query<{ one: number }>('select 1 as one')).rows).toEqual([{ one: 1 }]);
  });

  it('while idle is reported to the pool', async () => {
    const idle = await pool.connect();
    const { rows } = await idle.query<{ pid: number }>('select pg_backend_pid() as pid');
    idle.release();
    const reported = once(pool, 'error');
    await terminate(rows[0].pid);
    const [error] = (await reported) as [Error & { code?: string }];

    expect(error.code).toBe('57P01');
    expect(lost).toContain(error);
    expect((await pool.query<{ one: number }>('select 1 as one')).rows).toEqual([{ one: 1 }]);
  });
});
