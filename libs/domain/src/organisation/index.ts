export * from './organisation.commands';
export * from './organisation.events';
export * from './org-unit.decider';
export * from './teacher.decider';
export {
  birthDateOf,
  idNumberCheckCharacter,
  idNumberProblem,
  IdNumberProblem,
  isValidIdNumber,
  maskIdNumber,
} from './id-number';
export { isValidPhoneNumber, maskPhoneNumber, normalisePhoneNumber } from './phone-number';
export * from './organisation.streams';
export * from './organisation.decisions';
export * from './organisation.lookups';
