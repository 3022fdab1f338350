import { randomBytes } from 'node:crypto';
import { mintToken } from '@tip/auth';
import { cleanUp, isAlive, makeTempDir, readPostmaster, TipProcess } from '../api/tip-process';
import {
  Api,
  caughtUp,
  forbiddenAnswers,
  logProblems,
  prepareWorld,
  quotaViewProblems,
  readLog,
  startLoad,
} from './support/load';

/**
 * TIP as a user runs it (`npm start`, the embedded PostgreSQL), 32 clients allocating seats, and
 * kill -9 in the middle: of Node, then of PostgreSQL's postmaster. Whatever was acknowledged is
 * in the log once, positions only grow, the chains verify, and the views equal the events.
 */
describe('kill -9 under a 32-client load', () => {
  const secret = randomBytes(32).toString('hex');
  let dataDir: string;
  let tip: TipProcess | undefined;
  let api: Api;

  const start = async () => {
    tip = TipProcess.start({ env: { PORT: '0', TIP_DATA_DIR: dataDir, TIP_JWT_SECRET: secret, TIP_LOG_LEVEL: 'log' } });
    const { url } = await tip.waitForReady();
    api = new Api(url, await mintToken(secret, { sub: 'fault-suite', role: 'system' }, '1h'));
  };

  beforeAll(async () => {
    dataDir = await makeTempDir();
    await start();
    await prepareWorld(api);
  }, 180_000);
  afterAll(async () => {
    await tip?.stop('SIGTERM').catch(() => undefined);
    await cleanUp();
  }, 120_000);

  /** After the fault, with the load stopped: everything the issue asks of the log and the views. */
  async function checkEverything(acknowledged: Parameters<typeof logProblems>[1]) {
    const log = await readLog(api);
    expect(logProblems(log, acknowledged)).toEqual([]);
    const verified = await api.get<{ ok: boolean; problems: unknown[] }>('/audit/verify');
    expect(verified.body).toMatchObject({ ok: true, problems: [] });
    const health = await caughtUp(api);
    // A database that went away is waited out, never a reason to park an event.
    expect(health).toMatchObject({ status: 'ok', readModels: { parked: [] } });
    expect(await quotaViewProblems(api, log)).toEqual([]);
  }

  it('kill -9 of Node: after a restart every acknowledged command is there once, and the views agree', async () => {
    const load = startLoad(() => api);
    await load.acknowledgedMore(150);
    await tip?.kill();
    await load.stop();
    // Nothing answered with a 5xx of ours before the kill (a cut connection is status 0).
    expect(forbiddenAnswers(load.answers)).toEqual([]);

    await start();
    await checkEverything(load.acknowledged);
  }, 300_000);

  it('kill -9 of the postmaster: TIP starts it again, commands resume by themselves, nothing acknowledged is lost', async () => {
    const load = startLoad(() => api);
    await load.acknowledgedMore(100);
    const before = await readPostmaster(dataDir);
    if (!before) throw new Error('no postmaster.pid');
    const answeredBefore = load.answers.length;
    process.kill(before.pid, 'SIGKILL');
    // The same process goes on: the load keeps going and gets through again once PostgreSQL is back.
    await load.acknowledgedMore(100, 180_000);
    await load.stop();

    expect(await isAlive(before.pid)).toBe(false);
    expect((await readPostmaster(dataDir))?.pid).not.toBe(before.pid);
    expect(tip?.output).toMatch(/Embedded PostgreSQL was killed by SIGKILL; starting it again/);
    // Meanwhile: 503 UNAVAILABLE, never a 500.
    expect(forbiddenAnswers(load.answers)).toEqual([]);
    const during = load.answers.slice(answeredBefore);
    expect(during.some((answer) => answer.status === 503 && answer.code === 'UNAVAILABLE')).toBe(true);
    await checkEverything(load.acknowledged);
  }, 300_000);
});
