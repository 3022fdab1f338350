import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { mintToken } from '@tip/auth';
import { cleanUp, makeTempDir, REPO_ROOT, TipProcess } from './tip-process';

const run = promisify(execFile);

/** `npm run tip -- …` as an operator runs it, in TIP_DATA_DIR `dataDir`. */
async function tip(dataDir: string, ...args: string[]): Promise<{ code: number; output: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, TIP_DATA_DIR: dataDir };
  delete env.DATABASE_URL;
  try {
    const { stdout, stderr } = await run(
      process.execPath,
      ['-r', './scripts/register.js', 'apps/cli/src/main.ts', ...args],
      { cwd: REPO_ROOT, env, timeout: 120_000 },
    );
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? 1, output: `${failed.stdout ?? ''}${failed.stderr ?? ''}` };
  }
}

interface LogEntry {
  position: number;
  streamId: string;
  type: string;
}

/**
 * `tip backup` of the embedded default while commands keep arriving, `tip restore` into a new
 * data directory, and the restored TIP: verified, serving what was acknowledged before the backup
 * began, with the same token secret, and taking new commands.
 */
describe('tip backup and tip restore', () => {
  afterAll(() => cleanUp(), 120_000);

  it('restores, from a backup taken under writes, a TIP that verifies and holds every event acknowledged before it began', async () => {
    const work = await makeTempDir();
    const dataDir = path.join(work, 'data');
    const restoredDir = path.join(work, 'restored');
    const backup = path.join(work, 'tip-backup.tar.gz');

    const original = TipProcess.start({ env: { TIP_DATA_DIR: dataDir, PORT: '0' } });
    const { url } = await original.waitForReady();
    const secret = (await readFile(path.join(dataDir, 'jwt-secret'), 'utf8')).trim();
    const token = await mintToken(secret, { sub: 'importer', role: 'system' }, '1h');
    const send = async (base: string, unit: Record<string, unknown>) => {
      const response = await fetch(`${base}/commands/RegisterOrgUnit`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(unit),
      });
      const body = (await response.json()) as { position?: number };
      expect({ status: response.status, body }).toMatchObject({ status: 200 });
      return Number(body.position);
    };
    await send(url, { unitId: '320000', kind: 'province', name: '江苏省' });
    await send(url, { unitId: '320700', kind: 'city', name: '连云港市', parentId: '320000' });

    // Schools keep being registered, one after another, while the backup runs.
    const acknowledged: { unitId: string; position: number }[] = [];
    let writing = true;
    const writer = (async () => {
      for (let index = 0; writing; index += 1) {
        const unitId = `S-${index}`;
        const position = await send(url, { unitId, kind: 'school', name: `学校${index}`, parentId: '320700' });
        acknowledged.push({ unitId, position });
      }
    })();
    while (acknowledged.length < 20) await new Promise((resolve) => setTimeout(resolve, 20));
    const beforeBackup = [...acknowledged];
    const backedUp = await tip(dataDir, 'backup', backup);
    writing = false;
    await writer;
    expect(backedUp).toMatchObject({ code: 0, output: expect.stringMatching(/^Backed up \d+ files and \d+ WAL/m) });
    expect(acknowledged.length).toBeGreaterThan(beforeBackup.length);
    expect(await original.stop('SIGTERM')).toEqual({ code: 0, signal: null });

    // Into a data directory that is not empty, nothing is restored.
    const refused = await tip(dataDir, 'restore', backup, '--data-dir', dataDir);
    expect(refused.code).toBe(1);
    expect(refused.output).toContain('is not empty');

    const restored = await tip(restoredDir, 'restore', backup, '--data-dir', restoredDir);
    expect(restored).toMatchObject({ code: 0, output: expect.stringContaining('Restored') });
    // Chains, events and the Merkle tree agree with the last head signed before the backup ended.
    const verified = await tip(restoredDir, 'verify');
    expect(verified).toEqual({ code: 0, output: expect.stringMatching(/^INTACT: /m) });
    expect(verified.output).toMatch(/^Newest signed head: \d+ events, signed at .*: matches/m);
    // The same with the rows hashed beside the thread that chains, as an operator may ask on a larger machine.
    const timeTaken = (output: string) => output.replace(/ in [\d.]+ s\./, '');
    const inWorkers = await tip(restoredDir, 'verify', '--hash-workers', '1');
    expect({ ...inWorkers, output: timeTaken(inWorkers.output) }).toEqual({
      ...verified,
      output: timeTaken(verified.output),
    });
    expect(await tip(restoredDir, 'verify', '--hash-workers', 'two')).toMatchObject({
      code: 1,
      output: expect.stringContaining("option '--hash-workers <n>' argument 'two' is invalid. a whole number ≥ 0"),
    });

    const again = TipProcess.start({ env: { TIP_DATA_DIR: restoredDir, PORT: '0' } });
    const { url: restoredUrl } = await again.waitForReady();
    try {
      const page = await fetch(`${restoredUrl}/audit/events?fromPosition=0&limit=10000`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(page.status).toBe(200);
      const { events } = (await page.json()) as { events: LogEntry[] };
      const head = events[events.length - 1].position;
      // A prefix of the log, whole: positions 1…head, nothing missing, nothing after.
      expect(events.map((event) => event.position)).toEqual(Array.from({ length: head }, (_, index) => index + 1));
      const last = beforeBackup[beforeBackup.length - 1].position;
      expect(head).toBeGreaterThanOrEqual(last);
      const held = new Set(events.map((event) => event.streamId));
      for (const { unitId, position } of acknowledged)
        expect({ unitId, restored: held.has(`org-unit-${unitId}`) }).toEqual({ unitId, restored: position <= head });

      // The restored TIP writes on after its last event (its transaction ids came along: a physical copy;
      // the position sequence may skip ahead, as after any crash of PostgreSQL).
      const next = await send(restoredUrl, { unitId: 'S-after', kind: 'school', name: '恢复后', parentId: '320700' });
      expect(next).toBeGreaterThan(head);
      const health = await fetch(`${restoredUrl}/health`);
      expect(health.status).toBe(200);
    } finally {
      expect(await again.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    }
  }, 300_000);
});
