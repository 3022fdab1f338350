import { InvalidAppendError } from '../port/errors';
import { EventMetadata } from '../port/event';
import { AppendResult, StreamAppend } from '../port/event-store';
import { ExpectedRevision } from '../port/expected-revision';
import { contentHashOfCanonical } from '../port/hash-chain';
import { EventSchemaRegistry } from '../port/upcasting';
import { canonicalJsonOfEventData } from '../port/canonical-json';
import { validateExpectedRevision, validateNewEvent, validateStreamId } from '../port/validation';

/** One event, validated and in canonical JSON: what is hashed is exactly what is stored. */
export interface PreparedEvent {
  eventId: string;
  type: string;
  schemaVersion: number;
  businessTime: string;
  recordedTime: string;
  dataJson: string;
  metadataJson: string;
  contentHash: Buffer;
}

/** One stream of an append, validated and encoded once, ready to join any `tip_append` call. */
export interface PreparedStream {
  streamId: string;
  expected: number;
  events: PreparedEvent[];
  eventIds: string[];
}

/** One caller's append: the unit that succeeds or fails as a whole. */
export interface PreparedAppend {
  streams: PreparedStream[];
  eventCount: number;
}

export interface PrepareContext {
  recordedTime: string;
  schemas: EventSchemaRegistry;
  maxEventBytes: number;
  maxEventsPerAppend: number;
}

function expectedRevisionCode(expected: ExpectedRevision): number {
  switch (expected) {
    case 'any':
      return -1;
    case 'no_stream':
      return -2;
    case 'stream_exists':
      return -3;
    default:
      return expected;
  }
}

/** Validates an append and encodes it; throws InvalidAppendError naming the field before anything is sent. */
export function prepareAppend(appends: StreamAppend[], context: PrepareContext): PreparedAppend {
  if (!Array.isArray(appends) || appends.length === 0) {
    throw new InvalidAppendError('appends', 'must name at least one stream');
  }
  const seenStreams = new Set<string>();
  const seenEvents = new Set<string>();
  let eventCount = 0;
  const streams = appends.map((append, streamIndex): PreparedStream => {
    const field = appends.length === 1 ? '' : `appends[${streamIndex}].`;
    const streamId = validateStreamId(append?.streamId, `${field}streamId`);
    if (seenStreams.has(streamId)) throw new InvalidAppendError(`${field}streamId`, 'must not appear twice in one append');
    seenStreams.add(streamId);
    const expected = validateExpectedRevision(append.expectedRevision, `${field}expectedRevision`);
    // With other streams, an empty list makes this stream a guard: it must still be at its
    // expected revision when the others are appended. Alone, it would append nothing at all.
    if (!Array.isArray(append.events) || (append.events.length === 0 && appends.length === 1)) {
      throw new InvalidAppendError(`${field}events`, 'must contain at least one event');
    }
    const prepared: PreparedStream = { streamId, expected: expectedRevisionCode(expected), events: [], eventIds: [] };
    append.events.forEach((event, eventIndex) => {
      const eventField = `${field}events[${eventIndex}]`;
      validateNewEvent(event, eventField);
      const eventId = event.metadata.eventId.toLowerCase();
      if (seenEvents.has(eventId)) throw new InvalidAppendError(`${eventField}.metadata.eventId`, 'must be unique within the append');
      seenEvents.add(eventId);
      const metadata: EventMetadata = {
        ...event.metadata,
        eventId,
        schemaVersion: event.metadata.schemaVersion ?? context.schemas.currentVersion(event.type),
        recordedTime: context.recordedTime,
      };
      // The canonical text is what gets hashed and what gets sent: one walk over each object.
      const dataJson = canonicalJsonOfEventData(event.data, `${eventField}.data`);
      const metadataJson = canonicalJsonOfEventData(metadata, `${eventField}.metadata`);
      // A UTF-16 unit is at most 3 bytes of UTF-8, so most events skip counting bytes.
      if ((dataJson.length + metadataJson.length) * 3 > context.maxEventBytes) {
        const bytes = Buffer.byteLength(dataJson) + Buffer.byteLength(metadataJson);
        if (bytes > context.maxEventBytes) {
          throw new InvalidAppendError(eventField, `must be at most ${context.maxEventBytes} bytes of JSON (is ${bytes})`);
        }
      }
      prepared.events.push({
        eventId,
        type: event.type,
        schemaVersion: metadata.schemaVersion,
        businessTime: metadata.businessTime,
        recordedTime: context.recordedTime,
        dataJson,
        metadataJson,
        contentHash: contentHashOfCanonical(streamId, event.type, dataJson, metadataJson),
      });
      prepared.eventIds.push(eventId);
    });
    eventCount += prepared.events.length;
    return prepared;
  });
  if (eventCount === 0) throw new InvalidAppendError('appends', 'must append at least one event to some stream');
  if (eventCount > context.maxEventsPerAppend) {
    throw new InvalidAppendError('events', `must be at most ${context.maxEventsPerAppend} in one append`);
  }
  return { streams, eventCount };
}

/** A stream as `tip_reserve` reads it: id, expected revision, where its events start, their hashes. */
export function streamJson(stream: PreparedStream, offset: number): string {
  const hashes = stream.events.map((event) => `"${event.contentHash.toString('hex')}"`).join(',');
  return `{"streamId":${JSON.stringify(stream.streamId)},"expected":${stream.expected},"offset":${offset},"ch":[${hashes}]}`;
}

/** The two `tip_append` arguments for several appends sent as one transaction. */
export function payloadOf(batch: PreparedAppend[]): { streamsJson: string; eventsJson: string } {
  const streamParts: string[] = [];
  const eventParts: string[] = [];
  for (const append of batch) {
    for (const stream of append.streams) {
      const index = streamParts.length;
      streamParts.push(streamJson(stream, eventParts.length));
      for (const event of stream.events) {
        eventParts.push(
          `{"s":${index},"id":"${event.eventId}","type":${JSON.stringify(event.type)},"v":${event.schemaVersion},` +
            `"bt":${JSON.stringify(event.businessTime)},"rt":"${event.recordedTime}","data":${event.dataJson},"metadata":${event.metadataJson}}`,
        );
      }
    }
  }
  return { streamsJson: `[${streamParts.join(',')}]`, eventsJson: `[${eventParts.join(',')}]` };
}

/** Splits what `tip_append` answered back into each append's own result. */
export function resultsOf(batch: PreparedAppend[], firstPosition: number, nextRevisions: number[]): AppendResult[] {
  let position = firstPosition;
  let streamIndex = 0;
  return batch.map((append) => {
    const result: AppendResult = { streams: [], events: [], lastPosition: 0 };
    for (const stream of append.streams) {
      const nextExpectedRevision = nextRevisions[streamIndex++];
      let revision = nextExpectedRevision - stream.eventIds.length;
      for (const eventId of stream.eventIds) {
        revision += 1;
        result.events.push({ streamId: stream.streamId, eventId, revision, position: position++ });
      }
      result.streams.push({ streamId: stream.streamId, nextExpectedRevision });
    }
    result.lastPosition = position - 1;
    return result;
  });
}
