import { Command } from '../shared/messages';
import { BatchState, requireBatchRunning, requireScheduledPeriod, ScheduledBatchState } from '../programme/batch';
import { Rulebook } from '../programme/rulebook';
import { notEnrolled, schoolClosed } from './enrollment.errors';
import { ActorRef } from './enrollment.events';
import { Enrollment, EnrollmentState, isActiveEnrollment } from './enrollment.state';

/**
 * What the handler of a command on one enrollment loads:
 * - `enrollment`: the stream `enrollmentStreamId(batchId, teacherId)` folded with enrollmentEvolver;
 * - `batch`: the stream `batchStreamId(batchId)` folded with batchEvolver (its rulebook and periods);
 * - `schoolClosed`: whether the school the teacher trains with (the enrollment's schoolId) has
 *   closed (结项) in this batch, as the school-closure context tells it.
 */
export interface EnrollmentContext {
  enrollment: EnrollmentState;
  batch: BatchState;
  schoolClosed: boolean;
}

/** For commands that need no rule of the batch. */
export type EnrollmentStreamContext = Pick<EnrollmentContext, 'enrollment' | 'schoolClosed'>;

/**
 * The common opening of every decision on an existing enrollment: a closed school's teacher is
 * refused first (结项后学校不可再进行任何操作), then a teacher not enrolled.
 */
export function requireOpenSchool(context: EnrollmentStreamContext, batchId: string | undefined): void {
  if (!context.schoolClosed) return;
  const { enrollment } = context;
  throw schoolClosed(enrollment.status === 'not-enrolled' ? undefined : enrollment.schoolId, batchId);
}

export function requireActive(context: EnrollmentStreamContext, batchId: string, teacherId: string): Enrollment {
  requireOpenSchool(context, batchId);
  const { enrollment } = context;
  if (!isActiveEnrollment(enrollment)) throw notEnrolled(batchId, teacherId, enrollment.status);
  return enrollment;
}

/** The enrollment's batch, scheduled (UNKNOWN_BATCH / UNKNOWN_PERIOD otherwise). */
export function requireBatch(batch: BatchState, batchId: string, periodId: string): ScheduledBatchState {
  requireScheduledPeriod(batch, batchId, periodId);
  // requireScheduledPeriod refused anything unscheduled; this only narrows the type.
  if (batch.status !== 'scheduled') throw new Error(`Batch ${batchId} is not scheduled`);
  return batch;
}

export function rulebookOf(batch: BatchState, enrollment: Enrollment): Rulebook {
  return requireBatch(batch, enrollment.batchId, enrollment.periodId).rulebook;
}

/** Refuses BATCH_ENDED once the enrollment's batch is over (extensions included). */
export function requireRunningBatch(batch: BatchState, enrollment: Enrollment, at: string): void {
  requireBatchRunning(requireBatch(batch, enrollment.batchId, enrollment.periodId), at);
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
