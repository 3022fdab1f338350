import { streamType } from '../shared/stream';
import { evolveExemption, ExemptionState } from './exemption.decider';
import { ExemptionEvent } from './exemption.events';

/** `exemption-{programmeId}:{teacherId}`: whether the programme exempts the teacher. */
export const exemptionStream = streamType<ExemptionState, ExemptionEvent>({
  category: 'exemption',
  eventTypes: { TeacherExempted: true },
  evolve: evolveExemption,
  initialState: () => ({ status: 'not-exempt' }),
});
