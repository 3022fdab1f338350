import { Command } from '../shared/messages';
import { BatchState, requireScheduledPeriod, ScheduledBatchState } from '../programme/batch';
import { Rulebook } from '../programme/rulebook';
import { notEnrolled, schoolClosed } from './enrolment.errors';
import { ActorRef } from './enrolment.events';
import { Enrolment, EnrolmentState, isActiveEnrolment } from './enrolment.state';

/**
 * What the handler of a command on one enrollment loads:
 * - `enrolment`: the stream `enrolmentStreamId(batchId, teacherId)` folded with enrolmentEvolver;
 * - `batch`: the stream `batchStreamId(batchId)` folded with batchEvolver (its rulebook and periods);
 * - `schoolClosed`: whether the school the teacher trains with (the enrollment's schoolId) has
 *   closed (结项) in this batch, as the school-closure context tells it.
 */
export interface EnrolmentContext {
  enrolment: EnrolmentState;
  batch: BatchState;
  schoolClosed: boolean;
}

/** For commands that need no rule of the batch. */
export type EnrolmentStreamContext = Pick<EnrolmentContext, 'enrolment' | 'schoolClosed'>;

/**
 * The common opening of every decision on an existing enrollment: a closed school's teacher is
 * refused first (结项后学校不可再进行任何操作), then a teacher not enrolled.
 */
export function requireOpenSchool(context: EnrolmentStreamContext, batchId: string | undefined): void {
  if (!context.schoolClosed) return;
  const { enrolment } = context;
  throw schoolClosed(enrolment.status === 'not-enrolled' ? undefined : enrolment.schoolId, batchId);
}

export function requireActive(context: EnrolmentStreamContext, batchId: string, teacherId: string): Enrolment {
  requireOpenSchool(context, batchId);
  const { enrolment } = context;
  if (!isActiveEnrolment(enrolment)) throw notEnrolled(batchId, teacherId, enrolment.status);
  return enrolment;
}

/** The enrollment's batch, scheduled (UNKNOWN_BATCH / UNKNOWN_PERIOD otherwise). */
export function requireBatch(batch: BatchState, batchId: string, periodId: string): ScheduledBatchState {
  requireScheduledPeriod(batch, batchId, periodId);
  // requireScheduledPeriod refused anything unscheduled; this only narrows the type.
  if (batch.status !== 'scheduled') throw new Error(`Batch ${batchId} is not scheduled`);
  return batch;
}

export function rulebookOf(batch: BatchState, enrolment: Enrolment): Rulebook {
  return requireBatch(batch, enrolment.batchId, enrolment.periodId).rulebook;
}

export function actorOf(command: Command): ActorRef {
  return { sub: command.metadata.actor.sub, role: command.metadata.actor.role };
}

/** No rulebook asks for more than 140 hours in all; a single entry beyond this is a mistake. */
export const MAX_HOURS_PER_ENTRY = 200;

/** Hours are a positive number with at most two decimals (0.5 学时 is common), at most MAX_HOURS_PER_ENTRY. */
export function isPlausibleHours(hours: unknown): hours is number {
  return (
    typeof hours === 'number' &&
    Number.isFinite(hours) &&
    hours > 0 &&
    hours <= MAX_HOURS_PER_ENTRY &&
    Math.abs(hours * 100 - Math.round(hours * 100)) < 1e-6
  );
}
