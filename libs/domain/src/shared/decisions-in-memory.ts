/**
 * For specs: decisions run over streams held in memory the way the application runs them over
 * the store — each stage's streams read, then decided — wrapped as one Decider over all streams,
 * so given/when/then (`specFor`) and folds work on multi-stream decisions as on any decider.
 */
import { DecisionPlan } from './decision';
import { Decider } from './decider';
import { DomainEvent } from './messages';

/** An event as it lands on one stream. */
export interface StreamEvent {
  streamId: string;
  event: DomainEvent;
}

/** Every stream written so far, by id. */
export type StreamsInMemory = ReadonlyMap<string, readonly DomainEvent[]>;

export function decisionsInMemory<Command>(
  planOf: (command: Command) => DecisionPlan,
  background: readonly StreamEvent[] = [],
): Decider<Command, StreamEvent, StreamsInMemory> {
  const evolve = (streams: StreamsInMemory, { streamId, event }: StreamEvent): StreamsInMemory =>
    new Map(streams).set(streamId, [...(streams.get(streamId) ?? []), event]);
  return {
    decide(command, streams) {
      const plan = planOf(command);
      const read = new Map<string, readonly DomainEvent[]>();
      for (let missing = plan.missing(read); missing.length > 0; missing = plan.missing(read)) {
        for (const streamId of missing) read.set(streamId, streams.get(streamId) ?? []);
      }
      return plan.decide(read).appends.flatMap(({ streamId, events }) => events.map((event) => ({ streamId, event })));
    },
    evolve,
    initialState: () => background.reduce(evolve, new Map()),
  };
}
