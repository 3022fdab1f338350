import { DomainEvent } from './messages';

/**
 * One kind of stream: the events it holds and how they fold into its state. `eventTypes` names
 * every member of the event union (the compiler refuses one left out or one too many); it is how
 * events read back from the store are known to be this stream's, without a cast anywhere.
 */
export interface StreamType<State, Event extends DomainEvent> {
  /** The stream id's prefix without its dash: `quota`, `school-closure`, … */
  readonly category: string;
  readonly eventTypes: { readonly [Type in Event['type']]: true };
  evolve(state: State, event: Event): State;
  initialState(): State;
}

/** A stream type, checked: its `eventTypes` must list the event union exactly. */
export function streamType<State, Event extends DomainEvent>(
  definition: StreamType<State, Event>,
): StreamType<State, Event> {
  return definition;
}

/** Is this event one the stream type holds? Events carry their type; the store keeps their data as the deciders wrote it. */
export function isEventOf<State, Event extends DomainEvent>(
  stream: StreamType<State, Event>,
  event: DomainEvent,
): event is Event {
  return Object.hasOwn(stream.eventTypes, event.type);
}

/**
 * Rebuilds a stream's state from its events as read. An event the stream type does not hold
 * means the stream is not what the caller thinks it is (an id of another kind): a bug, not data
 * to skip.
 */
export function foldStream<State, Event extends DomainEvent>(
  stream: StreamType<State, Event>,
  events: readonly DomainEvent[],
): State {
  let state = stream.initialState();
  for (const event of events) {
    if (!isEventOf(stream, event)) throw new Error(`A ${stream.category} stream does not hold ${event.type} events`);
    state = stream.evolve(state, event);
  }
  return state;
}
