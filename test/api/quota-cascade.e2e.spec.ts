import { Actor } from '@tip/domain';
import { ApiUnderTest, startApiUnderTest } from './support/api-under-test';

describe('Quota cascade over HTTP', () => {
  let api: ApiUnderTest;
  const send: ApiUnderTest['send'] = (...args) => api.send(...args);
  const url = () => api.tip.url;

  beforeAll(async () => {
    api = await startApiUnderTest();
  });
  afterAll(async () => api?.stop());

  const system: Actor = { sub: 'importer', role: 'system' };
  const provinceAdmin: Actor = { sub: 'p-admin', role: 'province-admin', unitId: '320000' };
  const cityAdmin: Actor = { sub: 'c-admin', role: 'city-admin', unitId: '320700' };
  const countyAdmin: Actor = { sub: 'g-admin', role: 'county-admin', unitId: '320707' };
  const otherCountyAdmin: Actor = { sub: 'h-admin', role: 'county-admin', unitId: '320722' };
  /** Period 1 holds the cascade every test reads; a test that moves seats does so in a period of its own. */
  const allocation = (fromUnitId: string, toUnitId: string, seats: number, periodId = '1') => ({
    batchId: 'LYG-2016',
    periodId,
    fromUnitId,
    toUnitId,
    seats,
  });
  let cascade: Awaited<ReturnType<ApiUnderTest['send']>>[] = [];

  beforeAll(async () => {
    const units = [
      { unitId: '320000', kind: 'province', name: '江苏省' },
      { unitId: '320700', kind: 'city', name: '连云港市', parentId: '320000' },
      { unitId: '320707', kind: 'county', name: '赣榆区', parentId: '320700' },
      { unitId: '320722', kind: 'county', name: '东海县', parentId: '320700' },
      { unitId: 'S-GY-01', kind: 'school', name: '赣榆区实验小学', parentId: '320707', fullTimeTeachers: 80 },
      { unitId: 'S-LYG-01', kind: 'school', name: '连云港市外国语学校', parentId: '320700', fullTimeTeachers: 120 },
    ];
    for (const unit of units) expect((await send(system, 'RegisterOrgUnit', unit)).status).toBe(200);
    const launched = await send(provinceAdmin, 'LaunchProgramme', {
      programmeId: 'LYG-1.0',
      name: '连云港市信息技术应用能力提升工程',
      provinceId: '320000',
      rulebook: 'lianyungang-1.0',
    });
    expect(launched).toMatchObject({ status: 200, body: { streamId: 'programme-LYG-1.0', version: 1 } });
    const scheduled = await send(provinceAdmin, 'ScheduleBatch', {
      programmeId: 'LYG-1.0',
      batchId: 'LYG-2016',
      name: '2016年',
      startsOn: '2016-03-10',
      endsOn: '2017-12-31',
      sharePercent: 100,
      periods: [
        { periodId: '1', startsOn: '2016-03-10', endsOn: '2016-04-18' },
        { periodId: '2', startsOn: '2016-04-19', endsOn: '2016-05-28' },
        { periodId: '3', startsOn: '2016-05-29', endsOn: '2016-07-07' },
        { periodId: '4', startsOn: '2016-07-08', endsOn: '2016-08-16' },
        { periodId: '5', startsOn: '2016-08-17', endsOn: '2016-09-25' },
      ],
    });
    expect(scheduled).toMatchObject({ status: 200, body: { streamId: 'batch-LYG-2016', version: 1 } });
    // Period 1: the province → city → county → school cascade the tests below read and never change.
    cascade = [
      await send(provinceAdmin, 'AllocateQuota', allocation('320000', '320700', 100)),
      await send(cityAdmin, 'AllocateQuota', allocation('320700', '320707', 60)),
      await send(cityAdmin, 'AllocateQuota', allocation('320700', 'S-LYG-01', 10)),
      await send(countyAdmin, 'AllocateQuota', allocation('320707', 'S-GY-01', 20)),
    ];
  });

  /** The same cascade in another period, for a test that moves seats there. */
  async function cascadeIn(periodId: string): Promise<void> {
    for (const [actor, from, to, seats] of [
      [provinceAdmin, '320000', '320700', 100],
      [cityAdmin, '320700', '320707', 60],
      [countyAdmin, '320707', 'S-GY-01', 20],
    ] as const) {
      expect((await send(actor, 'AllocateQuota', allocation(from, to, seats, periodId))).status).toBe(200);
    }
  }

  it("lets only the programme's province schedule its batches", async () => {
    const refused = await send(cityAdmin, 'ScheduleBatch', {
      programmeId: 'LYG-1.0',
      batchId: 'LYG-2017',
      name: 'x',
      startsOn: '2017-01-01',
      endsOn: '2017-12-31',
      sharePercent: 0,
      periods: [{ periodId: '1', startsOn: '2017-01-01', endsOn: '2017-02-01' }],
    });
    expect(refused.status).toBe(403);
  });

  it('refuses quota for a period the batch does not have', async () => {
    const refused = await send(provinceAdmin, 'AllocateQuota', { ...allocation('320000', '320700', 1), periodId: '9' });
    expect(refused).toMatchObject({
      status: 422,
      body: { error: { code: 'UNKNOWN_PERIOD', details: { periods: ['1', '2', '3', '4', '5'] } } },
    });
  });

  it('hands seats down province → city → county → school and to a city-direct school', async () => {
    const [province, ...below] = cascade;
    expect(province).toMatchObject({ status: 200, body: { streamId: 'quota-LYG-2016:1:320000', version: 1 } });
    expect(province.body.events).toEqual([
      {
        type: 'QuotaAllocated',
        batchId: 'LYG-2016',
        periodId: '1',
        fromUnitId: '320000',
        toUnitId: '320700',
        seats: 100,
      },
      {
        type: 'QuotaReceived',
        batchId: 'LYG-2016',
        periodId: '1',
        fromUnitId: '320000',
        toUnitId: '320700',
        seats: 100,
      },
    ]);
    expect(province.body.position).toEqual(expect.any(Number));
    expect(below.map((response) => response.status)).toEqual([200, 200, 200]);
  });

  it('refuses to hand on more than is left, naming what is left', async () => {
    const refused = await send(cityAdmin, 'AllocateQuota', allocation('320700', '320722', 31));
    expect(refused).toMatchObject({
      status: 422,
      body: { error: { code: 'QUOTA_EXCEEDED', details: { left: 30, requested: 31 } } },
    });
  });

  it('refuses a unit that is not a child of the giver', async () => {
    const refused = await send(cityAdmin, 'AllocateQuota', allocation('320700', 'S-GY-01', 1));
    expect(refused).toMatchObject({ status: 422, body: { error: { code: 'NOT_A_CHILD' } } });
  });

  it('keeps each admin inside its own subtree', async () => {
    expect((await send(otherCountyAdmin, 'AllocateQuota', allocation('320707', 'S-GY-01', 1))).body).toMatchObject({
      error: { code: 'FORBIDDEN' },
    });
    expect(
      (
        await send(
          { sub: 't', role: 'teacher', unitId: 'S-GY-01' },
          'AllocateQuota',
          allocation('320707', 'S-GY-01', 1),
        )
      ).status,
    ).toBe(403);
    expect((await send(countyAdmin, 'RegisterOrgUnit', { unitId: '320000', kind: 'province', name: 'x' })).status).toBe(
      403,
    );
  });

  it('never takes back seats already handed on or used', async () => {
    await cascadeIn('2');
    // 赣榆区 received 60 and handed 20 to its school: 40 left.
    const refused = await send(cityAdmin, 'RevokeQuota', allocation('320700', '320707', 41, '2'));
    expect(refused).toMatchObject({
      status: 422,
      body: { error: { code: 'QUOTA_IN_USE', details: { left: 40, requested: 41 } } },
    });
    expect((await send(cityAdmin, 'RevokeQuota', allocation('320700', '320707', 10, '2'))).status).toBe(200);
  });

  it('answers malformed and unknown requests with a 4xx that names the field and rule', async () => {
    const negative = await send(cityAdmin, 'AllocateQuota', allocation('320700', '320707', -1));
    expect(negative).toMatchObject({
      status: 400,
      body: { error: { code: 'VALIDATION_FAILED', details: [{ field: 'seats' }] } },
    });
    const extra = await send(cityAdmin, 'AllocateQuota', { ...allocation('320700', '320707', 1), colour: 'red' });
    expect(extra.body.error?.details).toEqual([{ field: 'body', rule: 'unknown field(s): colour' }]);
    expect((await send(cityAdmin, 'AllocateQuota', '{"seats":')).body).toMatchObject({
      error: { code: 'VALIDATION_FAILED' },
    });
    expect((await send(undefined, 'AllocateQuota', allocation('320700', '320707', 1))).status).toBe(401);
    expect((await send(cityAdmin, 'AllocateQuotas', {})).body).toMatchObject({ error: { code: 'NOT_FOUND' } });
    expect(
      (await send(cityAdmin, 'AllocateQuota', { ...allocation('320700', '320707', 1), at: '2016-03-01T00:00:00Z' }))
        .status,
    ).toBe(403);
  });

  it('answers a repeated Idempotency-Key with the first result, and refuses it for another body', async () => {
    await cascadeIn('3');
    const key = { 'idempotency-key': `allocate-${Date.now()}` };
    const first = await send(countyAdmin, 'AllocateQuota', allocation('320707', 'S-GY-01', 1, '3'), key);
    const again = await send(countyAdmin, 'AllocateQuota', allocation('320707', 'S-GY-01', 1, '3'), key);
    expect(again).toEqual(first);
    const other = await send(countyAdmin, 'AllocateQuota', allocation('320707', 'S-GY-01', 2, '3'), key);
    expect(other).toMatchObject({ status: 409, body: { error: { code: 'CONFLICT' } } });
  });

  it('never over-spends under many concurrent allocations: losers are told the seats are gone', async () => {
    await send(system, 'RegisterOrgUnit', {
      unitId: 'S-GY-02',
      kind: 'school',
      name: '赣榆区第二小学',
      parentId: '320707',
    });
    await cascadeIn('4');
    await send(countyAdmin, 'AllocateQuota', allocation('320707', 'S-GY-01', 11, '4'));
    // The county has 60 − 20 − 11 handed on = 29 left; 20 allocations of 3 race for them.
    const outcomes = await Promise.all(
      Array.from({ length: 20 }, () => send(countyAdmin, 'AllocateQuota', allocation('320707', 'S-GY-02', 3, '4'))),
    );
    const statuses = outcomes.map((outcome) => outcome.status);
    expect(statuses.filter((status) => status === 200)).toHaveLength(9);
    expect(outcomes.filter((outcome) => outcome.status !== 200).map((outcome) => outcome.body.error?.code)).toEqual(
      Array(11).fill('QUOTA_EXCEEDED'),
    );
    const last = await send(countyAdmin, 'AllocateQuota', allocation('320707', 'S-GY-02', 3, '4'));
    expect(last.body.error).toMatchObject({ code: 'QUOTA_EXCEEDED', details: { left: 2 } });
  });

  it('documents every command it serves at /api/docs, from the schemas that check the bodies', async () => {
    const document = (await (await fetch(`${url()}/docs/openapi.json`)).json()) as {
      paths: Record<
        string,
        { post?: { requestBody: { content: Record<string, { schema: { required?: string[] } }> } } }
      >;
    };
    for (const name of [
      'RegisterOrgUnit',
      'RegisterTeacher',
      'LaunchProgramme',
      'ScheduleBatch',
      'AllocateQuota',
      'RevokeQuota',
    ]) {
      expect(document.paths[`/api/commands/${name}`]?.post).toBeDefined();
    }
    const allocate = document.paths['/api/commands/AllocateQuota'].post?.requestBody.content['application/json'].schema;
    expect(allocate?.required).toEqual(['batchId', 'periodId', 'fromUnitId', 'toUnitId', 'seats']);
    expect((await fetch(`${url()}/docs`)).status).toBe(200);
    // ECMA-262 patterns without the u flag cannot hold \p{…}: such patterns are described instead.
    expect(JSON.stringify(document)).not.toContain('\\\\p{');
    expect(document.paths['/api/certificates/{code}']).toBeDefined();
  });

  it('lets system import history as another actor at its original time', async () => {
    expect((await send(provinceAdmin, 'AllocateQuota', allocation('320000', '320700', 10, '5'))).status).toBe(200);
    const imported = await send(system, 'AllocateQuota', {
      ...allocation('320700', '320722', 5, '5'),
      at: '2016-03-10T01:00:00Z',
      actor: cityAdmin,
    });
    expect(imported.status).toBe(200);
    const refused = await send(system, 'AllocateQuota', {
      ...allocation('320707', 'S-GY-01', 1),
      actor: otherCountyAdmin,
    });
    expect(refused.status).toBe(403);
  });
});
