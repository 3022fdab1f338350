import {
  EventStreams,
  LoadedStream,
  StreamConflict,
  StreamWrite,
  uuidFrom,
  WriteContext,
  WriteResult,
} from '@tip/application';
import { EventStore, RecordedEvent, WrongExpectedRevisionError } from '@tip/event-store';

function loaded(streamId: string, events: RecordedEvent[]): LoadedStream {
  return {
    streamId,
    events: events.map((event) => ({ type: event.type, data: event.data })),
    revision: events.length === 0 ? 'no_stream' : events[events.length - 1].revision,
  };
}

/**
 * The application's view of the event store. Event ids follow from the command id, the stream
 * and the event's place in it, so a retried command appends nothing the first attempt stored.
 */
export class EventStoreStreams implements EventStreams {
  constructor(private readonly store: EventStore) {}

  async load(streamId: string): Promise<LoadedStream> {
    return loaded(streamId, await this.store.readStream(streamId));
  }

  async loadMany(streamIds: string[]): Promise<LoadedStream[]> {
    const streams = await this.store.readStreams(streamIds);
    return streamIds.map((streamId) => loaded(streamId, streams.get(streamId) ?? []));
  }

  async write(writes: StreamWrite[], context: WriteContext): Promise<WriteResult> {
    try {
      const result = await this.store.appendToStreams(
        writes.map((write) => ({
          streamId: write.streamId,
          expectedRevision: write.expectedRevision,
          events: write.events.map((event, at) => {
            const { context: own, index } = write.commands?.[at] ?? { context, index: at };
            return {
              type: event.type,
              data: event.data as Record<string, unknown>,
              metadata: {
                eventId: uuidFrom(`${own.commandId}\n${write.streamId}\n${index}`),
                businessTime: own.now,
                actor: own.actor,
                importedBy: own.importedBy,
                commandId: own.commandId,
                correlationId: own.correlationId,
                causationId: own.commandId,
                ...(own.traceparent ? { traceparent: own.traceparent } : {}),
              },
            };
          }),
        })),
      );
      return {
        streams: result.streams.map((stream) => ({ streamId: stream.streamId, revision: stream.nextExpectedRevision })),
        position: result.lastPosition,
      };
    } catch (error) {
      if (error instanceof WrongExpectedRevisionError) throw new StreamConflict(error.streamId);
      throw error;
    }
  }
}
