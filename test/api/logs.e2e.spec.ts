import { randomBytes } from 'node:crypto';
import { mintToken } from '@tip/auth';
import { createTestDatabase, TestDatabase } from '@tip/testing';
import { cleanUp, TipProcess } from './tip-process';

/**
 * What TIP writes on stdout, read as an operator's collector reads it: JSON lines, one access
 * line per request with its request id and traceparent, no colour codes off a terminal; pretty
 * lines for people with TIP_LOG_FORMAT=pretty.
 */
const TRACEPARENT = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
const ESC = '\u001b';

interface LogLine {
  level: string;
  time: string;
  msg: string;
  requestId?: string;
  traceparent?: string;
  req?: { id: string; method: string; url: string };
  res?: { statusCode: number };
  responseTime?: number;
  [key: string]: unknown;
}

describe('logs on stdout', () => {
  let database: TestDatabase;
  const secret = randomBytes(32).toString('hex');

  const start = async (format?: 'pretty') => {
    const tip = TipProcess.start({
      env: {
        DATABASE_URL: database.url,
        PORT: '0',
        TIP_JWT_SECRET: secret,
        ...(format ? { TIP_LOG_FORMAT: format } : {}),
      },
    });
    return { tip, url: (await tip.waitForReady()).url };
  };

  /** Waits for the line `find` picks out, the app logging asynchronously to the answer. */
  const lineOf = async (tip: TipProcess, find: (line: LogLine) => boolean): Promise<LogLine[]> => {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const lines = tip.rawOutput
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => JSON.parse(line) as LogLine);
      const found = lines.filter(find);
      if (found.length > 0 || Date.now() > deadline) return found;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };

  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await cleanUp();
    await database?.drop();
  });

  it('writes JSON lines only, with one access line per request naming its request id and traceparent', async () => {
    const { tip, url } = await start();
    try {
      const health = await fetch(`${url}/health`, {
        headers: { 'x-request-id': 'probe-0001', traceparent: TRACEPARENT },
      });
      expect(health.headers.get('x-request-id')).toBe('probe-0001');
      const token = await mintToken(secret, { sub: 'importer', role: 'system' }, '5m');
      const command = await fetch(`${url}/commands/RegisterOrgUnit`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', traceparent: TRACEPARENT },
        body: JSON.stringify({ unitId: '320000', kind: 'province', name: '江苏省' }),
      });
      expect(command.status).toBe(200);
      const generated = command.headers.get('x-request-id') ?? '';
      expect(generated).toMatch(/^[0-9a-f-]{36}$/);
      // A header that could smuggle anything into the log is replaced, not echoed.
      const odd = await fetch(`${url}/health`, { headers: { 'x-request-id': 'a"b\\c {}', traceparent: 'junk' } });
      const replaced = odd.headers.get('x-request-id') ?? '';
      expect(replaced).toMatch(/^[0-9a-f-]{36}$/);

      const [probe] = await lineOf(tip, (line) => line.req?.id === 'probe-0001');
      expect(probe).toMatchObject({
        level: 'info',
        requestId: 'probe-0001',
        traceparent: TRACEPARENT,
        req: { id: 'probe-0001', method: 'GET', url: '/api/health' },
        res: { statusCode: 200 },
        responseTime: expect.any(Number),
        msg: expect.stringMatching(/^GET \/api\/health 200 \d+ ms$/),
      });
      expect(Date.parse(probe.time)).toBeGreaterThan(Date.parse('2020-01-01'));
      const access = await lineOf(tip, (line) => line.req?.id === generated);
      expect(access).toHaveLength(1);
      expect(access[0]).toMatchObject({
        traceparent: TRACEPARENT,
        req: { method: 'POST', url: '/api/commands/RegisterOrgUnit' },
        res: { statusCode: 200 },
      });
      const [junk] = await lineOf(tip, (line) => line.req?.id === replaced);
      expect(junk.traceparent).toBeUndefined();

      const output = tip.rawOutput;
      // Every line parses (lineOf did), none is coloured, and no token or header was written.
      expect(output).not.toContain(ESC);
      expect(output).not.toContain(token);
      expect(output).not.toMatch(/authorization/i);
      // One access line per request: three requests, three lines with a response.
      expect((await lineOf(tip, (line) => line.res !== undefined)).length).toBe(3);
      expect(output).toContain('"msg":"TIP is ready at http://127.0.0.1:');
    } finally {
      expect(await tip.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    }
  }, 90_000);

  it('writes lines for people with TIP_LOG_FORMAT=pretty, still without colour codes off a terminal', async () => {
    const { tip, url } = await start('pretty');
    try {
      await fetch(`${url}/health`, { headers: { 'x-request-id': 'probe-0002' } });
      const deadline = Date.now() + 10_000;
      while (!tip.rawOutput.includes('GET /api/health 200') && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 50));
      const output = tip.rawOutput;
      expect(output).toMatch(/INFO.*TIP is ready at http:\/\/127\.0\.0\.1:\d+\/api/);
      expect(output).toMatch(/INFO.*GET \/api\/health 200 \d+ ms/);
      expect(output).toContain('probe-0002');
      expect(output).not.toContain(ESC);
      expect(output.split('\n').some((line) => line.startsWith('{'))).toBe(false);
    } finally {
      expect(await tip.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    }
  }, 90_000);
});
