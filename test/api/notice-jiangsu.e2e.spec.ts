import { Actor, idNumberCheckCharacter } from '@tip/domain';
import { csvTable, htmlTable, xlsxTable } from './support/notice-formats';
import { ApiUnderTest, startApiUnderTest } from './support/api-under-test';
import { scenarioOver } from './support/scenario';

/**
 * Jiangsu 2.0 (seed 004): 南京市's notice for batch 1 in 2020-W50 (7–13 December), every figure
 * worked out below by hand. Batch 1 is due 20% of all teachers by the end of 2020; hours are
 * recognised only for a pass or better (达到合格以上成绩的教师，将认定获得…学时).
 */
const BATCH = 'JS-2020-1';
const importer: Actor = { sub: 'importer', role: 'system' };
const cityAdmin: Actor = { sub: 'nj-city', role: 'city-admin', unitId: '320100' };

interface Plan {
  teacherId: string;
  schoolId: string;
  fullTime: boolean;
  /** How far the teacher gets: enrolled (not confirmed), confirmed, points, online (25 h), or a grade and when. */
  reaches:
    | 'registered'
    | 'enrolled'
    | 'confirmed'
    | 'points'
    | 'online'
    | { grade: 'pass' | 'excellent' | 'fail'; on: string };
}
const plans: Plan[] = [
  { teacherId: 'XW1-1', schoolId: 'S-XW-1', fullTime: true, reaches: { grade: 'pass', on: '2020-12-01' } },
  { teacherId: 'XW1-2', schoolId: 'S-XW-1', fullTime: true, reaches: { grade: 'excellent', on: '2020-12-08' } },
  { teacherId: 'XW1-3', schoolId: 'S-XW-1', fullTime: true, reaches: { grade: 'fail', on: '2020-12-09' } },
  { teacherId: 'XW1-4', schoolId: 'S-XW-1', fullTime: true, reaches: 'online' },
  { teacherId: 'XW1-5', schoolId: 'S-XW-1', fullTime: true, reaches: 'enrolled' },
  { teacherId: 'XW1-6', schoolId: 'S-XW-1', fullTime: true, reaches: 'registered' },
  { teacherId: 'QH1-1', schoolId: 'S-QH-1', fullTime: true, reaches: { grade: 'pass', on: '2020-12-10' } },
  { teacherId: 'QH1-2', schoolId: 'S-QH-1', fullTime: true, reaches: 'points' },
  { teacherId: 'QH1-3', schoolId: 'S-QH-1', fullTime: true, reaches: 'confirmed' },
  { teacherId: 'QH1-4', schoolId: 'S-QH-1', fullTime: true, reaches: 'registered' },
  { teacherId: 'QH1-P', schoolId: 'S-QH-1', fullTime: false, reaches: { grade: 'pass', on: '2020-12-10' } },
];
const reached = (plan: Plan, step: 'enrolled' | 'confirmed' | 'points' | 'online') => {
  const order = ['registered', 'enrolled', 'confirmed', 'points', 'online'];
  return typeof plan.reaches === 'object' || order.indexOf(plan.reaches) >= order.indexOf(step);
};

describe('A Jiangsu weekly notice, figured by hand', () => {
  let api: ApiUnderTest;
  const scenario = scenarioOver(() => api);
  /** A command of the history, sent by the importer at its business time (China local), and accepted. */
  const act = (at: string, name: string, body: Record<string, unknown>) => scenario.accepted(importer, at, name, body);
  const notice = <T = Record<string, unknown>>(format: string) =>
    api.get<T>(
      cityAdmin,
      `/notices/weekly?unitId=320100&batchId=${BATCH}&week=2020-W50&format=${format}&minPosition=${scenario.position()}`,
    );

  beforeAll(async () => {
    api = await startApiUnderTest();
    const unit = (unitId: string, kind: string, name: string, parentId?: string, fullTimeTeachers?: number) =>
      act('2020-10-09T09:00:00', 'RegisterOrgUnit', {
        unitId,
        kind,
        name,
        ...(parentId ? { parentId } : {}),
        ...(fullTimeTeachers === undefined ? {} : { fullTimeTeachers }),
      });
    await unit('320000', 'province', '江苏省');
    await unit('320100', 'city', '南京市', '320000');
    await unit('320102', 'county', '玄武区', '320100');
    await unit('320104', 'county', '秦淮区', '320100');
    await unit('S-XW-1', 'school', '玄武区实验小学', '320102');
    // 玄武区第二小学 registers no teachers: its 30 declared full-time teachers are required.
    await unit('S-XW-2', 'school', '玄武区第二小学', '320102', 30);
    await unit('S-QH-1', 'school', '秦淮区实验小学', '320104');
    for (const [index, plan] of plans.entries()) {
      const first17 = `3201021985${String(101 + index).slice(-2)}01${String(300 + index)}`;
      await act('2020-10-12T09:00:00', 'RegisterTeacher', {
        teacherId: plan.teacherId,
        schoolId: plan.schoolId,
        name: `教师${plan.teacherId}`,
        idNumber: `${first17}${idNumberCheckCharacter(first17)}`,
        gender: 'female',
        stage: '小学',
        subject: '语文',
        fullTime: plan.fullTime,
        birthDate: `1985-${String(101 + index).slice(-2)}-01`,
      });
    }
    await act('2020-10-20T09:00:00', 'LaunchProgramme', {
      programmeId: 'JS-2.0',
      name: '江苏省中小学教师信息技术应用能力提升工程2.0',
      provinceId: '320000',
      rulebook: 'jiangsu-2.0',
    });
    const batch = (batchId: string, name: string, startsOn: string, endsOn: string, sharePercent: number) =>
      act('2020-10-20T10:00:00', 'ScheduleBatch', {
        programmeId: 'JS-2.0',
        batchId,
        name,
        startsOn,
        endsOn,
        sharePercent,
        periods: [{ periodId: '1', startsOn, endsOn: startsOn.replace(/-\d\d$/, '-30') }],
      });
    await batch(BATCH, '第一批次', '2020-11-01', '2021-10-31', 20);
    await batch('JS-2021-2', '第二批次', '2021-04-01', '2022-03-31', 40);
    const allocate = (fromUnitId: string, toUnitId: string, seats: number) =>
      act('2020-10-26T09:00:00', 'AllocateQuota', { batchId: BATCH, periodId: '1', fromUnitId, toUnitId, seats });
    await allocate('320000', '320100', 20);
    await allocate('320100', '320102', 10);
    await allocate('320100', '320104', 10);
    await allocate('320102', 'S-XW-1', 10);
    await allocate('320104', 'S-QH-1', 10);

    for (const plan of plans) {
      const { teacherId, schoolId } = plan;
      const asTeacher = { sub: teacherId, role: 'teacher', unitId: schoolId };
      const record = { batchId: BATCH, teacherId };
      if (!reached(plan, 'enrolled')) continue;
      await act('2020-11-02T09:00:00', 'EnrollTeacher', { ...record, periodId: '1' });
      if (!reached(plan, 'confirmed')) continue;
      await act('2020-11-02T10:00:00', 'ConfirmEnrollment', { ...record, actor: asTeacher });
      if (!reached(plan, 'points')) continue;
      await act('2020-11-03T09:00:00', 'SelectAbilityPoints', { ...record, points: ['A1'], actor: asTeacher });
      if (!reached(plan, 'online')) continue;
      await act('2020-11-20T09:00:00', 'RecordOnlineHours', {
        ...record,
        recordId: `R-${teacherId}`,
        courseId: 'C1',
        hours: 25,
      });
      if (typeof plan.reaches !== 'object') continue;
      await act('2020-11-25T09:00:00', 'SubmitPracticeEvidence', {
        ...record,
        abilityPoint: 'A1',
        evidenceRef: `ev-${teacherId}`,
        actor: asTeacher,
      });
      await act('2020-11-25T10:00:00', 'RecordPeerReview', {
        ...record,
        videoId: 'V-1',
        comment: '好',
        actor: asTeacher,
      });
      await act('2020-11-26T09:00:00', 'RecordOfflineHours', { ...record, hours: 25 });
      await act(`${plan.reaches.on}T09:00:00`, 'AssessPractice', { ...record, grade: plan.reaches.grade });
    }
  });
  afterAll(async () => api?.stop());

  // ── By hand ──────────────────────────────────────────────────────────────────────────────
  // Required: 实验小学 6 registered full-time; 第二小学 30 declared; 玄武区 36 (mixed); 秦淮区实验小学 4
  // (QH1-P is part-time); 秦淮区 4; 南京市 40.
  // Enrolled: 实验小学 XW1-1…5 = 5; 秦淮 QH1-1…3 = 3 (QH1-P among the others); 南京市 8.
  // Trained (a pass or better): week 49 XW1-1; week 50 XW1-2, QH1-1 too: 3 (QH1-P passes as one of the others).
  // Assessed: XW1-1, XW1-2, XW1-3 (failed), QH1-1 = 4, passed 3.
  // Target: 20% by the end of 2020 from 0 on 1 November, 61 days; 43 gone by 14 December 00:00:
  // 20 × 43 / 61 = 14.10 → 14.1%; a week earlier 20 × 36 / 61 = 11.80 → 11.8%.
  // 认定学时: 50 each for XW1-1, XW1-2, QH1-1 and QH1-P = 200; credited also XW1-3's 50 and XW1-4's 25 = 275.
  const target = 14.1;
  const expected = {
    '320100': { rank: 1, required: 40, enrolled: 8, trained: [3, 1], completion: 7.5, behindBy: 6.6 },
    '320104': { rank: 1, required: 4, enrolled: 3, trained: [1, 0], completion: 25, behindBy: 0 },
    '320102': { rank: 2, required: 36, enrolled: 5, trained: [2, 1], completion: 5.6, behindBy: 8.5 },
    'S-XW-1': { rank: 1, required: 6, enrolled: 5, trained: [2, 1], completion: 33.3, behindBy: 0 },
    'S-QH-1': { rank: 2, required: 4, enrolled: 3, trained: [1, 0], completion: 25, behindBy: 0 },
    'S-XW-2': { rank: 3, required: 30, enrolled: 0, trained: [0, 0], completion: 0, behindBy: 14.1 },
  } as const;

  it('answers in json with every figure as worked out by hand', async () => {
    const response = await notice('json');
    expect(response.status).toBe(200);
    const body = response.body as Record<string, unknown> & {
      unit: Record<string, unknown>;
      levels: { kind: string; rows: Record<string, unknown>[] }[];
    };
    expect(body).toMatchObject({
      batchName: '第一批次',
      heading: {
        issuingOffice: '南京市项目办',
        title: '关于江苏省中小学教师信息技术应用能力提升工程2.0第一批次培训进度的通报（2020年第50周）',
        issuedOn: '2020-12-14',
      },
      targetPercent: target,
      lastWeekTargetPercent: 11.8,
      aimPercent: null,
    });
    const rows = [body.unit, ...body.levels.flatMap((level) => level.rows)];
    expect(rows.map((row) => row.unitId)).toEqual(['320100', '320104', '320102', 'S-XW-1', 'S-QH-1', 'S-XW-2']);
    for (const row of rows) {
      const unitId = row.unitId as keyof typeof expected;
      const want = expected[unitId];
      expect({ unitId, ...row }).toMatchObject({
        unitId,
        rank: want.rank,
        thisWeek: {
          required: want.required,
          enrolled: want.enrolled,
          trained: want.trained[0],
          completionPercent: want.completion,
        },
        lastWeek: { trained: want.trained[1] },
        change: { trained: want.trained[0] - want.trained[1] },
        targetPercent: target,
        behind: want.behindBy > 0,
        behindByPoints: want.behindBy,
      });
    }
    expect(body.unit).toMatchObject({
      thisWeek: {
        assessed: 4,
        passed: 3,
        excellent: 1,
        passPercent: 75,
        participationPercent: 20,
        othersEnrolled: 1,
        othersTrained: 1,
        hoursRecognised: 200,
        hoursCredited: 275,
      },
      // By the end of week 49 XW1-1 alone had passed: 50 hours recognised, 1 of 40 trained.
      lastWeek: { hoursRecognised: 50, completionPercent: 2.5 },
    });
  });

  it('prints the same figures in csv, xlsx and html', async () => {
    const fromCsv = csvTable((await notice<string>('csv')).body);
    const fromXlsx = await xlsxTable((await notice<string>('xlsx')).bytes);
    const fromHtml = htmlTable((await notice<string>('html')).body);
    for (const unitId of Object.keys(expected) as (keyof typeof expected)[]) {
      const want = expected[unitId];
      const behind = want.behindBy > 0;
      expect({ unitId, ...fromCsv.get(unitId) }).toMatchObject({
        排名: String(want.rank),
        应训人数本周: String(want.required),
        参训人数本周: String(want.enrolled),
        完成人数本周: String(want.trained[0]),
        完成人数上周: String(want.trained[1]),
        完成率本周: want.completion.toFixed(1),
        目标进度: '14.1',
        '落后(百分点)': want.behindBy.toFixed(1),
        滞后: behind ? '是' : '',
      });
      expect({ unitId, ...fromXlsx.table.get(unitId) }).toMatchObject({
        排名: want.rank,
        应训人数本周: want.required,
        完成人数本周: want.trained[0],
        '落后(百分点)': want.behindBy,
        滞后: behind ? '是' : null,
      });
      expect(fromXlsx.table.get(unitId)?.['完成率本周']).toBeCloseTo(want.completion / 100, 10);
      expect({ unitId, ...fromHtml.table.get(unitId) }).toMatchObject({
        排名: String(want.rank),
        应训人数本周: String(want.required),
        完成人数本周: String(want.trained[0]),
        完成率本周: want.completion.toFixed(1),
        behindRow: behind ? 'yes' : 'no',
      });
    }
    // 认定学时 in each format: 200 this week, 50 the week before.
    expect(fromCsv.get('320100')).toMatchObject({ 认定学时本周: '200', 认定学时上周: '50', 认定学时变化: '+150' });
    expect(fromXlsx.table.get('320100')).toMatchObject({ 认定学时本周: 200, 认定学时上周: 50, 认定学时变化: 150 });
    expect(fromHtml.table.get('320100')).toMatchObject({
      认定学时本周: '200',
      认定学时上周: '50',
      认定学时变化: '+150',
    });
  });
});
