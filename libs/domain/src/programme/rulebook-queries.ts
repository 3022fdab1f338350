import { addToInstant, addYearsToDate, instantMs, isoOf, localDateOf } from '../shared/calendar';
import { AbilityPointRule, Rulebook } from './rulebook';

/**
 * Small pure questions the application asks of a rulebook. "N% 以上" / "不低于 N%" read as
 * "at least N%"; percentages are compared in whole numbers (part·100 ≥ N·whole), never in floats.
 */

export interface HoursShortfall {
  /** A category id, or 'total'. */
  category: string;
  required: number;
  credited: number;
}

/** What is still missing of the rulebook's hours; [] when every minimum is met. */
export function hoursShortfall(rulebook: Rulebook, credited: Readonly<Record<string, number>>): HoursShortfall[] {
  const shortfalls: HoursShortfall[] = rulebook.hours.categories
    .map((category) => ({
      category: category.id,
      required: category.minimumHours,
      credited: credited[category.id] ?? 0,
    }))
    .filter((line) => line.credited < line.required);
  // Only the rulebook's own categories count towards the total.
  const total = rulebook.hours.categories.reduce((sum, category) => sum + (credited[category.id] ?? 0), 0);
  if (total < rulebook.hours.minimumTotal)
    shortfalls.push({ category: 'total', required: rulebook.hours.minimumTotal, credited: total });
  return shortfalls;
}

export function meetsHoursRequirement(rulebook: Rulebook, credited: Readonly<Record<string, number>>): boolean {
  return hoursShortfall(rulebook, credited).length === 0;
}

/** 规划书: may the school plan be uploaded? True when the rulebook sets no threshold. */
export function meetsPlanThreshold(rulebook: Rulebook, counts: { picked: number; enrolled: number }): boolean {
  if (rulebook.planThresholdPercent === null) return true;
  return counts.enrolled > 0 && atLeastPercent(counts.picked, counts.enrolled, rulebook.planThresholdPercent);
}

/**
 * 结项: do pass + excellent reach the threshold of the 参考教师 (every active enrolled teacher, not
 * only those graded)? True when the rulebook sets none.
 */
export function meetsClosureThreshold(rulebook: Rulebook, counts: { passed: number; candidates: number }): boolean {
  if (rulebook.closureThresholdPercent === null) return true;
  return counts.candidates > 0 && atLeastPercent(counts.passed, counts.candidates, rulebook.closureThresholdPercent);
}

/** How many excellent videos a school with this many full-time teachers must upload (0 without the rule). */
export function excellentVideosRequired(rulebook: Rulebook, fullTimeTeachers: number): number {
  if (rulebook.excellentVideos === null) return 0;
  return ceilPercentOf(fullTimeTeachers, rulebook.excellentVideos.minPercentOfFullTimeTeachers);
}

/** Is this sampling rate allowed? Any rate is, when the rulebook sets no minimum. */
export function isSampleRateAllowed(rulebook: Rulebook, ratePercent: number): boolean {
  return rulebook.inspectionMinSamplePercent === null || ratePercent >= rulebook.inspectionMinSamplePercent;
}

/** The smallest sample at a rate: ⌈rate% of the population⌉ (10% of 23 schools is 3). */
export function sampleSize(population: number, ratePercent: number): number {
  return ceilPercentOf(population, ratePercent);
}

/** The instant after which the teacher may no longer pick; null when the rulebook has no deadline. */
export function abilityPointDeadline(rulebook: Rulebook, enrolledAt: string): string | null {
  const days = rulebook.abilityPoints?.deadlineDays ?? null;
  return days === null ? null : isoOf(addToInstant(instantMs(enrolledAt), days, 'days'));
}

export function isAbilityPointDeadlinePassed(rulebook: Rulebook, enrolledAt: string, at: string): boolean {
  const deadline = abilityPointDeadline(rulebook, enrolledAt);
  return deadline !== null && instantMs(at) > instantMs(deadline);
}

/** Why a choice of ability points breaks the rule (BAD_POINT_CHOICE); [] when it is fine. */
export type PointChoiceProblem =
  | { problem: 'unknown-points'; points: string[] }
  | { problem: 'repeated-points'; points: string[] }
  | { problem: 'too-few-points'; minPoints: number; chosen: number }
  | { problem: 'too-many-points'; maxPoints: number; chosen: number }
  | { problem: 'too-few-dimensions'; minDimensions: number; covered: string[] };

export function abilityPointChoiceProblems(rule: AbilityPointRule, points: readonly string[]): PointChoiceProblem[] {
  const problems: PointChoiceProblem[] = [];
  const byCode = new Map(rule.catalogue.points.map((point) => [point.code, point]));
  const unknown = points.filter((code) => !byCode.has(code));
  if (unknown.length > 0) problems.push({ problem: 'unknown-points', points: unknown });
  const repeated = [...new Set(points.filter((code, index) => points.indexOf(code) !== index))];
  if (repeated.length > 0) problems.push({ problem: 'repeated-points', points: repeated });
  const chosen = new Set(points).size;
  if (chosen < rule.choice.minPoints)
    problems.push({ problem: 'too-few-points', minPoints: rule.choice.minPoints, chosen });
  if (rule.choice.maxPoints !== null && chosen > rule.choice.maxPoints) {
    problems.push({ problem: 'too-many-points', maxPoints: rule.choice.maxPoints, chosen });
  }
  if (rule.choice.minDimensions > 0) {
    const covered = [...new Set(points.flatMap((code) => byCode.get(code)?.dimension ?? []))];
    if (covered.length < rule.choice.minDimensions) {
      problems.push({ problem: 'too-few-dimensions', minDimensions: rule.choice.minDimensions, covered });
    }
  }
  return problems;
}

/** The local date a teacher reaches retirement age; null when the rulebook has no exemption rule. */
export function retirementDateOf(
  rulebook: Rulebook,
  teacher: { gender: 'male' | 'female'; birthDate: string },
): string | null {
  if (rulebook.exemption === null) return null;
  return addYearsToDate(teacher.birthDate, rulebook.exemption.retirementAge[teacher.gender]);
}

/**
 * 距退休不满N年: exempt when fewer than N years remain before retirement at business time `at`.
 * The birth date comes from the protected ID number (birthDateOf after the application decrypts it).
 */
export function isExemptFromTraining(
  rulebook: Rulebook,
  teacher: { gender: 'male' | 'female'; birthDate: string },
  at: string,
): boolean {
  if (rulebook.exemption === null) return false;
  const retirement = retirementDateOf(rulebook, teacher);
  if (retirement === null) return false;
  const lastDayNotExempt = addYearsToDate(retirement, -rulebook.exemption.yearsBeforeRetirement);
  // On that day exactly N years remain; from the next day fewer do.
  return localDateOf(at) > lastDayNotExempt;
}

/** Per-hour funding for a number of teachers over the rulebook's total hours; null without a rate. */
export function trainingFundingYuan(rulebook: Rulebook, teachers: number): number | null {
  if (rulebook.funding === null) return null;
  return rulebook.funding.yuanPerHourPerTeacher * rulebook.hours.minimumTotal * teachers;
}

/** 3元/学时•人: what these credited hours are funded with; null where the rulebook has no rate. */
export function fundingYuanForHours(rulebook: Rulebook, hours: number): number | null {
  if (rulebook.funding === null) return null;
  // In fen, so 12.5 hours at 3 yuan is 37.5 and not 37.49999….
  return Math.round(hours * 100 * rulebook.funding.yuanPerHourPerTeacher) / 100;
}

function atLeastPercent(part: number, whole: number, percent: number): boolean {
  return part * 100 >= percent * whole;
}

function ceilPercentOf(whole: number, percent: number): number {
  return Math.ceil((whole * percent) / 100);
}
