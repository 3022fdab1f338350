import { execFile } from 'node:child_process';
import { access } from 'node:fs/promises';
import { homedir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { ApiUnderTest, startApiUnderTest } from '../api/support/api-under-test';

const run = promisify(execFile);

/** Schemathesis from PyPI, in a virtual environment of its own outside the repository (delete it to install afresh). */
const SCHEMATHESIS_VERSION = '4.32.5';
const venv =
  process.env.TIP_SCHEMATHESIS_VENV ?? path.join(homedir(), '.cache', 'tip', `schemathesis-${SCHEMATHESIS_VERSION}`);
const st = path.join(venv, 'bin', 'st');
const here = __dirname;

async function installed(): Promise<string | undefined> {
  if (
    await access(st).then(
      () => true,
      () => false,
    )
  )
    return undefined;
  try {
    await run('python3', ['-m', 'venv', venv], { timeout: 120_000 });
    await run(path.join(venv, 'bin', 'pip'), ['install', '-q', `schemathesis==${SCHEMATHESIS_VERSION}`], {
      timeout: 600_000,
    });
    return undefined;
  } catch (error) {
    return `Schemathesis could not be installed into ${venv} (python3 -m venv, pip install schemathesis==${SCHEMATHESIS_VERSION}): ${(error as Error).message}`;
  }
}

/**
 * A property-based fuzz of the whole HTTP surface from the OpenAPI document, for about a minute
 * and a half. It fails on any 5xx but a documented 503 (VIEW_BEHIND, UNAVAILABLE), any answer the
 * document does not describe, any request outside the document that is accepted, and any request
 * the document allows that is refused for a reason it does not state (schemathesis.toml says which
 * refusals the document states; hooks.py how to make an identifier).
 */
describe('the HTTP surface against its OpenAPI document (Schemathesis)', () => {
  let api: ApiUnderTest;
  let missing: string | undefined;

  beforeAll(async () => {
    missing = await installed();
    if (missing && process.env.CI === 'true') throw new Error(missing);
    if (missing) console.warn(`SKIPPED the Schemathesis fuzz (outside CI only): ${missing}`);
    else api = await startApiUnderTest();
  }, 900_000);
  afterAll(async () => api?.stop());

  it('finds nothing the document does not say', async () => {
    if (missing) return;
    const token = await api.token({ sub: 'fuzz', role: 'system' });
    // Signing out with a bearer token revokes it: logout gets a token of its own (schemathesis.toml).
    const logoutToken = await api.token({ sub: 'fuzz-logout', role: 'system' });
    const origin = new URL(api.tip.url).origin;
    const result = await run(
      st,
      [
        '--config-file',
        path.join(here, 'schemathesis.toml'),
        'run',
        `${api.tip.url}/docs/openapi.json`,
        '--url',
        origin,
        '-H',
        `Authorization: Bearer ${token}`,
        '--max-time',
        process.env.TIP_FUZZ_SECONDS ?? '90',
        '--workers',
        '2',
        '--seed',
        process.env.TIP_FUZZ_SEED ?? '2',
        '--request-timeout',
        '20',
        '--no-color',
      ],
      {
        cwd: here,
        env: { ...process.env, PYTHONPATH: here, SCHEMATHESIS_HOOKS: 'hooks', TIP_FUZZ_LOGOUT_TOKEN: logoutToken },
        maxBuffer: 64 * 1024 * 1024,
        timeout: 280_000,
      },
    ).then(
      ({ stdout }) => ({ code: 0, stdout }),
      (error: { code: number; stdout?: string; stderr?: string }) => ({
        code: error.code,
        stdout: `${error.stdout ?? ''}\n${error.stderr ?? ''}`,
      }),
    );
    // The failures (operation, check, answer, curl to reproduce) and the summary; the progress before them is noise.
    if (result.code !== 0) {
      const failures = result.stdout.indexOf('= FAILURES =');
      console.error(result.stdout.slice(failures >= 0 ? Math.max(failures - 40, 0) : -20_000).slice(0, 60_000));
    }
    expect(result.code).toBe(0);
  }, 300_000);
});
