import { Decider } from '../shared/decider';
import { assertNever, RuleViolation } from '../shared/rule-violation';
import { addToInstant, endOfLocalDay, instantMs, isoOf, startOfLocalDay } from '../shared/calendar';
import { Period } from './programme.commands';
import { BatchEvent, BatchScheduledData } from './programme.events';

/** One stream per batch, holding a copy of its BatchScheduled. */
export function batchStreamId(batchId: string): string {
  return `batch-${batchId}`;
}

export type ScheduledBatchState = { status: 'scheduled' } & BatchScheduledData;
export type BatchState = { status: 'unscheduled' } | ScheduledBatchState;

export function evolveBatch(state: BatchState, event: BatchEvent): BatchState {
  switch (event.type) {
    case 'BatchScheduled':
      return { status: 'scheduled', ...event.data };
    default:
      return assertNever(event.type);
  }
}

/** Folds a batch stream: `fold(batchEvolver, events)`. */
export const batchEvolver: Pick<Decider<never, BatchEvent, BatchState>, 'evolve' | 'initialState'> = {
  evolve: evolveBatch,
  initialState: () => ({ status: 'unscheduled' }),
};

export function periodOf(batch: BatchState, periodId: string): Period | undefined {
  return batch.status === 'scheduled' ? batch.periods.find((period) => period.periodId === periodId) : undefined;
}

/** A half-open window of instants [from, until). */
export interface StudyWindow {
  from: string;
  until: string;
}

/**
 * When a teacher's online hours count: inside their period when the rulebook says so (otherwise
 * inside the batch), not before their enrollment, and within the rulebook's limit (Jiangsu: one
 * month from enrollment; Lianyungang: 40 days from the period's start). Undefined when the batch
 * is not scheduled or has no such period. The window may be empty (enrolled after it closed).
 */
export function studyWindowOf(
  batch: BatchState,
  query: { periodId: string; enrolledAt: string },
): StudyWindow | undefined {
  const period = periodOf(batch, query.periodId);
  if (batch.status === 'unscheduled' || period === undefined) return undefined;
  const rule = batch.rulebook.onlineStudy;
  const inPeriod = rule?.withinPeriod ?? false;
  const enrolled = instantMs(query.enrolledAt);
  let from = Math.max(startOfLocalDay(inPeriod ? period.startsOn : batch.startsOn), enrolled);
  let until = endOfLocalDay(inPeriod ? period.endsOn : batch.endsOn);
  if (rule?.limit) {
    const anchor = rule.limit.from === 'enrollment' ? enrolled : startOfLocalDay(period.startsOn);
    until = Math.min(until, addToInstant(anchor, rule.limit.amount, rule.limit.unit));
  }
  if (from > until) from = until;
  return { from: isoOf(from), until: isoOf(until) };
}

/** Does an online-study record at `at` count for a teacher enrolled at `enrolledAt` in this period? */
export function isWithinStudyWindow(
  batch: BatchState,
  query: { periodId: string; enrolledAt: string; at: string },
): boolean {
  const window = studyWindowOf(batch, query);
  if (window === undefined) return false;
  const at = instantMs(query.at);
  return at >= instantMs(window.from) && at < instantMs(window.until);
}

/**
 * Quota, enrollment and study all happen inside a scheduled batch's period; anything naming
 * an unknown one is refused before its own rules are looked at.
 */
export function requireScheduledPeriod(batch: BatchState, batchId: string, periodId: string): Period {
  if (batch.status !== 'scheduled')
    throw new RuleViolation('UNKNOWN_BATCH', `Batch ${batchId} is not scheduled`, { batchId });
  const period = periodOf(batch, periodId);
  if (!period) {
    throw new RuleViolation('UNKNOWN_PERIOD', `Batch ${batchId} has no period ${periodId}`, {
      batchId,
      periodId,
      periods: batch.periods.map((each) => each.periodId),
    });
  }
  return period;
}
