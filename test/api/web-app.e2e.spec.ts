import { randomBytes } from 'node:crypto';
import { get as httpGet } from 'node:http';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { mintToken } from '@tip/auth';
import { Actor, idNumberCheckCharacter } from '@tip/domain';
import { createTestDatabase, ensureWebAppBuilt, TestDatabase } from '@tip/testing';
import { RunningTip, startTip } from '../../apps/api/src/bootstrap';
import { loadConfig } from '../../apps/api/src/config';
import {
  BATCH,
  COUNTIES,
  expectedCompletion,
  EXPECTED_TARGET_PERCENT,
  NOW,
  PILOTS,
  PROVINCE,
  SCHOOLS,
  seedScenario,
} from '../web/support/scenario';
import { apiClient } from './support/api-under-test';
import { scenarioOver, ScenarioApi } from './support/scenario';

/**
 * The web app beside the API on one origin, and the views its dashboards read: the batches in
 * the caller's scope, a unit's children against the batch's pace, and its week-by-week trend.
 */
const COUNTY = COUNTIES[0];
const countyAdmin: Actor = { sub: 'xw', role: 'county-admin', unitId: COUNTY.unitId };
const schoolAdmin: Actor = { sub: 's2', role: 'school-admin', unitId: SCHOOLS[1].schoolId };
const teacher: Actor = { sub: 'T-XW-01-1', role: 'teacher', unitId: SCHOOLS[0].schoolId };
const auditor: Actor = { sub: 'audit', role: 'auditor' };
const system: Actor = { sub: 'importer', role: 'system' };

describe('the web app and its views over HTTP', () => {
  let tip: RunningTip;
  let database: TestDatabase;
  let secret: string;
  let origin: string;
  let client: ScenarioApi;
  const scenario = scenarioOver(() => client);

  const get = async (actor: Actor | undefined, url: string, headers: Record<string, string> = {}) => {
    const authorization: Record<string, string> = actor
      ? { authorization: `Bearer ${await mintToken(secret, actor, '1h', { now: new Date(NOW) })}` }
      : {};
    const response = await fetch(`${origin}${url}`, { headers: { ...authorization, ...headers } });
    const text = await response.text();
    const json = (response.headers.get('content-type') ?? '').startsWith('application/json');
    return { status: response.status, headers: response.headers, text, body: json ? JSON.parse(text) : undefined };
  };

  beforeAll(async () => {
    await ensureWebAppBuilt();
    secret = randomBytes(32).toString('hex');
    database = await createTestDatabase();
    tip = await startTip(
      loadConfig({
        DATABASE_URL: database.url,
        PORT: '0',
        TIP_JWT_SECRET: secret,
        TIP_LOG_LEVEL: 'warn',
        TIP_VIEW_WAIT_MS: '60000',
      }),
      { clock: { now: () => new Date(NOW) } },
    );
    origin = tip.url.replace(/\/api$/, '');
    client = apiClient(tip.url, secret, { now: () => new Date(NOW) });
    const seeded = await seedScenario(tip.url, secret, new Date(NOW));
    // A second province with a batch of its own, which nobody in Jiangsu may see.
    const send = (name: string, body: Record<string, unknown>) =>
      scenario.accepted(system, '2021-01-04T09:00:00', name, body);
    await send('RegisterOrgUnit', { unitId: '330000', kind: 'province', name: '浙江省' });
    await send('LaunchProgramme', {
      programmeId: 'ZJ',
      name: '浙江提升工程',
      provinceId: '330000',
      rulebook: 'jiangsu-2.0',
    });
    await send('ScheduleBatch', {
      programmeId: 'ZJ',
      batchId: 'ZJ-2021',
      name: '浙江第一批',
      startsOn: '2021-02-01',
      endsOn: '2021-12-31',
      sharePercent: 20,
      periods: [{ periodId: '1', startsOn: '2021-02-01', endsOn: '2021-03-31' }],
    });
    // A city-run programme whose rulebook asks for pilots (Yueyang: at least 2 per county): the city's
    // own school and two of 华容县's are pilots, 岳阳县 has none yet.
    for (const unit of [
      { unitId: '430000', kind: 'province', name: '湖南省' },
      { unitId: '430600', kind: 'city', name: '岳阳市', parentId: '430000' },
      // Another city of the province, which runs nothing of its own.
      { unitId: '430100', kind: 'city', name: '长沙市', parentId: '430000' },
      { unitId: '430621', kind: 'county', name: '岳阳县', parentId: '430600' },
      { unitId: '430623', kind: 'county', name: '华容县', parentId: '430600' },
      { unitId: 'YY-SZ12', kind: 'school', name: '岳阳市第十二中学', parentId: '430600' },
      { unitId: 'HR-01', kind: 'school', name: '华容县第一中学', parentId: '430623' },
      { unitId: 'HR-02', kind: 'school', name: '华容县实验小学', parentId: '430623' },
    ]) {
      await send('RegisterOrgUnit', unit);
    }
    await send('LaunchProgramme', {
      programmeId: 'YY',
      name: '岳阳市提升工程2.0',
      provinceId: '430000',
      ownerUnitId: '430600',
      rulebook: 'yueyang-2.0',
    });
    await send('ScheduleBatch', {
      programmeId: 'YY',
      batchId: 'YY-2021',
      name: '2021年试点',
      startsOn: '2021-06-01',
      endsOn: '2023-12-31',
      sharePercent: 10,
      periods: [{ periodId: '1', startsOn: '2021-06-01', endsOn: '2023-12-31' }],
    });
    for (const schoolId of ['YY-SZ12', 'HR-01', 'HR-02']) {
      await send('DesignatePilotSchool', { batchId: 'YY-2021', schoolId, finishBy: '2021-12-31' });
    }
    // Every test reads without minPosition: the read models have it all first.
    const position = Math.max(seeded, scenario.position());
    expect((await get(auditor, `/api/views/batches?minPosition=${position}`)).status).toBe(200);
  }, 120_000);
  afterAll(async () => {
    await tip?.stop();
    await database?.drop();
  });

  describe('serving the app', () => {
    it('answers / and any page of the app with the app, under a content security policy', async () => {
      for (const page of ['/', '/login', `/units/${COUNTY.unitId}`, '/verify/ABC']) {
        const response = await get(undefined, page, { accept: 'text/html' });
        expect({ page, status: response.status }).toEqual({ page, status: 200 });
        expect(response.text).toContain('<div id="app">');
        expect(response.headers.get('content-security-policy')).toContain("default-src 'self'");
        expect(response.headers.get('cache-control')).toBe('no-cache');
      }
    });

    it('serves the built files, the hashed ones cacheable for a year', async () => {
      const page = await get(undefined, '/', { accept: 'text/html' });
      const script = /src="(\/assets\/[^"]+\.js)"/.exec(page.text)?.[1];
      expect(script).toBeDefined();
      const asset = await get(undefined, script ?? '');
      expect(asset.status).toBe(200);
      expect(asset.headers.get('content-type')).toContain('javascript');
      expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    });

    it('sends the built files brotli- or gzip-compressed as the browser accepts, the same bytes once unpacked', async () => {
      // node:http, not fetch: fetch asks for compression itself and unpacks before the test sees it.
      const raw = (url: string, acceptEncoding?: string) =>
        new Promise<{ headers: Record<string, string | string[] | undefined>; body: Buffer }>((resolve, reject) => {
          httpGet(
            `${origin}${url}`,
            { headers: acceptEncoding ? { 'accept-encoding': acceptEncoding } : {} },
            (res) => {
              const chunks: Buffer[] = [];
              res.on('data', (chunk: Buffer) => chunks.push(chunk));
              res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
            },
          ).on('error', reject);
        });
      const page = await get(undefined, '/', { accept: 'text/html' });
      const script = /src="(\/assets\/[^"]+\.js)"/.exec(page.text)?.[1] ?? '';
      const plain = await raw(script);
      expect(plain.headers['content-encoding']).toBeUndefined();
      const brotli = await raw(script, 'gzip, deflate, br');
      expect(brotli.headers).toMatchObject({
        'content-encoding': 'br',
        vary: expect.stringContaining('Accept-Encoding'),
      });
      expect(brotli.headers['content-type']).toContain('javascript');
      expect(brotli.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      expect(brotliDecompressSync(brotli.body).equals(plain.body)).toBe(true);
      expect(brotli.body.length).toBeLessThan(plain.body.length / 2);
      const gzip = await raw(script, 'gzip');
      expect(gzip.headers['content-encoding']).toBe('gzip');
      expect(gunzipSync(gzip.body).equals(plain.body)).toBe(true);
    });

    it('leaves /api to the API: unknown routes are JSON 404s, never the page', async () => {
      const unknown = await get(undefined, '/api/nothing-here', { accept: 'text/html' });
      expect(unknown.status).toBe(404);
      expect(unknown.body).toMatchObject({ error: { code: 'NOT_FOUND' } });
      const missingAsset = await get(undefined, '/assets/missing.js', { accept: '*/*' });
      expect(missingAsset.status).toBe(404);
      expect(missingAsset.text).not.toContain('<div id="app">');
      const health = await get(undefined, '/api/health');
      expect(health.headers.get('content-type')).toContain('application/json');
    });
  });

  describe('GET /api/views/batches', () => {
    it('lists the batches of programmes on the caller’s path, and every batch to auditors', async () => {
      const ids = async (actor: Actor) =>
        ((await get(actor, '/api/views/batches')).body.batches as { batchId: string }[]).map((each) => each.batchId);
      expect(await ids(countyAdmin)).toEqual([BATCH]);
      expect(await ids(schoolAdmin)).toEqual([BATCH]);
      expect(await ids(teacher)).toEqual([BATCH]);
      expect((await ids(auditor)).sort()).toEqual([BATCH, 'YY-2021', 'ZJ-2021']);
      const [batch] = (await get(countyAdmin, '/api/views/batches')).body.batches;
      expect(batch).toMatchObject({
        batchId: BATCH,
        name: '第一批',
        programmeName: '江苏省中小学教师信息技术应用能力提升工程2.0',
        startsOn: '2020-11-01',
        endsOn: '2021-10-31',
        periods: [{ periodId: '1' }, { periodId: '2' }],
      });
    });

    it("shows a city's programme to the city, the units below it and its province, and not to another city", async () => {
      const ids = async (actor: Actor) =>
        ((await get(actor, '/api/views/batches')).body.batches as { batchId: string }[]).map((each) => each.batchId);
      const yueyang: Actor = { sub: 'yy', role: 'city-admin', unitId: '430600' };
      const huarong: Actor = { sub: 'hr', role: 'county-admin', unitId: '430623' };
      const hunan: Actor = { sub: 'hn', role: 'province-admin', unitId: '430000' };
      const changsha: Actor = { sub: 'cs', role: 'city-admin', unitId: '430100' };
      expect(await ids(yueyang)).toEqual(['YY-2021']);
      expect(await ids(huarong)).toEqual(['YY-2021']);
      expect(await ids(hunan)).toEqual(['YY-2021']);
      expect(await ids(changsha)).toEqual([]);
      // The list is what the views let each read: the other city is refused the batch too.
      const children = (actor: Actor) => get(actor, `/api/views/units/${actor.unitId}/children?batchId=YY-2021`);
      expect((await children(yueyang)).status).toBe(200);
      expect((await children(hunan)).status).toBe(200);
      expect((await children(changsha)).status).toBe(403);
    });

    it('answers 401 without a token', async () => {
      expect((await get(undefined, '/api/views/batches')).status).toBe(401);
    });
  });

  describe('GET /api/views/units/{unitId}/children', () => {
    it("gives each child's figures, 完成率 and target as its own progress view does, worked out by hand", async () => {
      const response = await get(countyAdmin, `/api/views/units/${COUNTY.unitId}/children?batchId=${BATCH}`);
      expect(response.status).toBe(200);
      const completion = expectedCompletion();
      expect(response.body.targetPercent).toBe(EXPECTED_TARGET_PERCENT);
      const rows = response.body.children as {
        unitId: string;
        rates: { completionPercent: number };
        target: { percent: number };
        behind: boolean;
      }[];
      expect(rows.map((child) => [child.unitId, child.rates.completionPercent, child.behind])).toEqual(
        SCHOOLS.filter((school) => school.countyId === COUNTY.unitId).map((school) => [
          school.schoolId,
          completion.get(school.schoolId),
          (completion.get(school.schoolId) ?? 0) < EXPECTED_TARGET_PERCENT,
        ]),
      );
      expect(response.body.children[0]).toMatchObject({
        name: SCHOOLS[0].name,
        kind: 'school',
        teachers: { required: 6, enrolled: 6, passed: 5, trained: 5, certified: 1 },
        target: { percent: EXPECTED_TARGET_PERCENT },
      });
      // Each row is what the child's own progress view says.
      for (const child of rows) {
        const own = await get(countyAdmin, `/api/views/units/${child.unitId}/progress?batchId=${BATCH}`);
        expect({ unitId: child.unitId, rates: own.body.rates, behind: own.body.behind }).toEqual({
          unitId: child.unitId,
          rates: child.rates,
          behind: child.behind,
        });
      }
    });

    it("names the path down from the caller's own unit, and nothing above it", async () => {
      const school = SCHOOLS[0].schoolId;
      const asCounty = await get(countyAdmin, `/api/views/units/${school}/children?batchId=${BATCH}`);
      expect(asCounty.body.path.map((unit: { unitId: string }) => unit.unitId)).toEqual([COUNTY.unitId, school]);
      expect(asCounty.body.children).toEqual([]);
      const asAuditor = await get(auditor, `/api/views/units/${school}/children?batchId=${BATCH}`);
      expect(asAuditor.body.path.map((unit: { unitId: string }) => unit.unitId)).toEqual([
        PROVINCE.unitId,
        COUNTY.unitId.slice(0, 4) + '00',
        COUNTY.unitId,
        school,
      ]);
    });

    it('refuses a unit outside the caller’s subtree (403), a missing batch (400) and an unknown one (403 as one elsewhere; 404 to those who read everything)', async () => {
      expect((await get(schoolAdmin, `/api/views/units/${COUNTY.unitId}/children?batchId=${BATCH}`)).status).toBe(403);
      expect((await get(countyAdmin, `/api/views/units/${COUNTIES[1].unitId}/children?batchId=${BATCH}`)).status).toBe(
        403,
      );
      const missing = await get(countyAdmin, `/api/views/units/${COUNTY.unitId}/children`);
      expect(missing).toMatchObject({ status: 400, body: { error: { details: [{ field: 'batchId' }] } } });
      expect((await get(countyAdmin, `/api/views/units/${COUNTY.unitId}/children?batchId=NOPE`)).status).toBe(403);
      expect((await get(system, `/api/views/units/${COUNTY.unitId}/children?batchId=NOPE`)).status).toBe(404);
    });
  });

  describe('GET /api/views/units/{unitId}/trend', () => {
    it('gives 完成率 and the target as of every week from the batch’s first to the one under way', async () => {
      const response = await get(countyAdmin, `/api/views/units/${COUNTY.unitId}/trend?batchId=${BATCH}`);
      expect(response.status).toBe(200);
      const weeks = response.body.weeks as {
        week: string;
        required: number;
        enrolled: number;
        trained: number;
        completionPercent: number | null;
        targetPercent: number;
      }[];
      // 2020-11-01 is the Sunday of 2020-W44; NOW (2021-03-15) is in 2021-W11; 2020 has 53 weeks.
      expect(weeks[0].week).toBe('2020-W44');
      expect(weeks.at(-1)?.week).toBe('2021-W11');
      expect(weeks).toHaveLength(9 + 11 + 1);
      // Teachers registered before the batch are required from its first week; enrolled in W45, graded in 2021-W05.
      expect(weeks[0]).toMatchObject({ required: 12, enrolled: 0, trained: 0, completionPercent: 0 });
      expect(weeks.find((week) => week.week === '2020-W45')).toMatchObject({ enrolled: 12, trained: 0 });
      expect(weeks.find((week) => week.week === '2021-W04')).toMatchObject({ trained: 0 });
      expect(weeks.find((week) => week.week === '2021-W05')).toMatchObject({ trained: 6, completionPercent: 50 });
      expect(weeks.at(-1)).toMatchObject({ trained: 6, completionPercent: expectedCompletion().get(COUNTY.unitId) });
      // The target climbs to 20% by the end of 2020 and stays there.
      expect(weeks.find((week) => week.week === '2020-W53')?.targetPercent).toBe(EXPECTED_TARGET_PERCENT);
      expect(weeks.at(-1)?.targetPercent).toBe(EXPECTED_TARGET_PERCENT);
      for (const [index, week] of weeks.entries()) {
        if (index > 0) expect(week.targetPercent).toBeGreaterThanOrEqual(weeks[index - 1].targetPercent);
      }
    });

    it("adds up a province's teachers from every school below it", async () => {
      const response = await get(auditor, `/api/views/units/${PROVINCE.unitId}/trend?batchId=${BATCH}`);
      expect(response.body.weeks.at(-1)).toMatchObject({
        required: SCHOOLS.reduce((sum, school) => sum + school.grades.length, 0),
        trained: 9,
        completionPercent: expectedCompletion().get(PROVINCE.unitId),
      });
    });
  });

  describe('GET /api/views/units/{unitId}/pilot-schools', () => {
    it("lists the batch's pilots at or below the unit, due first first, with closure and lateness as of today", async () => {
      const county = await get(countyAdmin, `/api/views/units/${COUNTY.unitId}/pilot-schools?batchId=${BATCH}`);
      expect(county.status).toBe(200);
      // 实验小学 was due on 2021-03-01 and has not closed by NOW (2021-03-15): late.
      expect(county.body).toMatchObject({
        unitId: COUNTY.unitId,
        batchId: BATCH,
        rule: null,
        countiesShort: [],
        total: 1,
        closed: 0,
        late: 1,
        pilots: [
          {
            schoolId: 'S-XW-01',
            name: '玄武区实验小学',
            parentId: COUNTY.unitId,
            parentName: COUNTY.name,
            scope: 'programme',
            finishBy: '2021-03-01',
            closureStatus: 'open',
            closedAt: null,
            late: true,
          },
        ],
      });
      const province = await get(auditor, `/api/views/units/${PROVINCE.unitId}/pilot-schools?batchId=${BATCH}`);
      expect(
        province.body.pilots.map((pilot: { schoolId: string; finishBy: string; scope: string; late: boolean }) => ({
          schoolId: pilot.schoolId,
          finishBy: pilot.finishBy,
          scope: pilot.scope,
          late: pilot.late,
        })),
      ).toEqual(PILOTS.map((pilot) => ({ ...pilot })));
      expect(province.body).toMatchObject({ total: 2, late: 1 });
      // A school that is no pilot: nothing, not an error.
      const school = await get(auditor, `/api/views/units/${SCHOOLS[1].schoolId}/pilot-schools?batchId=${BATCH}`);
      expect(school.body).toMatchObject({ total: 0, pilots: [] });
    });

    it("names the counties short of the rulebook's pilots per county (Yueyang: 2), as the weekly notice does", async () => {
      const city = await get(auditor, '/api/views/units/430600/pilot-schools?batchId=YY-2021');
      expect(city.status).toBe(200);
      // The city's own school is the programme's pilot; 华容县's are too, as the system designated
      // them: neither county has a pilot of its own (scope county), so both are short.
      expect(city.body).toMatchObject({
        rule: { ownerPilots: 2, perCounty: 2, dueBy: '2021-12-31' },
        countiesShort: [
          { unitId: '430621', name: '岳阳县', pilots: 0, required: 2 },
          { unitId: '430623', name: '华容县', pilots: 0, required: 2 },
        ],
        total: 3,
        late: 0,
      });
      expect(city.body.pilots.map((pilot: { schoolId: string }) => pilot.schoolId)).toEqual([
        'HR-01',
        'HR-02',
        'YY-SZ12',
      ]);
      const county = await get(auditor, '/api/views/units/430623/pilot-schools?batchId=YY-2021');
      expect(county.body).toMatchObject({
        countiesShort: [{ unitId: '430623', name: '华容县', pilots: 0, required: 2 }],
        total: 2,
      });
      // The notice is the authority: its short counties, with their counts, are the dashboard's.
      const notice = await get(auditor, '/api/notices/weekly?unitId=430600&batchId=YY-2021&week=2021-W10&format=json');
      expect(notice.status).toBe(200);
      const noticeShort = (
        notice.body.levels as {
          kind: string;
          rows: { unitId: string; pilots: { counted: number; required: number; short: boolean } }[];
        }[]
      )
        .filter((level) => level.kind === 'county')
        .flatMap((level) => level.rows)
        .filter((row) => row.pilots.short)
        .map((row) => ({ unitId: row.unitId, pilots: row.pilots.counted, required: row.pilots.required }))
        .sort((a, b) => (a.unitId < b.unitId ? -1 : 1));
      expect(noticeShort).toEqual(
        city.body.countiesShort.map(
          ({ unitId, pilots, required }: { unitId: string; pilots: number; required: number }) => ({
            unitId,
            pilots,
            required,
          }),
        ),
      );
    });

    it('refuses a unit outside the caller’s subtree (403) and an unknown batch (403 to an admin, 404 to those who read everything)', async () => {
      expect((await get(schoolAdmin, `/api/views/units/${COUNTY.unitId}/pilot-schools?batchId=${BATCH}`)).status).toBe(
        403,
      );
      // An unknown batch answers as a batch elsewhere would (issue 13: no hint of what exists outside).
      expect((await get(countyAdmin, `/api/views/units/${COUNTY.unitId}/pilot-schools?batchId=NOPE`)).status).toBe(403);
      expect((await get(system, `/api/views/units/${COUNTY.unitId}/pilot-schools?batchId=NOPE`)).status).toBe(404);
      expect((await get(countyAdmin, `/api/views/units/${COUNTY.unitId}/pilot-schools`)).status).toBe(400);
    });
  });

  describe('GET /api/views/units/{unitId}/teachers', () => {
    it("says until when a teacher without ability points may still pick them (the school admin's countdown)", async () => {
      const school = SCHOOLS[2].schoolId;
      const send = (name: string, body: Record<string, unknown>, at: string, actor: Actor = system) =>
        scenario.accepted(actor, at, name, body);
      await send(
        'RegisterTeacher',
        {
          teacherId: 'T-LATE',
          schoolId: school,
          name: '迟到',
          idNumber: `32010419900101123${idNumberCheckCharacter('32010419900101123')}`,
          gender: 'male',
          stage: '小学',
          subject: '数学',
          fullTime: true,
          birthDate: '1990-01-01',
        },
        '2021-03-10T09:00:00',
      );
      const admin: Actor = { sub: 'qh', role: 'school-admin', unitId: school };
      await send('EnrollTeacher', { batchId: BATCH, periodId: '1', teacherId: 'T-LATE' }, '2021-03-12T10:00:00', admin);
      await send('ConfirmEnrollment', { batchId: BATCH, teacherId: 'T-LATE' }, '2021-03-12T20:00:00', {
        sub: 'T-LATE',
        role: 'teacher',
        unitId: school,
      });
      const list = await get(
        auditor,
        `/api/views/units/${school}/teachers?batchId=${BATCH}&status=no-points&minPosition=${scenario.position()}`,
      );
      expect(list.status).toBe(200);
      // Jiangsu: one week from enrollment (2021-03-12 10:00 Beijing time).
      expect(list.body.teachers).toEqual([
        expect.objectContaining({
          teacherId: 'T-LATE',
          status: 'no-points',
          abilityPointDeadline: '2021-03-19T02:00:00.000Z',
        }),
      ]);
      const others = await get(
        auditor,
        `/api/views/units/${school}/teachers?batchId=${BATCH}&status=online-not-passed,awaiting-grade`,
      );
      for (const teacher of others.body.teachers) expect(teacher.abilityPointDeadline).toBeNull();
    });
  });
});
