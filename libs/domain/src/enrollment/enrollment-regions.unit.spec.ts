import { RuleViolation } from '../shared/rule-violation';
import { noticeBatch, PresetName } from '../programme/batch.spec-fixtures';
import { QuotaEvent } from '../quota/quota.events';
import { evolveQuotaLedger, initialQuotaLedger } from '../quota/quota.ledger';
import { EnrollTeacher } from './enrollment.commands';
import { decideEnrollTeacher, EnrollTeacherContext, TeacherLookup } from './enrollment.decider';
import { enrollmentRulesOf } from './enrollment.rules';
import { initialEnrollment, isVoluntary } from './enrollment.state';
import { actors, foldRecord } from './record.spec-fixtures';

/** What a refused decision threw: its code and details. */
function refusal(decide: () => unknown): { code: string; details: unknown } {
  try {
    decide();
  } catch (error) {
    if (error instanceof RuleViolation) return { code: error.code, details: error.details };
    throw error;
  }
  throw new Error('The decision was not refused');
}

const seatsReceived = (batchId: string, periodId: string, schoolId: string, seats: number) =>
  [
    { type: 'QuotaReceived', data: { batchId, periodId, fromUnitId: 'county', toUnitId: schoolId, seats } },
  ] satisfies QuotaEvent[];

function enrollIn(preset: PresetName, options: { at: string; birthDate: string; gender?: 'male' | 'female' }) {
  const batch = noticeBatch(preset);
  if (batch.status !== 'scheduled') throw new Error('scheduled');
  const periodId = batch.periods[0].periodId;
  const teacher = (ancestry: string[]): TeacherLookup => ({
    status: 'registered',
    teacherId: 'T1',
    schoolId: ancestry.at(-1) ?? 'S1',
    gender: options.gender ?? 'female',
    fullTime: true,
    ancestry,
  });
  const command = (voluntary?: boolean): EnrollTeacher => ({
    type: 'EnrollTeacher',
    data: { batchId: batch.batchId, periodId, teacherId: 'T1', ...(voluntary === undefined ? {} : { voluntary }) },
    metadata: { now: options.at, actor: actors.school('S1') },
  });
  const context = (ancestry: string[], seats = 0): EnrollTeacherContext => ({
    enrollment: initialEnrollment(),
    batch,
    schoolClosed: false,
    teacher: teacher(ancestry),
    seatLedger: (seats > 0 ? seatsReceived(batch.batchId, periodId, ancestry.at(-1) ?? 'S1', seats) : []).reduce(
      evolveQuotaLedger,
      initialQuotaLedger(),
    ),
    birthDate: options.birthDate,
  });
  const enrolled = (ancestry: string[], voluntary: boolean) => ({
    enrollment: [
      {
        type: 'TeacherEnrolled',
        data: {
          batchId: batch.batchId,
          periodId,
          teacherId: 'T1',
          schoolId: ancestry.at(-1),
          fullTime: true,
          enrolledAt: options.at,
          rules: enrollmentRulesOf(batch.rulebook),
          voluntary,
        },
      },
    ],
    seat: [
      {
        type: 'SeatTaken',
        data: { batchId: batch.batchId, periodId, schoolId: ancestry.at(-1), teacherId: 'T1' },
      },
    ],
  });
  return { command, context, enrolled };
}

// Ningde: 宁德市 350900 in 福建省 350000; 福安市 350981 (the first county to start), a school in it.
const NINGDE_SCHOOL = ['350000', '350900', '350981', 'FA-01'];

describe('Ningde’s exemption (距退休不满五年的教师不作培训要求): not required, not forbidden', () => {
  // A woman born 1962-05-01 retires at 55 on 2017-05-01: in April 2016 she is within five years.
  const ningde = enrollIn('ningde-1.0', { at: '2016-04-10T09:00:00+08:00', birthDate: '1962-05-01' });

  it('refuses an exempt teacher enrolled as required (EXEMPT_TEACHER), saying she may take part voluntarily', () => {
    expect(refusal(() => decideEnrollTeacher(ningde.command(), ningde.context(NINGDE_SCHOOL)))).toEqual({
      code: 'EXEMPT_TEACHER',
      details: { teacherId: 'T1', yearsBeforeRetirement: 5, voluntaryAllowed: true },
    });
  });

  it('enrolls her with voluntary: true, marked voluntary, with no seats (no quotas in Ningde)', () => {
    expect(decideEnrollTeacher(ningde.command(true), ningde.context(NINGDE_SCHOOL))).toEqual(
      ningde.enrolled(NINGDE_SCHOOL, true),
    );
  });

  it('leaves her out of the 参考教师 (isVoluntary)', () => {
    const [event] = decideEnrollTeacher(ningde.command(true), ningde.context(NINGDE_SCHOOL)).enrollment;
    expect(isVoluntary(foldRecord([event]))).toBe(true);
  });

  it('enrolls a teacher who is not exempt as required, whatever voluntary says', () => {
    const young = enrollIn('ningde-1.0', { at: '2016-04-10T09:00:00+08:00', birthDate: '1980-05-01' });
    expect(decideEnrollTeacher(young.command(true), young.context(NINGDE_SCHOOL))).toEqual(
      young.enrolled(NINGDE_SCHOOL, false),
    );
  });
});

describe('Programmes without quotas (Ningde, Yueyang): enrolled without seats', () => {
  it.each([
    ['ningde-1.0', '2016-04-10T09:00:00+08:00', NINGDE_SCHOOL],
    ['yueyang-2.0', '2021-06-02T09:00:00+08:00', ['430000', '430600', '430621', 'YY-01']],
  ] as const)('%s enrolls at a school that received no seat', (preset, at, school) => {
    const region = enrollIn(preset, { at, birthDate: '1980-05-01' });
    expect(decideEnrollTeacher(region.command(), region.context([...school]))).toEqual(
      region.enrolled([...school], false),
    );
  });

  it('Jiangsu, which hands out seats, refuses the same (NO_SEAT_LEFT)', () => {
    const jiangsu = enrollIn('jiangsu-2.0', { at: '2020-11-02T09:00:00+08:00', birthDate: '1980-05-01' });
    expect(refusal(() => decideEnrollTeacher(jiangsu.command(), jiangsu.context(['320000', '320100', 'S1'])))).toEqual({
      code: 'NO_SEAT_LEFT',
      details: { schoolId: 'S1', left: 0 },
    });
    expect(decideEnrollTeacher(jiangsu.command(), jiangsu.context(['320000', '320100', 'S1'], 1))).toEqual(
      jiangsu.enrolled(['320000', '320100', 'S1'], false),
    );
  });
});

describe('City-run programmes: everything stays inside the city that runs it', () => {
  it('refuses a Fujian school outside 宁德市 (OUTSIDE_PROGRAMME)', () => {
    const ningde = enrollIn('ningde-1.0', { at: '2016-04-10T09:00:00+08:00', birthDate: '1980-05-01' });
    // 福州市 350100, another city of the province.
    expect(refusal(() => decideEnrollTeacher(ningde.command(), ningde.context(['350000', '350100', 'FZ-01'])))).toEqual(
      { code: 'OUTSIDE_PROGRAMME', details: { batchId: 'ND-2016', unitId: 'FZ-01', ownerUnitId: '350900' } },
    );
  });
});
