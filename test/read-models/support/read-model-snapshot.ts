import { isDeepStrictEqual } from 'node:util';
import { Client } from 'pg';

/** Every table of a read-model schema (but its migrations), each row in primary-key order. */
export type Snapshot = Record<string, Record<string, unknown>[]>;

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

export async function snapshotSchema(connectionString: string, schema: string): Promise<Snapshot> {
  const client = new Client({ connectionString });
  await client.connect();
  try {
    // One snapshot of the whole schema, as one reader would see it.
    await client.query('begin isolation level repeatable read read only');
    const { rows: tables } = await client.query<{ table_name: string }>(
      `select table_name from information_schema.tables
        where table_schema = $1 and table_type = 'BASE TABLE' and table_name <> 'migrations' order by table_name`,
      [schema],
    );
    const snapshot: Snapshot = {};
    for (const { table_name: table } of tables) {
      const { rows: keys } = await client.query<{ column: string }>(
        `select a.attname as column from pg_index i
           join pg_attribute a on a.attrelid = i.indrelid and a.attnum = any(i.indkey)
          where i.indrelid = $1::regclass and i.indisprimary
          order by array_position(i.indkey::int2[], a.attnum)`,
        [`${quote(schema)}.${quote(table)}`],
      );
      if (keys.length === 0) throw new Error(`${schema}.${table} has no primary key to order by`);
      const { rows } = await client.query<Record<string, unknown>>(
        `select * from ${quote(schema)}.${quote(table)} order by ${keys.map((key) => quote(key.column)).join(', ')}`,
      );
      // When the checkpoint was written differs between copies; where it stands may not.
      snapshot[table] = table === 'projection_checkpoint' ? rows.map(({ updated_at: _written, ...row }) => row) : rows;
    }
    await client.query('commit');
    return snapshot;
  } finally {
    await client.end();
  }
}

/** Where two snapshots differ, table by table, at most `limit` rows each (empty when equal). */
export function snapshotDifferences(expected: Snapshot, actual: Snapshot, limit = 3): string[] {
  const differences: string[] = [];
  for (const table of [...new Set([...Object.keys(expected), ...Object.keys(actual)])].sort()) {
    const [want, got] = [expected[table], actual[table]];
    if (!want || !got) {
      differences.push(`${table}: only in ${want ? 'the first' : 'the second'} snapshot`);
      continue;
    }
    if (want.length !== got.length) differences.push(`${table}: ${want.length} rows, then ${got.length}`);
    let shown = 0;
    for (let index = 0; index < Math.max(want.length, got.length) && shown < limit; index++) {
      if (isDeepStrictEqual(want[index], got[index])) continue;
      differences.push(`${table}[${index}]:\n  ${JSON.stringify(want[index])}\n  ${JSON.stringify(got[index])}`);
      shown++;
    }
  }
  return differences;
}

export const rowCount = (snapshot: Snapshot) => Object.values(snapshot).reduce((sum, rows) => sum + rows.length, 0);
