import { DomainEvent, Histories } from '@tip/domain';
import { EventStreams, LoadedStream } from '../ports/event-streams';

/**
 * Streams read before deciding (to authorize), kept as read: the first attempt's decision takes
 * them from here instead of reading them again (retries read afresh).
 */
export class StreamReads {
  private readonly streams = new Map<string, LoadedStream>();

  constructor(private readonly store: EventStreams) {}

  /** Reads what is not read yet, in one round trip; answers the events of every stream asked for. */
  async read(streamIds: readonly string[]): Promise<Histories> {
    const missing = [...new Set(streamIds)].filter((streamId) => !this.streams.has(streamId));
    if (missing.length > 0)
      for (const stream of await this.store.loadMany(missing)) this.streams.set(stream.streamId, stream);
    const histories = new Map<string, readonly DomainEvent[]>();
    for (const streamId of streamIds) histories.set(streamId, this.streams.get(streamId)?.events ?? []);
    return histories;
  }

  /** Every stream read so far, with its revision. */
  get loaded(): ReadonlyMap<string, LoadedStream> {
    return this.streams;
  }
}
