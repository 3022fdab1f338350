import { rm } from 'node:fs/promises';
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
  }
}
