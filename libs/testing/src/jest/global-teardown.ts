import { rm } from 'node:fs/promises';
import * as path from 'node:path';
import { TEST_DATABASE_URL_ENV } from '../postgres';
import { takeTestServer } from './test-server';

export default async function globalTeardown(): Promise<void> {
  const started = takeTestServer();
  if (!started) return;
  // Watch mode runs globalSetup again; it must not mistake our stopped server for a given one.
  delete process.env[TEST_DATABASE_URL_ENV];
  started.release();
  try {
    await started.server.stop();
  } finally {
    await rm(started.dir, { recursive: true, force: true });
    // As root with a private temp folder, the cluster was placed under /var/lib/tip: ours alone.
    const { clusterDir } = started.server;
    if (path.relative(started.dir, clusterDir).startsWith('..')) {
      await rm(path.dirname(clusterDir), { recursive: true, force: true });
    }
  }
}
