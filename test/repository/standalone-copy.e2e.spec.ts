import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, readlink, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { cleanUp, TipProcess } from '../api/tip-process';
import { REPO_ROOT } from './readme';

const run = promisify(execFile);

/**
 * The repository stands alone: its committed files, copied alone into a new private folder
 * (mode 0700, as `mktemp -d` makes it, as /root is), install offline from npm's cache, pass
 * their own checks and start.
 *
 * The whole suite inside this one would run everything twice (and this test again): the copy
 * runs lint and the type check in full, every unit test (among them the ones that read fixtures
 * and the one that finds paths outside the repository), and the integration tests that touch
 * what a private folder changes — the test PostgreSQL started from the copy's own binaries,
 * the embedded PostgreSQL's placement, the API and CLI reading the copy's files. Then `npm start`
 * with the default ./data in the copy, as root the case that stopped with "cannot enter".
 * TIP_STANDALONE_COPY marks the copy's runs, so this file never runs inside its own copy.
 */

const IN_COPY = 'TIP_STANDALONE_COPY';
const INTEGRATION_SUBSET = [
  'libs/embedded-postgres/src/embedded-postgres.int.spec.ts',
  'test/api/rulebooks.e2e.spec.ts',
];
const LEFT_OUT = new Set(['node_modules', '.git', '.nx', 'data', 'dist', 'coverage']);

/** The committed files; a checkout without git history (itself a copy) gives every file. */
async function committedFiles(): Promise<string[]> {
  try {
    const { stdout } = await run('git', ['ls-files', '-z'], { cwd: REPO_ROOT, maxBuffer: 64 * 1024 * 1024 });
    // A file deleted but not yet committed is not part of the next commit either.
    return stdout.split('\0').filter((file) => file !== '' && existsSync(path.join(REPO_ROOT, file)));
  } catch {
    const walk = async (dir: string): Promise<string[]> => {
      const entries = await readdir(path.join(REPO_ROOT, dir), { withFileTypes: true });
      const nested = await Promise.all(
        entries
          .filter((entry) => !LEFT_OUT.has(entry.name))
          .map(async (entry) =>
            entry.isDirectory() ? walk(path.join(dir, entry.name)) : [path.join(dir, entry.name)],
          ),
      );
      return nested.flat();
    };
    return walk('');
  }
}

/** Runs a command in the copy like a newcomer's shell: none of TIP's or this test run's settings. */
function inCopy(root: string, command: string, args: string[]): Promise<{ code: number | null; output: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, [IN_COPY]: '1' };
  for (const name of Object.keys(env)) {
    if ((name.startsWith('TIP_') && name !== IN_COPY) || name === 'PORT' || name === 'DATABASE_URL') delete env[name];
    if (name.startsWith('JEST_')) delete env[name];
  }
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, output }));
  });
}

async function expectToPass(root: string, command: string, args: string[]): Promise<string> {
  const { code, output } = await inCopy(root, command, args);
  if (code !== 0) {
    throw new Error(`\`${[command, ...args].join(' ')}\` failed in the copy (exit ${code}):\n${output.slice(-8_000)}`);
  }
  return output;
}

(process.env[IN_COPY] ? describe.skip : describe)('a copy of the repository alone in a private folder', () => {
  let parent: string | undefined;
  let relocatedCluster: string | undefined;

  afterAll(async () => {
    await cleanUp();
    if (relocatedCluster) await rm(path.dirname(relocatedCluster), { recursive: true, force: true });
    if (parent) await rm(parent, { recursive: true, force: true });
  }, 120_000);

  it('installs offline, passes lint, the type check, the unit tests and the integration subset, and starts', async () => {
    parent = await mkdtemp(path.join(tmpdir(), 'tip-standalone-'));
    expect((await stat(parent)).mode & 0o777).toBe(0o700);
    const root = path.join(parent, 'tip');
    const files = await committedFiles();
    expect(files).toContain('package-lock.json');
    for (const file of files) {
      await mkdir(path.dirname(path.join(root, file)), { recursive: true });
      await copyFile(path.join(REPO_ROOT, file), path.join(root, file));
    }

    // npm's cache holds every package since this checkout's own `npm ci`; the registry only if not.
    await expectToPass(root, 'npm', ['ci', '--prefer-offline', '--no-audit', '--no-fund']);
    await expectToPass(root, 'npm', ['run', 'lint']);
    await expectToPass(root, 'npm', ['run', 'typecheck']);
    const tests = await expectToPass(root, 'npx', [
      'jest',
      '--ci',
      '\\.unit\\.spec\\.ts$',
      ...INTEGRATION_SUBSET.map((file) => file.replaceAll('.', '\\.')),
      '--selectProjects',
      'unit',
      'int',
    ]);
    for (const file of INTEGRATION_SUBSET) expect(tests).toMatch(new RegExp(`PASS int ${file.replaceAll('.', '\\.')}`));
    expect(tests).toMatch(/PASS unit test\/repository\/no-outside-paths\.unit\.spec\.ts/);

    // npm start, with the data directory it chooses by default (./data, in the private folder).
    const dataDir = path.join(root, 'data');
    const tip = TipProcess.start({ env: { PORT: '0', TIP_DATA_DIR: dataDir }, repoRoot: root });
    const ready = await tip.waitForReady();
    const health = await fetch(`${ready.url}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok' });
    if (process.getuid?.() === 0) {
      relocatedCluster = await readlink(path.join(dataDir, 'postgres', 'pg'));
      expect(relocatedCluster).toMatch(/^\/var\/lib\/tip\//);
      expect(tip.output).toContain(`cannot enter ${parent}: its cluster lives in ${relocatedCluster}`);
    }
    expect(await tip.stop('SIGINT')).toEqual({ code: 0, signal: null });
    expect((await stat(parent)).mode & 0o777).toBe(0o700);
  }, 1_200_000);
});
