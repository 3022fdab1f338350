import { RuleViolation } from '../shared/rule-violation';
import { isCalendarDate } from '../shared/calendar';
import { isRecord, isSameData } from './plain-data';
import {
  ADMIN_LEVELS,
  HOURS_MODES,
  HOURS_RECORDERS,
  Rulebook,
  STUDY_LIMIT_ANCHORS,
  STUDY_LIMIT_UNITS,
} from './rulebook';
import { isPresetRulebookName, presetRulebook } from './rulebook-presets';
import { completeRulebook } from './rulebook-upgrade';

/** One bad field of a candidate rulebook: a path such as `hours.categories[1].minimumHours`. */
export interface RulebookProblem {
  field: string;
  problem: string;
}

/**
 * Checks a caller-given rulebook (LaunchProgramme with a full object) and returns a clean copy
 * holding only known fields. Every field is required (null where a rule does not apply), unknown
 * fields are refused, so a typo cannot silently drop a rule. Throws
 * RuleViolation('BAD_RULEBOOK', …, { problems }) naming every bad field.
 */
export function validateRulebook(given: unknown): Rulebook {
  const problems: RulebookProblem[] = [];
  // The fields added since the first release may be left out (see completeRulebook).
  const candidate = completeRulebook(given);
  const rulebook = rulebookShape(candidate, 'rulebook', problems);
  if (rulebook !== undefined) problems.push(...consistencyProblems(rulebook, candidate));
  if (rulebook === undefined || problems.length > 0) {
    throw new RuleViolation('BAD_RULEBOOK', `The rulebook has ${problems.length} problem(s)`, { problems });
  }
  return rulebook;
}

// A tiny schema language: each check returns the checked value, or undefined after recording why.
type Check<T> = (value: unknown, path: string, problems: RulebookProblem[]) => T | undefined;
type Checked<C> = C extends Check<infer T> ? T : never;

const text = (): Check<string> => (value, path, problems) => {
  if (typeof value !== 'string' || value.trim() === '') {
    problems.push({ field: path, problem: 'must be a non-empty string' });
    return undefined;
  }
  return value;
};

const date = (): Check<string> => (value, path, problems) => {
  if (typeof value !== 'string' || !isCalendarDate(value)) {
    problems.push({ field: path, problem: 'must be a date YYYY-MM-DD' });
    return undefined;
  }
  return value;
};

const number =
  (options: { min: number; max?: number; integer?: boolean; above?: boolean }): Check<number> =>
  (value, path, problems) => {
    const ok =
      typeof value === 'number' &&
      Number.isFinite(value) &&
      (options.above ? value > options.min : value >= options.min) &&
      (options.max === undefined || value <= options.max) &&
      (!options.integer || Number.isInteger(value));
    if (!ok) {
      const range = `${options.above ? '>' : '≥'} ${options.min}${options.max !== undefined ? ` and ≤ ${options.max}` : ''}`;
      problems.push({ field: path, problem: `must be a ${options.integer ? 'whole number' : 'number'} ${range}` });
      return undefined;
    }
    return value;
  };

const percent = number({ min: 0, max: 100 });
const positivePercent = number({ min: 0, max: 100, above: true });
const hours = number({ min: 0 });
const positiveWhole = number({ min: 1, integer: true });

const bool = (): Check<boolean> => (value, path, problems) => {
  if (typeof value !== 'boolean') {
    problems.push({ field: path, problem: 'must be true or false' });
    return undefined;
  }
  return value;
};

const oneOf =
  <const T extends readonly string[]>(values: T): Check<T[number]> =>
  (value, path, problems) => {
    const found = values.find((candidate) => candidate === value);
    if (found === undefined) problems.push({ field: path, problem: `must be one of ${values.join(', ')}` });
    return found;
  };

const nullable =
  <T>(check: Check<T>): Check<T | null> =>
  (value, path, problems) =>
    value === null ? null : check(value, path, problems);

const list =
  <T>(item: Check<T>, options: { nonEmpty?: boolean } = {}): Check<T[]> =>
  (value, path, problems) => {
    if (!Array.isArray(value)) {
      problems.push({ field: path, problem: 'must be a list' });
      return undefined;
    }
    if (options.nonEmpty && value.length === 0) {
      problems.push({ field: path, problem: 'must not be empty' });
      return undefined;
    }
    const items = value.map((element, index) => item(element, `${path}[${index}]`, problems));
    return items.every((element): element is T => element !== undefined) ? items : undefined;
  };

const shape =
  <S extends Record<string, Check<unknown>>>(fields: S): Check<{ [K in keyof S]: Checked<S[K]> }> =>
  (value, path, problems) => {
    if (!isRecord(value)) {
      problems.push({ field: path, problem: 'must be an object' });
      return undefined;
    }
    for (const key of Object.keys(value)) {
      if (!Object.prototype.hasOwnProperty.call(fields, key))
        problems.push({ field: `${path}.${key}`, problem: 'is not a rulebook field' });
    }
    const result: Record<string, unknown> = {};
    let ok = true;
    for (const [key, check] of Object.entries(fields)) {
      if (value[key] === undefined) {
        problems.push({ field: `${path}.${key}`, problem: 'is required (null where the rule does not apply)' });
        ok = false;
        continue;
      }
      const checked = check(value[key], `${path}.${key}`, problems);
      if (checked === undefined) ok = false;
      else result[key] = checked;
    }
    // Every field was checked against `fields`, so the record has the mapped type.
    return ok ? (result as { [K in keyof S]: Checked<S[K]> }) : undefined;
  };

const term = shape({ code: text(), name: text() });

const rulebookShape: Check<Rulebook> = shape({
  id: text(),
  name: text(),
  version: text(),
  source: shape({
    seed: nullable(text()),
    title: text(),
    issuer: text(),
    documentNumber: nullable(text()),
    issuedOn: nullable(date()),
  }),
  hours: shape({
    categories: list(
      shape({
        id: text(),
        label: text(),
        mode: oneOf(HOURS_MODES),
        minimumHours: hours,
        recordedBy: list(oneOf(HOURS_RECORDERS), { nonEmpty: true }),
      }),
      { nonEmpty: true },
    ),
    minimumTotal: hours,
  }),
  onlineStudy: nullable(
    shape({
      categoryId: text(),
      withinPeriod: bool(),
      limit: nullable(
        shape({ amount: positiveWhole, unit: oneOf(STUDY_LIMIT_UNITS), from: oneOf(STUDY_LIMIT_ANCHORS) }),
      ),
      passBeforeOfflineAssessment: bool(),
    }),
  ),
  abilityPoints: nullable(
    shape({
      catalogue: shape({
        id: text(),
        version: text(),
        source: text(),
        environments: list(term, { nonEmpty: true }),
        dimensions: list(term),
        points: list(
          shape({ code: text(), environment: text(), name: nullable(text()), dimension: nullable(text()) }),
          { nonEmpty: true },
        ),
      }),
      choice: shape({
        minPoints: positiveWhole,
        maxPoints: nullable(positiveWhole),
        minDimensions: number({ min: 0, integer: true }),
      }),
      deadlineDays: nullable(positiveWhole),
      afterDeadlinePickedBy: nullable(oneOf(['school-admin'] as const)),
    }),
  ),
  offlinePractice: shape({
    evidenceRequired: bool(),
    peerReviewRequired: bool(),
    groupSessionVideo: bool(),
    hoursEntryDeadlineDays: nullable(positiveWhole),
  }),
  planThresholdPercent: nullable(percent),
  closureThresholdPercent: nullable(percent),
  excellentVideos: nullable(shape({ minPercentOfFullTimeTeachers: percent, everySubject: bool() })),
  inspectionMinSamplePercent: nullable(percent),
  exemption: nullable(
    shape({
      yearsBeforeRetirement: positiveWhole,
      retirementAge: shape({ male: positiveWhole, female: positiveWhole }),
      retirementAgeSource: text(),
    }),
  ),
  funding: nullable(shape({ yuanPerHourPerTeacher: number({ min: 0 }) })),
  batchSharesPercent: nullable(list(positivePercent, { nonEmpty: true })),
  coverageTargets: list(shape({ by: date(), minPercent: percent, aimPercent: nullable(percent) })),
  quotas: bool(),
  assessment: nullable(shape({ evidenceRequired: bool(), maxAttemptsPerPoint: nullable(positiveWhole) })),
  closure: nullable(shape({ allAssessedFirst: bool() })),
  certificates: list(
    shape({
      kind: text(),
      name: text(),
      issuer: text(),
      issuedBy: list(oneOf(ADMIN_LEVELS), { nonEmpty: true }),
      categories: list(text(), { nonEmpty: true }),
    }),
    { nonEmpty: true },
  ),
  creditsPerHour: nullable(number({ min: 0, above: true })),
  pilotSchools: nullable(
    shape({
      ownerPilots: number({ min: 0, integer: true }),
      perCounty: number({ min: 0, integer: true }),
      dueBy: date(),
    }),
  ),
  notes: list(text()),
});

/** Rules across fields, checked once every field has the right shape. */
function consistencyProblems(rulebook: Rulebook, candidate: unknown): RulebookProblem[] {
  const problems: RulebookProblem[] = [];
  const add = (field: string, problem: string) => problems.push({ field: `rulebook.${field}`, problem });

  if (isPresetRulebookName(rulebook.id) && !isSameData(candidate, presetRulebook(rulebook.id))) {
    add('id', `names the preset ${rulebook.id} but differs from it; give a changed rulebook its own id`);
  }

  const categoryIds = rulebook.hours.categories.map((category) => category.id);
  duplicates(categoryIds).forEach((id) => add('hours.categories', `category id ${id} appears more than once`));
  const sumOfMinimums = rulebook.hours.categories.reduce((sum, category) => sum + category.minimumHours, 0);
  if (rulebook.hours.minimumTotal < sumOfMinimums) {
    add('hours.minimumTotal', `must be at least the sum of the category minimums (${sumOfMinimums})`);
  }

  rulebook.hours.categories.forEach((category, index) => {
    const fedByPlatform = category.recordedBy.includes('platform');
    if (fedByPlatform && category.id !== rulebook.onlineStudy?.categoryId) {
      add(`hours.categories[${index}].recordedBy`, 'only the online study category is fed by the platform');
    }
    if (!fedByPlatform && category.id === rulebook.onlineStudy?.categoryId) {
      add(`hours.categories[${index}].recordedBy`, 'the online study category is fed by the platform');
    }
    duplicates(category.recordedBy).forEach((recorder) =>
      add(`hours.categories[${index}].recordedBy`, `${recorder} appears more than once`),
    );
  });

  duplicates(rulebook.certificates.map((certificate) => certificate.kind)).forEach((kind) =>
    add('certificates', `kind ${kind} appears more than once`),
  );
  rulebook.certificates.forEach((certificate, index) => {
    certificate.categories
      .filter((category) => !categoryIds.includes(category))
      .forEach((category) => add(`certificates[${index}].categories`, `${category} names no hours category`));
  });

  if (rulebook.closure === null) {
    if (rulebook.closureThresholdPercent !== null) add('closureThresholdPercent', 'needs a closure rule (closure)');
    if (rulebook.excellentVideos !== null) add('excellentVideos', 'needs a closure rule (closure)');
  }

  const online = rulebook.onlineStudy;
  if (online !== null) {
    const category = rulebook.hours.categories.find((candidateCategory) => candidateCategory.id === online.categoryId);
    if (category === undefined) add('onlineStudy.categoryId', `names no hours category (${categoryIds.join(', ')})`);
    else if (category.mode === 'offline') add('onlineStudy.categoryId', `names an offline category (${category.id})`);
    if (online.limit?.from === 'period-start' && !online.withinPeriod) {
      add('onlineStudy.limit.from', 'period-start needs withinPeriod: true');
    }
  }

  const points = rulebook.abilityPoints;
  if (points !== null) {
    const { catalogue, choice } = points;
    duplicates(catalogue.points.map((point) => point.code)).forEach((code) =>
      add('abilityPoints.catalogue.points', `code ${code} appears more than once`),
    );
    duplicates(catalogue.environments.map((environment) => environment.code)).forEach((code) =>
      add('abilityPoints.catalogue.environments', `code ${code} appears more than once`),
    );
    duplicates(catalogue.dimensions.map((dimension) => dimension.code)).forEach((code) =>
      add('abilityPoints.catalogue.dimensions', `code ${code} appears more than once`),
    );
    const environments = new Set(catalogue.environments.map((environment) => environment.code));
    const dimensions = new Set(catalogue.dimensions.map((dimension) => dimension.code));
    catalogue.points.forEach((point, index) => {
      if (!environments.has(point.environment))
        add(`abilityPoints.catalogue.points[${index}].environment`, `names no environment of the catalogue`);
      if (point.dimension !== null && !dimensions.has(point.dimension)) {
        add(`abilityPoints.catalogue.points[${index}].dimension`, 'names no dimension of the catalogue');
      }
    });
    if (choice.minPoints > catalogue.points.length)
      add('abilityPoints.choice.minPoints', `exceeds the catalogue's ${catalogue.points.length} points`);
    if (choice.maxPoints !== null && choice.maxPoints < choice.minPoints)
      add('abilityPoints.choice.maxPoints', 'must be at least minPoints');
    if (choice.minDimensions > catalogue.dimensions.length) {
      add('abilityPoints.choice.minDimensions', `exceeds the catalogue's ${catalogue.dimensions.length} dimensions`);
    }
    if (choice.minDimensions > 0 && catalogue.points.some((point) => point.dimension === null)) {
      add('abilityPoints.choice.minDimensions', 'needs every catalogue point to name its dimension');
    }
    if (points.afterDeadlinePickedBy !== null && points.deadlineDays === null) {
      add('abilityPoints.afterDeadlinePickedBy', 'needs a deadline (deadlineDays)');
    }
  }

  if (rulebook.batchSharesPercent !== null) {
    const total = rulebook.batchSharesPercent.reduce((sum, share) => sum + share, 0);
    if (total > 100) add('batchSharesPercent', `must add up to at most 100 (they add up to ${total})`);
  }

  rulebook.coverageTargets.forEach((target, index) => {
    if (target.aimPercent !== null && target.aimPercent < target.minPercent)
      add(`coverageTargets[${index}].aimPercent`, 'must be at least minPercent');
  });

  if (rulebook.exemption !== null) {
    const { male, female } = rulebook.exemption.retirementAge;
    if (rulebook.exemption.yearsBeforeRetirement >= Math.min(male, female)) {
      add('exemption.yearsBeforeRetirement', 'must be less than the retirement ages');
    }
  }

  return problems;
}

function duplicates(values: string[]): string[] {
  return [...new Set(values.filter((value, index) => values.indexOf(value) !== index))];
}
