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

  it('gives the domain’s own shape refusals the one VALIDATION_FAILED shape: details [{field, rule}]', async () => {
    const response = await api.send(system, 'RegisterOrgUnit', {
      unitId: 'P-FTT',
      kind: 'province',
      name: '省',
      fullTimeTeachers: 3,
    });
    expect(response.status).toBe(400);
    expect(response.body).toEqual({
      error: {
        code: 'VALIDATION_FAILED',
        message: expect.any(String),
        details: [{ field: 'fullTimeTeachers', rule: 'allowed for schools only' }],
      },
    });
  });
});
