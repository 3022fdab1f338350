import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { Actor, fold, QuotaEvent, quotaLedgerDecider, quotaStreamId, seatsLeft } from '@tip/domain';
import { createPostgresEventStore, PostgresEventStore } from '@tip/event-store';
import { ApiUnderTest, startApiUnderTest } from './support/api-under-test';

const run = promisify(execFile);
const root = path.resolve(__dirname, '../..');
const fixture = path.resolve(root, 'fixtures/lianyungang-2016-quotas.csv');

async function ledgerOf(store: PostgresEventStore, period: string, unit: string) {
  return fold(
    quotaLedgerDecider,
    (await store.readStream(quotaStreamId('LYG-2016', period, unit))) as unknown as QuotaEvent[],
  );
}

describe('tip import-quotas: the Lianyungang 2016 table through the API', () => {
  let api: ApiUnderTest;
  let store: PostgresEventStore;

  beforeAll(async () => {
    api = await startApiUnderTest();
    store = await createPostgresEventStore({ connectionString: api.database.url });
    const send = (name: string, body: unknown) => api.send({ sub: 'setup', role: 'system' }, name, body);
    for (const [name, body] of [
      ['RegisterOrgUnit', { unitId: '320000', kind: 'province', name: '江苏省' }],
      ['RegisterOrgUnit', { unitId: '320700', kind: 'city', name: '连云港市', parentId: '320000' }],
      [
        'LaunchProgramme',
        { programmeId: 'LYG-1.0', name: '连云港市提升工程', provinceId: '320000', rulebook: 'lianyungang-1.0' },
      ],
    ] as const) {
      expect((await send(name, body)).status).toBe(200);
    }
  });
  afterAll(async () => {
    await store?.close();
    await api?.stop();
  });

  const importTable = () =>
    run(
      process.execPath,
      [
        '-r',
        './scripts/register.js',
        'apps/cli/src/main.ts',
        'import-quotas',
        fixture,
        '--programme',
        'LYG-1.0',
        '--batch',
        'LYG-2016',
        '--province',
        '320000',
        '--city',
        '320700',
        '--url',
        api.tip.url,
      ],
      {
        cwd: root,
        env: { ...process.env, TIP_JWT_SECRET: api.secret },
      },
    );

  const ledger = (period: string, unit: string) => ledgerOf(store, period, unit);
  // The first import, whichever test needs it first: each test stands alone, in any order.
  let imported: ReturnType<typeof importTable> | undefined;
  const firstImport = () => (imported ??= importTable());

  it('imports every period and unit as-is, and a rerun changes nothing', async () => {
    const { stdout } = await firstImport();
    expect(stdout).toContain('Imported 322 rows: 14 periods × 23 units, 50400 seats.');
    for (const period of ['1', '7', '14']) {
      const city = await ledger(period, '320700');
      expect(city.received).toBe(3600);
      expect(seatsLeft(city)).toBe(0);
    }
    expect((await ledger('1', '赣榆区')).received).toBe(906);
    expect((await ledger('14', '新海实验中学(延安校区)')).received).toBeGreaterThan(0);

    const head = (await store.stats()).headPosition;
    await importTable();
    expect((await store.stats()).headPosition).toBe(head);
    // Two imports of some 360 commands each, one HTTP round trip apiece: ~25 s on a busy 2-core machine.
  }, 180_000);

  it('shows every unit its seats per period, exactly as the table has them, in the quota and progress views', async () => {
    await firstImport();
    const rows = readFileSync(fixture, 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((line) => line.split(','));
    const units = [...new Set(rows.map(([, , , unit]) => unit))];
    const periods = [...new Set(rows.map(([period]) => period))];
    const cityAdmin: Actor = { sub: 'lyg-admin', role: 'city-admin', unitId: '320700' };
    const position = (await store.stats()).headPosition;

    const city = await api.get<{
      periods: {
        periodId: string;
        received: number;
        handedOn: number;
        used: number;
        left: number;
        handedOnTo: { unitId: string; seats: number }[];
      }[];
    }>(cityAdmin, `/views/units/320700/quota?batchId=LYG-2016&minPosition=${position}`);
    expect(city.status).toBe(200);
    expect(city.body.periods.map((period) => period.periodId)).toEqual(periods);
    for (const period of city.body.periods) {
      const table = rows.filter(([each]) => each === period.periodId);
      expect(period).toMatchObject({ received: 3600, handedOn: 3600, used: 0, left: 0 });
      expect(Object.fromEntries(period.handedOnTo.map((child) => [child.unitId, child.seats]))).toEqual(
        Object.fromEntries(table.map(([, , , unit, , quota]) => [unit, Number(quota)])),
      );
    }

    for (const unit of units) {
      const quota = await api.get<{ periods: { periodId: string; received: number; left: number }[] }>(
        cityAdmin,
        `/views/units/${encodeURIComponent(unit)}/quota?batchId=LYG-2016`,
      );
      expect(quota.status).toBe(200);
      const expected = periods.map((period) =>
        Number(rows.find(([each, , , name]) => each === period && name === unit)?.[5] ?? 0),
      );
      expect(quota.body.periods.map((period) => period.received)).toEqual(expected);
      expect(quota.body.periods.map((period) => period.left)).toEqual(expected);
    }

    const progress = await api.get<{ seatTotals: { received: number; handedOn: number }; seats: unknown[] }>(
      cityAdmin,
      '/views/units/320700/progress?batchId=LYG-2016',
    );
    expect(progress.body.seatTotals).toMatchObject({ received: 50400, handedOn: 50400 });
    expect(progress.body.seats).toHaveLength(14);
    expect((await api.get(cityAdmin, '/views/units/320000/quota?batchId=LYG-2016')).status).toBe(403);
    // It may run the first import itself: see above.
  }, 180_000);
});

describe('tip import-quotas before the steps it relies on', () => {
  let api: ApiUnderTest;
  let store: PostgresEventStore;
  let dir: string;
  // Two rows of the table's shape: the flow is the point here, not the volume.
  const table = [
    'period,period_start,period_end,unit,unit_kind,quota',
    '1,2016-03-10,2016-04-18,赣榆区,county,906',
    '1,2016-03-10,2016-04-18,苍梧小学,school,11',
  ].join('\n');

  beforeAll(async () => {
    api = await startApiUnderTest();
    store = await createPostgresEventStore({ connectionString: api.database.url });
    dir = await mkdtemp(path.join(tmpdir(), 'tip-quota-steps-'));
    await writeFile(path.join(dir, 'quotas.csv'), table);
  });
  afterAll(async () => {
    await store?.close();
    await api?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const importTable = () =>
    run(
      process.execPath,
      [
        '-r',
        './scripts/register.js',
        'apps/cli/src/main.ts',
        'import-quotas',
        path.join(dir, 'quotas.csv'),
        '--programme',
        'LYG-1.0',
        '--batch',
        'LYG-2016',
        '--province',
        '320000',
        '--city',
        '320700',
      ],
      // TIP_URL stands for --url, as the README's walkthrough uses it.
      { cwd: root, env: { ...process.env, TIP_JWT_SECRET: api.secret, TIP_URL: api.tip.url } },
    ).then(
      (done) => ({ code: 0, ...done }),
      (failed: { code: number; stdout: string; stderr: string }) => failed,
    );
  const send = (name: string, body: unknown) => api.send({ sub: 'setup', role: 'system' }, name, body);

  it('says which step is missing, the city and then the programme, and goes on once it is done', async () => {
    expect((await send('RegisterOrgUnit', { unitId: '320000', kind: 'province', name: '江苏省' })).status).toBe(200);
    const withoutCity = await importTable();
    expect(withoutCity.code).toBe(1);
    expect(withoutCity.stderr).toContain(
      'The city 320700 is not registered. Register the province 320000 and the city 320700 under it first',
    );

    const city = { unitId: '320700', kind: 'city', name: '连云港市', parentId: '320000' };
    expect((await send('RegisterOrgUnit', city)).status).toBe(200);
    const withoutProgramme = await importTable();
    expect(withoutProgramme.code).toBe(1);
    expect(withoutProgramme.stderr).toContain('The programme LYG-1.0 is not launched in the province 320000');

    const programme = { programmeId: 'LYG-1.0', name: '连云港市', provinceId: '320000', rulebook: 'lianyungang-1.0' };
    expect((await send('LaunchProgramme', programme)).status).toBe(200);
    // The refusals before are not kept: the same import now goes through, and once only.
    const done = await importTable();
    expect({ code: done.code, stderr: done.stderr }).toMatchObject({ code: 0 });
    expect(done.stdout).toContain('Imported 2 rows: 1 periods × 2 units, 917 seats.');
    expect((await ledgerOf(store, '1', '赣榆区')).received).toBe(906);
    const head = (await store.stats()).headPosition;
    expect((await importTable()).code).toBe(0);
    expect((await store.stats()).headPosition).toBe(head);
  }, 120_000);
});
