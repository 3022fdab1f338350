// Test fixture: starts a server on argv[2], runs `select 1`, stops it. Exit code 0 means all worked.
import { Client } from 'pg';
import { startEmbeddedPostgres } from '../embedded-postgres';

async function main(): Promise<void> {
  const server = await startEmbeddedPostgres({ dataDir: process.argv[2], settings: { shared_buffers: '32MB' } });
  try {
    const client = new Client({ connectionString: server.connectionString() });
    await client.connect();
    const { rows } = await client.query<{ one: number }>('select 1 as one');
    await client.end();
    process.stdout.write(`uid=${process.getuid?.()} one=${rows[0].one}\n`);
  } finally {
    await server.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
