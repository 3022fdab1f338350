import { DomainEvent } from '../shared/messages';
import { LaunchProgrammeData, ScheduleBatchData } from './programme.commands';
import { Rulebook } from './rulebook';

export interface ProgrammeLaunchedData extends Omit<LaunchProgrammeData, 'rulebook' | 'ownerUnitId'> {
  /** The full rulebook, resolved from a preset name if one was given: history never depends on code. */
  rulebook: Rulebook;
  /** The province or city that runs the programme (absent in events recorded before owners: the province). */
  ownerUnitId?: string;
}
export type ProgrammeLaunched = DomainEvent<'ProgrammeLaunched', ProgrammeLaunchedData>;

export interface BatchScheduledData extends ScheduleBatchData {
  /**
   * The programme's rulebook, copied: the batch's rules are fixed when it is scheduled, and the
   * batch stream alone answers every rule question about the batch.
   */
  rulebook: Rulebook;
  /** The programme's owner, copied (absent in events recorded before owners: the programme's province). */
  ownerUnitId?: string;
}
/** Appended to the programme's stream; the same event is copied to the batch's own stream. */
export type BatchScheduled = DomainEvent<'BatchScheduled', BatchScheduledData>;

export interface BatchExtendedData {
  programmeId: string;
  batchId: string;
  /** The new last day of the batch. */
  endsOn: string;
  /** The last day before this extension. */
  previousEndsOn: string;
  reason: string;
}
/** Appended to the programme's stream and copied to the batch's, like BatchScheduled. */
export type BatchExtended = DomainEvent<'BatchExtended', BatchExtendedData>;

export type ProgrammeEvent = ProgrammeLaunched | BatchScheduled | BatchExtended;
/** What a batch's own stream holds. */
export type BatchEvent = BatchScheduled | BatchExtended;
