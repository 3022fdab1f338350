import { streamType } from '../shared/stream';
import { evolveInspection, InspectionState } from './inspection.decider';
import { InspectionEvent } from './inspection.events';

/** `inspection-{sampleId}`: a drawn sample and the findings at its schools. */
export const inspectionStream = streamType<InspectionState, InspectionEvent>({
  category: 'inspection',
  eventTypes: { InspectionSampleDrawn: true, InspectionFindingRecorded: true },
  evolve: evolveInspection,
  initialState: () => ({ status: 'not-drawn' }),
});
