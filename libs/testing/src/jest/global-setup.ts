import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
// Jest loads globalSetup with Node's own resolver, without moduleNameMapper, so the @tip/* alias
// does not resolve here.
// eslint-disable-next-line @nx/enforce-module-boundaries
import { EmbeddedPostgres, startEmbeddedPostgres } from '../../../embedded-postgres/src';
import { TEST_DATABASE_URL_ENV } from '../postgres';
import { setTestServer, stopOnAbort } from './test-server';

/** Starts one PostgreSQL for the whole Jest run unless TIP_TEST_DATABASE_URL names a server. */
export default async function globalSetup(): Promise<void> {
  if (process.env[TEST_DATABASE_URL_ENV]) return;
  const dir = await mkdtemp(path.join(tmpdir(), 'tip-test-pg-'));
  let server: EmbeddedPostgres | undefined;
  try {
    // When we are root, PostgreSQL runs as another user, which must be able to enter this directory.
    await chmod(dir, 0o755);
    const dataDir = path.join(dir, 'data');
    server = await startEmbeddedPostgres({
      dataDir,
      // Test data is thrown away, so durability only costs time here.
      settings: { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off' },
    });
    setTestServer({ server, dir, release: stopOnAbort(path.join(dataDir, 'pg'), dir) });
    // Test workers are forked after globalSetup and inherit this.
    process.env[TEST_DATABASE_URL_ENV] = server.connectionString();
  } catch (error) {
    await server?.stop().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}
