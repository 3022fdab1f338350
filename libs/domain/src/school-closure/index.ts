export * from './school-closure.commands';
export * from './school-closure.events';
export type { ExcellentVideoShortfall, SchoolClosureRuleCode } from './school-closure.errors';
export { schoolClosedViolation } from './school-closure.errors';
export {
  evolveSchoolClosure,
  excellentSubjects,
  excellentVideoOf,
  groupVideoOf,
  initialSchoolClosureState,
  isPilotLate,
  isSchoolClosed,
  SCHOOL_CLOSURE_STATUSES,
  schoolClosureStreamId,
} from './school-closure.state';
export type { ExcellentVideo, GroupVideo, SchoolClosureState, SchoolClosureStatus } from './school-closure.state';
export * from './school-closure.decider';
export * from './school-closure.streams';
export * from './school-closure.decisions';
