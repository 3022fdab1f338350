import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { ApiUnderTest, startApiUnderTest } from './support/api-under-test';

const root = path.resolve(__dirname, '../..');

describe('tip user and tip token (the operator’s accounts and tokens)', () => {
  let api: ApiUnderTest;

  beforeAll(async () => {
    api = await startApiUnderTest();
    expect(
      (
        await api.send({ sub: 'setup', role: 'system' }, 'RegisterOrgUnit', {
          unitId: '320000',
          kind: 'province',
          name: '江苏省',
        })
      ).status,
    ).toBe(200);
  });
  afterAll(() => api?.stop());

  const tip = (args: string[], input?: string) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      const child = execFile(
        process.execPath,
        ['-r', './scripts/register.js', 'apps/cli/src/main.ts', ...args],
        { cwd: root, env: { ...process.env, TIP_JWT_SECRET: api.secret } },
        (error, stdout, stderr) => resolve({ code: error ? ((error.code as number) ?? 1) : 0, stdout, stderr }),
      );
      child.stdin?.end(input ?? '');
    });
  const login = (username: string, password: string) =>
    fetch(`${api.tip.url}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password }),
    });

  it('adds the first province admin, who can then sign in; disabling stops that', async () => {
    const added = await tip(
      [
        'user',
        'add',
        'js-admin',
        '--role',
        'province-admin',
        '--unit',
        '320000',
        '--name',
        '省项目办',
        '--password-stdin',
        '--url',
        api.tip.url,
      ],
      'first admin password\n',
    );
    expect(added).toMatchObject({ code: 0, stdout: 'Added province-admin js-admin of 320000.\n' });
    expect((await login('js-admin', 'first admin password')).status).toBe(200);

    const disabled = await tip(['user', 'disable', 'js-admin', '--reason', '调离', '--url', api.tip.url]);
    expect(disabled.code).toBe(0);
    expect((await login('js-admin', 'first admin password')).status).toBe(403);
  });

  it('prints a generated password when none is given, and refuses a role that does not fit its unit', async () => {
    const added = await tip(['user', 'add', 'auditor-1', '--role', 'auditor', '--name', '审计', '--url', api.tip.url]);
    const password = /Password: (\S+)/.exec(added.stdout)?.[1] as string;
    expect(password).toHaveLength(16);
    expect((await login('auditor-1', password)).status).toBe(200);

    const misfit = await tip([
      'user',
      'add',
      'x',
      '--role',
      'school-admin',
      '--unit',
      '320000',
      '--name',
      'X',
      '--url',
      api.tip.url,
    ]);
    expect(misfit.code).toBe(1);
    expect(misfit.stderr).toMatch(
      /AddUser was refused \(422 ROLE_DOES_NOT_FIT_UNIT\): A school-admin belongs to a school, and 320000 is a province/,
    );
  });

  it('mints a token with a jti and revokes it', async () => {
    const minted = await tip(['token', '--role', 'system', '--sub', 'hour-feed', '--expires', '1h']);
    const token = minted.stdout.trim();
    const jti = /jti (\S+):/.exec(minted.stderr)?.[1] as string;
    const me = () => fetch(`${api.tip.url}/auth/me`, { headers: { authorization: `Bearer ${token}` } });
    expect((await me()).status).toBe(200);
    expect((await tip(['token', 'revoke', '--jti', jti, '--reason', 'rotated', '--url', api.tip.url])).code).toBe(0);
    // The API that appended the revocation knows it at once.
    expect((await me()).status).toBe(401);
    expect((await tip(['token', '--role', 'system', '--expires', '13h'])).stderr).toMatch(/at most 12 h/);
  });
});
