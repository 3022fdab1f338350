import { initialSchoolClosureState, isPilotLate, PilotSchoolRule } from '@tip/domain';
import type { MeasureUnit } from './notice-measures';

/**
 * Pilot schools (试点学校) against the rulebook's ask (Yueyang: 2 of the city's own, at least 2
 * per county, by 2021-12-31). Pure, so the progress views and the weekly notice judge alike.
 */

/** A pilot as it stands at an instant: its designation in force then, and when it closed if it had by then. */
export interface PilotAtInstant {
  schoolId: string;
  /** The school's ancestry, province first. */
  ancestry: readonly string[];
  finishBy: string;
  /** 'programme': one of the owner's own pilots; 'county': its county's. */
  scope: string;
  /** Business time of the school's closure, if it closed (a closure after the instant judged does not count). */
  closedAt: string | null;
}

/** One unit's pilots. */
export interface PilotStanding {
  /** Pilot schools at or below the unit. */
  total: number;
  /** Of them, late: past their finishBy without closing, or closed after it. */
  late: number;
  /**
   * What the rulebook asks of this unit: the owner's own pilots (`ownerPilots`), at least
   * `perCounty` for a county inside the programme; null where it asks nothing of the unit.
   */
  required: number | null;
  /** Whose ask `required` is: the programme's owner's, a county's; null where nothing is asked of the unit. */
  askedAs: 'owner' | 'county' | null;
  /** The pilots that count towards `required`: the owner's own (scope programme), a county's (scope county). */
  counted: number;
  /** Fewer counted than required: the unit is short of pilots. */
  short: boolean;
  /** The rulebook's day by which the pilots are due. */
  dueBy: string;
  /** A school that is a pilot: the day it is due to finish by (null for any other unit). */
  finishBy: string | null;
}

/** Is a pilot late at `asOf`? The domain's rule, on the school as it stood then (a later closure not yet). */
export function pilotLate(pilot: PilotAtInstant, asOf: string): boolean {
  const closed = pilot.closedAt !== null && Date.parse(pilot.closedAt) < Date.parse(asOf);
  const state = {
    ...initialSchoolClosureState(),
    status: closed ? ('closed' as const) : ('open' as const),
    closedAt: closed ? pilot.closedAt : null,
    pilot: { finishBy: pilot.finishBy, scope: pilot.scope as 'programme' | 'county', designatedAt: asOf },
  };
  return isPilotLate(state, asOf);
}

/**
 * Per unit given, its pilots at `asOf`. `units` run from a root whose ancestry is `rootAncestry`
 * (province first, the root excluded); `ownerUnitId` runs the programme: its own pilots are asked
 * of it, and a county's of every county beneath it.
 */
export function pilotStandings(
  rule: PilotSchoolRule,
  ownerUnitId: string,
  units: readonly MeasureUnit[],
  rootAncestry: readonly string[],
  pilots: readonly PilotAtInstant[],
  asOf: string,
): Map<string, PilotStanding> {
  const chains = new Map<string, readonly string[]>();
  const parents = new Map(units.map((unit) => [unit.unitId, unit.parentId]));
  const chainOf = (unitId: string): readonly string[] => {
    const known = chains.get(unitId);
    if (known) return known;
    const parentId = parents.get(unitId) ?? null;
    const chain = parentId === null || !parents.has(parentId) ? rootAncestry : [...chainOf(parentId), parentId];
    chains.set(unitId, chain);
    return chain;
  };
  const judged = pilots.map((pilot) => ({
    pilot,
    path: new Set([...pilot.ancestry, pilot.schoolId]),
    late: pilotLate(pilot, asOf),
  }));
  const result = new Map<string, PilotStanding>();
  for (const unit of units) {
    const below = judged.filter((each) => each.path.has(unit.unitId));
    const isOwner = unit.unitId === ownerUnitId;
    const isCounty = unit.kind === 'county' && chainOf(unit.unitId).includes(ownerUnitId);
    const required = isOwner ? rule.ownerPilots : isCounty ? rule.perCounty : null;
    const counted = isOwner
      ? below.filter((each) => each.pilot.scope === 'programme').length
      : isCounty
        ? below.filter((each) => each.pilot.scope === 'county').length
        : below.length;
    const own = unit.kind === 'school' ? below.find((each) => each.pilot.schoolId === unit.unitId) : undefined;
    result.set(unit.unitId, {
      total: below.length,
      late: below.filter((each) => each.late).length,
      required,
      askedAs: isOwner ? 'owner' : isCounty ? 'county' : null,
      counted,
      short: required !== null && counted < required,
      dueBy: rule.dueBy,
      finishBy: own?.pilot.finishBy ?? null,
    });
  }
  return result;
}
