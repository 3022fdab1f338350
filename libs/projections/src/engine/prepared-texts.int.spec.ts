import { Client } from 'pg';
import { createTestDatabase, TestDatabase } from '@tip/testing';
import { PreparedTexts } from './prepared-texts';
import { Statement } from './table-sql';

describe('PreparedTexts: a connection prepares a named statement once', () => {
  let database: TestDatabase;
  let client: Client;
  const statement = (value: string): Statement => ({
    text: 'select count(*)::int as rows from json_array_elements($1::json)',
    values: [value],
    name: 'tip_spec_rows',
  });

  beforeAll(async () => {
    database = await createTestDatabase();
    client = new Client({ connectionString: database.url });
    await client.connect();
  });
  afterAll(async () => {
    await client?.end();
    await database?.drop();
  });

  it('prepares on first use, executes after, and inlines what has no name', async () => {
    const texts = new PreparedTexts(client);
    const first = texts.text(statement('[1,2]'));
    const inlined = texts.text({ text: 'select $1::int as one', values: [1] });
    const prepares = texts.takePrepares();
    expect(prepares).toEqual([`prepare tip_spec_rows(text) as ${statement('').text}`]);
    expect(first).toBe(`execute tip_spec_rows('[1,2]')`);
    expect(inlined).toBe('select 1::int as one');
    const results = (await client.query([...prepares, first].join(';\n'))) as unknown as { rows: unknown[] }[];
    texts.sent();
    expect(results[1].rows).toEqual([{ rows: 2 }]);

    const again = new PreparedTexts(client);
    expect(again.text(statement('[3]'))).toBe(`execute tip_spec_rows('[3]')`);
    expect(again.takePrepares()).toEqual([]);
  });

  it('after a failed transaction whose PREPARE ran (it outlives the rollback), prepares again and executes', async () => {
    const other = new Client({ connectionString: database.url });
    await other.connect();
    try {
      const texts = new PreparedTexts(other);
      const text = texts.text(statement('[1]'));
      await expect(other.query([...texts.takePrepares(), 'begin', text, 'select 1 / 0'].join(';\n'))).rejects.toThrow(
        /division by zero/,
      );
      await other.query('rollback');
      await texts.failed();
      // Without the failure's clean-up, this PREPARE would fail: "prepared statement already exists".
      const next = new PreparedTexts(other);
      const retried = next.text(statement('[1,2,3]'));
      const results = (await other.query([...next.takePrepares(), retried].join(';\n'))) as unknown as {
        rows: unknown[];
      }[];
      next.sent();
      expect(results[1].rows).toEqual([{ rows: 3 }]);
    } finally {
      await other.end();
    }
  });

  it('prepares again a statement over a table swapped for one of another shape (its EXECUTE failed)', async () => {
    const other = new Client({ connectionString: database.url });
    await other.connect();
    try {
      await other.query('create table spec_rows (id int primary key); insert into spec_rows values (1)');
      const load: Statement = {
        text: 'select * from spec_rows where id = $1::int',
        values: ['1'],
        name: 'tip_spec_load',
      };
      const texts = new PreparedTexts(other);
      const first = texts.text(load);
      await other.query([...texts.takePrepares(), first].join(';\n'));
      texts.sent();
      // A rebuild swaps in its copy, a column added.
      await other.query(
        'create table spec_rows_new (id int primary key, name text); insert into spec_rows_new values (1, $$王芳$$);' +
          'drop table spec_rows; alter table spec_rows_new rename to spec_rows',
      );
      const stale = new PreparedTexts(other);
      await expect(other.query(stale.text(load))).rejects.toThrow(/cached plan must not change result type/);
      await stale.failed();
      const next = new PreparedTexts(other);
      const again = next.text(load);
      const results = (await other.query([...next.takePrepares(), again].join(';\n'))) as unknown as {
        rows: unknown[];
      }[];
      expect(results[1].rows).toEqual([{ id: 1, name: '王芳' }]);
    } finally {
      await other.end();
    }
  });

  it('prepares nothing on a connection whose statements cannot be read after a failure (inlined instead)', async () => {
    const other = new Client({ connectionString: database.url });
    await other.connect();
    try {
      const texts = new PreparedTexts(other);
      texts.text(statement('[1]'));
      await other.query('begin; select 1 / 0').catch(() => undefined);
      // Still in the aborted transaction: the look at pg_prepared_statements fails.
      await texts.failed();
      await other.query('rollback');
      const next = new PreparedTexts(other);
      expect(next.text(statement('[1]'))).toBe(`select count(*)::int as rows from json_array_elements('[1]'::json)`);
      expect(next.takePrepares()).toEqual([]);
    } finally {
      await other.end();
    }
  });
});
