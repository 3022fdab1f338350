import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

/** Superuser URL of the PostgreSQL server for this test run; set by the int project's globalSetup. */
export const TEST_DATABASE_URL_ENV = 'TIP_TEST_DATABASE_URL';

export interface TestDatabase {
  /** Connection URL for the new, empty database. */
  readonly url: string;
  readonly name: string;
  /** Drops the database, closing any connections still open to it. */
  drop(): Promise<void>;
}

export class TestDatabaseUnavailableError extends Error {
  constructor() {
    super(
      `${TEST_DATABASE_URL_ENV} is not set, so there is no PostgreSQL server to create a test database on. ` +
        'Tests that need a database must be named *.int.spec.ts (or *.e2e.spec.ts) so that they run in the ' +
        "Jest 'int' project, whose globalSetup starts a server (e.g. `npx jest --selectProjects int`). To use " +
        `your own server instead, set ${TEST_DATABASE_URL_ENV} to a superuser URL that may CREATE DATABASE.`,
    );
    this.name = new.target.name;
  }
}

/** The admin URL of the test server; throws a clear error outside the int project. */
export function testServerUrl(): string {
  const url = process.env[TEST_DATABASE_URL_ENV];
  if (!url) throw new TestDatabaseUnavailableError();
  return url;
}

export interface TestDatabaseOptions {
  /**
   * An ICU locale (like `en-US`) for the database's default collation, as many production
   * databases have, instead of the test server's byte order (C).
   */
  icuLocale?: string;
  /** A copy of this database of the test server (which nobody may be connected to). */
  template?: string;
}

/** Creates a fresh database `tip_test_<hex>` on the test server. */
export async function createTestDatabase(options: TestDatabaseOptions = {}): Promise<TestDatabase> {
  const adminUrl = testServerUrl();
  const name = `tip_test_${randomBytes(6).toString('hex')}`;
  let clauses = '';
  if (options.icuLocale !== undefined) {
    if (!/^[A-Za-z0-9-]+$/.test(options.icuLocale))
      throw new TypeError(`"${options.icuLocale}" is not an ICU locale name`);
    clauses = ` TEMPLATE template0 ENCODING 'UTF8' LOCALE 'C' LOCALE_PROVIDER icu ICU_LOCALE '${options.icuLocale}'`;
  }
  if (options.template !== undefined) {
    if (!/^[a-z0-9_]+$/.test(options.template))
      throw new TypeError(`"${options.template}" is not a test database name`);
    clauses += ` TEMPLATE "${options.template}"`;
  }
  await withAdmin(adminUrl, (client) => client.query(`CREATE DATABASE "${name}"${clauses}`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  let dropped: Promise<void> | undefined;
  return {
    url: url.toString(),
    name,
    drop: () => {
      dropped ??= withAdmin(adminUrl, async (client) => {
        await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      });
      return dropped;
    },
  };
}

async function withAdmin<T>(adminUrl: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/**
 * Runs `work` on the database as an attacker with the owner's rights would: triggers (the
 * events table's refusal to change) are switched off for the session, which takes a superuser
 * (the test server's URL is one).
 */
export async function asAttacker<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query("set session_replication_role = 'replica'");
    return await work(client);
  } finally {
    await client.end();
  }
}
