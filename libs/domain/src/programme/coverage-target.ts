import { endOfLocalDay, startOfLocalDay } from '../shared/calendar';
import { CoverageTarget } from './rulebook';

/**
 * The share of all teachers a programme must have trained by a date: the rulebook's coverage
 * milestones (Jiangsu: 20% by the end of 2020, everyone by the end of 2022), joined by straight
 * lines from 0% on the day its first batch starts. Where the rulebook plans its batches by
 * shares (Jiangsu: 20%, 40%, 40%), each scheduled batch's end is a milestone too, at the shares
 * of the batches up to it. The curve never falls: a later point below an earlier one is held at
 * the earlier level.
 */

/** A batch of the programme as the curve needs it. */
export interface PlannedBatch {
  batchId: string;
  /** YYYY-MM-DD, China local dates. */
  startsOn: string;
  endsOn: string;
  sharePercent: number;
}

export interface CoveragePoint {
  /** An instant in ms: a milestone's target holds from the end of its day (Asia/Shanghai). */
  atMs: number;
  percent: number;
}

export interface CoverageCurves {
  /** The minimum every unit is held to (原则上应不少于). */
  target: CoveragePoint[];
  /** What the notice asks units to aim for (争取达到), where a milestone names an aim; else null. */
  aim: CoveragePoint[] | null;
}

export interface CoverageRules {
  coverageTargets: readonly CoverageTarget[];
  /** Non-null when the rulebook plans its batches by shares of all teachers. */
  batchSharesPercent: readonly number[] | null;
}

/** The batches in the order the programme runs them: by start, then by id. */
export function batchesInOrder<B extends PlannedBatch>(batches: readonly B[]): B[] {
  return [...batches].sort(
    (a, b) =>
      (a.startsOn < b.startsOn ? -1 : a.startsOn > b.startsOn ? 1 : 0) ||
      (a.batchId < b.batchId ? -1 : a.batchId > b.batchId ? 1 : 0),
  );
}

export function coverageCurves(rules: CoverageRules, batches: readonly PlannedBatch[]): CoverageCurves {
  const ordered = batchesInOrder(batches);
  const milestones = (percentOf: (target: CoverageTarget) => number): CoveragePoint[] => {
    const points: CoveragePoint[] = rules.coverageTargets.map((target) => ({
      atMs: endOfLocalDay(target.by),
      percent: percentOf(target),
    }));
    if (rules.batchSharesPercent !== null) {
      let cumulative = 0;
      for (const batch of ordered) {
        cumulative += batch.sharePercent;
        points.push({ atMs: endOfLocalDay(batch.endsOn), percent: Math.min(100, cumulative) });
      }
    }
    if (ordered.length > 0) points.push({ atMs: startOfLocalDay(ordered[0].startsOn), percent: 0 });
    return rising(points);
  };
  const hasAim = rules.coverageTargets.some((target) => target.aimPercent !== null);
  return {
    target: milestones((target) => target.minPercent),
    aim: hasAim ? milestones((target) => target.aimPercent ?? target.minPercent) : null,
  };
}

/** The curve's value at an instant, in percent: straight lines between points, flat outside them. */
export function percentOn(curve: readonly CoveragePoint[], atMs: number): number {
  if (curve.length === 0) return 0;
  // Before the first batch starts nothing is due.
  if (atMs < curve[0].atMs) return 0;
  for (let index = 1; index < curve.length; index++) {
    const [from, to] = [curve[index - 1], curve[index]];
    if (atMs <= to.atMs) {
      if (to.atMs === from.atMs) return to.percent;
      return from.percent + ((to.percent - from.percent) * (atMs - from.atMs)) / (to.atMs - from.atMs);
    }
  }
  return curve[curve.length - 1].percent;
}

/**
 * What one batch must have trained by an instant, as a share of all teachers: the programme's
 * curve less the shares of the batches before it, never below 0 nor above the batch's own share.
 * A batch of 100% (a programme that does not split its teachers) is held to the whole curve.
 */
export function batchTargetPercent(
  curve: readonly CoveragePoint[],
  batches: readonly PlannedBatch[],
  batchId: string,
  atMs: number,
): number {
  const ordered = batchesInOrder(batches);
  const index = ordered.findIndex((batch) => batch.batchId === batchId);
  if (index < 0) return 0;
  const before = ordered.slice(0, index).reduce((sum, batch) => sum + batch.sharePercent, 0);
  const share = ordered[index].sharePercent;
  return Math.min(share, Math.max(0, percentOn(curve, atMs) - before));
}

/** Points in time order, each at least as high as every point before it; one point per instant (the highest). */
function rising(points: readonly CoveragePoint[]): CoveragePoint[] {
  const sorted = [...points].sort((a, b) => a.atMs - b.atMs || a.percent - b.percent);
  const curve: CoveragePoint[] = [];
  let highest = 0;
  for (const point of sorted) {
    highest = Math.max(highest, point.percent);
    const last = curve[curve.length - 1];
    if (last && last.atMs === point.atMs) last.percent = highest;
    else curve.push({ atMs: point.atMs, percent: highest });
  }
  return curve;
}
