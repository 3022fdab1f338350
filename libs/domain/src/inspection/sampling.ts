import { sampleSize } from '../programme/rulebook-queries';
import { fnv1a32, mulberry32 } from '../shared/seeded-random';

/** A school that may be sampled, with its stratum: its parent county (a city for 市直属学校). */
export interface InspectionCandidate {
  schoolId: string;
  countyId: string;
}

export interface InspectionCountyAllocation {
  countyId: string;
  /** Candidate schools in the county. */
  schools: number;
  /** How many of them are drawn. */
  drawn: number;
}

export interface InspectionDraw {
  algorithm: string;
  /** The candidates, sorted by school id. */
  candidates: InspectionCandidate[];
  size: number;
  allocation: InspectionCountyAllocation[];
  /** Sorted by school id. */
  drawn: InspectionCandidate[];
}

/** Names the procedure below; a different procedure must get a new name, so old samples stay checkable. */
export const INSPECTION_SAMPLING_ALGORITHM = 'stratified-by-county/largest-remainder/fnv1a32-mulberry32/v1';

/**
 * Draws a sample anyone can draw again: the same candidates (in any order), rate and seed always
 * give the same schools. The procedure, so a checker's script can repeat it without this code:
 *
 * 1. Sort the candidates by school id (UTF-16 code units, not locale); a school id appears once.
 * 2. size = ⌈rate% × candidates⌉. Strata are the counties, sorted by county id.
 * 3. Random numbers: FNV-1a (32-bit) over the UTF-16 code units of String(seed) seeds mulberry32;
 *    an integer below m is ⌊next() × m⌋; a shuffle is Fisher–Yates from the last index down.
 * 4. Shuffle the sorted county list once: that order breaks ties between equal remainders.
 * 5. Allocation (Hamilton's largest remainders): when size ≥ counties, every county gets one and
 *    the other size − K seats go in proportion to each county's schools beyond its first; else
 *    the size seats go in proportion to each county's schools, so smaller counties may get none.
 *    Each county takes ⌊quota⌋, and the seats left over go one each to the largest remainders.
 * 6. For each county in county-id order, shuffle its sorted schools and take the first ones.
 */
export function drawSample(
  candidates: readonly InspectionCandidate[],
  ratePercent: number,
  seed: string | number,
): InspectionDraw {
  if (!(ratePercent > 0 && ratePercent <= 100))
    throw new RangeError(`A sampling rate is above 0 and at most 100, not ${ratePercent}`);
  const sorted = sortInspectionCandidates(candidates);
  const size = Math.min(sampleSize(sorted.length, ratePercent), sorted.length);
  const counties = [...new Set(sorted.map((candidate) => candidate.countyId))].sort(byCodeUnits);
  const schoolsOf = (countyId: string) => sorted.filter((candidate) => candidate.countyId === countyId);

  const next = mulberry32(fnv1a32(String(seed)));
  const tieOrder = shuffle(counties, next);
  const seats = allocate(
    counties.map((countyId) => ({ countyId, schools: schoolsOf(countyId).length })),
    size,
    tieOrder,
  );

  const drawn = counties.flatMap((countyId) => shuffle(schoolsOf(countyId), next).slice(0, seats.get(countyId) ?? 0));
  return {
    algorithm: INSPECTION_SAMPLING_ALGORITHM,
    candidates: sorted,
    size,
    allocation: counties.map((countyId) => ({
      countyId,
      schools: schoolsOf(countyId).length,
      drawn: seats.get(countyId) ?? 0,
    })),
    drawn: drawn.sort((a, b) => byCodeUnits(a.schoolId, b.schoolId)),
  };
}

/** Copies and sorts by school id; a school listed twice is the caller's bug. */
export function sortInspectionCandidates(candidates: readonly InspectionCandidate[]): InspectionCandidate[] {
  const sorted = candidates
    .map(({ schoolId, countyId }) => ({ schoolId, countyId }))
    .sort((a, b) => byCodeUnits(a.schoolId, b.schoolId));
  const repeated = sorted.find((candidate, index) => index > 0 && sorted[index - 1].schoolId === candidate.schoolId);
  if (repeated !== undefined) throw new Error(`School ${repeated.schoolId} is listed twice among the candidates`);
  return sorted;
}

function allocate(
  counties: { countyId: string; schools: number }[],
  size: number,
  tieOrder: string[],
): Map<string, number> {
  const population = counties.reduce((sum, county) => sum + county.schools, 0);
  const onePerCounty = size >= counties.length;
  const base = onePerCounty ? 1 : 0;
  // Integers only: quota = numerator / denominator, compared by remainder over one denominator.
  const toShare = onePerCounty ? size - counties.length : size;
  const denominator = onePerCounty ? population - counties.length : population;
  const quotas = counties.map((county) => {
    const numerator = denominator === 0 ? 0 : toShare * (county.schools - base);
    return {
      countyId: county.countyId,
      seats: base + (denominator === 0 ? 0 : Math.floor(numerator / denominator)),
      remainder: denominator === 0 ? 0 : numerator % denominator,
    };
  });
  let left = size - quotas.reduce((sum, quota) => sum + quota.seats, 0);
  const byRemainder = [...quotas].sort(
    (a, b) => b.remainder - a.remainder || tieOrder.indexOf(a.countyId) - tieOrder.indexOf(b.countyId),
  );
  for (const quota of byRemainder) {
    if (left === 0) break;
    quota.seats += 1;
    left -= 1;
  }
  return new Map(quotas.map((quota) => [quota.countyId, quota.seats]));
}

function shuffle<T>(items: readonly T[], next: () => number): T[] {
  const result = [...items];
  for (let i = result.length - 1; i > 0; i -= 1) {
    const j = Math.floor(next() * (i + 1));
    [result[i], result[j]] = [result[j], result[i]];
  }
  return result;
}

function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
