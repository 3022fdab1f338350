import {
  behindOf,
  MeasureUnit,
  noticeRow,
  percentOf,
  ranked,
  requiredTeachers,
  TeacherInputs,
  zeroCounts,
} from './notice-measures';
import { noticeSummary } from './notice-summary';
import type { NoticeCounts, NoticeRow, WeeklyNotice } from './weekly-notice';

const unit = (unitId: string, kind: MeasureUnit['kind'], parentId: string | null): MeasureUnit => ({
  unitId,
  name: `单位${unitId}`,
  kind,
  parentId,
});
const inputs =
  (table: Record<string, Partial<TeacherInputs>>) =>
  (unitId: string): TeacherInputs => ({ registered: 0, requiredRegistered: 0, declared: null, ...table[unitId] });

describe('Teachers required', () => {
  const city = unit('C', 'city', 'P');
  const registeredCounty = unit('X1', 'county', 'C');
  const declaredCounty = unit('X2', 'county', 'C');
  const schools = [unit('S1', 'school', 'X1'), unit('S2', 'school', 'X1'), unit('S9', 'school', 'C')];
  const units = [city, registeredCounty, declaredCounty, ...schools];

  it("counts a school's registered full-time teachers (exempt aside) once any teacher is registered there", () => {
    const required = requiredTeachers(
      units,
      inputs({
        S1: { registered: 12, requiredRegistered: 10, declared: 40 },
        X1: { registered: 12, requiredRegistered: 10 },
      }),
    );
    // The school's own declaration gives way to its registered teachers.
    expect(required.get('S1')).toEqual({ required: 10, source: 'registered' });
    expect(required.get('S2')).toEqual({ required: 0, source: 'none' });
  });

  it('takes a declared total where no teacher is registered yet, and sums the children of a unit that has some', () => {
    const required = requiredTeachers(
      units,
      inputs({
        S1: { registered: 12, requiredRegistered: 10 },
        S2: { declared: 25 },
        X1: { registered: 12, requiredRegistered: 10, declared: 500 },
        X2: { declared: 3822 },
        S9: { declared: 11 },
        C: { registered: 12, requiredRegistered: 10, declared: 9000 },
      }),
    );
    expect(required.get('X1')).toEqual({ required: 35, source: 'mixed' });
    expect(required.get('X2')).toEqual({ required: 3822, source: 'declared' });
    expect(required.get('S9')).toEqual({ required: 11, source: 'declared' });
    expect(required.get('C')).toEqual({ required: 35 + 3822 + 11, source: 'mixed' });
  });

  it("holds a unit's own declaration while nothing is registered below it", () => {
    const required = requiredTeachers(units, inputs({ C: { declared: 9000 }, X2: { declared: 3822 } }));
    expect(required.get('C')).toEqual({ required: 9000, source: 'declared' });
  });
});

const counts = (figures: Partial<NoticeCounts>): NoticeCounts => ({ ...zeroCounts(), ...figures });

describe('The measures of a unit', () => {
  it('gives 参训率 = enrolled ÷ required, 合格率 = passed ÷ assessed, 完成率 = trained ÷ required, to one decimal', () => {
    const row = noticeRow({
      unit: unit('X1', 'county', 'C'),
      requiredSource: 'registered',
      thisWeek: counts({ required: 300, enrolled: 250, assessed: 90, passed: 81, trained: 81 }),
      lastWeek: counts({ required: 300, enrolled: 200, assessed: 40, passed: 35, trained: 35 }),
      targetPercent: 30,
    });
    expect(row.thisWeek).toMatchObject({ participationPercent: 83.3, passPercent: 90, completionPercent: 27 });
    expect(row.lastWeek).toMatchObject({ participationPercent: 66.7, passPercent: 87.5, completionPercent: 11.7 });
    expect(row.change).toMatchObject({
      enrolled: 50,
      trained: 46,
      participationPercent: 16.6,
      completionPercent: 15.3,
    });
    expect(row).toMatchObject({ targetPercent: 30, behind: true, behindByPoints: 3, progressPercent: 27 });
  });

  it('has no rates where nothing is required or assessed, and is then not behind', () => {
    const row = noticeRow({
      unit: unit('S2', 'school', 'X1'),
      requiredSource: 'none',
      thisWeek: counts({ enrolled: 3 }),
      lastWeek: counts({}),
      targetPercent: 30,
    });
    expect(row.thisWeek).toMatchObject({ participationPercent: null, passPercent: null, completionPercent: null });
    expect(row.change.completionPercent).toBeNull();
    expect(row).toMatchObject({ behind: false, behindByPoints: 0, progressPercent: 0 });
  });

  it('is behind only when 完成率 as shown is under the target as shown', () => {
    // 1/3 = 33.333…% shows as 33.3: level with a target of 33.3, behind one of 33.35 (shown 33.4).
    const figures = {
      ...counts({ required: 3, trained: 1 }),
      participationPercent: null,
      passPercent: null,
      completionPercent: percentOf(1, 3),
    };
    expect(behindOf(figures, 33.3)).toEqual({ behind: false, behindByPoints: 0 });
    expect(behindOf(figures, 33.35)).toEqual({ behind: true, behindByPoints: 0.1 });
  });
});

describe('Ranking by 完成率', () => {
  const row = (unitId: string, trained: number, enrolled = 0, required = 100) =>
    noticeRow({
      unit: unit(unitId, 'county', 'C'),
      requiredSource: 'registered',
      thisWeek: counts({ required, trained, enrolled }),
      lastWeek: counts({ required }),
      targetPercent: 0,
    });

  it('ranks ties alike and skips the places they take (1, 1, 3), nobody-required last', () => {
    const rows = ranked([row('A', 10), row('B', 30, 5), row('C', 30, 9), row('D', 0, 0, 0), row('E', 5)]);
    expect(rows.map((each) => [each.unitId, each.rank])).toEqual([
      ['C', 1],
      ['B', 1],
      ['A', 3],
      ['E', 4],
      ['D', 5],
    ]);
  });
});

describe('The summary paragraph', () => {
  const row = (unitId: string, parentId: string | null, now: Partial<NoticeCounts>, before: Partial<NoticeCounts>) =>
    noticeRow({
      unit: {
        unitId,
        name: { C: '连云港市', X1: '赣榆区', X2: '灌云县', X3: '东海县', S9: '新海高中' }[unitId] ?? unitId,
        kind: unitId === 'C' ? 'city' : unitId.startsWith('S') ? 'school' : 'county',
        parentId,
      },
      requiredSource: 'registered',
      thisWeek: counts(now),
      lastWeek: counts(before),
      targetPercent: 20,
    });
  const notice = (rows: NoticeRow[], root: NoticeRow): Omit<WeeklyNotice, 'summary'> => ({
    batchId: 'B',
    batchName: '第一批',
    programmeId: 'P',
    programmeName: '提升工程',
    heading: { issuingOffice: '连云港市项目办', documentNumber: null, issuedOn: '2016-12-12', title: '' },
    week: '2016-W49',
    previousWeek: '2016-W48',
    weekStartsOn: '2016-12-05',
    weekEndsOn: '2016-12-11',
    asOf: '2016-12-11T16:00:00.000Z',
    timeZone: 'Asia/Shanghai',
    batchStartsOn: '2016-01-01',
    batchEndsOn: '2016-12-31',
    batchScheduledEndsOn: '2016-12-31',
    extensions: [],
    pacePercent: 50,
    targetPercent: 20,
    lastWeekTargetPercent: 19,
    aimPercent: null,
    quotas: true,
    graded: true,
    pilotSchools: null,
    unit: root,
    levels: [
      { kind: 'county', rows: ranked(rows.filter((each) => each.kind === 'county')) },
      { kind: 'school', rows: ranked(rows.filter((each) => each.kind === 'school')) },
    ],
  });

  it('gives the unit’s rates against the target, the change, who is behind by how much, who improved most', () => {
    const root = row(
      'C',
      'P',
      { required: 1000, enrolled: 600, assessed: 200, passed: 180, trained: 150 },
      { required: 1000, enrolled: 500, trained: 120 },
    );
    const children = [
      row('X1', 'C', { required: 400, trained: 100 }, { required: 400, trained: 90 }), // 25.0%, +2.5
      row('X2', 'C', { required: 300, trained: 30 }, { required: 300, trained: 15 }), // 10.0%, +5.0: behind by 10
      row('X3', 'C', { required: 200, trained: 17 }, { required: 200, trained: 15 }), // 8.5%, +1.0: behind by 11.5
      row('S9', 'C', { required: 100, trained: 3 }, { required: 100, trained: 0 }), // 3.0%, +3.0: behind by 17
    ];
    expect(noticeSummary(notice(children, root))).toBe(
      '截至2016年12月11日，连云港市应训教师1000人，已参训600人，参训率60.0%；完成培训150人，完成率15.0%，按计划应达到20.0%，落后5.0个百分点；已考核200人，合格（含优秀）180人，合格率90.0%。' +
        '与上周相比，参训人数增加100人，完成人数增加30人，完成率提高3.0个百分点。' +
        '直属的4个单位中，3个完成率低于目标：新海高中（落后17.0个百分点）、东海县（落后11.5个百分点）、灌云县（落后10.0个百分点）。' +
        '本周完成率提高最快的是灌云县（提高5.0个百分点）。',
    );
  });

  it('reports no pass rate where the rulebook grades nothing (Lianyungang)', () => {
    const root = row(
      'C',
      'P',
      { required: 1000, enrolled: 600, trained: 150 },
      { required: 1000, enrolled: 600, trained: 150 },
    );
    expect(noticeSummary({ ...notice([], root), graded: false })).toBe(
      '截至2016年12月11日，连云港市应训教师1000人，已参训600人，参训率60.0%；完成培训150人，完成率15.0%，按计划应达到20.0%，落后5.0个百分点。' +
        '与上周相比，参训人数无变化，完成人数无变化，完成率持平。',
    );
  });

  it('names, where the rulebook designates pilots, the owner’s own pilots, the counties short and the pilots late', () => {
    const rule = { ownerPilots: 2, perCounty: 2, dueBy: '2021-12-31' };
    const standing = (counted: number, required: number | null, late: number, finishBy: string | null = null) => ({
      total: counted,
      late,
      required,
      askedAs: required === null ? null : required === 1 ? ('owner' as const) : ('county' as const),
      counted,
      short: required !== null && counted < required,
      dueBy: rule.dueBy,
      finishBy,
    });
    const withPilots = (each: NoticeRow, pilots: ReturnType<typeof standing>): NoticeRow => ({ ...each, pilots });
    const root = withPilots(row('C', 'P', { required: 10 }, { required: 10 }), {
      ...standing(1, 1, 1),
      askedAs: 'owner',
      required: 2,
      short: true,
    });
    const children = [
      withPilots(row('X1', 'C', { required: 4 }, { required: 4 }), standing(2, 2, 0)),
      withPilots(row('X2', 'C', { required: 3 }, { required: 3 }), standing(1, 2, 0)),
      withPilots(row('X3', 'C', { required: 2 }, { required: 2 }), standing(0, 2, 0)),
      withPilots(row('S9', 'C', { required: 1 }, { required: 1 }), standing(1, null, 1, '2021-12-31')),
    ];
    const summary = noticeSummary({ ...notice(children, root), pilotSchools: rule });
    expect(summary).toContain(
      '试点学校（2021年12月31日前完成）：连云港市自身试点校1所（应有2所）；2个县（市、区）试点校不足2所：灌云县（1所）、东海县（0所）；1所试点校逾期：新海高中（应于2021年12月31日前完成）。',
    );
    const onTrack = children.map((each) =>
      withPilots(each, each.kind === 'county' ? standing(2, 2, 0) : standing(1, null, 0, '2021-12-31')),
    );
    expect(noticeSummary({ ...notice(onTrack, root), pilotSchools: rule })).toContain(
      '3个县（市、区）试点校均达到2所以上；试点校均未逾期。',
    );
    // No pilots in the rulebook: not a word about them.
    expect(noticeSummary(notice(children, root))).not.toContain('试点');
  });

  it('tells of the batch’s extensions made by then, each with its reason', () => {
    const root = row('C', 'P', { required: 10 }, { required: 10 });
    const extended = {
      ...notice([], root),
      batchScheduledEndsOn: '2016-12-31',
      batchEndsOn: '2017-06-30',
      extensions: [
        { endsOn: '2017-03-31', previousEndsOn: '2016-12-31', reason: '硬件培训推迟', at: '2016-11-01T01:00:00.000Z' },
        { endsOn: '2017-06-30', previousEndsOn: '2017-03-31', reason: '补训', at: '2016-12-01T01:00:00.000Z' },
      ],
    };
    expect(noticeSummary(extended)).toContain(
      '本批次原定2016年12月31日结束，已延期（延至2017年3月31日，原因：硬件培训推迟；延至2017年6月30日，原因：补训），现于2017年6月30日结束。',
    );
    expect(noticeSummary(notice([], root))).not.toContain('延期');
  });

  it('says so when nothing is required yet, and when every unit below is on target', () => {
    const root = row('C', 'P', { enrolled: 3 }, {});
    const children = [row('X1', 'C', { required: 10, trained: 5 }, { required: 10, trained: 5 })];
    expect(noticeSummary(notice(children, root))).toBe(
      '截至2016年12月11日，连云港市尚无应训教师人数（既未登记教师，也未申报专任教师数），已参训3人，完成培训0人。' +
        '与上周相比，参训人数增加3人，完成人数无变化，完成率无可比数据。' +
        '直属的1个单位完成率均达到目标。本周各直属单位完成率均无提高。',
    );
  });
});
