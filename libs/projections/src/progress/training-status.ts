import * as domain from '@tip/domain';
import type { EnrollmentState, TrainingOutcome } from '@tip/domain';

// Taken from the package once (see progress.figures.ts): called for every event a rebuild projects.
const { isActiveEnrollment, trainingOutcome } = domain;

/**
 * Where a teacher stands in a batch, by the first thing still missing: what a county admin
 * filters the teachers list by to chase the ones behind. Under a rulebook that grades nothing
 * (Lianyungang), `awaiting-grade` means online study is passed and the remaining hours or the
 * certificate are still to come.
 */
export const TRAINING_STATUSES = [
  'not-enrolled',
  'not-confirmed',
  'no-points',
  'online-not-passed',
  'awaiting-grade',
  'failed',
  'trained',
] as const;
export type TrainingStatus = (typeof TRAINING_STATUSES)[number];

/**
 * `pointsRequired`: the batch's rulebook has ability points to choose (2.0). `outcome`: the
 * record's trainingOutcome, when the caller has it already (a projection needs it for figures too).
 */
export function trainingStatus(
  state: EnrollmentState,
  pointsRequired: boolean,
  outcome: TrainingOutcome = trainingOutcome(state),
): TrainingStatus {
  if (!isActiveEnrollment(state)) return 'not-enrolled';
  if (outcome.trained) return 'trained';
  if (state.rules.practiceGraded && outcome.grade === 'fail') return 'failed';
  if (state.status === 'enrolled') return 'not-confirmed';
  if (pointsRequired && state.abilityPoints === null) return 'no-points';
  if (!outcome.onlinePassed) return 'online-not-passed';
  return 'awaiting-grade';
}
