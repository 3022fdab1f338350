import { DomainEvent } from './messages';

/**
 * One kind of stream: the events it holds and how they fold into its state. `eventTypes` names
 * every member of the event union (the compiler refuses one left out or one too many); it is how
 * events read back from the store are known to be this stream's, without a cast anywhere.
 */
export interface StreamDefinition<State, Event extends DomainEvent> {
  /** The stream id's prefix without its dash: `quota`, `school-closure`, … */
  readonly category: string;
  readonly eventTypes: { readonly [Type in Event['type']]: true };
  evolve(state: State, event: Event): State;
  initialState(): State;
}

export interface StreamType<State, Event extends DomainEvent> extends StreamDefinition<State, Event> {
  /** Is this event one the stream holds? Events carry their type; the store keeps their data as the deciders wrote it. */
  holds(event: DomainEvent): event is Event;
  /**
   * Rebuilds the state from the stream's events as read. An event the stream does not hold means
   * the stream is not what the caller thinks (an id of another kind): a bug, not data to skip.
   * Folded once per array of events: a decision reads its streams more than once.
   */
  fold(events: readonly DomainEvent[]): State;
}

/** Histories made by adding events to another (see extendHistory): each one's shorter history. */
const shorterOf = new WeakMap<readonly DomainEvent[], readonly DomainEvent[]>();

/**
 * A stream's history with events added, as a new array whose fold goes on from the shorter
 * history's fold instead of starting over (many commands of a batch on one stream).
 */
export function extendHistory(history: readonly DomainEvent[], added: readonly DomainEvent[]): readonly DomainEvent[] {
  const longer = [...history, ...added];
  shorterOf.set(longer, history);
  return longer;
}

/** A stream type, checked: its `eventTypes` must list the event union exactly. */
export function streamType<State, Event extends DomainEvent>(
  definition: StreamDefinition<State, Event>,
): StreamType<State, Event> {
  const names: ReadonlySet<string> = new Set(Object.keys(definition.eventTypes));
  const folded = new WeakMap<readonly DomainEvent[], State>();
  const holds = (event: DomainEvent): event is Event => names.has(event.type);
  return {
    ...definition,
    holds,
    fold(events) {
      if (folded.has(events)) {
        const known = folded.get(events);
        if (known !== undefined) return known;
      }
      // The longest shorter history already folded (histories extended twice unfolded are walked back).
      let shorter = shorterOf.get(events);
      while (shorter !== undefined && !folded.has(shorter)) shorter = shorterOf.get(shorter);
      const known = shorter === undefined ? undefined : folded.get(shorter);
      let state = known ?? definition.initialState();
      for (let at = known === undefined || shorter === undefined ? 0 : shorter.length; at < events.length; at++) {
        const event = events[at];
        if (!holds(event)) throw new Error(`A ${definition.category} stream does not hold ${event.type} events`);
        state = definition.evolve(state, event);
      }
      folded.set(events, state);
      // Folded, it needs its shorter history no more: kept, every history a stream ever had would
      // stay alive behind the newest (a cache of streams holds that for long).
      shorterOf.delete(events);
      return state;
    },
  };
}

/** Rebuilds a stream's state from its events as read (see StreamType.fold). */
export function foldStream<State, Event extends DomainEvent>(
  stream: StreamType<State, Event>,
  events: readonly DomainEvent[],
): State {
  return stream.fold(events);
}

/** Is this event one the stream type holds? */
export function isEventOf<State, Event extends DomainEvent>(
  stream: StreamType<State, Event>,
  event: DomainEvent,
): event is Event {
  return stream.holds(event);
}
