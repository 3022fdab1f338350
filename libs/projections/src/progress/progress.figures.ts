import * as domain from '@tip/domain';
import type { Enrollment, EnrollmentState, QuotaLedger, SchoolClosureState, TrainingOutcome } from '@tip/domain';
import type { ProgressFigures } from './progress.entities';

// Taken from the package once: a call through its re-exports (CommonJS getters, two deep) costs
// two getter calls, and a rebuild makes about ten of these calls an event.
const { isActiveEnrollment, isFullyCertified, isVoluntary, seatsHandedOn, seatsUsed, trainingOutcome } = domain;

/** The additive figures of unit progress, as plain numbers (the columns of ProgressFigures). */
export type Figures = Pick<ProgressFigures, keyof ProgressFigures>;

export type FigureDelta = Partial<Figures>;

const one = (condition: boolean) => (condition ? 1 : 0);

/**
 * What one teacher's record adds to its school's totals: nothing unless enrolled now. `outcome`,
 * when the caller has it already, is the record's trainingOutcome.
 */
export function recordFigures(state: EnrollmentState, outcome?: TrainingOutcome): FigureDelta {
  return figuresOf(state, outcome ?? trainingOutcome(state));
}

/**
 * The programme's figures count the teachers it requires: full-time and not exempt. A part-time
 * teacher (or an exempt one taking part of their own will) is counted among the others, so that
 * every rate is a share of the same teachers its denominator counts; hours are hours, whoever's.
 */
function figuresOf(state: EnrollmentState, outcome: TrainingOutcome): FigureDelta {
  if (!isActiveEnrollment(state)) return {};
  // totalHoursCredited and recognisedHours, from one tally of the record's hours.
  const { grade, trained } = outcome;
  const hoursByCategory = outcome.hoursCredited;
  // sumHours of the categories' hours, without the array.
  let hundredths = 0;
  for (const category in hoursByCategory)
    if (Object.hasOwn(hoursByCategory, category)) hundredths += Math.round(hoursByCategory[category] * 100);
  const total = hundredths / 100;
  const hoursRecognised = trained ? total : 0;
  // Literals with the hours last, not spread from one object: one object a record, not two.
  if (!isRequiredTeacher(state))
    return { othersEnrolled: 1, othersTrained: one(trained), hoursCredited: total, hoursByCategory, hoursRecognised };
  return {
    enrolled: 1,
    confirmed: one(state.status === 'confirmed'),
    // chosenAbilityPoints(state).length > 0, without its copy.
    pointsSelected: one(state.abilityPoints !== null && state.abilityPoints.points.length > 0),
    onlinePassed: one(outcome.onlinePassed),
    assessed: one(grade !== null),
    passed: one(grade === 'pass' || grade === 'excellent'),
    excellent: one(grade === 'excellent'),
    // Certified once every kind the rulebook issues is held (Ningde: both proofs).
    certified: one(isFullyCertified(state)),
    trained: one(trained),
    hoursCredited: total,
    hoursByCategory,
    hoursRecognised,
  };
}

/** Among the teachers required: full-time (as registered when enrolled) and not exempt. */
function isRequiredTeacher(state: Enrollment): boolean {
  return state.fullTime && !isVoluntary(state);
}

export function ledgerFigures(ledger: QuotaLedger): FigureDelta {
  return { seatsReceived: ledger.received, seatsHandedOn: seatsHandedOn(ledger), seatsUsed: seatsUsed(ledger) };
}

export function closureFigures(closure: SchoolClosureState): FigureDelta {
  const bySubject: Record<string, number> = {};
  for (const video of closure.excellentVideos)
    bySubject[video.subject] = (Object.hasOwn(bySubject, video.subject) ? bySubject[video.subject] : 0) + 1;
  return {
    excellentVideos: closure.excellentVideos.length,
    excellentVideosBySubject: bySubject,
    schoolsClosed: one(closure.status === 'closed'),
  };
}

/** after − before, figure by figure; undefined when nothing changed. (Run for every event a rebuild projects: plain loops.) */
export function difference(after: FigureDelta, before: FigureDelta): FigureDelta | undefined {
  const [a, b] = [after as Record<string, unknown>, before as Record<string, unknown>];
  const delta: Record<string, unknown> = {};
  let changed = false;
  for (const key in a) if (Object.hasOwn(a, key) && differs(key, a[key], b[key], delta)) changed = true;
  for (const key in b)
    if (Object.hasOwn(b, key) && !Object.hasOwn(a, key) && differs(key, undefined, b[key], delta)) changed = true;
  return changed ? (delta as FigureDelta) : undefined;
}

/**
 * difference of two records' figures (recordFigures), the same delta read figure by figure by
 * name rather than by keys walked and looked up (a teacher's record changes with most events a
 * rebuild projects: the walk was a fourteenth of its main thread).
 */
export function recordDifference(after: FigureDelta, before: FigureDelta): FigureDelta | undefined {
  let delta: FigureDelta | undefined;
  let value = minus(after.enrolled, before.enrolled);
  if (value !== 0) (delta ??= {}).enrolled = value;
  if ((value = minus(after.confirmed, before.confirmed)) !== 0) (delta ??= {}).confirmed = value;
  if ((value = minus(after.pointsSelected, before.pointsSelected)) !== 0) (delta ??= {}).pointsSelected = value;
  if ((value = minus(after.onlinePassed, before.onlinePassed)) !== 0) (delta ??= {}).onlinePassed = value;
  if ((value = minus(after.assessed, before.assessed)) !== 0) (delta ??= {}).assessed = value;
  if ((value = minus(after.passed, before.passed)) !== 0) (delta ??= {}).passed = value;
  if ((value = minus(after.excellent, before.excellent)) !== 0) (delta ??= {}).excellent = value;
  if ((value = minus(after.certified, before.certified)) !== 0) (delta ??= {}).certified = value;
  if ((value = minus(after.trained, before.trained)) !== 0) (delta ??= {}).trained = value;
  if ((value = minus(after.othersEnrolled, before.othersEnrolled)) !== 0) (delta ??= {}).othersEnrolled = value;
  if ((value = minus(after.othersTrained, before.othersTrained)) !== 0) (delta ??= {}).othersTrained = value;
  if ((value = minus(after.hoursCredited, before.hoursCredited)) !== 0) (delta ??= {}).hoursCredited = value;
  if ((value = minus(after.hoursRecognised, before.hoursRecognised)) !== 0) (delta ??= {}).hoursRecognised = value;
  if (after.hoursByCategory !== undefined || before.hoursByCategory !== undefined) {
    const byCategory: Record<string, unknown> = {};
    if (differs('hoursByCategory', after.hoursByCategory, before.hoursByCategory, byCategory))
      (delta ??= {}).hoursByCategory = byCategory.hoursByCategory as Record<string, number>;
  }
  return delta;
}

/** after − before of a number figure, as differs works it out. */
const minus = (after: number | undefined, before: number | undefined) =>
  (hundredths(after ?? 0) + hundredths(-(before ?? 0))) / 100;

/** Puts after − before of one figure in `delta` unless it is zero (every key zero, for maps); whether it did. */
function differs(key: string, after: unknown, before: unknown, delta: Record<string, unknown>): boolean {
  if (typeof after === 'object' || typeof before === 'object') {
    const a = (after ?? {}) as Record<string, number>;
    const b = (before ?? {}) as Record<string, number>;
    // Made only when a figure differs: most events change no map.
    let map: Record<string, number> | undefined;
    for (const each in a) {
      if (!Object.hasOwn(a, each)) continue;
      // As addNumberMaps(a, negate(b)) adds them: a figure of `a` alone is kept as it is.
      const value = Object.hasOwn(b, each) ? addHundredths(a[each], -b[each]) : a[each];
      if (value !== 0) (map ??= {})[each] = value;
    }
    for (const each in b) {
      if (!Object.hasOwn(b, each) || Object.hasOwn(a, each)) continue;
      const value = addHundredths(0, -b[each]);
      if (value !== 0) (map ??= {})[each] = value;
    }
    if (map) delta[key] = map;
    return map !== undefined;
  }
  // sumHours([after, −before]), without the array.
  const value =
    (hundredths((after as number | undefined) ?? 0) + hundredths(-((before as number | undefined) ?? 0))) / 100;
  if (value === 0) return false;
  delta[key] = value;
  return true;
}

const addHundredths = (a: number, b: number) => Math.round((a + b) * 100) / 100;

/** sumHours's unit. */
const hundredths = (hours: number) => Math.round(hours * 100);

export function negated(figures: FigureDelta): FigureDelta {
  return difference({}, figures) ?? {};
}
