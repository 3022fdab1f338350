import { Actor } from '@tip/domain';
import { csvTable, htmlTable, xlsxTable } from './support/notice-formats';
import { ApiUnderTest, startApiUnderTest } from './support/api-under-test';
import { idNumberFor, scenarioOver } from './support/scenario';

/**
 * Yueyang 2.0 (seed 003, 岳教体办通〔2021〕8号): the city's notice for 2021-W45 (8–14 November),
 * every figure worked out below by hand from the scenario, read back from json, csv, xlsx and html.
 * The city runs the programme and hands out no seats; a teacher is trained by a pass in the
 * school's 校本应用考核; the city and every county are asked for pilots (2 of the city's own, at
 * least 2 per county, by 2021-12-31).
 */
const BATCH = 'YY-2021';
const cityAdmin: Actor = { sub: 'yy-admin', role: 'city-admin', unitId: '430600' };
const huarongAdmin: Actor = { sub: 'hr-admin', role: 'county-admin', unitId: '430623' };
const yueyangxianAdmin: Actor = { sub: 'yx-admin', role: 'county-admin', unitId: '430621' };
const importer: Actor = { sub: 'importer', role: 'system' };
const platform: Actor = { sub: 'yy-omo-platform', role: 'system' };

interface Teacher {
  teacherId: string;
  schoolId: 'HR-01' | 'YX-01';
  fullTime: boolean;
  /** The grade of 校本应用考核 and its day, or none yet. */
  graded?: { grade: 'pass' | 'fail'; on: string };
}
// Week 44 (1–7 November): HR1-1 and YX1-1 pass. Week 45: HR1-2 and the part-time YX1-P pass, HR1-3 fails.
const teachers: Teacher[] = [
  { teacherId: 'HR1-1', schoolId: 'HR-01', fullTime: true, graded: { grade: 'pass', on: '2021-11-02' } },
  { teacherId: 'HR1-2', schoolId: 'HR-01', fullTime: true, graded: { grade: 'pass', on: '2021-11-09' } },
  { teacherId: 'HR1-3', schoolId: 'HR-01', fullTime: true, graded: { grade: 'fail', on: '2021-11-10' } },
  { teacherId: 'YX1-1', schoolId: 'YX-01', fullTime: true, graded: { grade: 'pass', on: '2021-11-03' } },
  { teacherId: 'YX1-2', schoolId: 'YX-01', fullTime: true },
  { teacherId: 'YX1-P', schoolId: 'YX-01', fullTime: false, graded: { grade: 'pass', on: '2021-11-11' } },
];

describe('A Yueyang weekly notice, figured by hand', () => {
  let api: ApiUnderTest;
  const { accepted: ok, position } = scenarioOver(() => api);
  const notice = <T = Record<string, unknown>>(format: string) =>
    api.get<T>(
      cityAdmin,
      `/notices/weekly?unitId=430600&batchId=${BATCH}&week=2021-W45&format=${format}&minPosition=${position()}`,
    );

  beforeAll(async () => {
    api = await startApiUnderTest();
    for (const [actor, body] of [
      [importer, { unitId: '430000', kind: 'province', name: '湖南省' }],
      [importer, { unitId: '430600', kind: 'city', name: '岳阳市', parentId: '430000' }],
      [cityAdmin, { unitId: '430623', kind: 'county', name: '华容县', parentId: '430600' }],
      [cityAdmin, { unitId: '430621', kind: 'county', name: '岳阳县', parentId: '430600' }],
      // 市十二中 has registered no teachers yet: it declares its 120.
      [
        cityAdmin,
        { unitId: 'YY-SZ12', kind: 'school', name: '岳阳市第十二中学', parentId: '430600', fullTimeTeachers: 120 },
      ],
      [huarongAdmin, { unitId: 'HR-01', kind: 'school', name: '华容县第一中学', parentId: '430623' }],
      [
        huarongAdmin,
        { unitId: 'HR-02', kind: 'school', name: '华容县实验小学', parentId: '430623', fullTimeTeachers: 30 },
      ],
      [yueyangxianAdmin, { unitId: 'YX-01', kind: 'school', name: '岳阳县第一中学', parentId: '430621' }],
    ] as const) {
      await ok(actor, '2021-05-10T09:00:00', 'RegisterOrgUnit', body);
    }
    await ok(cityAdmin, '2021-05-18T09:00:00', 'LaunchProgramme', {
      programmeId: 'YY-2.0',
      name: '岳阳市中小学(幼儿园)教师信息技术应用能力提升工程2.0培训',
      provinceId: '430000',
      rulebook: 'yueyang-2.0',
      ownerUnitId: '430600',
    });
    await ok(cityAdmin, '2021-05-20T09:00:00', 'ScheduleBatch', {
      programmeId: 'YY-2.0',
      batchId: BATCH,
      name: '2021年试点',
      startsOn: '2021-06-01',
      endsOn: '2023-12-31',
      sharePercent: 10,
      periods: [{ periodId: '1', startsOn: '2021-06-01', endsOn: '2023-12-31' }],
    });
    await ok(cityAdmin, '2021-05-20T10:00:00', 'SetIssuingOffice', {
      unitId: '430600',
      issuingOffice: '岳阳市教育体育局办公室',
    });
    // Pilots: the city names one of its own (of two asked); 华容县 two; 岳阳县 one (of at least two).
    for (const [actor, schoolId] of [
      [cityAdmin, 'YY-SZ12'],
      [huarongAdmin, 'HR-01'],
      [huarongAdmin, 'HR-02'],
      [yueyangxianAdmin, 'YX-01'],
    ] as const) {
      await ok(actor, '2021-05-25T09:00:00', 'DesignatePilotSchool', {
        batchId: BATCH,
        schoolId,
        finishBy: '2021-12-31',
      });
    }
    for (const [index, each] of teachers.entries()) {
      const schoolAdmin: Actor = { sub: `${each.schoolId}-admin`, role: 'school-admin', unitId: each.schoolId };
      const county = each.schoolId === 'HR-01' ? huarongAdmin : yueyangxianAdmin;
      const onRecord = { batchId: BATCH, teacherId: each.teacherId };
      await ok(schoolAdmin, '2021-05-28T09:00:00', 'RegisterTeacher', {
        teacherId: each.teacherId,
        schoolId: each.schoolId,
        name: `教师${each.teacherId}`,
        idNumber: idNumberFor(each.schoolId === 'HR-01' ? '430623' : '430621', '1985-03-01', 'female', 40 + index),
        gender: 'female',
        stage: '高中',
        subject: '英语',
        fullTime: each.fullTime,
        birthDate: '1985-03-01',
      });
      await ok(schoolAdmin, '2021-06-02T09:00:00', 'EnrollTeacher', { ...onRecord, periodId: '1' });
      const teacher: Actor = { sub: each.teacherId, role: 'teacher', unitId: each.schoolId };
      await ok(teacher, '2021-06-03T20:00:00', 'SelectAbilityPoints', { ...onRecord, points: ['A1'] });
      // 80 学时: the workshop's 40 online and 20 offline (the county), 10 校本研修, 10 校本应用考核.
      await ok(platform, '2021-07-15T12:00:00', 'RecordOnlineHours', {
        ...onRecord,
        recordId: `OMO-${each.teacherId}`,
        courseId: 'YY-WORKSHOP',
        hours: 40,
      });
      await ok(county, '2021-09-10T09:00:00', 'RecordOfflineHours', { ...onRecord, hours: 20, category: 'workshop' });
      for (const category of ['school-based', 'school-based-assessment']) {
        await ok(schoolAdmin, '2021-10-20T09:00:00', 'RecordOfflineHours', { ...onRecord, hours: 10, category });
      }
      if (each.graded) {
        await ok(schoolAdmin, `${each.graded.on}T09:00:00`, 'AssessPractice', {
          ...onRecord,
          grade: each.graded.grade,
        });
      }
    }
  }, 180_000);
  afterAll(async () => api?.stop());

  // ── By hand ──────────────────────────────────────────────────────────────────────────────
  // Required: 华容一中 3 registered full-time; 华容实小 30 declared; 华容县 33 (mixed); 岳阳县一中 2 (YX1-P is
  // part-time); 岳阳县 2; 市十二中 120 declared; 岳阳市 33 + 2 + 120 = 155 (mixed).
  // Enrolled (required): 华容一中 3, 岳阳县一中 2, the city 5; YX1-P among the others.
  // Trained (a pass): 华容一中 2 (1 last week), 岳阳县一中 1 (1), the city 3 (2). Assessed: 华容一中 3 (1),
  // 岳阳县一中 1 (1), the city 4 (2), passed 3: 合格率 75.0%.
  // Target: everyone by 2023-12-31 from 0 on 2021-06-01, 944 days; 167 gone by 15 November 00:00 (the
  // end of week 45): 100 × 167 / 944 = 17.69%, a week before 100 × 160 / 944 = 16.9%; this batch trains
  // 10% of all teachers, so it is held to min(10, 17.7) = 10.0% both weeks. Its 时间进度 is the same share
  // of its own days (2021-06-01 – 2023-12-31): 17.7%.
  const expected = {
    '430600': { kind: '市', rank: 1, required: 155, enrolled: 5, trained: [3, 2], assessed: [4, 2], source: 'mixed' },
    '430621': {
      kind: '县(市、区)',
      rank: 1,
      required: 2,
      enrolled: 2,
      trained: [1, 1],
      assessed: [1, 1],
      source: 'registered',
    },
    '430623': {
      kind: '县(市、区)',
      rank: 2,
      required: 33,
      enrolled: 3,
      trained: [2, 1],
      assessed: [3, 1],
      source: 'mixed',
    },
    'HR-01': {
      kind: '学校',
      rank: 1,
      required: 3,
      enrolled: 3,
      trained: [2, 1],
      assessed: [3, 1],
      source: 'registered',
    },
    'YX-01': {
      kind: '学校',
      rank: 2,
      required: 2,
      enrolled: 2,
      trained: [1, 1],
      assessed: [1, 1],
      source: 'registered',
    },
    'HR-02': {
      kind: '学校',
      rank: 3,
      required: 30,
      enrolled: 0,
      trained: [0, 0],
      assessed: [0, 0],
      source: 'declared',
    },
    'YY-SZ12': {
      kind: '学校',
      rank: 3,
      required: 120,
      enrolled: 0,
      trained: [0, 0],
      assessed: [0, 0],
      source: 'declared',
    },
  } as const;
  type UnitId = keyof typeof expected;
  const target = 10;
  const percent = (part: number, whole: number) => Math.round((part * 1000) / whole) / 10;
  // 完成率: 岳阳市 3/155 = 1.9 (behind by 8.1), 岳阳县 1/2 = 50.0, 华容县 2/33 = 6.1 (behind by 3.9), 华容一中
  // 2/3 = 66.7, 岳阳县一中 50.0, 华容实小 and 市十二中 0.0 (behind by 10.0, tied third).
  const completion = (unitId: UnitId) => percent(expected[unitId].trained[0], expected[unitId].required);
  const behindBy = (unitId: UnitId) =>
    completion(unitId) < target ? Math.round((target - completion(unitId)) * 10) / 10 : 0;
  // Pilots by 14 November: the city 1 of its 2 (short), 华容县 2 of 2, 岳阳县 1 of 2 (short); none late yet.
  const pilots: Record<UnitId, { counted: number; required: number | null; short: boolean; finishBy: string | null }> =
    {
      '430600': { counted: 1, required: 2, short: true, finishBy: null },
      '430621': { counted: 1, required: 2, short: true, finishBy: null },
      '430623': { counted: 2, required: 2, short: false, finishBy: null },
      'HR-01': { counted: 1, required: null, short: false, finishBy: '2021-12-31' },
      'YX-01': { counted: 1, required: null, short: false, finishBy: '2021-12-31' },
      'HR-02': { counted: 1, required: null, short: false, finishBy: '2021-12-31' },
      'YY-SZ12': { counted: 1, required: null, short: false, finishBy: '2021-12-31' },
    };

  it('answers in json with every figure as worked out by hand', async () => {
    const response = await notice<
      Record<string, unknown> & {
        summary: string;
        unit: Record<string, unknown>;
        levels: { kind: string; rows: Record<string, unknown>[] }[];
      }
    >('json');
    expect(response.status).toBe(200);
    const body = response.body;
    expect(body).toMatchObject({
      programmeName: '岳阳市中小学(幼儿园)教师信息技术应用能力提升工程2.0培训',
      batchName: '2021年试点',
      heading: {
        issuingOffice: '岳阳市教育体育局办公室',
        issuedOn: '2021-11-15',
        title: '关于岳阳市中小学(幼儿园)教师信息技术应用能力提升工程2.0培训2021年试点培训进度的通报（2021年第45周）',
      },
      pacePercent: 17.7,
      targetPercent: target,
      lastWeekTargetPercent: 10,
      aimPercent: null,
      quotas: false,
      graded: true,
      pilotSchools: { ownerPilots: 2, perCounty: 2, dueBy: '2021-12-31' },
    });
    const rows = [body.unit, ...body.levels.flatMap((level) => level.rows)];
    expect(rows.map((row) => row.unitId)).toEqual(['430600', '430621', '430623', 'HR-01', 'YX-01', 'HR-02', 'YY-SZ12']);
    for (const row of rows) {
      const unitId = row.unitId as UnitId;
      const want = expected[unitId];
      expect({ unitId, ...row }).toMatchObject({
        unitId,
        rank: want.rank,
        requiredSource: want.source,
        thisWeek: {
          required: want.required,
          enrolled: want.enrolled,
          trained: want.trained[0],
          assessed: want.assessed[0],
          participationPercent: percent(want.enrolled, want.required),
          completionPercent: completion(unitId),
          seatsReceived: 0,
        },
        lastWeek: { trained: want.trained[1], assessed: want.assessed[1] },
        change: { trained: want.trained[0] - want.trained[1] },
        targetPercent: target,
        behind: behindBy(unitId) > 0,
        behindByPoints: behindBy(unitId),
        pilots: { ...pilots[unitId], late: 0, dueBy: '2021-12-31' },
      });
    }
    // 80 hours each for those trained (YX1-P among the others too); HR1-3's 80 credited, not recognised.
    expect(body.unit).toMatchObject({
      thisWeek: {
        passed: 3,
        passPercent: 75,
        othersEnrolled: 1,
        othersTrained: 1,
        hoursCredited: 6 * 80,
        hoursRecognised: 4 * 80,
      },
      lastWeek: { passPercent: 100, hoursRecognised: 2 * 80 },
      change: { completionPercent: 0.6 }, // 1.9 − 1.3 (2/155)
      behindByPoints: 8.1,
    });
    expect(body.summary).toBe(
      '截至2021年11月14日，岳阳市应训教师155人，已参训5人，参训率3.2%；完成培训3人，完成率1.9%，按计划应达到10.0%，落后8.1个百分点；已考核4人，合格（含优秀）3人，合格率75.0%。' +
        '与上周相比，参训人数无变化，完成人数增加1人，完成率提高0.6个百分点。' +
        '直属的3个单位中，2个完成率低于目标：岳阳市第十二中学（落后10.0个百分点）、华容县（落后3.9个百分点）。' +
        '本周完成率提高最快的是华容县（提高3.1个百分点）。' + // 1/33 = 3.0 → 2/33 = 6.1
        '试点学校（2021年12月31日前完成）：岳阳市自身试点校1所（应有2所）；1个县（市、区）试点校不足2所：岳阳县（1所）；试点校均未逾期。',
    );
  });

  it('prints the same figures in csv, xlsx and html', async () => {
    const csv = await notice<string>('csv');
    const xlsx = await notice('xlsx');
    const html = await notice<string>('html');
    expect(csv.status).toBe(200);
    const fromCsv = csvTable(csv.body);
    const fromXlsx = await xlsxTable(xlsx.bytes);
    const fromHtml = htmlTable(html.body);
    expect(fromXlsx.sheets).toEqual(['市', '县(市、区)', '学校']);
    expect(fromHtml.root.querySelector('.office')?.text).toBe('岳阳市教育体育局办公室');
    expect(fromHtml.root.querySelector('p.summary')?.text).toContain('岳阳县（1所）');
    // No seats in a programme without quotas.
    expect(csv.body.split('\r\n')[0]).not.toContain('分配名额');
    for (const unitId of Object.keys(expected) as UnitId[]) {
      const want = expected[unitId];
      const rate = completion(unitId);
      const behind = behindBy(unitId) > 0;
      const pilot = pilots[unitId];
      expect({ unitId, ...fromCsv.get(unitId) }).toMatchObject({
        层级: want.kind,
        排名: String(want.rank),
        应训人数本周: String(want.required),
        参训人数本周: String(want.enrolled),
        完成人数本周: String(want.trained[0]),
        完成人数上周: String(want.trained[1]),
        已考核本周: String(want.assessed[0]),
        完成率本周: rate.toFixed(1),
        目标进度: '10.0',
        '落后(百分点)': behindBy(unitId).toFixed(1),
        滞后: behind ? '是' : '',
        '试点校(所)': String(pilot.counted),
        '应有试点校(所)': pilot.required === null ? '' : String(pilot.required),
        试点不足: pilot.short ? '是' : '',
        '逾期试点校(所)': '0',
        试点完成期限: pilot.finishBy ?? '',
      });
      expect({ unitId, ...fromXlsx.table.get(unitId) }).toMatchObject({
        排名: want.rank,
        应训人数本周: want.required,
        完成人数本周: want.trained[0],
        完成人数变化: want.trained[0] - want.trained[1],
        滞后: behind ? '是' : null,
        '试点校(所)': pilot.counted,
        '应有试点校(所)': pilot.required,
        试点不足: pilot.short ? '是' : null,
      });
      expect(fromXlsx.table.get(unitId)?.['完成率本周']).toBeCloseTo(rate / 100, 10);
      expect(fromXlsx.sheetOf.get(unitId)).toBe(want.kind);
      expect({ unitId, ...fromHtml.table.get(unitId) }).toMatchObject({
        排名: String(want.rank),
        应训人数本周: String(want.required),
        完成人数本周: String(want.trained[0]),
        完成率本周: rate.toFixed(1),
        滞后: behind ? '是' : '',
        behindRow: behind ? 'yes' : 'no',
        '试点校(所)': String(pilot.counted),
        试点不足: pilot.short ? '是' : '',
      });
    }
  });
});
