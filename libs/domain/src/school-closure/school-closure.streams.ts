import { streamType } from '../shared/stream';
import { SchoolClosureEvent } from './school-closure.events';
import { evolveSchoolClosure, initialSchoolClosureState, SchoolClosureState } from './school-closure.state';

/** `school-closure-{batchId}:{schoolId}`: one school's plan, videos and closure in one batch. */
export const schoolClosureStream = streamType<SchoolClosureState, SchoolClosureEvent>({
  category: 'school-closure',
  eventTypes: {
    PilotSchoolDesignated: true,
    SchoolPlanUploaded: true,
    SchoolPlanReplaced: true,
    GroupVideoSubmitted: true,
    GroupVideoReplaced: true,
    ExcellentVideoUploaded: true,
    ExcellentVideoReplaced: true,
    ClosureApplied: true,
    ClosureApproved: true,
    ClosureRejected: true,
    SchoolClosed: true,
  },
  evolve: evolveSchoolClosure,
  initialState: initialSchoolClosureState,
});
