import { Actor } from '@tip/domain';
import { describeWithOidc, testOidcProvider } from '@tip/testing';
import { freePorts } from '../../libs/testing/src/kafka/kafka-broker';
import { ApiUnderTest, startApiUnderTest } from './support/api-under-test';

const SYSTEM: Actor = { sub: 'ops', role: 'system' };

/** Cookies per origin: the browser's jar, as far as these round trips need one. */
class Jar {
  private readonly cookies = new Map<string, Map<string, string>>();
  header(url: string): string {
    return [...(this.cookies.get(new URL(url).origin) ?? new Map<string, string>())]
      .map(([name, value]) => `${name}=${value}`)
      .join('; ');
  }
  keep(url: string, response: Response): void {
    const origin = new URL(url).origin;
    const jar = this.cookies.get(origin) ?? new Map<string, string>();
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const at = pair.indexOf('=');
      const [name, value] = [pair.slice(0, at), pair.slice(at + 1)];
      if (value === '' || /Expires=Thu, 01 Jan 1970/.test(line)) jar.delete(name);
      else jar.set(name, value);
    }
    this.cookies.set(origin, jar);
  }
  get(url: string, name: string): string | undefined {
    return this.cookies.get(new URL(url).origin)?.get(name);
  }
}

describeWithOidc('Sign-in through an OpenID provider (Keycloak)', () => {
  let api: ApiUnderTest;
  let base: string;

  beforeAll(async () => {
    const provider = testOidcProvider();
    const [port] = await freePorts(1);
    api = await startApiUnderTest({
      PORT: String(port),
      TIP_OIDC_ISSUER: provider.issuer,
      TIP_OIDC_CLIENT_ID: provider.clientId,
      TIP_OIDC_CLIENT_SECRET: provider.clientSecret,
      TIP_OIDC_REDIRECT_URI: `http://127.0.0.1:${port}/api/auth/oidc/callback`,
      // The test realm calls a county admin 县级管理员: mapped to TIP's role by configuration.
      TIP_OIDC_ROLE_MAP: JSON.stringify({ 县级管理员: 'county-admin' }),
    });
    base = api.tip.url;
    for (const [unitId, kind, parentId] of [
      ['320000', 'province', undefined],
      ['320700', 'city', '320000'],
      ['320703', 'county', '320700'],
    ] as const) {
      const body = { unitId, kind, name: unitId, ...(parentId ? { parentId } : {}) };
      expect((await api.send(SYSTEM, 'RegisterOrgUnit', body)).status).toBe(200);
    }
  });
  afterAll(() => api?.stop());

  /**
   * What a browser does: TIP sends it to Keycloak, the person fills in Keycloak's form, Keycloak
   * sends it back to TIP's callback. Returns the callback's answer and the jar.
   */
  async function signIn(username: string, password: string, returnTo = '/dashboard') {
    const jar = new Jar();
    const start = `${base}/auth/oidc/login?returnTo=${encodeURIComponent(returnTo)}`;
    const toProvider = await fetch(start, { redirect: 'manual' });
    jar.keep(start, toProvider);
    expect(toProvider.status).toBe(302);
    const authorize = toProvider.headers.get('location') as string;
    expect(authorize).toContain('code_challenge_method=S256');
    const form = await fetch(authorize, { redirect: 'manual' });
    jar.keep(authorize, form);
    const html = await form.text();
    const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1]?.replace(/&amp;/g, '&');
    if (!action) throw new Error(`Keycloak showed no sign-in form (${form.status}):\n${html.slice(0, 500)}`);
    const submitted = await fetch(action, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: jar.header(action) },
      body: new URLSearchParams({ username, password }),
    });
    const callback = submitted.headers.get('location');
    if (submitted.status !== 302 || !callback) throw new Error(`Keycloak refused the sign-in (${submitted.status})`);
    const answer = await fetch(callback, { redirect: 'manual', headers: { cookie: jar.header(callback) } });
    jar.keep(callback, answer);
    return { answer, jar, callback };
  }

  it('offers the provider on the sign-in page', async () => {
    const methods = await fetch(`${base}/auth/methods`);
    expect(await methods.json()).toEqual({ password: true, oidc: { loginUrl: '/api/auth/oidc/login' } });
  });

  it('signs a county admin in with the role and unit its claims give, mapped by configuration', async () => {
    const { answer, jar } = await signIn('county-wang', 'wang-password');
    expect(answer.status).toBe(200);
    expect(await answer.text()).toContain('url=/dashboard');
    const session = answer.headers.getSetCookie().find((line) => line.startsWith('tip_session='));
    expect(session).toMatch(/HttpOnly; SameSite=Strict$/);
    const me = await fetch(`${base}/auth/me`, { headers: { cookie: jar.header(base) } });
    expect(await me.json()).toMatchObject({
      user: { sub: 'county-wang', name: '王 主任', role: 'county-admin', unitId: '320703' },
      via: 'session',
    });
    // The session acts as that admin: a county's own school may be registered.
    const csrf = jar.get(base, 'tip_csrf') as string;
    const registered = await fetch(`${base}/commands/RegisterOrgUnit`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: jar.header(base), 'x-csrf-token': csrf },
      body: JSON.stringify({ unitId: 'S-OIDC', kind: 'school', name: '实验小学', parentId: '320703' }),
    });
    expect(registered.status).toBe(200);
    // Logout ends it like any session.
    await fetch(`${base}/auth/logout`, { method: 'POST', headers: { cookie: jar.header(base), 'x-csrf-token': csrf } });
    expect((await fetch(`${base}/auth/me`, { headers: { cookie: jar.header(base) } })).status).toBe(401);
  });

  it('records the sign-in with the provider that vouched for it', async () => {
    const log = await api.get<{ events: { type: string; streamId: string; data: Record<string, unknown> }[] }>(
      SYSTEM,
      '/audit/events?fromPosition=0&limit=1000',
    );
    const started = log.body.events.find((event) => event.type === 'SessionStarted');
    expect(started?.data).toMatchObject({
      userId: 'county-wang',
      method: 'oidc',
      issuer: testOidcProvider().issuer,
      from: { ip: expect.stringContaining('127.0.0.1') },
    });
  });

  it('refuses a person whose role does not fit the unit the provider names, and records it', async () => {
    const { answer } = await signIn('misfit-li', 'li-password');
    expect(answer.status).toBe(403);
    expect(((await answer.json()) as { error: { code: string } }).error.code).toBe('ROLE_DOES_NOT_FIT_UNIT');
    expect(answer.headers.getSetCookie().some((line) => line.startsWith('tip_session='))).toBe(false);
    const attempts = await api.get<{ events: { type: string; data: Record<string, unknown> }[] }>(
      SYSTEM,
      '/audit/streams/sign-ins-misfit-li',
    );
    expect(attempts.body.events.map((event) => [event.type, event.data.reason])).toEqual([
      ['SignInFailed', 'not-permitted'],
    ]);
  });

  it('refuses a person the provider gives no TIP role', async () => {
    const { answer } = await signIn('no-role-zhao', 'zhao-password');
    expect(answer.status).toBe(403);
    expect(((await answer.json()) as { error: { code: string } }).error.code).toBe('OIDC_NO_ROLE');
  });

  it('refuses a callback that did not start here (no transaction cookie, or another state)', async () => {
    const { callback } = await signIn('county-wang', 'wang-password').then(async (first) => first);
    // The same code again, without the cookie the login set: refused before the code is used.
    const replay = await fetch(callback, { redirect: 'manual' });
    expect(replay.status).toBe(401);
    expect(((await replay.json()) as { error: { code: string } }).error.code).toBe('SIGN_IN_FAILED');
  });
});
