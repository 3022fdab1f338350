import { streamType } from '../shared/stream';
import { BatchState, evolveBatch } from './batch';
import { evolveProgramme, ProgrammeState } from './programme.decider';
import { BatchEvent, ProgrammeEvent } from './programme.events';

/** `programme-{programmeId}`: the programme, its rulebook and its batches. */
export const programmeStream = streamType<ProgrammeState, ProgrammeEvent>({
  category: 'programme',
  eventTypes: { ProgrammeLaunched: true, BatchScheduled: true, BatchExtended: true },
  evolve: evolveProgramme,
  initialState: () => ({ status: 'not-launched' }),
});

/** `batch-{batchId}`: a copy of the batch's own events, so its periods and rules are one read away. */
export const batchStream = streamType<BatchState, BatchEvent>({
  category: 'batch',
  eventTypes: { BatchScheduled: true, BatchExtended: true },
  evolve: evolveBatch,
  initialState: () => ({ status: 'unscheduled' }),
});
