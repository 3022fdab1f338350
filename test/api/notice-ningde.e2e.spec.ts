import { Actor, idNumberCheckCharacter } from '@tip/domain';
import { csvTable, htmlTable, xlsxTable } from './support/notice-formats';
import { ApiUnderTest, startApiUnderTest } from './support/api-under-test';
import { scenarioOver } from './support/scenario';

/**
 * Ningde 2016 (seed 002): a notice for 2016-W20 whose every figure is worked out below by hand
 * from the scenario, then read back from json, csv, xlsx and html. The teacher near retirement
 * is exempt (距退休不满五年的教师不作培训要求) and is not among the teachers required.
 */
const BATCH = 'ND-2016';
const importer: Actor = { sub: 'importer', role: 'system' };
const cityAdmin: Actor = { sub: 'nd-city', role: 'city-admin', unitId: '350900' };

interface Teacher {
  teacherId: string;
  schoolId: string;
  gender: 'male' | 'female';
  birthDate: string;
  fullTime: boolean;
}
const teachers: Teacher[] = [
  // 福安一中: five full-time teachers; 陈 (born 1957-06-01) retires on 2017-06-01, fewer than five years away.
  { teacherId: 'FA1-1', schoolId: 'S-FA-1', gender: 'female', birthDate: '1982-03-04', fullTime: true },
  { teacherId: 'FA1-2', schoolId: 'S-FA-1', gender: 'male', birthDate: '1979-11-20', fullTime: true },
  { teacherId: 'FA1-3', schoolId: 'S-FA-1', gender: 'female', birthDate: '1986-07-15', fullTime: true },
  { teacherId: 'FA1-4', schoolId: 'S-FA-1', gender: 'male', birthDate: '1990-01-09', fullTime: true },
  { teacherId: 'FA1-5', schoolId: 'S-FA-1', gender: 'male', birthDate: '1957-06-01', fullTime: true },
  // 宁德师院附小 (a city school): three full-time teachers and one part-time.
  { teacherId: 'ND1-1', schoolId: 'S-ND-1', gender: 'female', birthDate: '1984-05-05', fullTime: true },
  { teacherId: 'ND1-2', schoolId: 'S-ND-1', gender: 'female', birthDate: '1988-08-08', fullTime: true },
  { teacherId: 'ND1-3', schoolId: 'S-ND-1', gender: 'male', birthDate: '1981-02-02', fullTime: true },
  { teacherId: 'ND1-P', schoolId: 'S-ND-1', gender: 'female', birthDate: '1992-09-09', fullTime: false },
];

function idNumberOf(teacher: Teacher, index: number): string {
  const first17 = `350981${teacher.birthDate.replace(/-/g, '')}${String(100 + index).slice(-3)}`;
  return `${first17}${idNumberCheckCharacter(first17)}`;
}

describe('A Ningde weekly notice, figured by hand', () => {
  let api: ApiUnderTest;
  const scenario = scenarioOver(() => api);
  /** A command of the history, sent by the importer at its business time (China local), and accepted. */
  const act = (at: string, name: string, body: Record<string, unknown>) => scenario.accepted(importer, at, name, body);
  const notice = <T = Record<string, unknown>>(format: string) =>
    api.get<T>(
      cityAdmin,
      `/notices/weekly?unitId=350900&batchId=${BATCH}&week=2016-W20&format=${format}&minPosition=${scenario.position()}`,
    );

  beforeAll(async () => {
    api = await startApiUnderTest();
    const unit = (unitId: string, kind: string, name: string, parentId?: string, fullTimeTeachers?: number) =>
      act('2016-03-20T09:00:00', 'RegisterOrgUnit', {
        unitId,
        kind,
        name,
        ...(parentId ? { parentId } : {}),
        ...(fullTimeTeachers === undefined ? {} : { fullTimeTeachers }),
      });
    await unit('350000', 'province', '福建省');
    await unit('350900', 'city', '宁德市', '350000');
    await unit('350981', 'county', '福安市', '350900');
    await unit('350902', 'county', '蕉城区', '350900');
    await unit('S-FA-1', 'school', '福安一中', '350981');
    // 福安实小 has registered no teachers yet; it declares its 40 full-time teachers.
    await unit('S-FA-2', 'school', '福安实小', '350981', 40);
    await unit('S-ND-1', 'school', '宁德师院附小', '350900');
    for (const [index, teacher] of teachers.entries()) {
      await act('2016-03-21T09:00:00', 'RegisterTeacher', {
        teacherId: teacher.teacherId,
        schoolId: teacher.schoolId,
        name: `教师${teacher.teacherId}`,
        idNumber: idNumberOf(teacher, index),
        gender: teacher.gender,
        stage: '小学',
        subject: '数学',
        fullTime: teacher.fullTime,
        birthDate: teacher.birthDate,
      });
    }
    await act('2016-03-28T09:00:00', 'LaunchProgramme', {
      programmeId: 'ND-1.0',
      name: '宁德市中小学教师信息技术应用能力提升工程培训',
      provinceId: '350000',
      rulebook: 'ningde-1.0',
    });
    await act('2016-03-28T10:00:00', 'ScheduleBatch', {
      programmeId: 'ND-1.0',
      batchId: BATCH,
      name: '2016年全员培训',
      startsOn: '2016-04-01',
      endsOn: '2017-12-31',
      sharePercent: 100,
      periods: [{ periodId: '1', startsOn: '2016-04-01', endsOn: '2017-12-31' }],
    });
    // Ningde trains every teacher: its programme hands down no seats (AllocateQuota answers NO_QUOTAS).

    // The city's office: 宁德市 names its 工程办, as the seed's 市工程办.
    await act('2016-04-01T09:00:00', 'SetIssuingOffice', {
      unitId: '350900',
      issuingOffice: '宁德市提升工程执行办公室',
    });
    // 陈 is exempt (2016-04-05, week 14) and cannot be enrolled as required.
    const exempt = await api.send(importer, 'EnrollTeacher', {
      batchId: BATCH,
      periodId: '1',
      teacherId: 'FA1-5',
      at: '2016-04-05T09:00:00+08:00',
    });
    expect(exempt.body.error).toMatchObject({ code: 'EXEMPT_TEACHER' });
    await act('2016-04-05T10:00:00', 'ExemptTeacher', { programmeId: 'ND-1.0', teacherId: 'FA1-5' });

    // Week 15: everyone else enrolls and confirms.
    for (const teacher of teachers.filter((each) => each.teacherId !== 'FA1-5')) {
      await act('2016-04-11T09:00:00', 'EnrollTeacher', {
        batchId: BATCH,
        periodId: '1',
        teacherId: teacher.teacherId,
      });
      await act('2016-04-11T10:00:00', 'ConfirmEnrollment', {
        batchId: BATCH,
        teacherId: teacher.teacherId,
        actor: { sub: teacher.teacherId, role: 'teacher', unitId: teacher.schoolId },
      });
    }
    const online = (teacherId: string, hours: number, at: string) =>
      act(at, 'RecordOnlineHours', {
        batchId: BATCH,
        teacherId,
        recordId: `R-${teacherId}`,
        courseId: 'ND-C1',
        hours,
      });
    const practice = async (teacherId: string, grade: 'pass' | 'fail', at: string) => {
      await act(at, 'SubmitPracticeEvidence', {
        batchId: BATCH,
        teacherId,
        abilityPoint: '教学实践',
        evidenceRef: `ev-${teacherId}`,
        actor: { sub: teacherId, role: 'teacher', unitId: teachers.find((t) => t.teacherId === teacherId)?.schoolId },
      });
      await act(at, 'AssessPractice', { batchId: BATCH, teacherId, grade });
      await act(at, 'RecordOfflineHours', { batchId: BATCH, teacherId, hours: 30 });
    };
    // Week 19 (9–15 May): FA1-1 and ND1-1 pass, 50 online + 30 practice hours each.
    for (const teacherId of ['FA1-1', 'ND1-1', 'FA1-2', 'ND1-2', 'ND1-P'])
      await online(teacherId, 50, '2016-05-02T09:00:00');
    await online('FA1-3', 30, '2016-05-02T09:00:00');
    await practice('FA1-1', 'pass', '2016-05-10T09:00:00');
    await practice('ND1-1', 'pass', '2016-05-10T09:00:00');
    // Week 20 (16–22 May): ND1-2 and the part-time ND1-P pass, FA1-2 fails.
    await practice('ND1-2', 'pass', '2016-05-17T09:00:00');
    await practice('ND1-P', 'pass', '2016-05-17T09:00:00');
    await practice('FA1-2', 'fail', '2016-05-18T09:00:00');
  });
  afterAll(async () => api?.stop());

  // ── By hand ──────────────────────────────────────────────────────────────────────────────
  // Required: 福安一中 5 full-time − 陈 exempt = 4 (registered); 福安实小 40 (declared); 福安市 4 + 40 = 44
  // (mixed); 蕉城区 0 (none); 宁德师院附小 3 (ND1-P is part-time); 宁德市 44 + 0 + 3 = 47 (mixed).
  // Enrolled (required teachers): 福安一中 4, 附小 3, city 7; ND1-P is one of the others.
  // Assessed: FA1-1, ND1-1 (week 19), ND1-2, FA1-2 (week 20) = 4; passed 3; trained 3 (a pass trains).
  // Target: 30% by the end of 2016 from 0 on 1 April, 275 days: 30 × 52 / 275 = 5.67 → 5.7% at the
  // end of week 20 (23 May 00:00), 30 × 45 / 275 = 4.9% a week earlier; the aim 40 × 52 / 275 = 7.6%.
  const expected = {
    '350900': { kind: '市', rank: 1, required: [47, 47], enrolled: [7, 7], trained: [3, 2], assessed: [4, 2] },
    '350981': { kind: '县(市、区)', rank: 1, required: [44, 44], enrolled: [4, 4], trained: [1, 1], assessed: [2, 1] },
    '350902': { kind: '县(市、区)', rank: 2, required: [0, 0], enrolled: [0, 0], trained: [0, 0], assessed: [0, 0] },
    'S-ND-1': { kind: '学校', rank: 1, required: [3, 3], enrolled: [3, 3], trained: [2, 1], assessed: [2, 1] },
    'S-FA-1': { kind: '学校', rank: 2, required: [4, 4], enrolled: [4, 4], trained: [1, 1], assessed: [2, 1] },
    'S-FA-2': { kind: '学校', rank: 3, required: [40, 40], enrolled: [0, 0], trained: [0, 0], assessed: [0, 0] },
  } as const;
  const percent = (part: number, whole: number) => (whole === 0 ? null : Math.round((part * 1000) / whole) / 10);
  const target = 5.7;
  // 完成率 and whether it is under 5.7%: 宁德市 3/47 = 6.4, 福安市 1/44 = 2.3 (behind by 3.4), 附小 2/3 = 66.7,
  // 福安一中 1/4 = 25.0, 福安实小 0/40 = 0.0 (behind by 5.7), 蕉城区 none required (not behind, ranked last).
  const completion = (unitId: keyof typeof expected) =>
    percent(expected[unitId].trained[0], expected[unitId].required[0]);
  const behind = (unitId: keyof typeof expected) => {
    const rate = completion(unitId);
    return rate !== null && rate < target;
  };

  it('answers in json with every figure as worked out by hand', async () => {
    const response = await notice('json');
    expect(response.status).toBe(200);
    const body = response.body as Record<string, unknown> & {
      unit: Record<string, unknown>;
      levels: { kind: string; rows: Record<string, unknown>[] }[];
    };
    expect(body).toMatchObject({
      programmeName: '宁德市中小学教师信息技术应用能力提升工程培训',
      batchName: '2016年全员培训',
      heading: {
        issuingOffice: '宁德市提升工程执行办公室',
        issuedOn: '2016-05-23',
        title: '关于宁德市中小学教师信息技术应用能力提升工程培训2016年全员培训培训进度的通报（2016年第20周）',
      },
      targetPercent: 5.7,
      lastWeekTargetPercent: 4.9,
      aimPercent: 7.6,
    });
    const rows = [body.unit, ...body.levels.flatMap((level) => level.rows)];
    expect(rows.map((row) => row.unitId)).toEqual(['350900', '350981', '350902', 'S-ND-1', 'S-FA-1', 'S-FA-2']);
    for (const row of rows) {
      const unitId = row.unitId as keyof typeof expected;
      const want = expected[unitId];
      expect({ unitId, ...row }).toMatchObject({
        unitId,
        rank: want.rank,
        thisWeek: {
          required: want.required[0],
          enrolled: want.enrolled[0],
          trained: want.trained[0],
          assessed: want.assessed[0],
          participationPercent: percent(want.enrolled[0], want.required[0]),
          completionPercent: completion(unitId),
        },
        lastWeek: { required: want.required[1], trained: want.trained[1] },
        change: { trained: want.trained[0] - want.trained[1] },
        targetPercent: target,
        behind: behind(unitId),
      });
    }
    expect(body.unit).toMatchObject({
      requiredSource: 'mixed',
      thisWeek: { passed: 3, passPercent: 75, othersEnrolled: 1, othersTrained: 1, hoursRecognised: 4 * 80 },
      change: { completionPercent: 2.1 }, // 6.4 − 4.3 (2/47)
    });
    const [, fuan] = rows;
    expect(fuan).toMatchObject({ requiredSource: 'mixed', behindByPoints: 3.4 });
    expect(body.summary).toContain(
      '截至2016年5月22日，宁德市应训教师47人，已参训7人，参训率14.9%；完成培训3人，完成率6.4%，按计划应达到5.7%（争取达到7.6%），已达到目标；已考核4人，合格（含优秀）3人，合格率75.0%。',
    );
    expect(body.summary).toContain('直属的3个单位中，1个完成率低于目标：福安市（落后3.4个百分点）。');
  });

  it('prints the same figures in csv, xlsx and html', async () => {
    const csv = await notice<string>('csv');
    const xlsx = await notice('xlsx');
    const html = await notice<string>('html');
    expect(csv.headers.get('content-disposition')).toContain(
      encodeURIComponent('宁德市-2016年全员培训-2016-W20-周通报.csv'),
    );
    expect(xlsx.headers.get('content-disposition')).toContain(
      encodeURIComponent('宁德市-2016年全员培训-2016-W20-周通报.xlsx'),
    );
    const fromCsv = csvTable(csv.body);
    const fromXlsx = await xlsxTable(xlsx.bytes);
    const fromHtml = htmlTable(html.body);
    expect(fromXlsx.sheets).toEqual(['市', '县(市、区)', '学校']);
    expect(fromHtml.root.querySelector('.office')?.text).toBe('宁德市提升工程执行办公室');
    const oneDecimal = (value: number | null) => (value === null ? '' : value.toFixed(1));
    for (const unitId of Object.keys(expected) as (keyof typeof expected)[]) {
      const want = expected[unitId];
      const rate = completion(unitId);
      const byCsv = fromCsv.get(unitId);
      expect({ unitId, ...byCsv }).toMatchObject({
        层级: want.kind,
        排名: String(want.rank),
        应训人数本周: String(want.required[0]),
        参训人数本周: String(want.enrolled[0]),
        完成人数本周: String(want.trained[0]),
        完成人数上周: String(want.trained[1]),
        完成率本周: oneDecimal(rate),
        目标进度: '5.7',
        滞后: behind(unitId) ? '是' : '',
      });
      expect({ unitId, ...fromXlsx.table.get(unitId) }).toMatchObject({
        排名: want.rank,
        应训人数本周: want.required[0],
        完成人数本周: want.trained[0],
        完成人数变化: want.trained[0] - want.trained[1],
        滞后: behind(unitId) ? '是' : null,
      });
      const xlsxRate = fromXlsx.table.get(unitId)?.['完成率本周'];
      if (rate === null) expect(xlsxRate).toBeNull();
      else expect(xlsxRate).toBeCloseTo(rate / 100, 10);
      expect(fromXlsx.table.get(unitId)?.['目标进度']).toBeCloseTo(0.057, 10);
      expect(fromXlsx.sheetOf.get(unitId)).toBe(want.kind);
      expect({ unitId, ...fromHtml.table.get(unitId) }).toMatchObject({
        排名: String(want.rank),
        应训人数本周: String(want.required[0]),
        完成人数本周: String(want.trained[0]),
        完成率本周: rate === null ? '—' : rate.toFixed(1),
        滞后: behind(unitId) ? '是' : '',
        behindRow: behind(unitId) ? 'yes' : 'no',
      });
    }
  });

  it('lists the exempt teacher as not required, and the part-time one as taking part without being required', async () => {
    const list = await api.get<{
      teachers: { teacherId: string; status: string; exempt: boolean; required: boolean }[];
    }>(cityAdmin, `/views/units/350981/teachers?batchId=${BATCH}&minPosition=${scenario.position()}`);
    expect(list.body.teachers.find((teacher) => teacher.teacherId === 'FA1-5')).toMatchObject({
      status: 'not-enrolled',
      exempt: true,
      required: false,
    });
    const school = await api.get<{ teachers: { teacherId: string; status: string; required: boolean }[] }>(
      cityAdmin,
      `/views/units/S-ND-1/teachers?batchId=${BATCH}&minPosition=${scenario.position()}`,
    );
    expect(school.body.teachers.map((teacher) => [teacher.teacherId, teacher.status, teacher.required])).toEqual([
      ['ND1-1', 'trained', true],
      ['ND1-2', 'trained', true],
      ['ND1-3', 'online-not-passed', true],
      ['ND1-P', 'trained', false],
    ]);
  });
});
