import { HoursCategory, Rulebook } from '../programme/rulebook';
import { EnrollmentRules } from './enrollment.events';

/**
 * Is practice graded, so that a certificate needs a pass? Where the rulebook has ability points
 * (2.0: Jiangsu's 合格以上成绩, Yueyang's 校本应用考核) or asks for practice evidence (Ningde:
 * 提交应用实践成果,并通过相应的测评). Lianyungang has neither: its 省市两级培训均合格 is read as
 * the hours of both levels being met.
 */
export function isPracticeGraded(rulebook: Rulebook): boolean {
  return rulebook.abilityPoints !== null || rulebook.offlinePractice.evidenceRequired;
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
  };
}

/**
 * The categories RecordOfflineHours may credit: every category but the one the course-platform
 * feed credits (Yueyang's blended workshop hours come from the platform alone).
 */
export function offlineHoursCategories(rulebook: Rulebook): HoursCategory[] {
  const online = rulebook.onlineStudy?.categoryId;
  return rulebook.hours.categories.filter((category) => category.id !== online);
}

/** Online hours the rulebook asks for before practice may be submitted or assessed (0: no such rule). */
export function onlineMinimumBeforePractice(rulebook: Rulebook): number {
  const rule = rulebook.onlineStudy;
  if (rule === null || !rule.passBeforeOfflineAssessment) return 0;
  return rulebook.hours.categories.find((category) => category.id === rule.categoryId)?.minimumHours ?? 0;
}
