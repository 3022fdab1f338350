import type {
  NoticeCounts,
  NoticeFigures,
  NoticeLevel,
  NoticeRates,
  NoticeRow,
  RequiredSource,
  UnitKind,
} from './weekly-notice';
import type { PilotStanding } from './pilot-measures';

/**
 * The measures of progress against the targets, from the counts the read model keeps: teachers
 * required, the rates, behind or not, the ranking. Pure, so the progress views and the weekly
 * notice judge units alike and specs can check them without a database.
 */

export const KINDS: readonly UnitKind[] = ['province', 'city', 'county', 'school'];

export interface MeasureUnit {
  unitId: string;
  name: string;
  kind: UnitKind;
  parentId: string | null;
}

/** What decides a unit's teachers required, at one instant. */
export interface TeacherInputs {
  /** Registered teachers at or below the unit (any), and those of them full-time and not exempt. */
  registered: number;
  requiredRegistered: number;
  /** The unit's declared full-time teachers (fullTimeTeachers), if any. */
  declared: number | null;
}

export interface Required {
  required: number;
  source: RequiredSource;
}

/**
 * Teachers required per unit. A school: its registered full-time teachers (exempt aside) once
 * any teacher is registered there, else its declared total. A unit above schools: its declared
 * total while no teacher is registered below it, else the sum of its children's figures (so a
 * county of registered and declared schools is `mixed`). A unit with neither: 0, `none`.
 */
export function requiredTeachers(
  units: readonly MeasureUnit[],
  inputs: (unitId: string) => TeacherInputs,
): Map<string, Required> {
  const children = new Map<string, MeasureUnit[]>();
  for (const unit of units) {
    if (unit.parentId === null) continue;
    const list = children.get(unit.parentId);
    if (list) list.push(unit);
    else children.set(unit.parentId, [unit]);
  }
  const result = new Map<string, Required>();
  const of = (unit: MeasureUnit): Required => {
    const known = result.get(unit.unitId);
    if (known) return known;
    const own = inputs(unit.unitId);
    let figure: Required;
    if (unit.kind === 'school') {
      figure =
        own.registered > 0
          ? { required: own.requiredRegistered, source: 'registered' }
          : own.declared !== null
            ? { required: own.declared, source: 'declared' }
            : { required: 0, source: 'none' };
    } else if (own.registered === 0 && own.declared !== null) {
      figure = { required: own.declared, source: 'declared' };
    } else {
      const below = (children.get(unit.unitId) ?? []).map(of);
      const sources = new Set(below.map((each) => each.source).filter((source) => source !== 'none'));
      figure = {
        required: below.reduce((sum, each) => sum + each.required, 0),
        source: sources.size === 0 ? 'none' : sources.size === 1 ? [...sources][0] : 'mixed',
      };
    }
    result.set(unit.unitId, figure);
    return figure;
  };
  // Children before parents would need the depth; asking each unit memoises its subtree.
  for (const unit of units) of(unit);
  return result;
}

export const roundTo = (value: number, places: number): number =>
  places === 1
    ? Math.round(value * 10) / 10
    : places === 2
      ? Math.round(value * 100) / 100
      : Math.round(value * 10 ** places) / 10 ** places;

/** part ÷ whole in percent, one decimal; null when the whole is 0. */
export function percentOf(part: number, whole: number): number | null {
  return whole > 0 ? roundTo((part * 100) / whole, 1) : null;
}

export function ratesOf(counts: NoticeCounts): NoticeRates {
  return {
    participationPercent: percentOf(counts.enrolled, counts.required),
    passPercent: percentOf(counts.passed, counts.assessed),
    completionPercent: percentOf(counts.trained, counts.required),
  };
}

// A notice builds these for every unit of a city or a province: object literals of one shape,
// not objects grown key by key (a fifth of a 1,000-school notice's time went there).
export function figuresOf(c: NoticeCounts): NoticeFigures {
  return {
    required: c.required,
    enrolled: c.enrolled,
    confirmed: c.confirmed,
    pointsSelected: c.pointsSelected,
    onlinePassed: c.onlinePassed,
    assessed: c.assessed,
    passed: c.passed,
    excellent: c.excellent,
    trained: c.trained,
    certified: c.certified,
    othersEnrolled: c.othersEnrolled,
    othersTrained: c.othersTrained,
    hoursCredited: c.hoursCredited,
    hoursRecognised: c.hoursRecognised,
    seatsReceived: c.seatsReceived,
    excellentVideos: c.excellentVideos,
    schoolsTotal: c.schoolsTotal,
    schoolsClosed: c.schoolsClosed,
    participationPercent: percentOf(c.enrolled, c.required),
    passPercent: percentOf(c.passed, c.assessed),
    completionPercent: percentOf(c.trained, c.required),
  };
}

export function zeroCounts(): NoticeCounts {
  return {
    required: 0,
    enrolled: 0,
    confirmed: 0,
    pointsSelected: 0,
    onlinePassed: 0,
    assessed: 0,
    passed: 0,
    excellent: 0,
    trained: 0,
    certified: 0,
    othersEnrolled: 0,
    othersTrained: 0,
    hoursCredited: 0,
    hoursRecognised: 0,
    seatsReceived: 0,
    excellentVideos: 0,
    schoolsTotal: 0,
    schoolsClosed: 0,
  };
}

/** Figure by figure (hours rounded to hundredths); rates in percentage points, null where either side has none. */
const pointsBetween = (now: number | null, before: number | null): number | null =>
  now === null || before === null ? null : Math.round((now - before) * 10) / 10;

export function changeOf(a: NoticeFigures, b: NoticeFigures): NoticeFigures {
  const points = pointsBetween;
  return {
    required: a.required - b.required,
    enrolled: a.enrolled - b.enrolled,
    confirmed: a.confirmed - b.confirmed,
    pointsSelected: a.pointsSelected - b.pointsSelected,
    onlinePassed: a.onlinePassed - b.onlinePassed,
    assessed: a.assessed - b.assessed,
    passed: a.passed - b.passed,
    excellent: a.excellent - b.excellent,
    trained: a.trained - b.trained,
    certified: a.certified - b.certified,
    othersEnrolled: a.othersEnrolled - b.othersEnrolled,
    othersTrained: a.othersTrained - b.othersTrained,
    hoursCredited: roundTo(a.hoursCredited - b.hoursCredited, 2),
    hoursRecognised: roundTo(a.hoursRecognised - b.hoursRecognised, 2),
    seatsReceived: a.seatsReceived - b.seatsReceived,
    excellentVideos: a.excellentVideos - b.excellentVideos,
    schoolsTotal: a.schoolsTotal - b.schoolsTotal,
    schoolsClosed: a.schoolsClosed - b.schoolsClosed,
    participationPercent: points(a.participationPercent, b.participationPercent),
    passPercent: points(a.passPercent, b.passPercent),
    completionPercent: points(a.completionPercent, b.completionPercent),
  };
}

/** Behind when 完成率 (as shown) is under the target (as shown); a unit with nobody required is not. */
export function behindOf(figures: NoticeFigures, targetPercent: number): { behind: boolean; behindByPoints: number } {
  const completion = figures.completionPercent;
  const target = roundTo(targetPercent, 1);
  if (completion === null || completion >= target) return { behind: false, behindByPoints: 0 };
  return { behind: true, behindByPoints: roundTo(target - completion, 1) };
}

export interface RowInputs {
  unit: MeasureUnit;
  requiredSource: RequiredSource;
  thisWeek: NoticeCounts;
  lastWeek: NoticeCounts;
  targetPercent: number;
  /** The unit's pilots, where the rulebook designates pilots. */
  pilots?: PilotStanding | null;
}

export function noticeRow({ unit, requiredSource, thisWeek, lastWeek, targetPercent, pilots }: RowInputs): NoticeRow {
  return rowOfFigures(unit, requiredSource, figuresOf(thisWeek), figuresOf(lastWeek), targetPercent, pilots ?? null);
}

/**
 * A row from its two weeks' figures, as noticeRow makes it: the objects its JSON has and no others
 * (a province's notice makes 13,000 of them).
 */
export function rowOfFigures(
  unit: MeasureUnit,
  requiredSource: RequiredSource,
  now: NoticeFigures,
  before: NoticeFigures,
  targetPercent: number,
  pilots: PilotStanding | null,
): NoticeRow {
  // behindOf, inline.
  const [completion, target] = [now.completionPercent, Math.round(targetPercent * 10) / 10];
  const behind = completion !== null && completion < target;
  return {
    unitId: unit.unitId,
    name: unit.name,
    kind: unit.kind,
    parentId: unit.parentId,
    rank: 0,
    requiredSource,
    thisWeek: now,
    lastWeek: before,
    change: changeOf(now, before),
    targetPercent: target,
    behind,
    behindByPoints: behind ? Math.round((target - completion) * 10) / 10 : 0,
    progressPercent: completion ?? 0,
    pilots,
  };
}

/**
 * Best 完成率 first, units with nobody required last; equal rates share a rank and the next
 * rank skips as many places (standard competition ranking: 1, 1, 3). Within a tie, more
 * enrolled first, then by code, so the order is stable.
 */
export function ranked(rows: readonly NoticeRow[]): NoticeRow[] {
  const key = (row: NoticeRow) => row.thisWeek.completionPercent ?? -1;
  const sorted = [...rows].sort(
    (a, b) =>
      key(b) - key(a) ||
      b.thisWeek.enrolled - a.thisWeek.enrolled ||
      (a.unitId < b.unitId ? -1 : a.unitId > b.unitId ? 1 : 0),
  );
  let rank = 0;
  return sorted.map((row, index) => {
    if (index === 0 || key(sorted[index - 1]) !== key(row)) rank = index + 1;
    return { ...row, rank };
  });
}

/** As ranked, on rows the caller has just made and owns: sorted and ranked in place, none copied. */
function rankInPlace(rows: NoticeRow[]): NoticeRow[] {
  const key = (row: NoticeRow) => row.thisWeek.completionPercent ?? -1;
  rows.sort(
    (a, b) =>
      key(b) - key(a) ||
      b.thisWeek.enrolled - a.thisWeek.enrolled ||
      (a.unitId < b.unitId ? -1 : a.unitId > b.unitId ? 1 : 0),
  );
  let rank = 0;
  for (let index = 0; index < rows.length; index++) {
    if (index === 0 || key(rows[index - 1]) !== key(rows[index])) rank = index + 1;
    rows[index].rank = rank;
  }
  return rows;
}

/**
 * The levels below a unit, each ranked: every kind below its own, a level only where it has units.
 * The rows are the caller's, just made: their ranks are set in place.
 */
export function levelsOf(root: MeasureUnit, rows: readonly NoticeRow[]): NoticeLevel[] {
  return KINDS.slice(KINDS.indexOf(root.kind) + 1)
    .map((kind) => ({ kind, rows: rankInPlace(rows.filter((row) => row.kind === kind)) }))
    .filter((level) => level.rows.length > 0);
}
