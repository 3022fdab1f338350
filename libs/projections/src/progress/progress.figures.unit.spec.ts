import { EnrollmentEvent, EnrollmentState, evolveEnrollment, initialEnrollment } from '@tip/domain';
import { recorded } from '../engine/view-changes';
import { difference, FigureDelta, recordDifference, recordFigures } from './progress.figures';
import { enrolled, online, onRecord } from './progress.test-events';

/** The records of teachers as events change them, from before their enrolment on. */
function records(): EnrollmentState[] {
  const histories = [
    [enrolled('T1', 'S1')[1], online('T1', 'R1', 10.25), online('T1', 'R2', 40.5), online('T1', 'R1', 12)],
    [
      onRecord('T2', 'TeacherEnrolled', {
        periodId: '1',
        schoolId: 'S1',
        fullTime: false,
        enrolledAt: '2021-01-12T01:00:00.000Z',
        rules: enrolled('T0', 'S1')[1].data.rules,
      }),
      online('T2', 'R1', 0.33),
      online('T2', 'R2', 60),
    ],
  ];
  return histories.flatMap((events) => {
    const states = [initialEnrollment()];
    for (const event of events)
      states.push(evolveEnrollment(states[states.length - 1], recorded<EnrollmentEvent>(event)));
    return states;
  });
}

const NUMBERS = [
  'enrolled',
  'confirmed',
  'pointsSelected',
  'onlinePassed',
  'assessed',
  'passed',
  'excellent',
  'certified',
  'trained',
  'othersEnrolled',
  'othersTrained',
  'hoursCredited',
  'hoursRecognised',
] as const;

/** Figures with any of a record's figures present, as numbers of hundredths and maps of a few categories. */
function randomFigures(random: () => number): FigureDelta {
  const figures: Record<string, unknown> = {};
  for (const key of NUMBERS) if (random() < 0.7) figures[key] = Math.round(random() * 300) / (random() < 0.5 ? 1 : 100);
  if (random() < 0.8) {
    const byCategory: Record<string, number> = {};
    for (const category of ['online', 'offline', 'school'])
      if (random() < 0.6) byCategory[category] = Math.round(random() * 9000) / 100;
    figures.hoursByCategory = byCategory;
  }
  return figures;
}

describe("the difference of two records' figures (recordDifference)", () => {
  it('is what difference gives, for the figures of records as events change them', () => {
    const figures = records().map((record) => recordFigures(record));
    expect(figures.some((each) => each.enrolled === 1)).toBe(true);
    expect(figures.some((each) => each.othersEnrolled === 1)).toBe(true);
    for (const after of figures)
      for (const before of figures) expect(recordDifference(after, before)).toStrictEqual(difference(after, before));
  });

  it("sees a change of each figure a record has, required or not (a figure added to a record's is not left out)", () => {
    const figures = records().map((record) => recordFigures(record));
    const keys = new Set(figures.flatMap((each) => Object.keys(each)));
    expect([...keys].sort()).toEqual([...NUMBERS, 'hoursByCategory'].sort());
    for (const before of figures)
      for (const key of Object.keys(before)) {
        const value = (before as Record<string, unknown>)[key];
        const after = { ...before, [key]: typeof value === 'number' ? value + 1 : { spec: 1 } };
        expect([key, recordDifference(after, before)]).toStrictEqual([key, difference(after, before)]);
        expect(recordDifference(after, before)).toBeDefined();
      }
  });

  it('is what difference gives, for figures of any of their values', () => {
    let seed = 19;
    const random = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
    for (let round = 0; round < 5000; round++) {
      const [after, before] = [randomFigures(random), randomFigures(random)];
      expect(recordDifference(after, before)).toStrictEqual(difference(after, before));
      expect(recordDifference(after, after)).toBeUndefined();
    }
  });
});
