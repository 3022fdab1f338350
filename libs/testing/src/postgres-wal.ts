import { Client } from 'pg';

/**
 * What an attacker who copied pg_wal holds: the WAL segments written since a point, read straight
 * from the test server's files (pg_read_binary_file, which takes a superuser, as the test
 * server's URL is). For tests that must show what a WAL copy does or does not give away.
 */
export interface WalWindow {
  url: string;
  startLsn: string;
}

export async function walWindowFrom(url: string): Promise<WalWindow> {
  return withClient(url, async (client) => {
    const { rows } = await client.query<{ lsn: string }>('select pg_current_wal_lsn()::text as lsn');
    return { url, startLsn: rows[0].lsn };
  });
}

/** The bytes of every WAL segment from the window's start to now (the current one switched out first, so it is on disk whole). */
export async function walSegmentsSince(window: WalWindow): Promise<Buffer[]> {
  return withClient(window.url, async (client) => {
    await client.query('select pg_switch_wal()');
    const { rows } = await client.query<{ name: string }>(
      `select name from pg_ls_waldir()
       where name ~ '^[0-9A-F]{24}$' and name >= pg_walfile_name($1::pg_lsn) and name <= pg_walfile_name(pg_current_wal_lsn())
       order by name`,
      [window.startLsn],
    );
    const segments: Buffer[] = [];
    for (const { name } of rows) {
      const read = await client.query<{ bytes: Buffer }>(`select pg_read_binary_file('pg_wal/' || $1) as bytes`, [
        name,
      ]);
      segments.push(read.rows[0].bytes);
    }
    return segments;
  });
}

/**
 * Every run of `length` bytes found within `reach` bytes after an occurrence of `marker` in the
 * segments: how an attacker finds a row's other columns (a wrapped key) next to its key column.
 */
export function candidatesNear(segments: Buffer[], marker: Buffer, length: number, reach = 256): Buffer[] {
  const found: Buffer[] = [];
  for (const segment of segments) {
    for (let at = segment.indexOf(marker); at >= 0; at = segment.indexOf(marker, at + 1)) {
      for (
        let offset = at + marker.length;
        offset + length <= Math.min(segment.length, at + marker.length + reach);
        offset++
      ) {
        found.push(segment.subarray(offset, offset + length));
      }
    }
  }
  return found;
}

async function withClient<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
