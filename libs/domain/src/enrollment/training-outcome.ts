import { Grade } from './enrollment.commands';
import { EnrollmentRules } from './enrollment.events';
import {
  EnrollmentState,
  hoursCredited,
  isFullyCertified,
  isActiveEnrollment,
  onlinePassed,
  overallGrade,
  totalHoursCredited,
} from './enrollment.state';

/**
 * What finishes a teacher, as the rulebook has it: where practice is graded, a pass or better
 * (Jiangsu's 达到合格以上成绩, Ningde's 通过相应的测评, Yueyang's 校本应用考核); where nothing is
 * graded (Lianyungang), the rulebook's hours met and the certificate issued (省市两级培训均合格，获相应学时，发…合格证书).
 */
export function isTrained(state: EnrollmentState): boolean {
  return trainingOutcome(state).trained;
}

/** A record's grade, hours and standing, each worked out once from the whole record. */
export interface TrainingOutcome {
  /** overallGrade's. */
  readonly grade: Grade | null;
  /** hoursCredited's: every category of the rulebook (the record's own tally, frozen when not enrolled). */
  readonly hoursCredited: Record<string, number>;
  /** onlinePassed's. */
  readonly onlinePassed: boolean;
  /** isTrained's. */
  readonly trained: boolean;
}

const NOT_ENROLLED: TrainingOutcome = Object.freeze({
  grade: null,
  hoursCredited: Object.freeze({}),
  onlinePassed: false,
  trained: false,
});

/**
 * The grade, hours, online study and isTrained of a record in one pass: a read model asks for all
 * of them after every event, and each walks the record's attempts or hours.
 */
export function trainingOutcome(state: EnrollmentState): TrainingOutcome {
  if (!isActiveEnrollment(state)) return NOT_ENROLLED;
  const grade = overallGrade(state);
  const credited = hoursCredited(state);
  const trained = state.rules.practiceGraded
    ? grade === 'pass' || grade === 'excellent'
    : meetsHours(state.rules, credited) && isFullyCertified(state);
  return { grade, hoursCredited: credited, onlinePassed: onlinePassed(state), trained };
}

/**
 * 认定学时: the hours the programme recognises, which are a trained teacher's (Jiangsu: 达到合格以上
 * 成绩的教师，将认定获得…相应学时); hours of a teacher not (yet) trained are credited, not recognised.
 */
export function recognisedHours(state: EnrollmentState): number {
  if (!isTrained(state)) return 0;
  return totalHoursCredited(state);
}

function meetsHours(rules: EnrollmentRules, credited: Readonly<Record<string, number>>): boolean {
  let total = 0;
  for (const category of rules.hours.categories) {
    const hours = credited[category.id] ?? 0;
    if (hours < category.minimumHours) return false;
    total += hours;
  }
  return total >= rules.hours.minimumTotal;
}
