import { Decider } from '../shared/decider';
import { assertNever, RuleViolation } from '../shared/rule-violation';
import { addToInstant, endOfLocalDay, instantMs, isoOf, localDateOf, startOfLocalDay } from '../shared/calendar';
import { Period } from './programme.commands';
import { BatchEvent, BatchScheduledData } from './programme.events';
import { storedRulebook } from './rulebook-upgrade';

/** One stream per batch, holding a copy of its BatchScheduled. */
export function batchStreamId(batchId: string): string {
  return `batch-${batchId}`;
}

export interface BatchExtension {
  endsOn: string;
  previousEndsOn: string;
  reason: string;
}

/**
 * A scheduled batch. `endsOn` is its last day now (extensions included); `scheduledEndsOn` the
 * day it was scheduled to end. `ownerUnitId` is null for a batch scheduled before programmes had
 * owners (run by its province).
 */
export type ScheduledBatchState = { status: 'scheduled' } & Omit<BatchScheduledData, 'ownerUnitId'> & {
    ownerUnitId: string | null;
    scheduledEndsOn: string;
    extensions: BatchExtension[];
  };
export type BatchState = { status: 'unscheduled' } | ScheduledBatchState;

export function evolveBatch(state: BatchState, event: BatchEvent): BatchState {
  switch (event.type) {
    case 'BatchScheduled':
      return {
        status: 'scheduled',
        ...event.data,
        rulebook: storedRulebook(event.data.rulebook),
        ownerUnitId: event.data.ownerUnitId ?? null,
        scheduledEndsOn: event.data.endsOn,
        extensions: [],
      };
    case 'BatchExtended': {
      if (state.status !== 'scheduled') return state;
      const { endsOn, previousEndsOn, reason } = event.data;
      return { ...state, endsOn, extensions: [...state.extensions, { endsOn, previousEndsOn, reason }] };
    }
    default:
      return assertNever(event);
  }
}

/**
 * 一年周期内 / 2021年10月31日结束第一批次所有考核: after the batch's last day (China local date,
 * extensions included) nothing more is assessed, credited offline, certified or applied for.
 */
export function isBatchEnded(batch: ScheduledBatchState, at: string): boolean {
  return localDateOf(at) > batch.endsOn;
}

/** Refuses BATCH_ENDED after the batch's last day. */
export function requireBatchRunning(batch: ScheduledBatchState, at: string): void {
  if (!isBatchEnded(batch, at)) return;
  throw new RuleViolation('BATCH_ENDED', `Batch ${batch.batchId} ended on ${batch.endsOn}`, {
    batchId: batch.batchId,
    endsOn: batch.endsOn,
    at,
    ...(batch.extensions.length > 0 ? { extendedFrom: batch.scheduledEndsOn } : {}),
  });
}

/**
 * Is the unit (given with its ancestry, province first) inside the programme's territory? A
 * batch recorded before owners has the whole province.
 */
export function isInsideProgramme(batch: ScheduledBatchState, unitPath: readonly string[]): boolean {
  return batch.ownerUnitId === null || unitPath.includes(batch.ownerUnitId);
}

/** Refuses OUTSIDE_PROGRAMME for a unit outside the owner's subtree (a city-run programme's other cities). */
export function requireInsideProgramme(batch: ScheduledBatchState, unitId: string, unitPath: readonly string[]): void {
  if (isInsideProgramme(batch, unitPath)) return;
  throw new RuleViolation(
    'OUTSIDE_PROGRAMME',
    `${unitId} is outside the programme of batch ${batch.batchId}, which ${batch.ownerUnitId} runs`,
    { batchId: batch.batchId, unitId, ownerUnitId: batch.ownerUnitId },
  );
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
  const window = studyWindowMs(batch, query);
  return window === undefined ? undefined : { from: isoOf(window.from), until: isoOf(window.until) };
}

/** studyWindowOf in milliseconds: the hour feed asks it of every record, and ISO text would be parsed back. */
function studyWindowMs(
  batch: BatchState,
  query: { periodId: string; enrolledAt: string },
): { from: number; until: number } | undefined {
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
  return { from, until };
}

/** Does an online-study record at `at` count for a teacher enrolled at `enrolledAt` in this period? */
export function isWithinStudyWindow(
  batch: BatchState,
  query: { periodId: string; enrolledAt: string; at: string },
): boolean {
  const window = studyWindowMs(batch, query);
  if (window === undefined) return false;
  const at = instantMs(query.at);
  return at >= window.from && at < window.until;
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
