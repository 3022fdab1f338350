/**
 * The whole contract of an aggregate: decide what happened from a command and the current
 * state, and fold what happened into state. Pure: no I/O, no clock, no randomness — business
 * time and the actor arrive in the command's metadata.
 */
export interface Decider<Command, Event, State> {
  decide(command: Command, state: State): Event[];
  evolve(state: State, event: Event): State;
  initialState(): State;
}

/** Rebuilds state from an aggregate's history. */
export function fold<Event, State>(
  decider: Pick<Decider<never, Event, State>, 'evolve' | 'initialState'>,
  events: Event[],
): State {
  return events.reduce(decider.evolve, decider.initialState());
}
