import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { hardLinkedCheckout, ReadableCheckout } from '@tip/testing';
import { cleanUp, TipProcess } from '../api/tip-process';
import { chapter, commandLines, fencedBlocks, readme, REPO_ROOT } from './readme';

/**
 * The README's "Start here" runs as written: TIP is started the way its first block says (npm
 * start, in a copy of this checkout with an empty ./data), then every later shell block of the
 * section runs in one bash, in order, as a newcomer would paste them, and after them every other
 * curl of the README. The one change: the port, since 3000 may be taken on a test machine. A
 * request answered with an error status fails the run (curl --fail-with-body), naming the block.
 */

const README_URL = 'http://127.0.0.1:3000';
const START_COMMANDS = ['npm ci && npm start', 'npm ci && npm test'];

interface Run {
  code: number | null;
  output: string;
}

function bash(script: string, cwd: string): Promise<Run> {
  const env = { ...process.env };
  // A newcomer's shell: nothing of TIP's configuration set beforehand.
  for (const name of Object.keys(env)) {
    if (name.startsWith('TIP_') || name === 'PORT' || name === 'DATABASE_URL') delete env[name];
  }
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', script], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, output }));
  });
}

describe("the README's walkthrough, from an empty start to a first weekly notice", () => {
  const text = readme();
  const startHere = chapter(text, 'Start here');
  const [first, ...walkthrough] = fencedBlocks(startHere, 'sh');
  let checkout: ReadableCheckout | undefined;

  afterAll(async () => {
    await cleanUp();
    await checkout?.release();
  }, 120_000);

  it('keeps the two commands first', () => {
    expect(commandLines(first).map((line) => line.replace(/\s+#.*$/, ''))).toEqual(START_COMMANDS);
    expect(text.indexOf('```sh')).toBe(text.indexOf(`\`\`\`sh\n${first}`));
  });

  it('runs every block of "Start here", then every other curl of the README, as written', async () => {
    expect(walkthrough.length).toBeGreaterThanOrEqual(6);
    const elsewhere = fencedBlocks(text.replace(startHere, ''), 'sh')
      .flatMap(commandLines)
      .filter((line) => line.startsWith('curl '));
    expect(elsewhere.length).toBeGreaterThanOrEqual(5);

    checkout = await hardLinkedCheckout(REPO_ROOT);
    const dataDir = path.join(checkout.root, 'data');
    // `npm start` as the first block says, on a free port; ./data of the copy, as by default.
    const tip = TipProcess.start({ env: { PORT: '0', TIP_DATA_DIR: dataDir }, repoRoot: checkout.root });
    const { port } = await tip.waitForReady();
    const origin = `http://127.0.0.1:${port}`;

    const steps = [
      ...walkthrough.map((block, index) => ({ name: `Start here, block ${index + 2}`, script: block })),
      ...elsewhere.map((line) => ({ name: `elsewhere: ${line.slice(0, 80)}`, script: line })),
    ];
    const script = [
      'set -euo pipefail',
      // A status of 400 or more fails the step, and curl shows the answer.
      'curl() { command curl --fail-with-body --show-error "$@"; }',
      ...steps.map(({ name, script }) => `echo; echo ">>> ${name.replace(/[^\w ,.:/-]/g, '_')}"\n${script}`),
      'echo; echo ">>> done"',
    ]
      .join('\n')
      .replaceAll(README_URL, origin);
    const run = await bash(script, checkout.root);
    const failedAt = [...run.output.matchAll(/^>>> (.*)$/gm)].pop()?.[1];
    if (process.env.TIP_WALKTHROUGH_LOG) writeFileSync(process.env.TIP_WALKTHROUGH_LOG, run.output);
    if (run.code !== 0) throw new Error(`the walkthrough stopped (exit ${run.code}) in ${failedAt}:\n${run.output}`);
    expect(failedAt).toBe('done');

    expect(run.output).toMatch(/^lianyungang-1\.0 {2}连云港市/m);
    expect(run.output).toContain('"rulebooks":[');
    expect(run.output).toContain('"type":"ProgrammeLaunched"');
    expect(run.output).toContain('Imported 322 rows: 14 periods × 23 units, 50400 seats.');
    expect(run.output).toContain('Registered 10 of 10 teachers.');
    // The city's notice for this week, with its counties and schools below it, the sheet's teachers required.
    expect(run.output).toMatch(/"week":"\d{4}-W\d{2}"[\s\S]*"unitId":"320700"[\s\S]*"unitId":"赣榆区"/);
    expect(run.output).toMatch(/"unitId":"新海高中"[^}]*"requiredSource":"registered","thisWeek":\{"required":3,/);
    expect(readFileSync(path.join(checkout.root, 'notice.html'), 'utf8')).toMatch(/<html[\s\S]*连云港市/);
    const workbooks = readdirSync(checkout.root).filter((file) => file.endsWith('.xlsx'));
    expect(workbooks).toHaveLength(1);
    expect(readFileSync(path.join(checkout.root, workbooks[0])).subarray(0, 2).toString()).toBe('PK');
    expect(existsSync(path.join(dataDir, 'jwt-secret'))).toBe(true);

    expect(await tip.stop('SIGINT')).toEqual({ code: 0, signal: null });
  }, 600_000);
});
