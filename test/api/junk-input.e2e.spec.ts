import { mintToken } from '@tip/auth';
import { mulberry32 } from '@tip/domain';
import { createPostgresEventStore, PostgresEventStore } from '@tip/event-store';
import { ApiUnderTest, startApiUnderTest } from './support/api-under-test';

const COMMANDS = [
  'RegisterOrgUnit',
  'RegisterTeacher',
  'LaunchProgramme',
  'ScheduleBatch',
  'AllocateQuota',
  'RevokeQuota',
];
const FIELDS = [
  'unitId',
  'kind',
  'name',
  'parentId',
  'teacherId',
  'schoolId',
  'idNumber',
  'gender',
  'fullTime',
  'birthDate',
  'programmeId',
  'provinceId',
  'rulebook',
  'batchId',
  'startsOn',
  'endsOn',
  'sharePercent',
  'periods',
  'periodId',
  'fromUnitId',
  'toUnitId',
  'seats',
  'at',
  'actor',
  '__proto__',
  'constructor',
];

function junkValue(random: () => number, depth = 0): unknown {
  const pick = Math.floor(random() * 16);
  switch (pick) {
    case 0:
      return null;
    case 1:
      return Math.floor(random() * 2e9) - 1e9;
    case 2:
      return random() * 1e308 * (random() < 0.5 ? -1 : 1);
    case 3:
      return '';
    case 4:
      return 'x'.repeat(Math.floor(random() * 5000));
    case 5:
      return '\u0000\ud800 ' + String.fromCharCode(Math.floor(random() * 0xffff));
    case 6:
      return random() < 0.5;
    case 7:
      return depth > 3 ? [] : Array.from({ length: Math.floor(random() * 4) }, () => junkValue(random, depth + 1));
    case 8:
      return depth > 3
        ? {}
        : Object.fromEntries(
            Array.from({ length: Math.floor(random() * 4) }, () => [
              FIELDS[Math.floor(random() * FIELDS.length)],
              junkValue(random, depth + 1),
            ]),
          );
    case 9:
      return '2021-02-30';
    case 10:
      return '../../etc/passwd';
    case 11:
      return "'; drop table tip_events; --";
    case 12:
      return 'a:b';
    case 13:
      return -1;
    case 14:
      return 1.5;
    default:
      return '王芳'.repeat(Math.floor(random() * 50));
  }
}

function junkBody(random: () => number): string {
  const shape = Math.floor(random() * 6);
  if (shape === 0)
    return ['', '{', '{"a":', 'null', '[]', '"text"', '{"a":1}}', '\u0000', '{"a":1,}', 'NaN'][
      Math.floor(random() * 10)
    ];
  if (shape === 1) return JSON.stringify(junkValue(random));
  // Mostly objects with real field names and wrong or hostile values, which reach the schemas.
  return JSON.stringify(
    Object.fromEntries(FIELDS.filter(() => random() < 0.4).map((field) => [field, junkValue(random)])),
  );
}

describe('Junk input', () => {
  let api: ApiUnderTest;
  let store: PostgresEventStore;
  const url = () => api.tip.url;

  beforeAll(async () => {
    api = await startApiUnderTest();
    store = await createPostgresEventStore({ connectionString: api.database.url });
  });
  afterAll(async () => {
    await store?.close();
    await api?.stop();
  });

  it('answers hundreds of malformed bodies with a 4xx in the contract shape, appending nothing', async () => {
    const random = mulberry32(20201101);
    const token = await api.token({ sub: 'fuzzer', role: 'system' });
    const before = (await store.stats()).headPosition;
    const failures: string[] = [];
    for (let index = 0; index < 400; index++) {
      const name = random() < 0.95 ? COMMANDS[Math.floor(random() * COMMANDS.length)] : junkValue(random);
      const body = junkBody(random);
      const contentType =
        random() < 0.9
          ? 'application/json'
          : ['text/plain', 'application/xml', 'application/json; charset=latin1'][Math.floor(random() * 3)];
      const response = await fetch(`${url()}/commands/${encodeURIComponent(String(name).toWellFormed())}`, {
        method: 'POST',
        headers: { 'content-type': contentType, authorization: `Bearer ${token}` },
        body,
      });
      const text = await response.text();
      let parsed: { error?: { code?: string } } = {};
      try {
        parsed = JSON.parse(text) as typeof parsed;
      } catch {
        failures.push(`#${index} ${name}: not JSON: ${text.slice(0, 80)}`);
      }
      // A junk body may still be a valid command by chance; then 200 is fine, a 5xx never is.
      if (response.status >= 500 || (response.status !== 200 && !parsed.error?.code)) {
        failures.push(`#${index} ${String(name)} ${response.status} ${body.slice(0, 120)} → ${text.slice(0, 200)}`);
      }
    }
    expect(failures).toEqual([]);
    // The seeded bodies never form a valid command, so nothing may have been appended.
    expect((await store.stats()).headPosition).toBe(before);
  });

  it('answers bodies over the size limit, bad tokens and wrong methods with a 4xx', async () => {
    const token = await api.token({ sub: 'fuzzer', role: 'system' });
    const huge = await fetch(`${url()}/commands/RegisterOrgUnit`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ name: 'x'.repeat(2_000_000) }),
    });
    expect(huge.status).toBe(413);
    expect(((await huge.json()) as { error: { code: string } }).error.code).toBe('PAYLOAD_TOO_LARGE');
    // Up to 1 MB, as the document says (not body-parser's own 100 kB): read, then refused for what it says.
    const large = await fetch(`${url()}/commands/RegisterOrgUnit`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ unitId: 'P-LARGE', kind: 'province', name: 'x'.repeat(900_000) }),
    });
    expect(large.status).toBe(400);
    expect(((await large.json()) as { error: { details: unknown } }).error.details).toEqual([
      { field: 'name', rule: expect.stringMatching(/characters/) },
    ]);
    for (const authorization of [
      'Bearer',
      'Bearer x.y.z',
      `Bearer ${token}x`,
      'Basic abc',
      `Bearer ${await mintToken('another-secret-of-at-least-32-chars!!', { sub: 'x', role: 'system' })}`,
    ]) {
      const response = await fetch(`${url()}/commands/RegisterOrgUnit`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization },
        body: '{}',
      });
      expect(response.status).toBe(401);
    }
    const wrongMethod = await fetch(`${url()}/commands/RegisterOrgUnit`);
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('POST');
    expect(((await wrongMethod.json()) as { error: { code: string } }).error.code).toBe('METHOD_NOT_ALLOWED');
    expect((await fetch(`${url()}/commands`)).status).toBe(404);
  });
});
