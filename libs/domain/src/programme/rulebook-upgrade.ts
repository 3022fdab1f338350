import { isRecord } from './plain-data';
import { Rulebook } from './rulebook';
import { isPresetRulebookName, presetRulebook } from './rulebook-presets';

/**
 * Fills the rulebook fields added after the first release (quotas, assessment, closure,
 * certificates, credits, pilots, who records each hours category) where a rulebook lacks them:
 * a caller's full rulebook written before they existed, and every rulebook already stored in
 * ProgrammeLaunched and BatchScheduled events. A preset's name takes the preset's values; any
 * other rulebook gets what the system did before the field existed (seats handed out, practice
 * graded on evidence where the rulebook has ability points or asks for evidence, closure without
 * the whole-school condition, one certificate issued by the school, the online category fed by
 * the platform and the others recorded by the school). Anything that is not a rulebook-like
 * object is returned as it is, for validation to name its problems.
 */
export function completeRulebook(candidate: unknown): unknown {
  if (!isRecord(candidate)) return candidate;
  const preset =
    typeof candidate.id === 'string' && isPresetRulebookName(candidate.id) ? presetRulebook(candidate.id) : undefined;
  const hours = completeHours(candidate, preset);
  const categoryIds = categoryIdsOf(hours);
  const legacy: Record<string, unknown> = {
    quotas: true,
    assessment: isLegacyGraded(candidate) ? { evidenceRequired: true, maxAttemptsPerPoint: null } : null,
    closure: { allAssessedFirst: false },
    certificates: [
      {
        kind: 'certificate',
        name: typeof candidate.name === 'string' ? candidate.name : 'certificate',
        issuer:
          isRecord(candidate.source) && typeof candidate.source.issuer === 'string'
            ? candidate.source.issuer
            : 'school',
        issuedBy: ['school'],
        categories: categoryIds,
      },
    ],
    creditsPerHour: null,
    pilotSchools: null,
  };
  const completed: Record<string, unknown> = { ...candidate, ...(hours === undefined ? {} : { hours }) };
  for (const [field, fallback] of Object.entries(legacy)) {
    if (completed[field] === undefined) completed[field] = preset ? preset[field as keyof Rulebook] : fallback;
  }
  return completed;
}

/** A stored rulebook (from an event), completed: what every fold of a programme or batch sees. */
export function storedRulebook(stored: Rulebook): Rulebook {
  // Stored rulebooks were validated when launched; only the newer fields can be missing.
  return completeRulebook(stored) as Rulebook;
}

function completeHours(candidate: Record<string, unknown>, preset: Rulebook | undefined): unknown {
  const hours = candidate.hours;
  if (!isRecord(hours) || !Array.isArray(hours.categories)) return undefined;
  const onlineCategoryId = isRecord(candidate.onlineStudy) ? candidate.onlineStudy.categoryId : undefined;
  return {
    ...hours,
    categories: hours.categories.map((category: unknown) => {
      if (!isRecord(category) || category.recordedBy !== undefined) return category;
      const fromPreset = preset?.hours.categories.find((each) => each.id === category.id)?.recordedBy;
      const recordedBy = fromPreset ?? (category.id === onlineCategoryId ? ['platform'] : ['school']);
      return { ...category, recordedBy: [...recordedBy] };
    }),
  };
}

function categoryIdsOf(hours: unknown): string[] {
  if (!isRecord(hours) || !Array.isArray(hours.categories)) return [];
  return hours.categories.flatMap((category: unknown) =>
    isRecord(category) && typeof category.id === 'string' ? [category.id] : [],
  );
}

/** Before assessment was a rule of its own, practice was graded where there were points or evidence. */
function isLegacyGraded(candidate: Record<string, unknown>): boolean {
  const practice = candidate.offlinePractice;
  return (
    (candidate.abilityPoints !== null && candidate.abilityPoints !== undefined) ||
    (isRecord(practice) && practice.evidenceRequired === true)
  );
}
