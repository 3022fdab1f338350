import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { Actor, idNumberCheckCharacter } from '@tip/domain';
import { parseQuotaTable, QuotaRow } from '../../apps/cli/src/lianyungang-quotas';
import { csvTable, htmlTable, xlsxTable } from './support/notice-formats';
import { ApiUnderTest, startApiUnderTest } from './support/api-under-test';
import { scenarioOver } from './support/scenario';

/**
 * Lianyungang 2016 (seed 000): the city's own programme, the real quota table imported by `tip import-quotas`, and
 * the city's notice for 2016-W49 (5–11 December) listing every county and city-direct school,
 * every figure worked out below by hand. The rulebook grades nothing: a teacher is trained with
 * the 30 + 90 + 20 hours and the certificate (省市两级培训均合格，发…合格证书), so the city is not
 * stuck at 0% behind for ever.
 */
const BATCH = 'LYG-2016';
const importer: Actor = { sub: 'importer', role: 'system' };
const cityAdmin: Actor = { sub: 'lyg-city', role: 'city-admin', unitId: '320700' };
const run = promisify(execFile);
const root = path.resolve(__dirname, '../..');
const fixture = path.resolve(root, 'fixtures/lianyungang-2016-quotas.csv');
const rows: QuotaRow[] = parseQuotaTable(readFileSync(fixture, 'utf8'));
const units = [...new Map(rows.map((row) => [row.unit, row])).values()];
const counties = units.filter((row) => row.unitKind === 'county');
const cityDirect = units.filter((row) => row.unitKind === 'school');
const SCHOOL = '新海高中';

describe('A Lianyungang 2016 weekly notice, figured by hand', () => {
  let api: ApiUnderTest;
  const scenario = scenarioOver(() => api);
  /** A command of the history, sent by the importer at its business time (China local), and accepted. */
  const act = (at: string, name: string, body: Record<string, unknown>) => scenario.accepted(importer, at, name, body);
  const notice = <T = Record<string, unknown>>(format: string) =>
    api.get<T>(
      cityAdmin,
      `/notices/weekly?unitId=320700&batchId=${BATCH}&week=2016-W49&format=${format}&minPosition=${scenario.position()}`,
    );

  beforeAll(async () => {
    api = await startApiUnderTest();
    await act('2016-03-01T09:00:00', 'RegisterOrgUnit', { unitId: '320000', kind: 'province', name: '江苏省' });
    await act('2016-03-01T09:00:00', 'RegisterOrgUnit', {
      unitId: '320700',
      kind: 'city',
      name: '连云港市',
      parentId: '320000',
    });
    // The city's own programme (市教育局主办): its seats start at the city, not with a grant from the province.
    await act('2016-03-02T09:00:00', 'LaunchProgramme', {
      programmeId: 'LYG-1.0',
      name: '连云港市中小学教师教育技术能力（高级）全员培训',
      provinceId: '320000',
      rulebook: 'lianyungang-1.0',
      ownerUnitId: '320700',
    });
    // The real import: `tip import-quotas` registers the units, schedules the batch and hands the
    // seats on, each as of its period's first day (the units as of 10 March 2016).
    const { stdout } = await run(
      process.execPath,
      [
        '-r',
        './scripts/register.js',
        'apps/cli/src/main.ts',
        'import-quotas',
        fixture,
        ...['--programme', 'LYG-1.0', '--batch', BATCH, '--province', '320000', '--city', '320700'],
        ...['--url', api.tip.url],
      ],
      { cwd: root, env: { ...process.env, TIP_JWT_SECRET: api.secret } },
    );
    expect(stdout).toContain('Imported 322 rows: 14 periods × 23 units, 50400 seats.');
    // Each unit declares its full-time teachers: here, seven periods of its seats (赣榆区 906 × 7 = 6,342).
    for (const row of units) {
      await act('2016-03-11T09:00:00', 'DeclareFullTimeTeachers', {
        unitId: row.unit,
        fullTimeTeachers: row.quota * 7,
      });
    }
    await act('2016-03-11T09:00:00', 'SetIssuingOffice', { unitId: '320700', issuingOffice: '连云港市教育局办公室' });
    // 新海高中 registers its four training teachers: from then on its required is theirs.
    for (let index = 1; index <= 4; index++) {
      const first17 = `32070619${80 + index}0101${String(100 + index)}`;
      await act('2016-03-11T09:00:00', 'RegisterTeacher', {
        teacherId: `XH-${index}`,
        schoolId: SCHOOL,
        name: `新海教师${index}`,
        idNumber: `${first17}${idNumberCheckCharacter(first17)}`,
        gender: 'female',
        stage: '高中',
        subject: '物理',
        fullTime: true,
        birthDate: `19${80 + index}-01-01`,
      });
      await act('2016-03-15T09:00:00', 'EnrollTeacher', { batchId: BATCH, periodId: '1', teacherId: `XH-${index}` });
      await act('2016-03-15T10:00:00', 'ConfirmEnrollment', {
        batchId: BATCH,
        teacherId: `XH-${index}`,
        actor: { sub: `XH-${index}`, role: 'teacher', unitId: SCHOOL },
      });
      // The provincial platform's 30 online hours inside period 1 (10 March – 18 April); XH-4 only 20.
      await act('2016-04-01T09:00:00', 'RecordOnlineHours', {
        batchId: BATCH,
        teacherId: `XH-${index}`,
        recordId: `JSTE-${index}`,
        courseId: 'JSTE-30',
        hours: index === 4 ? 20 : 30,
      });
    }
    const cityHours = async (teacherId: string, at: string) => {
      await act(at, 'RecordOfflineHours', {
        batchId: BATCH,
        teacherId,
        category: 'application-integration',
        hours: 90,
      });
      await act(at, 'RecordOfflineHours', { batchId: BATCH, teacherId, category: 'practice', hours: 20 });
    };
    // Week 48: XH-1 has the city platform's 110 hours and the certificate. Week 49: XH-2 too;
    // XH-3 has the hours and no certificate yet.
    await cityHours('XH-1', '2016-11-28T09:00:00');
    await act('2016-11-29T09:00:00', 'IssueCertificate', { batchId: BATCH, teacherId: 'XH-1' });
    await cityHours('XH-2', '2016-12-06T09:00:00');
    await act('2016-12-07T09:00:00', 'IssueCertificate', { batchId: BATCH, teacherId: 'XH-2' });
    await cityHours('XH-3', '2016-12-08T09:00:00');
  }, 180_000);
  afterAll(async () => api?.stop());

  // ── By hand ──────────────────────────────────────────────────────────────────────────────
  // Required: each county its seven periods of seats (declared); each city-direct school the same,
  // but 新海高中 its four registered teachers. 3,600 seats a period, 新海高中's 21 of them:
  // the city 3,600 × 7 − 21 × 7 + 4 = 25,057.
  const required = (row: QuotaRow) => (row.unit === SCHOOL ? 4 : row.quota * 7);
  const cityRequired = units.reduce((sum, row) => sum + required(row), 0);
  // Target: everyone by the end of 2018, from 0 on 10 March 2016: 1,027 days, 277 of them gone by
  // 12 December 2016 00:00 (the end of week 49): 100 × 277 / 1027 = 26.97 → 27.0%.
  const target = 27.0;

  it('lists every county and every city-direct school of the quota table, ranked by 完成率', async () => {
    expect(cityRequired).toBe(25_057);
    const response = await notice('json');
    expect(response.status).toBe(200);
    const body = response.body as {
      unit: Record<string, unknown>;
      levels: { kind: string; rows: { name: string; rank: number; behind: boolean }[] }[];
      [key: string]: unknown;
    };
    const [countyLevel, schoolLevel] = body.levels;
    expect(countyLevel.kind).toBe('county');
    expect(countyLevel.rows.map((row) => row.name).sort()).toEqual(counties.map((row) => row.unit).sort());
    expect(schoolLevel.kind).toBe('school');
    expect(schoolLevel.rows.map((row) => row.name).sort()).toEqual(cityDirect.map((row) => row.unit).sort());
    // Each county received its seats of periods 1–7 from the city (the seventh starts on 5 December).
    const ganyu = countyLevel.rows.find((row) => row.name === '赣榆区') as unknown as {
      thisWeek: { seatsReceived: number };
    };
    expect(ganyu.thisWeek.seatsReceived).toBe(906 * 7);
    // Nobody trained in the counties yet: all 0.0%, tied at rank 1, all behind by 27.0 points.
    expect(new Set(countyLevel.rows.map((row) => [row.rank, row.behind].join()))).toEqual(new Set(['1,true']));
    // 新海高中 2 of 4 = 50.0% leads; the other thirteen tie at 0.0%, rank 2.
    expect(schoolLevel.rows[0]).toMatchObject({ name: SCHOOL, rank: 1, behind: false });
    expect(new Set(schoolLevel.rows.slice(1).map((row) => row.rank))).toEqual(new Set([2]));
    expect(body).toMatchObject({
      programmeName: '连云港市中小学教师教育技术能力（高级）全员培训',
      heading: {
        issuingOffice: '连云港市教育局办公室',
        issuedOn: '2016-12-12',
        // The import names the batch by its id: the title says the programme alone.
        title: '关于连云港市中小学教师教育技术能力（高级）全员培训培训进度的通报（2016年第49周）',
      },
      targetPercent: target,
      quotas: true,
    });
    expect(body.unit).toMatchObject({
      requiredSource: 'mixed',
      // XH-1 (week 48) and XH-2 (week 49) trained; XH-3 has its hours but no certificate.
      thisWeek: {
        required: cityRequired,
        enrolled: 4,
        trained: 2,
        completionPercent: 0, // 2 / 25,057 = 0.008%
        hoursRecognised: 2 * 140,
        // The city runs the programme: its seats start there, none received.
        seatsReceived: 0,
      },
      lastWeek: { trained: 1, hoursRecognised: 140 },
      behind: true,
      behindByPoints: target,
    });
    expect(schoolLevel.rows[0]).toMatchObject({
      requiredSource: 'registered',
      thisWeek: { required: 4, enrolled: 4, trained: 2, completionPercent: 50, participationPercent: 100 },
      lastWeek: { trained: 1, completionPercent: 25 },
      change: { trained: 1, completionPercent: 25 },
    });
    // Twenty-two of the 23 behind by 27.0 points each: five are named, the rest counted.
    expect(body.summary).toMatch(
      /直属的23个单位中，22个完成率低于目标：(?:[^、]+（落后27\.0个百分点）、){4}[^、]+（落后27\.0个百分点）等22个单位。/,
    );
    expect(body.summary).toContain(`本周完成率提高最快的是${SCHOOL}（提高25.0个百分点）。`);
  });

  it('prints the same figures in csv, xlsx and html, every unit in each', async () => {
    const fromCsv = csvTable((await notice<string>('csv')).body);
    const fromXlsx = await xlsxTable((await notice<string>('xlsx')).bytes);
    const fromHtml = htmlTable((await notice<string>('html')).body);
    for (const found of [fromCsv, fromXlsx.table, fromHtml.table]) {
      expect([...found.keys()].sort()).toEqual(['320700', ...units.map((row) => row.unit)].sort());
    }
    expect(fromXlsx.sheets).toEqual(['市', '县(市、区)', '学校']);
    for (const row of units) {
      const rate = row.unit === SCHOOL ? 50 : 0;
      const behind = rate < target;
      expect({ unit: row.unit, ...fromCsv.get(row.unit) }).toMatchObject({
        应训人数本周: String(required(row)),
        应训人数来源: row.unit === SCHOOL ? '登记' : '申报',
        完成率本周: rate.toFixed(1),
        目标进度: '27.0',
        '落后(百分点)': behind ? '27.0' : '0.0',
        滞后: behind ? '是' : '',
      });
      expect({ unit: row.unit, ...fromXlsx.table.get(row.unit) }).toMatchObject({
        应训人数本周: required(row),
        滞后: behind ? '是' : null,
      });
      expect(fromXlsx.table.get(row.unit)?.['完成率本周']).toBeCloseTo(rate / 100, 10);
      expect({ unit: row.unit, ...fromHtml.table.get(row.unit) }).toMatchObject({
        应训人数本周: String(required(row)),
        完成率本周: rate.toFixed(1),
        behindRow: behind ? 'yes' : 'no',
      });
    }
    expect(fromCsv.get('320700')).toMatchObject({ 应训人数本周: '25057', 完成人数本周: '2', 完成人数变化: '+1' });
    expect(fromHtml.table.get(SCHOOL)).toMatchObject({ 完成人数本周: '2', 完成人数上周: '1', 完成人数变化: '+1' });
  });

  it("lists the school's teachers with where each stands: trained once certified, not on hours alone", async () => {
    const list = await api.get<{ teachers: { teacherId: string; status: string }[] }>(
      cityAdmin,
      `/views/units/${encodeURIComponent(SCHOOL)}/teachers?batchId=${BATCH}&minPosition=${scenario.position()}`,
    );
    expect(list.body.teachers.map((teacher) => [teacher.teacherId, teacher.status])).toEqual([
      ['XH-1', 'trained'],
      ['XH-2', 'trained'],
      ['XH-3', 'awaiting-grade'],
      ['XH-4', 'online-not-passed'],
    ]);
  });
});
