import { deflateSync } from 'node:zlib';
import { Actor } from '@tip/domain';
import { ApiUnderTest, startApiUnderTest } from './support/api-under-test';

/** What a caller sends is the caller's 4xx in the contract's one shape, never a 500. */
describe('the edge of the HTTP API', () => {
  let api: ApiUnderTest;
  let token: string;
  const system: Actor = { sub: 'edge', role: 'system' };

  beforeAll(async () => {
    api = await startApiUnderTest();
    token = await api.token(system);
  });
  afterAll(async () => api?.stop());

  const post = (name: string, body: Buffer | string, headers: Record<string, string> = {}) =>
    fetch(`${api.tip.url}/commands/${name}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...headers },
      body: typeof body === 'string' ? body : new Uint8Array(body),
    });

  it('answers a body whose Content-Encoding is not what it says with 400 naming the body', async () => {
    const response = await post('RegisterOrgUnit', 'this is not deflate', { 'content-encoding': 'deflate' });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error: {
        code: 'VALIDATION_FAILED',
        message: expect.any(String),
        details: [{ field: 'body', rule: expect.stringMatching(/Content-Encoding/) }],
      },
    });
    // A body that is what it says goes through.
    const good = await post(
      'RegisterOrgUnit',
      deflateSync(JSON.stringify({ unitId: 'P-EDGE', kind: 'province', name: '省' })),
      { 'content-encoding': 'deflate' },
    );
    expect(good.status).toBe(200);
  });

  it.each([
    '/views/teachers/%00/transcript',
    '/views/units/%00/progress?batchId=B',
    '/views/units/%00/quota?batchId=B',
    '/views/batches/%00/progress',
    '/inspections/%00',
    '/views/units/a%3Ab/progress?batchId=B',
  ])('answers %s with 400 naming the path parameter', async (path) => {
    const response = await api.get(system, path);
    expect(response.status).toBe(400);
    const field = /teachers/.test(path)
      ? 'teacherId'
      : /batches/.test(path)
        ? 'batchId'
        : /inspections/.test(path)
          ? 'sampleId'
          : 'unitId';
    expect(response.body).toEqual({
      error: { code: 'VALIDATION_FAILED', message: expect.any(String), details: [{ field, rule: expect.any(String) }] },
    });
  });

  it.each(['/views/units/%FF/progress?batchId=B', '/audit/streams/%E4%B8', '/certificates/%'])(
    'answers %s, whose percent-encoding is not UTF-8, with 400 in the contract shape naming the path',
    async (path) => {
      const response = await fetch(`${api.tip.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
      expect(response.status).toBe(400);
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      expect(await response.json()).toEqual({
        error: {
          code: 'VALIDATION_FAILED',
          message: expect.any(String),
          details: [{ field: 'path', rule: expect.stringMatching(/percent-encoded UTF-8/) }],
        },
      });
    },
  );

  it('answers a method a route does not have with 405 and the methods it does', async () => {
    const put = await fetch(`${api.tip.url}/commands/RegisterOrgUnit`, { method: 'PUT' });
    expect(put.status).toBe(405);
    expect(put.headers.get('allow')).toBe('POST');
    const deleted = await fetch(`${api.tip.url}/health`, { method: 'DELETE' });
    expect(deleted.status).toBe(405);
    expect(deleted.headers.get('allow')).toBe('GET, HEAD');
    expect(await deleted.json()).toEqual({ error: { code: 'METHOD_NOT_ALLOWED', message: expect.any(String) } });
    const posted = await fetch(`${api.tip.url}/views/units/S/progress?batchId=B`, { method: 'POST' });
    expect(posted.status).toBe(405);
    expect((await fetch(`${api.tip.url}/nowhere`, { method: 'PUT' })).status).toBe(404);
  });

  const refusedNaming = async (name: string, body: Record<string, unknown>, field: string) => {
    const response = await api.send(system, name, body);
    expect({ status: response.status, body: response.body }).toEqual({
      status: 400,
      body: {
        error: {
          code: 'VALIDATION_FAILED',
          message: expect.any(String),
          details: expect.arrayContaining([{ field, rule: expect.any(String) }]),
        },
      },
    });
    // Never the event store's own names for it.
    expect(JSON.stringify(response.body)).not.toMatch(/events\[|streamIds|metadata/);
  };

  it.each([
    ['an offset past ±23:59', '2020-11-03T08:00:00+25:00'],
    ['a year before 1000', '0999-11-03T08:00:00Z'],
    ['a year before 1000 once in UTC', '1000-01-01T00:00:00+01:00'],
    ['a year past 9999 once in UTC', '9999-12-31T23:00:00-05:00'],
    ['a day that does not exist', '2021-02-30T08:00:00+08:00'],
  ])('refuses `at` with %s, naming at', async (_, at) => {
    await refusedNaming('RegisterOrgUnit', { unitId: 'P-AT', kind: 'province', name: '省', at }, 'at');
  });

  it('refuses text no event can hold under the caller’s field name', async () => {
    await refusedNaming('RegisterOrgUnit', { unitId: 'P-NUL', kind: 'province', name: 'a\u0000b' }, 'name');
    await refusedNaming('RegisterOrgUnit', { unitId: 'P-SUR', kind: 'province', name: 'a\ud800b' }, 'name');
    await refusedNaming('RegisterOrgUnit', { unitId: 'P-CTL', kind: 'province', name: 'a\u0007b' }, 'name');
    await refusedNaming('RevokeCertificate', { certificateCode: 'TIP-\u0001X', reason: 'r' }, 'certificateCode');
    await refusedNaming('RevokeCertificate', { certificateCode: 'TIP-\nX', reason: 'r' }, 'certificateCode');
    await refusedNaming(
      'LaunchProgramme',
      { programmeId: 'PG', name: 'n', provinceId: 'P', rulebook: { hours: { 'on\u0000line': 1 } } },
      'rulebook.hours',
    );
    await refusedNaming(
      'RegisterOrgUnit',
      { unitId: 'P-ACT', kind: 'province', name: '省', actor: { sub: 'x', role: 'system', unitId: 'a:b' } },
      'actor.unitId',
    );
  });

  it('counts lengths in characters, not UTF-16 units: 𠮷 is one', async () => {
    const accepted = await api.send(system, 'RegisterOrgUnit', {
      unitId: 'P-LONG',
      kind: 'province',
      name: '𠮷'.repeat(200),
    });
    expect(accepted.status).toBe(200);
    await refusedNaming('RegisterOrgUnit', { unitId: 'P-LONGER', kind: 'province', name: '𠮷'.repeat(201) }, 'name');
    expect(
      (await api.send(system, 'RegisterOrgUnit', { unitId: '𠮷'.repeat(11), kind: 'province', name: '省' })).status,
    ).toBe(200);
  });

  it('answers a malformed certificate code with 400 naming it, an unknown one with 404', async () => {
    const malformed = await fetch(`${api.tip.url}/certificates/%00`);
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toMatchObject({ error: { details: [{ field: 'code' }] } });
    expect((await fetch(`${api.tip.url}/certificates/TIP-NOSUCHCODE`)).status).toBe(404);
  });

  it('gives the domain’s own shape refusals the one VALIDATION_FAILED shape: details [{field, rule}]', async () => {
    // Neither jti nor sub: a rule between fields the domain checks itself.
    const response = await api.send(system, 'RevokeToken', { reason: 'lost' });
    expect(response.status).toBe(400);
    expect(response.body).toEqual({
      error: {
        code: 'VALIDATION_FAILED',
        message: expect.any(String),
        details: [{ field: 'jti', rule: expect.any(String) }],
      },
    });
  });
});
