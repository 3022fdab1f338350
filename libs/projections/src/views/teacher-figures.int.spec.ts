import { DataSource } from 'typeorm';
import { enrollmentRulesOf, presetRulebook } from '@tip/domain';
import { RecordedEvent } from '@tip/event-store';
import { createTestDatabase, TestDatabase } from '@tip/testing';
import { ProjectionRunner } from '../engine/projection-runner';
import { migrateReadModel, readModelDataSource } from '../engine/read-model';
import { progressReadModel } from '../read-models';
import { BATCH, event, scheduled } from '../progress/progress.test-events';
import { UnitRow, UnitWeeklyChangeRow } from '../progress/progress.entities';
import { NOTICE_COUNTS } from '../notices/weekly-notice';
import { WeeklyNoticeQuery } from './weekly-notice.query';
import { isoWeekOf } from '../notices/iso-week';
import { Required } from '../notices/notice-measures';
import { DashboardViews } from './dashboard.views';
import { ProgressViews, schoolCounts } from './progress.views';
import {
  requiredAt,
  requiredFrom,
  requiredInputsSql,
  requiredInputsWeek,
  schoolsTakingPartFrom,
  schoolsTakingPartSql,
  unitsAtOrBelow,
} from './teacher-figures.query';

/**
 * Views judge teachers required and schools taking part from the rollups of the unit asked and its
 * children (requiredFrom), looking below them only at the units unit_staffing names. Each must give
 * what adding up every unit below gives (requiredAt, schoolCounts), at every week of a history where
 * teachers are registered after declarations, move between counties (leaving a declared school with
 * none), are exempted after enrolling, and schools join the batch in different periods.
 */
/** Monday n weeks after 2021-01-04, 10:00 in Shanghai. */
const week = (n: number) => new Date(Date.parse('2021-01-04T10:00:00+08:00') + n * 7 * 86_400_000).toISOString();
const unit = (unitId: string, kind: string, ancestry: string[], at: string, fullTimeTeachers?: number) =>
  event(
    `org-unit-${unitId}`,
    'OrgUnitRegistered',
    { unitId, kind, name: `单位${unitId}`, parentId: ancestry.at(-1), ancestry, fullTimeTeachers },
    at,
  );
const teacher = (teacherId: string, ancestry: string[], at: string, fullTime = true) =>
  event(
    `teacher-${teacherId}`,
    'TeacherRegistered',
    {
      teacherId,
      schoolId: ancestry.at(-1),
      ancestry,
      name: teacherId,
      gender: 'female',
      stage: '小学',
      subject: '语文',
      fullTime,
      idNumberMasked: '320102********1234',
      idNumberProtected: 'x',
    },
    at,
  );
const moved = (teacherId: string, fromSchoolId: string, ancestry: string[], at: string) =>
  event(
    `teacher-${teacherId}`,
    'TeacherMovedSchool',
    { teacherId, fromSchoolId, toSchoolId: ancestry.at(-1), ancestry },
    at,
  );
const declared = (unitId: string, fullTimeTeachers: number, at: string) =>
  event(`org-unit-${unitId}`, 'FullTimeTeachersDeclared', { unitId, fullTimeTeachers }, at);
const exempted = (teacherId: string, schoolId: string, at: string) =>
  event(
    `exemption-PG:${teacherId}`,
    'TeacherExempted',
    { programmeId: 'PG', teacherId, schoolId, yearsBeforeRetirement: 5 },
    at,
  );
const seats = (from: string, to: string, periodId: string, at: string) => [
  event(
    `quota-${BATCH}:${periodId}:${from}`,
    'QuotaAllocated',
    { batchId: BATCH, periodId, fromUnitId: from, toUnitId: to, seats: 5 },
    at,
  ),
  event(
    `quota-${BATCH}:${periodId}:${to}`,
    'QuotaReceived',
    { batchId: BATCH, periodId, fromUnitId: from, toUnitId: to, seats: 5 },
    at,
  ),
];

const X1 = ['P', 'C1', 'X1'];
const X2 = ['P', 'C2', 'X2'];
const X3 = ['P', 'C2', 'X3'];
const history = (): RecordedEvent[] => [
  ...scheduled(),
  unit('P', 'province', [], week(0)),
  unit('C1', 'city', ['P'], week(0)),
  unit('C2', 'city', ['P'], week(0), 40),
  unit('X1', 'county', ['P', 'C1'], week(0)),
  unit('X2', 'county', ['P', 'C2'], week(0)),
  unit('X3', 'county', ['P', 'C2'], week(0), 12),
  unit('S1', 'school', X1, week(0), 5),
  unit('S2', 'school', X1, week(0), 3),
  unit('S3', 'school', X2, week(0), 4),
  unit('S4', 'school', X3, week(0), 2),
  unit('S5', 'school', X3, week(1)),
  unit('S6', 'school', X2, week(1)),
  // Teachers come after the declarations: S1 counts its declaration until week 2.
  teacher('T1', [...X1, 'S1'], week(2)),
  teacher('T2', [...X1, 'S1'], week(2)),
  teacher('T3', [...X1, 'S1'], week(2), false),
  teacher('T4', [...X2, 'S3'], week(2)),
  teacher('T5', [...X2, 'S6'], week(3)),
  ...seats('P', 'C1', '1', week(1)),
  ...seats('C1', 'X1', '1', week(1)),
  ...seats('X1', 'S1', '1', week(2)),
  // S2 joins in the second period, S1 again: each school counts once, from its first seats.
  ...seats('X1', 'S2', '2', week(4)),
  ...seats('X1', 'S1', '2', week(4)),
  ...seats('P', 'C2', '1', week(1)),
  ...seats('C2', 'X3', '1', week(3)),
  ...seats('X3', 'S5', '1', week(3)),
  // Exempted after it enrolled: out of the teachers required of S1 and above from week 4.
  event(
    `enrollment-${BATCH}:T1`,
    'TeacherEnrolled',
    {
      batchId: BATCH,
      teacherId: 'T1',
      periodId: '1',
      schoolId: 'S1',
      fullTime: true,
      enrolledAt: new Date(week(3)).toISOString(),
      rules: enrollmentRulesOf(presetRulebook('jiangsu-2.0')),
    },
    week(3),
  ),
  exempted('T1', 'S1', week(4)),
  ...['T2', 'T4', 'T5'].map((teacherId, n) =>
    event(
      `enrollment-${BATCH}:${teacherId}`,
      'TeacherEnrolled',
      {
        batchId: BATCH,
        teacherId,
        periodId: '1',
        schoolId: teacherId === 'T2' ? 'S1' : teacherId === 'T4' ? 'S3' : 'S6',
        fullTime: true,
        enrolledAt: new Date(week(3 + n)).toISOString(),
        rules: enrollmentRulesOf(presetRulebook('jiangsu-2.0')),
      },
      week(3 + n),
    ),
  ),
  // Hours in hundredths, week after week: a notice's figures are its totals less the weeks since.
  ...[12.5, 0.25, 3.33, 7.01, 0.1, 0.2].map((hours, n) =>
    event(
      `enrollment-${BATCH}:${n % 2 === 0 ? 'T1' : 'T2'}`,
      'OnlineHoursRecorded',
      {
        batchId: BATCH,
        teacherId: n % 2 === 0 ? 'T1' : 'T2',
        recordId: `R${n}`,
        courseId: 'C',
        category: 'online',
        hours,
        recordedAt: new Date(week(3 + n)).toISOString(),
      },
      week(3 + n),
    ),
  ),
  // T4 moves to another county: S3 (declared) has no teachers again, X2 keeps only S6's.
  moved('T4', 'S3', [...X1, 'S2'], week(5)),
  // T5 too: X2 is left without teachers, and counts S3's declaration again.
  moved('T5', 'S6', [...X3, 'S5'], week(6)),
  declared('S3', 6, week(6)),
  declared('X1', 9, week(7)),
];

describe('Teachers required and schools taking part, from the rollups', () => {
  let database: TestDatabase;
  let dataSource: DataSource;
  const schema = 'rm_progress';

  beforeAll(async () => {
    database = await createTestDatabase();
    dataSource = readModelDataSource(database.url, progressReadModel, schema);
    await dataSource.initialize();
    await migrateReadModel(dataSource);
    // In small batches, as live projection takes them.
    const runner = new ProjectionRunner(dataSource, schema, progressReadModel);
    const events = history();
    for (let start = 0; start < events.length; start += 5) await runner.handle(events.slice(start, start + 5));
    expect(await runner.parked()).toEqual([]);
  });
  afterAll(async () => {
    await dataSource?.destroy();
    await database?.drop();
  });

  const instants = [...Array.from({ length: 9 }, (_, n) => new Date(week(n)).toISOString()), null];

  /** What requiredAt finds adding up every unit at or below each unit, at each instant. */
  const summed = async (root: UnitRow) => {
    const figures: Map<string, Required>[] = [];
    for (const instant of instants) {
      const units = await unitsAtOrBelow(dataSource.manager, root, instant);
      figures.push((await requiredAt(dataSource.manager, units, 'PG', [instant]))[0]);
    }
    return figures;
  };

  const rolledUp = async (root: UnitRow, judged: UnitRow[], at: readonly (string | null)[] = instants) => {
    const [found]: { required: unknown }[] = await dataSource.query(
      `select ${requiredInputsSql(dataSource.manager, '$1::text[]', '$2', '$3::jsonb', '$4', '$5')} as required`,
      [judged.map((each) => each.unitId), root.unitId, JSON.stringify([root.unitId]), requiredInputsWeek(at), BATCH],
    );
    return requiredFrom(found.required, judged, at);
  };

  it('gives every unit, and each of its children, the teachers required the sum over every unit below gives, week by week', async () => {
    const units = await dataSource.getRepository(UnitRow).find({ order: { unitId: 'ASC' } });
    for (const root of units) {
      const expected = await summed(root);
      const children = units.filter((each) => each.parentId === root.unitId);
      for (const judged of [[root], children]) {
        // All instants at once (a trend), and each alone (a view now, a notice's week).
        const together = await rolledUp(root, judged);
        for (const [index, instant] of instants.entries()) {
          const [alone] = await rolledUp(root, judged, [instant]);
          for (const each of judged) {
            const want = {
              unit: each.unitId,
              instant,
              ...(expected[index].get(each.unitId) ?? { required: 0, source: 'none' }),
            };
            expect({ unit: each.unitId, instant, ...together[index].get(each.unitId) }).toEqual(want);
            expect({ unit: each.unitId, instant, ...alone.get(each.unitId) }).toEqual(want);
          }
        }
      }
    }
  });

  it('counts the edges as the history has them', async () => {
    const units = await dataSource.getRepository(UnitRow).find();
    const byId = (id: string) => units.find((each) => each.unitId === id) as UnitRow;
    // Each instant alone, as a view now or a notice's week asks.
    const at = async (unitId: string, n: number) => {
      const [figures] = await rolledUp(byId(unitId), [byId(unitId)], [instants[n]]);
      return figures.get(unitId);
    };
    const [s1, x2] = await Promise.all(
      ['S1', 'X2'].map((unitId) => Promise.all(instants.map((_, n) => at(unitId, n)))),
    );
    // S1 declared 5 until its teachers came (week 2): then 2 full-time, and 1 once T1 was exempted (week 4).
    expect([1, 2, 3, 4, 5].map((n) => s1[n])).toEqual([
      { required: 5, source: 'declared' },
      { required: 2, source: 'registered' },
      { required: 2, source: 'registered' },
      { required: 1, source: 'registered' },
      { required: 1, source: 'registered' },
    ]);
    // X2 had S3's and S6's teachers; T4 left S3 (week 5), whose declaration counts again beside S6's
    // teacher; T5 left S6 (week 6): X2 has no teachers, only S3's declarations (4, then 6).
    expect([3, 5, 6, 7].map((n) => x2[n])).toEqual([
      { required: 2, source: 'registered' },
      { required: 5, source: 'mixed' },
      { required: 4, source: 'declared' },
      { required: 6, source: 'declared' },
    ]);
    // At the end: C1 2 (X1's own 9 is not used: it has teachers); C2 9 (its own 40 neither): X2's S3
    // declared 6, X3's S4 declared 2 and S5's teacher.
    expect(await at('P', instants.length - 1)).toEqual({ required: 11, source: 'mixed' });
  });

  it('counts the schools taking part at or below each unit as counting every school does', async () => {
    const units = await dataSource.getRepository(UnitRow).find();
    const ids = units.map((each) => each.unitId);
    const [found]: { schools: unknown }[] = await dataSource.query(
      `select ${schoolsTakingPartSql(dataSource.manager, '$1::text[]', '$2')} as schools`,
      [ids, BATCH],
    );
    const expected = await schoolCounts(dataSource.manager, BATCH, ids, [null]);
    const got = schoolsTakingPartFrom(found.schools);
    for (const id of ids) expect([id, got.get(id)]).toEqual([id, expected.get(id)?.[0] ?? 0]);
    expect(got.get('P')).toBe(3);
    expect(got.get('X1')).toBe(2);
  });

  it("gives every unit's counts and teachers required in a week's notice as the sums of every week's changes up to it", async () => {
    const column = (figure: string) => figure.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
    const figures = NOTICE_COUNTS.filter((figure) => figure !== 'required' && figure !== 'schoolsTotal');
    const table = dataSource.getMetadata(UnitWeeklyChangeRow).tablePath;
    const summed = async (unitId: string, upTo: string) => {
      const [row]: Record<string, number>[] = await dataSource.query(
        `select ${figures.map((figure) => `coalesce(round(sum(${column(figure)})::numeric, 2), 0)::float8 as "${figure}"`).join(', ')}
         from ${table} where batch_id = $1 and unit_id = $2 and week <= $3`,
        [BATCH, unitId, upTo],
      );
      return row;
    };
    const notices = new WeeklyNoticeQuery(dataSource.manager);
    for (const n of [2, 4, 5, 7, 9]) {
      const noticeWeek = isoWeekOf(week(n));
      const notice = await notices.notice('P', BATCH, noticeWeek);
      const previous = isoWeekOf(week(n - 1));
      const rows = [notice.unit, ...notice.levels.flatMap((level) => level.rows)];
      // Schools taking part as of the week's end and the week before's, as counting every school does.
      const schools = await schoolCounts(
        dataSource.manager,
        BATCH,
        rows.map((row) => row.unitId),
        [notice.asOf, new Date(Date.parse(notice.asOf) - 7 * 86_400_000).toISOString()],
      );
      for (const row of rows)
        expect([noticeWeek, row.unitId, row.thisWeek.schoolsTotal, row.lastWeek.schoolsTotal]).toEqual([
          noticeWeek,
          row.unitId,
          ...(schools.get(row.unitId) ?? [0, 0]),
        ]);
      // Teachers required as adding up every unit below gives (the notice reads them in its one statement).
      const before = new Date(Date.parse(notice.asOf) - 7 * 86_400_000).toISOString();
      const root = (await dataSource.getRepository(UnitRow).findOneByOrFail({ unitId: 'P' })) as UnitRow;
      const [requiredNow, requiredBefore] = await requiredAt(
        dataSource.manager,
        await unitsAtOrBelow(dataSource.manager, root, notice.asOf),
        'PG',
        [notice.asOf, before],
      );
      for (const row of rows)
        expect([noticeWeek, row.unitId, row.requiredSource, row.thisWeek.required, row.lastWeek.required]).toEqual([
          noticeWeek,
          row.unitId,
          requiredNow.get(row.unitId)?.source,
          requiredNow.get(row.unitId)?.required,
          requiredBefore.get(row.unitId)?.required,
        ]);
      for (const row of rows) {
        const [now, before] = [await summed(row.unitId, noticeWeek), await summed(row.unitId, previous)];
        for (const figure of figures) {
          expect([noticeWeek, row.unitId, figure, row.thisWeek[figure]]).toEqual([
            noticeWeek,
            row.unitId,
            figure,
            now[figure],
          ]);
          expect([previous, row.unitId, figure, row.lastWeek[figure]]).toEqual([
            previous,
            row.unitId,
            figure,
            before[figure],
          ]);
        }
      }
    }
    const last = await notices.notice('P', BATCH, isoWeekOf(week(9)));
    expect(last.unit.thisWeek.hoursCredited).toBe(23.39);
  });

  it('shows the same figures in the progress view, the children and the trend', async () => {
    const atMs = Date.parse(week(8));
    const progress = await new ProgressViews(dataSource.manager).unitProgress('C2', BATCH, atMs);
    expect(progress.teachers.required).toBe(9);
    expect(progress.requiredSource).toBe('mixed');
    expect(progress.schools.total).toBe(1);
    const dashboard = new DashboardViews(dataSource.manager);
    const { children } = await dashboard.children('P', BATCH, atMs);
    expect(children.map((child) => [child.unitId, child.teachers.required, child.requiredSource])).toEqual([
      ['C1', 2, 'registered'],
      ['C2', 9, 'mixed'],
    ]);
    const trend = await dashboard.trend('X2', BATCH, atMs);
    expect(trend.weeks.map((each) => each.required)).toEqual(trend.weeks.map(() => expect.any(Number)));
    expect(trend.weeks.at(-1)?.required).toBe(6);
  });
});
