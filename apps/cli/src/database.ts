import { stat } from 'node:fs/promises';
import * as path from 'node:path';
import { findApplicationRole, findRunningEmbeddedPostgres, startEmbeddedPostgres } from '@tip/embedded-postgres';

export interface DatabaseOptions {
  /** A PostgreSQL server to use as it is (DATABASE_URL). */
  databaseUrl?: string;
  /** TIP_DATA_DIR: the embedded PostgreSQL lives in `<dataDir>/postgres`, as the API keeps it. */
  dataDir: string;
}

/** The database the API creates in its embedded server (apps/api/src/bootstrap.ts). */
const EMBEDDED_DATABASE = 'tip';

export function databaseOptionsFrom(env: NodeJS.ProcessEnv): DatabaseOptions {
  return { databaseUrl: env.DATABASE_URL || undefined, dataDir: path.resolve(env.TIP_DATA_DIR ?? './data') };
}

/**
 * Runs `work` on TIP's database, reached directly rather than over HTTP: DATABASE_URL when set;
 * otherwise the embedded server of the data directory — the API's while it is up (stopping it
 * would pull the database from under the API), else one started for `work` and stopped after.
 */
export async function withDatabase<T>(
  options: DatabaseOptions,
  work: (connectionString: string) => Promise<T>,
  /** `owner`: connect as the tables' owner (a first load rebuilds indexes), not as the application. */
  connect: { owner?: boolean } = {},
): Promise<T> {
  if (options.databaseUrl) return work(options.databaseUrl);
  const dataDir = path.join(options.dataDir, 'postgres');
  // As the application's role, as the API connects (the superuser until a release that has one ran).
  const urlOf = async (server: { port: number; connectionString(database?: string): string }) =>
    (connect.owner ? undefined : await findApplicationRole(dataDir, server.port))?.connectionString(
      EMBEDDED_DATABASE,
    ) ?? server.connectionString(EMBEDDED_DATABASE);
  const running = await findRunningEmbeddedPostgres(dataDir);
  if (running) return work(await urlOf(running));
  // Starting on a mistyped directory would create an empty cluster and report on nothing.
  const initialised = await stat(path.join(dataDir, 'pg', 'PG_VERSION')).then(
    () => true,
    () => false,
  );
  if (!initialised) {
    throw new Error(
      `There is no TIP database in ${dataDir}: start the API there once (npm start), or set TIP_DATA_DIR or DATABASE_URL`,
    );
  }
  const server = await startEmbeddedPostgres({ dataDir });
  // The server has a process group of its own, so Ctrl-C reaches only us: stop it before leaving.
  const signals = ['SIGINT', 'SIGTERM'] as const;
  const stopAndExit = () => void server.stop().finally(() => process.exit(130));
  for (const signal of signals) process.once(signal, stopAndExit);
  try {
    return await work(await urlOf(server));
  } finally {
    for (const signal of signals) process.off(signal, stopAndExit);
    await server.stop();
  }
}
