export * from './inspection.commands';
export * from './inspection.events';
export type { InspectionRuleCode } from './inspection.errors';
export { drawSample, INSPECTION_SAMPLING_ALGORITHM, sortInspectionCandidates } from './sampling';
export type { InspectionCandidate, InspectionCountyAllocation, InspectionDraw } from './sampling';
export * from './inspection.decider';
export * from './inspection.streams';
export * from './inspection.decisions';
