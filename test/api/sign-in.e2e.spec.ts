import { mintToken } from '@tip/auth';
import { Actor } from '@tip/domain';
import { ApiUnderTest, startApiUnderTest } from './support/api-under-test';

const SYSTEM: Actor = { sub: 'ops', role: 'system' };
const START = Date.parse('2026-12-01T08:00:00.000Z');

/** The business clock of the API under test: moved by the tests, never waited for. */
const clock = { at: START, now: () => new Date(clock.at) };
const advance = (seconds: number) => (clock.at += seconds * 1000);

let api: ApiUnderTest;

/** An answer's body, loosely: the tests read the fields they expect. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON read field by field
type Json = any;

interface Answer {
  status: number;
  body: Json;
  headers: Headers;
}

async function call(
  method: string,
  path: string,
  options: { body?: unknown; cookie?: string; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const response = await fetch(`${api.tip.url}${path}`, {
    method,
    headers: {
      ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(options.cookie ? { cookie: options.cookie } : {}),
      ...options.headers,
    },
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : {}, headers: response.headers };
}

/** The cookies a response set, as a Cookie header. */
function cookieHeader(answer: Answer): string {
  return answer.headers
    .getSetCookie()
    .map((line) => line.split(';')[0])
    .join('; ');
}

const login = (username: string, password: string, headers: Record<string, string> = {}) =>
  call('POST', '/auth/login', { body: { username, password }, headers });

async function addUser(userId: string, role: Actor['role'], unitId: string | undefined, password: string) {
  return api.send(SYSTEM, 'AddUser', {
    userId,
    name: `${userId} 的名字`,
    role,
    ...(unitId ? { unitId } : {}),
    password,
  });
}

beforeAll(async () => {
  api = await startApiUnderTest({ TIP_TOKEN_REVOCATION_REFRESH_MS: '0' }, { clock });
  for (const [unitId, kind, parentId] of [
    ['320000', 'province', undefined],
    ['320700', 'city', '320000'],
    ['320703', 'county', '320700'],
    ['S1', 'school', '320703'],
  ] as const) {
    const answer = await api.send(SYSTEM, 'RegisterOrgUnit', {
      unitId,
      kind,
      name: unitId,
      ...(parentId ? { parentId } : {}),
    });
    expect(answer.status).toBe(200);
  }
  expect((await addUser('wang', 'county-admin', '320703', 'correct horse battery')).status).toBe(200);
});

afterAll(() => api?.stop());

describe('Accounts', () => {
  it('are added by system only, with a role that fits the unit', async () => {
    const schoolAdminOfProvince = await addUser('li', 'school-admin', '320000', 'a long password');
    expect(schoolAdminOfProvince.status).toBe(422);
    expect(schoolAdminOfProvince.body.error?.code).toBe('ROLE_DOES_NOT_FIT_UNIT');
    expect((await addUser('li', 'school-admin', 'NO-SUCH-SCHOOL', 'a long password')).body.error?.code).toBe(
      'UNKNOWN_UNIT',
    );
    expect((await addUser('li', 'county-admin', undefined, 'a long password')).body.error?.code).toBe(
      'ROLE_NEEDS_UNIT',
    );
    const short = await addUser('li', 'school-admin', 'S1', 'short');
    expect(short.status).toBe(400);
    expect(short.body.error?.details).toEqual([{ field: 'password', rule: 'must be at least 10 characters' }]);
    const byAdmin = await api.send({ sub: 'c', role: 'county-admin', unitId: '320703' }, 'AddUser', {
      userId: 'li',
      name: '李',
      role: 'school-admin',
      unitId: 'S1',
      password: 'a long password',
    });
    expect(byAdmin.status).toBe(403);
    expect((await addUser('wang', 'county-admin', '320703', 'another password')).body.error?.code).toBe('USER_EXISTS');
  });

  it('keep no readable password hash in the log: auditors see only a sealed one', async () => {
    const stream = await api.get<{ events: { type: string; data: Record<string, unknown> }[] }>(
      SYSTEM,
      '/audit/streams/user-wang',
    );
    expect(stream.status).toBe(200);
    const added = stream.body.events[0];
    expect(added.type).toBe('UserAdded');
    expect(JSON.stringify(stream.body)).not.toMatch(/scrypt|correct horse/);
    expect(added.data.passwordHashProtected).toMatch(/^v1:[A-Za-z0-9+/=]+$/);
  });
});

describe('Sign-in with a password', () => {
  it('gives a session cookie (HttpOnly, SameSite=Strict) and the user', async () => {
    const answer = await login('wang', 'correct horse battery');
    expect(answer.status).toBe(200);
    expect(answer.body.user).toEqual({ sub: 'wang', name: 'wang 的名字', role: 'county-admin', unitId: '320703' });
    const [session, csrf] = answer.headers.getSetCookie();
    expect(session).toMatch(
      /^tip_session=[A-Za-z0-9_-]{43}; Max-Age=28800; Path=\/; Expires=.*; HttpOnly; SameSite=Strict$/,
    );
    expect(csrf).toMatch(new RegExp(`^tip_csrf=${answer.body.csrfToken}; .*SameSite=Strict$`));
    expect(csrf).not.toMatch(/HttpOnly/);
    // Plain HTTP here: a Secure cookie would never come back.
    expect(session).not.toMatch(/Secure/);
    const me = await call('GET', '/auth/me', { cookie: cookieHeader(answer) });
    expect(me.body).toMatchObject({ user: answer.body.user, via: 'session', csrfToken: answer.body.csrfToken });
  });

  it('marks the cookie Secure when served over TLS (behind a proxy TIP_TRUST_PROXY names)', async () => {
    const behindProxy = await startApiUnderTest({ TIP_TRUST_PROXY: 'loopback' });
    try {
      await behindProxy.send(SYSTEM, 'RegisterOrgUnit', { unitId: 'P', kind: 'province', name: 'P' });
      await behindProxy.send(SYSTEM, 'AddUser', {
        userId: 'p',
        name: 'P',
        role: 'province-admin',
        unitId: 'P',
        password: 'a long password',
      });
      const response = await fetch(`${behindProxy.tip.url}/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-proto': 'https' },
        body: JSON.stringify({ username: 'p', password: 'a long password' }),
      });
      expect(response.status).toBe(200);
      expect(response.headers.getSetCookie()[0]).toMatch(/; Secure; SameSite=Strict$/);
    } finally {
      await behindProxy.stop();
    }
  });

  it('reads with the cookie, and changes state only with the CSRF token, from our own origin', async () => {
    const session = await login('wang', 'correct horse battery');
    const cookie = cookieHeader(session);
    expect((await call('GET', '/views/units/320703/progress?batchId=B1', { cookie })).status).not.toBe(401);
    const school = { unitId: 'S2', kind: 'school', name: '第二小学', parentId: '320703' };
    const withoutCsrf = await call('POST', '/commands/RegisterOrgUnit', { cookie, body: school });
    expect(withoutCsrf.status).toBe(403);
    expect(withoutCsrf.body.error.message).toMatch(/x-csrf-token/);
    const wrongCsrf = await call('POST', '/commands/RegisterOrgUnit', {
      cookie,
      body: school,
      headers: { 'x-csrf-token': 'x'.repeat(43) },
    });
    expect(wrongCsrf.status).toBe(403);
    const fromElsewhere = await call('POST', '/commands/RegisterOrgUnit', {
      cookie,
      body: school,
      headers: { 'x-csrf-token': session.body.csrfToken, origin: 'https://evil.example' },
    });
    expect(fromElsewhere.status).toBe(403);
    const done = await call('POST', '/commands/RegisterOrgUnit', {
      cookie,
      body: school,
      headers: { 'x-csrf-token': session.body.csrfToken, origin: new URL(api.tip.url).origin },
    });
    expect(done.status).toBe(200);
    // The command ran as the account.
    const events = await api.get<{ events: { metadata: { actor: Actor } }[] }>(SYSTEM, '/audit/streams/org-unit-S2');
    expect(events.body.events[0].metadata.actor).toEqual({ sub: 'wang', role: 'county-admin', unitId: '320703' });
  });

  it('refuses a sign-in posted from another site (login CSRF)', async () => {
    const answer = await login('wang', 'correct horse battery', { origin: 'https://evil.example' });
    expect(answer.status).toBe(403);
  });

  it('ends at logout: the cookie is cleared and no longer works, wherever it is sent from', async () => {
    const session = await login('wang', 'correct horse battery');
    const cookie = cookieHeader(session);
    const withoutCsrf = await call('POST', '/auth/logout', { cookie });
    expect(withoutCsrf.status).toBe(403);
    const out = await call('POST', '/auth/logout', { cookie, headers: { 'x-csrf-token': session.body.csrfToken } });
    expect(out.status).toBe(200);
    expect(out.headers.getSetCookie()[0]).toMatch(/^tip_session=; .*Expires=Thu, 01 Jan 1970/);
    const me = await call('GET', '/auth/me', { cookie });
    expect(me.status).toBe(401);
    expect(me.body.error).toEqual({ code: 'UNAUTHENTICATED', message: 'The session is over (ended); sign in again' });
  });

  it('expires after TIP_SESSION_TTL (8 h) by the business clock', async () => {
    const cookie = cookieHeader(await login('wang', 'correct horse battery'));
    advance(8 * 3600 - 1);
    expect((await call('GET', '/auth/me', { cookie })).status).toBe(200);
    advance(1);
    expect((await call('GET', '/auth/me', { cookie })).body.error.message).toMatch(/expired/);
  });

  it('answers an unknown user exactly as a wrong password', async () => {
    const wrong = await login('wang', 'not the password');
    const unknown = await login('nobody', 'not the password');
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(unknown.body).toEqual(wrong.body);
    expect(wrong.body.error.code).toBe('SIGN_IN_FAILED');
    // A success clears the count again.
    expect((await login('wang', 'correct horse battery')).status).toBe(200);
  });

  it('names the bad field of a malformed sign-in', async () => {
    const answer = await call('POST', '/auth/login', { body: { username: 'wang' } });
    expect(answer.status).toBe(400);
    expect(answer.body.error.details).toEqual([{ field: 'password', rule: 'Required' }]);
  });

  /** Zhao's failures, throttling, lock-out and sign-in: told once, for whichever test asks first. */
  let zhaosStory: Promise<string> | undefined;
  const tellZhaosStory = () =>
    (zhaosStory ??= (async () => {
      expect((await addUser('zhao', 'county-admin', '320703', 'zhao password 1')).status).toBe(200);
      for (let failure = 1; failure <= 3; failure++) expect((await login('zhao', 'wrong')).status).toBe(401);
      // The third failure makes the next attempt wait a second, even with the right password.
      const tooSoon = await login('zhao', 'zhao password 1');
      expect(tooSoon.status).toBe(429);
      expect(tooSoon.body.error.code).toBe('SIGN_IN_THROTTLED');
      expect(tooSoon.headers.get('retry-after')).toBeTruthy();
      for (let failure = 4; failure <= 10; failure++) {
        advance(60);
        expect((await login('zhao', 'wrong')).status).toBe(401);
      }
      advance(60);
      const locked = await login('zhao', 'zhao password 1');
      expect(locked.status).toBe(423);
      expect(locked.body.error).toMatchObject({ code: 'ACCOUNT_LOCKED', details: { until: expect.any(String) } });
      advance(13 * 60);
      expect((await login('zhao', 'zhao password 1')).status).toBe(423);
      advance(60);
      expect((await login('zhao', 'zhao password 1')).status).toBe(200);
      return new Date(clock.at).toISOString();
    })());

  it('slows down after repeated failures, then locks the account for 15 minutes', async () => {
    await tellZhaosStory();
  });

  it('records every sign-in and failure with who, when and from where', async () => {
    const signedInAt = await tellZhaosStory();
    const attempts = await api.get<{
      events: { type: string; data: Json; metadata: Json }[];
    }>({ sub: 'a', role: 'auditor' }, '/audit/streams/sign-ins-zhao');
    const types = attempts.body.events.map((event) => `${event.type}:${event.data.reason ?? ''}`);
    expect(types.filter((type) => type === 'SignInFailed:wrong-password')).toHaveLength(10);
    expect(types).toContain('SignInFailed:throttled');
    expect(types).toContain('SignInFailed:locked');
    expect(types[types.length - 1]).toBe('SignedIn:');
    const signedIn = attempts.body.events[attempts.body.events.length - 1];
    expect(signedIn.data.from).toEqual({ ip: expect.stringMatching(/127\.0\.0\.1/), userAgent: expect.any(String) });
    expect(signedIn.metadata.actor).toEqual({ sub: 'zhao', role: 'county-admin', unitId: '320703' });
    expect(signedIn.metadata.businessTime).toBe(signedInAt);
  });

  it('ends the sessions of an account disabled, and refuses its sign-in', async () => {
    // An account of its own: the other tests sign in as wang whatever this one does.
    expect((await addUser('qian', 'county-admin', '320703', 'qian password 1')).status).toBe(200);
    const cookie = cookieHeader(await login('qian', 'qian password 1'));
    expect((await api.send(SYSTEM, 'DisableUser', { userId: 'qian', reason: '调离' })).status).toBe(200);
    expect((await call('GET', '/auth/me', { cookie })).status).toBe(401);
    const refused = await login('qian', 'qian password 1');
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('ACCOUNT_DISABLED');
    expect((await api.send(SYSTEM, 'EnableUser', { userId: 'qian' })).status).toBe(200);
    expect((await login('qian', 'qian password 1')).status).toBe(200);
  });

  it('ends older sessions when the password is reset', async () => {
    expect((await addUser('sun', 'county-admin', '320703', 'sun password 1')).status).toBe(200);
    const cookie = cookieHeader(await login('sun', 'sun password 1'));
    expect((await api.send(SYSTEM, 'ResetPassword', { userId: 'sun', password: 'a new long password' })).status).toBe(
      200,
    );
    expect((await call('GET', '/auth/me', { cookie })).status).toBe(401);
    expect((await login('sun', 'sun password 1')).status).toBe(401);
    expect((await login('sun', 'a new long password')).status).toBe(200);
  });
});

describe('Bearer tokens at the door', () => {
  const me = (token: string) => call('GET', '/auth/me', { headers: { authorization: `Bearer ${token}` } });

  it("refuses a role that does not fit the token's unit, and a unit that does not exist", async () => {
    const misfit = await me(await api.token({ sub: 'x', role: 'school-admin', unitId: '320000' }));
    expect(misfit.status).toBe(401);
    expect(misfit.body.error.message).toMatch(/does not fit its unit: A school-admin belongs to a school/);
    expect((await me(await api.token({ sub: 'x', role: 'county-admin', unitId: 'NOWHERE' }))).status).toBe(401);
    expect((await me(await api.token({ sub: 'x', role: 'county-admin' }))).status).toBe(401);
    expect((await me(await api.token({ sub: 'x', role: 'county-admin', unitId: '320703' }))).status).toBe(200);
  });

  it('refuses a token revoked by its jti, or with every token of its subject', async () => {
    const first = await mintToken(api.secret, { sub: 'feed', role: 'system' }, '1h', {
      jti: 'feed-1',
      now: clock.now(),
    });
    const second = await mintToken(api.secret, { sub: 'feed', role: 'system' }, '1h', {
      jti: 'feed-2',
      now: clock.now(),
    });
    expect((await me(first)).status).toBe(200);
    expect((await api.send(SYSTEM, 'RevokeToken', { jti: 'feed-1', reason: '泄露' })).status).toBe(200);
    expect((await me(first)).body.error).toEqual({ code: 'UNAUTHENTICATED', message: 'The token has been revoked' });
    expect((await me(second)).status).toBe(200);
    expect((await api.send(SYSTEM, 'RevokeToken', { sub: 'feed', reason: '轮换' })).status).toBe(200);
    expect((await me(second)).status).toBe(401);
    advance(1);
    const fresh = await mintToken(api.secret, { sub: 'feed', role: 'system' }, '1h', { now: clock.now() });
    expect((await me(fresh)).status).toBe(200);
  });

  it('revokes the token used to log out', async () => {
    const token = await mintToken(api.secret, { sub: 'script', role: 'auditor' }, '1h', { now: clock.now() });
    const out = await call('POST', '/auth/logout', { headers: { authorization: `Bearer ${token}` } });
    expect(out.status).toBe(200);
    expect((await me(token)).status).toBe(401);
  });
});

describe('Error messages in Chinese', () => {
  const zh = { 'accept-language': 'zh-CN,zh;q=0.9,en;q=0.8' };

  it('answers in Chinese when the caller prefers zh-CN, the code unchanged', async () => {
    const orphan = { unitId: 'X-1', kind: 'school', name: '无上级学校', parentId: 'NO-SUCH-COUNTY' };
    const english = await api.send(SYSTEM, 'RegisterOrgUnit', orphan);
    const chinese = await api.send(SYSTEM, 'RegisterOrgUnit', orphan, zh);
    expect(english.body.error?.code).toBe('UNKNOWN_PARENT');
    expect(chinese.status).toBe(english.status);
    expect(chinese.body.error).toEqual({ ...english.body.error, message: '上级单位尚未登记' });

    const invalid = await api.send(SYSTEM, 'RegisterOrgUnit', { unitId: 'X-2', kind: 'village' }, zh);
    expect(invalid.body.error?.message).toBe('请求内容不符合要求，请修改这些字段：kind、name');

    const refused = await login('wang', 'not the password', zh);
    expect(refused.body.error).toEqual({ code: 'SIGN_IN_FAILED', message: '用户名或密码错误' });
    expect(refused.headers.get('content-language')).toBe('zh-CN');

    const anonymous = await call('GET', '/auth/me', { headers: zh });
    expect(anonymous.body.error.code).toBe('UNAUTHENTICATED');
    expect(anonymous.body.error.message).toMatch(/^未登录/);
  });
});
