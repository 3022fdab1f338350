import { Client } from 'pg';
import { createTestDatabase } from './postgres';

async function query<T extends object>(url: string, sql: string): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

describe('createTestDatabase', () => {
  it('creates a separate, empty database that drop() removes even while connections are open', async () => {
    const first = await createTestDatabase();
    const second = await createTestDatabase();
    expect(first.name).toMatch(/^tip_test_[0-9a-f]+$/);
    expect(second.name).not.toBe(first.name);

    const [{ current_database }] = await query<{ current_database: string }>(first.url, 'SELECT current_database()');
    expect(current_database).toBe(first.name);
    await query(first.url, 'CREATE TABLE t (x int)');
    const tables = await query<{ n: string }>(second.url, "SELECT count(*) AS n FROM pg_tables WHERE tablename = 't'");
    expect(tables[0].n).toBe('0');

    const lingering = new Client({ connectionString: first.url });
    lingering.on('error', () => undefined);
    await lingering.connect();
    await first.drop();
    await first.drop();
    await second.drop();
    await lingering.end().catch(() => undefined);

    const left = await query<{ datname: string }>(
      process.env.TIP_TEST_DATABASE_URL ?? '',
      `SELECT datname FROM pg_database WHERE datname IN ('${first.name}', '${second.name}')`,
    );
    expect(left).toEqual([]);
  });
});
