import { readFile, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { Client } from 'pg';
import { mintToken, resolveJwtSecret } from '@tip/auth';
import { cleanUp, makeTempDir, readPostmaster, TipProcess } from './tip-process';

/**
 * The embedded default sets up the two roles itself: its superuser owns TIP's tables and runs
 * the migrations, and the API connects as tip_app, which may read and insert events but never
 * change them. The tree-head signing key is made in $TIP_DATA_DIR/keys, for its owner alone.
 */
describe('npm start with the embedded PostgreSQL: who may change what', () => {
  let dataDir: string;
  let tip: TipProcess;
  let port: number;
  let url: string;

  beforeAll(async () => {
    dataDir = await makeTempDir();
    tip = TipProcess.start({ env: { PORT: '0', TIP_DATA_DIR: dataDir, TIP_LOG_LEVEL: 'log' } });
    ({ url } = await tip.waitForReady());
    const postmaster = await readPostmaster(dataDir);
    if (!postmaster) throw new Error(`no running PostgreSQL in ${dataDir}:\n${tip.tail()}`);
    port = postmaster.port;
  }, 120_000);
  afterAll(async () => {
    await tip?.stop('SIGTERM').catch(() => undefined);
    await cleanUp();
  }, 120_000);

  async function connectAs(file: string, database = 'tip'): Promise<Client> {
    const { user, password } = JSON.parse(await readFile(path.join(dataDir, 'postgres', file), 'utf8')) as {
      user: string;
      password: string;
    };
    const client = new Client({ host: '127.0.0.1', port, user, password, database });
    await client.connect();
    return client;
  }

  it('connects the API as tip_app, a role without superuser, role or database rights', async () => {
    const admin = await connectAs('embedded-postgres.json');
    try {
      const { rows } = await admin.query<{ usename: string; application_name: string }>(
        "select distinct usename, application_name from pg_stat_activity where datname = 'tip' and pid <> pg_backend_pid()",
      );
      expect(rows.length).toBeGreaterThan(0);
      expect([...new Set(rows.map((row) => row.usename))]).toEqual(['tip_app']);
      const role = await admin.query(
        "select rolsuper, rolcreaterole, rolcreatedb, rolbypassrls from pg_roles where rolname = 'tip_app'",
      );
      expect(role.rows[0]).toEqual({ rolsuper: false, rolcreaterole: false, rolcreatedb: false, rolbypassrls: false });
      const owner = await admin.query("select tableowner from pg_tables where tablename = 'tip_events'");
      expect(owner.rows[0].tableowner).toBe('tip');
    } finally {
      await admin.end();
    }
    expect(tip.output).not.toMatch(/which may update or delete events/);
  });

  it('lets tip_app read and insert events, and refuses it every change', async () => {
    const app = await connectAs('app-role.json');
    try {
      await app.query('select count(*) from tip_events');
      for (const statement of ["update tip_events set data = '{}'", 'delete from tip_events', 'truncate tip_events']) {
        await expect(app.query(statement)).rejects.toThrow(/permission denied for table tip_events/);
      }
      await expect(app.query('delete from tip_tree_heads')).rejects.toThrow(
        /permission denied for table tip_tree_heads/,
      );
    } finally {
      await app.end();
    }
    expect((await stat(path.join(dataDir, 'postgres', 'app-role.json'))).mode & 0o777).toBe(0o600);
  });

  it('serves commands that keep keys beside the events as tip_app: an account added signs in', async () => {
    const token = await mintToken((await resolveJwtSecret(undefined, dataDir)).secret, { sub: 'ops', role: 'system' });
    const added = await fetch(`${url}/commands/AddUser`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        userId: 'first-admin',
        name: '审计员',
        role: 'auditor',
        password: 'correct horse battery',
      }),
    });
    expect({ status: added.status, body: await added.text() }).toMatchObject({ status: 200 });
    const signedIn = await fetch(`${url}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'first-admin', password: 'correct horse battery' }),
    });
    expect(signedIn.status).toBe(200);
  });

  it('keeps the tree-head signing key outside the database, readable by its owner alone', async () => {
    const key = path.join(dataDir, 'keys', 'checkpoint-signing-key.pem');
    expect((await stat(key)).mode & 0o777).toBe(0o600);
    expect((await stat(path.join(dataDir, 'keys'))).mode & 0o777).toBe(0o700);
    expect(await readFile(key, 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(tip.output).toMatch(/Tree heads are signed with Ed25519 key [0-9a-f]{64}; public key [A-Za-z0-9+/]{43}=/);
  });
});
