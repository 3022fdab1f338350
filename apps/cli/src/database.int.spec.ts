import { chmod, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { EmbeddedPostgres, findRunningEmbeddedPostgres, startEmbeddedPostgres } from '@tip/embedded-postgres';
import { withDatabase } from './database';

async function serverPort(connectionString: string): Promise<number> {
  const client = new Client({ connectionString });
  await client.connect();
  try {
    const { rows } = await client.query<{ port: string; database: string }>(
      "select current_setting('port') as port, current_database() as database",
    );
    expect(rows[0].database).toBe('tip');
    return Number(rows[0].port);
  } finally {
    await client.end();
  }
}

// A data directory of its own, laid out as the API leaves it: <dataDir>/postgres, database "tip".
describe('withDatabase', () => {
  let dataDir: string;
  let apiServer: EmbeddedPostgres | undefined;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'tip-cli-database-'));
    // When root, PostgreSQL runs as another user, which must be able to enter this directory.
    await chmod(dataDir, 0o755);
    apiServer = await startEmbeddedPostgres({
      dataDir: path.join(dataDir, 'postgres'),
      settings: { shared_buffers: '32MB', max_connections: '20' },
    });
    const client = new Client({ connectionString: apiServer.connectionString() });
    await client.connect();
    await client.query('create database tip');
    await client.end();
  }, 120_000);
  afterAll(async () => {
    await apiServer?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('uses DATABASE_URL as it is', async () => {
    expect(await withDatabase({ databaseUrl: 'postgresql://elsewhere/tip', dataDir }, async (url) => url)).toBe(
      'postgresql://elsewhere/tip',
    );
  });

  it('shares the server already running on the data directory, and leaves it running', async () => {
    const running = apiServer;
    if (!running) throw new Error('started in beforeAll');
    expect(await withDatabase({ dataDir }, serverPort)).toBe(running.port);
    expect(await serverPort(running.connectionString('tip'))).toBe(running.port);
  });

  it('otherwise starts the embedded server for the work and stops it afterwards', async () => {
    await apiServer?.stop();
    apiServer = undefined;
    const port = await withDatabase({ dataDir }, async (url) => {
      expect(await findRunningEmbeddedPostgres(path.join(dataDir, 'postgres'))).toBeDefined();
      return serverPort(url);
    });
    expect(port).toBeGreaterThan(0);
    expect(await findRunningEmbeddedPostgres(path.join(dataDir, 'postgres'))).toBeUndefined();
  }, 60_000);

  it('refuses a data directory holding no database rather than creating one', async () => {
    const empty = path.join(dataDir, 'nothing-here');
    await expect(withDatabase({ dataDir: empty }, async () => 'ran')).rejects.toThrow(
      /There is no TIP database in .*nothing-here/,
    );
    await expect(stat(empty)).rejects.toThrow();
  });
});
