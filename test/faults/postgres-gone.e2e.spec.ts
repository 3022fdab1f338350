import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { cleanUp, embeddedPgDir, isAlive, makeTempDir, readPostmaster, TipProcess } from '../api/tip-process';

/**
 * When the embedded PostgreSQL cannot come back (here its data directory is damaged, then the
 * postmaster is killed), TIP does not linger half alive: once its restart window
 * (TIP_EMBEDDED_PG_RESTART_MS) is over it exits with code 1, saying why, for a process
 * supervisor to start it afresh.
 */
describe('an embedded PostgreSQL that cannot come back', () => {
  afterAll(async () => cleanUp(), 120_000);

  it('makes TIP exit with code 1 once the restart window is over, naming the reason', async () => {
    const dataDir = await makeTempDir();
    const tip = TipProcess.start({
      env: {
        PORT: '0',
        TIP_DATA_DIR: dataDir,
        TIP_JWT_SECRET: randomBytes(32).toString('hex'),
        TIP_LOG_LEVEL: 'log',
        TIP_LOG_FORMAT: 'pretty',
        TIP_EMBEDDED_PG_RESTART_MS: '3000',
      },
    });
    const { url } = await tip.waitForReady();
    expect((await fetch(`${url}/health/live`)).status).toBe(200);
    const postmaster = await readPostmaster(dataDir);
    if (!postmaster) throw new Error('no postmaster.pid in the embedded data directory');

    // A server started on this directory now refuses it at once ("invalid data in file PG_VERSION");
    // the running one never reads the file again, so only the restart meets it.
    await writeFile(path.join(embeddedPgDir(dataDir), 'PG_VERSION'), 'not a version\n');
    process.kill(postmaster.pid, 'SIGKILL');

    const exit = await tip.waitForExit(60_000);
    expect(exit).toEqual({ code: 1, signal: null });
    expect(tip.output).toMatch(/Embedded PostgreSQL was killed by SIGKILL; starting it again \(attempt 1\)/);
    expect(tip.output).toMatch(/could not be started again within 3 s \(\d+ attempts\)/);
    expect(tip.output).toMatch(/Stopping with exit code 1, for a process supervisor to start TIP again/);
    expect(await isAlive(postmaster.pid)).toBe(false);
  }, 180_000);
});
