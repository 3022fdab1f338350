import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { mintToken } from '@tip/auth';
import { EmbeddedPostgres, startEmbeddedPostgres } from '@tip/embedded-postgres';
import { RunningTip, startTip } from '../../apps/api/src/bootstrap';
import { loadConfig } from '../../apps/api/src/config';
import { cleanUp, makeTempDir } from '../api/tip-process';
import {
  Api,
  BATCH,
  caughtUp,
  COUNTY,
  forbiddenAnswers,
  logProblems,
  prepareWorld,
  quotaViewProblems,
  readLog,
  startLoad,
} from './support/load';

/**
 * TIP on a PostgreSQL of its own (DATABASE_URL), which is stopped and started again under load:
 * meanwhile commands and views answer 503 UNAVAILABLE, health says so without a word about the
 * server, and everything carries on by itself once it is back.
 */
describe('an external database that goes away and comes back', () => {
  const secret = randomBytes(32).toString('hex');
  let dataDir: string;
  let server: EmbeddedPostgres;
  let tip: RunningTip;
  let api: Api;

  const startServer = (port?: number) =>
    startEmbeddedPostgres({ dataDir, port, settings: { shared_buffers: '64MB', max_connections: '100' } });

  beforeAll(async () => {
    dataDir = await makeTempDir();
    server = await startServer();
    const admin = new Client({ connectionString: server.connectionString() });
    await admin.connect();
    await admin.query('create database tip');
    await admin.end();
    tip = await startTip(
      loadConfig({
        DATABASE_URL: server.connectionString('tip'),
        PORT: '0',
        TIP_JWT_SECRET: secret,
        TIP_LOG_LEVEL: 'error',
      }),
    );
    api = new Api(tip.url, await mintToken(secret, { sub: 'fault-suite', role: 'system' }, '1h'));
    await prepareWorld(api);
  }, 180_000);
  afterAll(async () => {
    await tip?.stop().catch(() => undefined);
    await server?.stop().catch(() => undefined);
    await cleanUp();
  }, 120_000);

  it('answers 503 UNAVAILABLE while it is away and recovers by itself when it is back', async () => {
    const load = startLoad(() => api, 8);
    await load.acknowledgedMore(50);
    const port = server.port;
    await server.stop();
    const answeredBefore = load.answers.length;
    const view = await api.get(`/views/units/${COUNTY}/quota?batchId=${BATCH}`);
    const command = await api.command('RegisterOrgUnit', { unitId: 'AWAY', kind: 'province', name: '省' });
    const ready = await api.get('/health/ready');
    const live = await api.get('/health/live');
    const health = await api.get('/health');
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const whileAway = load.answers.slice(answeredBefore);

    server = await startServer(port);
    await load.acknowledgedMore(50, 120_000);
    await load.stop();

    for (const answer of [view, command])
      expect(answer).toMatchObject({
        status: 503,
        body: { error: { code: 'UNAVAILABLE', message: expect.any(String) } },
      });
    expect(ready).toMatchObject({ status: 503, body: { status: 'not-ready' } });
    expect(live).toMatchObject({ status: 200, body: { status: 'live' } });
    expect(health).toMatchObject({ status: 503, body: { status: 'unavailable', eventStore: { status: 'down' } } });
    // Nothing about the server: no address, no port, no driver's words.
    for (const body of [view.body, command.body, ready.body, health.body]) {
      const text = JSON.stringify(body);
      expect(text).not.toContain(String(port));
      expect(text).not.toMatch(/127\.0\.0\.1|localhost|ECONNREFUSED|connect|postgres/i);
    }
    expect(whileAway.length).toBeGreaterThan(0);
    expect(whileAway.every((answer) => answer.status === 503 && answer.code === 'UNAVAILABLE')).toBe(true);
    expect(forbiddenAnswers(load.answers)).toEqual([]);

    const log = await readLog(api);
    expect(logProblems(log, load.acknowledged)).toEqual([]);
    expect((await api.get('/audit/verify')).body).toMatchObject({ ok: true });
    expect(await caughtUp(api)).toMatchObject({ status: 'ok', readModels: { parked: [] } });
    expect(await quotaViewProblems(api, log)).toEqual([]);
    expect((await api.get('/health/ready')).status).toBe(200);
  }, 300_000);
});
