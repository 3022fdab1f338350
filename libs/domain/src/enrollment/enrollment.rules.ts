import { assertNever } from '../shared/rule-violation';
import { Role } from '../shared/messages';
import { AdminLevel, HoursCategory, Rulebook } from '../programme/rulebook';
import { EnrollmentRules } from './enrollment.events';

/**
 * Is practice graded, so that a certificate needs a pass? Where the rulebook has an assessment
 * rule: Jiangsu's 合格以上成绩, Yueyang's 校本应用考核, Ningde's 提交应用实践成果,并通过相应的测评.
 * Lianyungang has none: its 省市两级培训均合格 is read as the hours of both levels being met.
 */
export function isPracticeGraded(rulebook: Rulebook): boolean {
  return rulebook.assessment !== null;
}

/** The admin level a role acts at; null for roles that are no level's admin. */
export function adminLevelOf(role: Role): AdminLevel | null {
  switch (role) {
    case 'school-admin':
      return 'school';
    case 'county-admin':
      return 'county';
    case 'city-admin':
      return 'city';
    case 'province-admin':
      return 'province';
    case 'system':
    case 'group-leader':
    case 'teacher':
    case 'inspector':
    case 'auditor':
      return null;
    default:
      return assertNever(role);
  }
}

/** The part of the rulebook an enrollment copies (see EnrollmentRules). */
export function enrollmentRulesOf(rulebook: Rulebook): EnrollmentRules {
  return {
    hours: {
      categories: rulebook.hours.categories.map((category) => ({ ...category })),
      minimumTotal: rulebook.hours.minimumTotal,
    },
    onlineCategoryId: rulebook.onlineStudy?.categoryId ?? null,
    practiceGraded: isPracticeGraded(rulebook),
    certificateKinds: rulebook.certificates.map((certificate) => certificate.kind),
    creditsPerHour: rulebook.creditsPerHour,
  };
}

/**
 * The categories RecordOfflineHours may credit: those an admin level records (Jiangsu's offline
 * hours by the school; Yueyang's workshop hours by the county or city centre beside the platform
 * feed). With a level, only the categories that level records; `system` (imports) records any of them.
 */
export function offlineHoursCategories(rulebook: Rulebook, level?: AdminLevel): HoursCategory[] {
  return rulebook.hours.categories.filter((category) =>
    level === undefined
      ? category.recordedBy.some((recorder) => recorder !== 'platform')
      : category.recordedBy.includes(level),
  );
}

/** Online hours the rulebook asks for before practice may be submitted or assessed (0: no such rule). */
export function onlineMinimumBeforePractice(rulebook: Rulebook): number {
  const rule = rulebook.onlineStudy;
  if (rule === null || !rule.passBeforeOfflineAssessment) return 0;
  return rulebook.hours.categories.find((category) => category.id === rule.categoryId)?.minimumHours ?? 0;
}
