import { DomainEvent } from '../shared/messages';
import { LaunchProgrammeData, ScheduleBatchData } from './programme.commands';
import { Rulebook } from './rulebook';

export interface ProgrammeLaunchedData extends Omit<LaunchProgrammeData, 'rulebook'> {
  /** The full rulebook, resolved from a preset name if one was given: history never depends on code. */
  rulebook: Rulebook;
}
export type ProgrammeLaunched = DomainEvent<'ProgrammeLaunched', ProgrammeLaunchedData>;

export interface BatchScheduledData extends ScheduleBatchData {
  /**
   * The programme's rulebook, copied: the batch's rules are fixed when it is scheduled, and the
   * batch stream alone answers every rule question about the batch.
   */
  rulebook: Rulebook;
}
/** Appended to the programme's stream; the same event is copied to the batch's own stream. */
export type BatchScheduled = DomainEvent<'BatchScheduled', BatchScheduledData>;

export type ProgrammeEvent = ProgrammeLaunched | BatchScheduled;
/** What a batch's own stream holds (so far). */
export type BatchEvent = BatchScheduled;
