import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { Actor } from '@tip/domain';
import { startTip } from '../../apps/api/src/bootstrap';
import { loadConfig } from '../../apps/api/src/config';
import { exportLog, importLog, printCheckpoint, verifyEventStore } from '../../apps/cli/src/verify';
import { ApiUnderTest, startApiUnderTest } from '../api/support/api-under-test';

/**
 * The README's move of a province to a new server, step by step: the old server's keys directory
 * copied to the new one and the log exported, TIP started once on the new server and stopped,
 * `tip import-log`, TIP started again; a checkpoint an auditor kept from the old server verifies.
 */
describe('moving a province to a new server with tip import-log', () => {
  const system: Actor = { sub: 'importer', role: 'system' };
  let old: ApiUnderTest;
  let fresh: ApiUnderTest;
  let dir: string;
  let newKeysDir: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'tip-move-'));
    old = await startApiUnderTest();
  }, 120_000);
  afterAll(async () => {
    await old?.stop();
    await fresh?.stop().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  });

  const quiet = () => ({ print: () => undefined, progress: new PassThrough().resume() });

  it('loads the old log into the new server, which then verifies against the old checkpoint', async () => {
    await old.accepted(system, 'RegisterOrgUnit', { unitId: '320000', kind: 'province', name: '江苏省' });
    await old.accepted(system, 'RegisterOrgUnit', {
      unitId: '320700',
      kind: 'city',
      name: '连云港市',
      parentId: '320000',
    });
    const oldKeys = { keysDir: old.keysDir };
    const checkpoint: string[] = [];
    expect(await printCheckpoint(old.database.url, oldKeys, (line) => checkpoint.push(line))).toBe(0);
    const kept = path.join(dir, 'kept-checkpoint.json');
    await writeFile(kept, checkpoint.join('\n'));
    const file = path.join(dir, 'log.ndjson');
    expect(await exportLog(old.database.url, file, oldKeys, () => undefined)).toBe(0);
    const events = (await readFile(file, 'utf8')).split('\n').filter((line) => line.startsWith('{"kind":"event"'));
    expect(events.length).toBeGreaterThanOrEqual(2);

    // The new server gets the old keys (the published tree-head key, the personal-data keys), is
    // started once (its database made and migrated) and stopped.
    newKeysDir = path.join(dir, 'new-server-keys');
    await cp(old.keysDir, newKeysDir, { recursive: true });
    fresh = await startApiUnderTest({ TIP_KEYS_DIR: newKeysDir });
    await fresh.tip.stop();
    const newKeys = { keysDir: newKeysDir };
    const imported: string[] = [];
    expect(
      await importLog(
        fresh.database.url,
        file,
        { keys: newKeys },
        { ...quiet(), print: (line) => imported.push(line) },
      ),
    ).toBe(0);
    expect(imported[0]).toMatch(new RegExp(`^Imported ${events.length} events`));

    // Started again, it carries on from the imported log: its tree has the old leaves at the old positions.
    const again = await startTip(
      loadConfig({
        DATABASE_URL: fresh.database.url,
        PORT: '0',
        TIP_JWT_SECRET: fresh.secret,
        TIP_LOG_LEVEL: 'warn',
        TIP_KEYS_DIR: newKeysDir,
      }),
    );
    try {
      expect(await printCheckpoint(fresh.database.url, newKeys, () => undefined)).toBe(0);
      const report: string[] = [];
      const exitCode = await verifyEventStore(
        fresh.database.url,
        { against: [kept], maxProblems: 10, keys: newKeys },
        { ...quiet(), print: (line) => report.push(line) },
      );
      expect(report.join('\n')).toMatch(/INTACT/);
      expect(exitCode).toBe(0);
    } finally {
      await again.stop();
    }
  }, 120_000);
});
