import {
  BatchEvent,
  batchEvolver,
  DomainEvent,
  evolveSchoolClosure,
  fold,
  initialSchoolClosureState,
  SchoolClosureEvent,
} from '@tip/domain';

/** Folds the use cases share; a stream not loaded folds to its initial state. */
export const batchOf = (events: DomainEvent[] | undefined) => fold(batchEvolver, (events ?? []) as BatchEvent[]);
export const closureOf = (events: DomainEvent[] | undefined) =>
  ((events ?? []) as SchoolClosureEvent[]).reduce(evolveSchoolClosure, initialSchoolClosureState());

/** The deepest unit two paths from the province share: whose admin may act on both. */
export function commonAncestor(first: string[], second: string[]): string | undefined {
  let shared: string | undefined;
  for (let index = 0; index < Math.min(first.length, second.length) && first[index] === second[index]; index++)
    shared = first[index];
  return shared;
}
