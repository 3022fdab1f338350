import type {
  NoticeCounts,
  NoticeFigures,
  NoticeLevel,
  NoticeRates,
  NoticeRow,
  RequiredSource,
  UnitKind,
} from './weekly-notice';
import { NOTICE_COUNTS, NOTICE_RATES } from './weekly-notice';

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

export const roundTo = (value: number, places: number): number => Math.round(value * 10 ** places) / 10 ** places;

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

export function figuresOf(counts: NoticeCounts): NoticeFigures {
  return { ...counts, ...ratesOf(counts) };
}

export function zeroCounts(): NoticeCounts {
  return Object.fromEntries(NOTICE_COUNTS.map((figure) => [figure, 0])) as unknown as NoticeCounts;
}

/** Figure by figure; rates in percentage points, null where either side has none. */
export function changeOf(thisWeek: NoticeFigures, lastWeek: NoticeFigures): NoticeFigures {
  const counts = Object.fromEntries(
    NOTICE_COUNTS.map((figure) => [figure, roundTo(thisWeek[figure] - lastWeek[figure], 2)]),
  ) as unknown as NoticeCounts;
  const rates = Object.fromEntries(
    NOTICE_RATES.map((rate) => {
      const [now, before] = [thisWeek[rate], lastWeek[rate]];
      return [rate, now === null || before === null ? null : roundTo(now - before, 1)];
    }),
  ) as unknown as NoticeRates;
  return { ...counts, ...rates };
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
}

export function noticeRow({ unit, requiredSource, thisWeek, lastWeek, targetPercent }: RowInputs): NoticeRow {
  const now = figuresOf(thisWeek);
  const before = figuresOf(lastWeek);
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
    targetPercent: roundTo(targetPercent, 1),
    ...behindOf(now, targetPercent),
    progressPercent: now.completionPercent ?? 0,
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

/** The levels below a unit, each ranked: every kind below its own, a level only where it has units. */
export function levelsOf(root: MeasureUnit, rows: readonly NoticeRow[]): NoticeLevel[] {
  return KINDS.slice(KINDS.indexOf(root.kind) + 1)
    .map((kind) => ({ kind, rows: ranked(rows.filter((row) => row.kind === kind)) }))
    .filter((level) => level.rows.length > 0);
}
