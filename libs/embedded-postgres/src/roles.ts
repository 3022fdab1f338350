import { randomBytes } from 'node:crypto';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { Client } from 'pg';
import { DataDirectoryError } from './errors';
import { connectionString } from './settings';

/** The role TIP's processes connect as on the embedded server; the superuser owns the tables and migrates. */
export const APPLICATION_ROLE = 'tip_app';
const ROLE_FILE = 'app-role.json';

export interface ApplicationRole {
  readonly name: string;
  connectionString(database: string): string;
}

/**
 * Makes sure the application's role exists on the embedded server with the password kept in
 * `<dataDir>/app-role.json` (0600), may log in to `database` and create schemas there (the read
 * models' own), and nothing more: no superuser, no role or database creation. What it may do
 * with TIP's tables the owner grants after each migration.
 */
export async function ensureApplicationRole(
  server: { readonly port: number; connectionString(database?: string): string },
  dataDir: string,
  database: string,
): Promise<ApplicationRole> {
  const password = (await readApplicationPassword(dataDir)) ?? (await newApplicationPassword(dataDir));
  const admin = new Client({ connectionString: server.connectionString(database) });
  await admin.connect();
  try {
    const { rowCount } = await admin.query('select 1 from pg_roles where rolname = $1', [APPLICATION_ROLE]);
    const attributes = `login nosuperuser nocreatedb nocreaterole noreplication nobypassrls password '${password}'`;
    // The password on disk is the one that counts: set it every time.
    await admin.query(`${rowCount ? 'alter' : 'create'} role ${APPLICATION_ROLE} with ${attributes}`);
    await admin.query(
      `grant connect, create, temporary on database "${database.replace(/"/g, '""')}" to ${APPLICATION_ROLE}`,
    );
  } finally {
    await admin.end();
  }
  return applicationRole(server.port, password);
}

/** The application's role of a server another process started, or undefined before it was made. */
export async function findApplicationRole(dataDir: string, port: number): Promise<ApplicationRole | undefined> {
  const password = await readApplicationPassword(dataDir);
  return password === undefined ? undefined : applicationRole(port, password);
}

function applicationRole(port: number, password: string): ApplicationRole {
  return {
    name: APPLICATION_ROLE,
    connectionString: (database) => connectionString(APPLICATION_ROLE, password, port, database),
  };
}

async function readApplicationPassword(dataDir: string): Promise<string | undefined> {
  const file = path.join(dataDir, ROLE_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const parsed: unknown = JSON.parse(text);
  if (typeof parsed === 'object' && parsed !== null && 'password' in parsed && typeof parsed.password === 'string') {
    if (/^[0-9a-f]{16,}$/.test(parsed.password)) return parsed.password;
  }
  throw new DataDirectoryError(
    file,
    `${file} should hold {"user": "${APPLICATION_ROLE}", "password": <hex>}; delete it to make a new one`,
  );
}

async function newApplicationPassword(dataDir: string): Promise<string> {
  const password = randomBytes(24).toString('hex');
  const file = path.join(dataDir, ROLE_FILE);
  await writeFile(file, `${JSON.stringify({ user: APPLICATION_ROLE, password }, null, 2)}\n`, { mode: 0o600 });
  await chmod(file, 0o600);
  return password;
}
