import { EventMetadata, RecordedEvent } from '@tip/event-store';
import { IncomingMessage, OutgoingMessage } from './port/message-broker';

/** Version of the message format below; bumped only by adding. */
export const INTEGRATION_FORMAT = 'tip.event/1';

/** Header names of every message TIP publishes. */
export const HEADERS = {
  format: 'tip-format',
  /** The event id: consumers deduplicate by it. */
  messageId: 'message-id',
  position: 'tip-position',
  streamId: 'tip-stream-id',
  type: 'tip-event-type',
  schemaVersion: 'tip-schema-version',
  /** W3C trace context of the command that caused the event, when it had one. */
  traceparent: 'traceparent',
  /**
   * On a watermark: every event of this partition up to this position comes before it; the lowest
   * watermark over all partitions is how far the whole log has been published.
   */
  watermark: 'tip-watermark',
} as const;

/** The JSON value of an event message: the event as stored, with the contract's metadata. */
export interface IntegrationEvent {
  format: typeof INTEGRATION_FORMAT;
  id: string;
  type: string;
  schemaVersion: number;
  streamId: string;
  revision: number;
  position: number;
  data: Record<string, unknown>;
  metadata: EventMetadata;
}

/**
 * Personal data stays home: a teacher's ID number leaves only masked (the ciphertext, useless
 * without TIP's keys, is dropped too).
 */
function publicData(event: RecordedEvent): Record<string, unknown> {
  if (event.type !== 'TeacherRegistered') return event.data;
  const { idNumberProtected: _dropped, ...rest } = event.data;
  return rest;
}

export function eventMessage(event: RecordedEvent): OutgoingMessage {
  const value: IntegrationEvent = {
    format: INTEGRATION_FORMAT,
    id: event.metadata.eventId,
    type: event.type,
    schemaVersion: event.metadata.schemaVersion,
    streamId: event.streamId,
    revision: event.revision,
    position: event.position,
    data: publicData(event),
    metadata: event.metadata,
  };
  return {
    key: event.streamId,
    value: JSON.stringify(value),
    headers: {
      [HEADERS.format]: INTEGRATION_FORMAT,
      [HEADERS.messageId]: event.metadata.eventId,
      [HEADERS.position]: String(event.position),
      [HEADERS.streamId]: event.streamId,
      [HEADERS.type]: event.type,
      [HEADERS.schemaVersion]: String(event.metadata.schemaVersion),
      ...(event.metadata.traceparent ? { [HEADERS.traceparent]: event.metadata.traceparent } : {}),
    },
  };
}

/**
 * A watermark on each of these partitions (or on every one of a topic of that many): their
 * consumers learn how far the log has been published.
 */
export function watermarkMessages(position: number, partitions: number | readonly number[]): OutgoingMessage[] {
  const to =
    typeof partitions === 'number' ? Array.from({ length: partitions }, (_, partition) => partition) : partitions;
  return to.map((partition) => ({
    key: null,
    value: JSON.stringify({ format: INTEGRATION_FORMAT, watermark: position }),
    headers: { [HEADERS.format]: INTEGRATION_FORMAT, [HEADERS.watermark]: String(position) },
    partition,
  }));
}

export type ReceivedMessage =
  { kind: 'event'; offset: number; event: RecordedEvent } | { kind: 'watermark'; offset: number; position: number };

/** What an event message's headers say of it: enough to pass over an event a consumer has no use for. */
export interface EventHeading {
  streamId: string;
  type: string;
  position: number;
}

/**
 * An event message's stream, type and position from its headers alone, without parsing its
 * value; undefined for a watermark, or a message whose headers do not say (then parse it).
 */
export function eventHeading(message: IncomingMessage): EventHeading | undefined {
  const { headers } = message;
  if (headers[HEADERS.format] !== INTEGRATION_FORMAT || headers[HEADERS.watermark] !== undefined) return undefined;
  const streamId = headers[HEADERS.streamId];
  const type = headers[HEADERS.type];
  const position = Number(headers[HEADERS.position]);
  if (streamId === undefined || type === undefined || !Number.isSafeInteger(position) || position <= 0)
    return undefined;
  return { streamId, type, position };
}

/** A message as TIP published it; anything else is refused with the reason, never guessed at. */
export function receivedMessage(message: IncomingMessage): ReceivedMessage {
  if (message.headers[HEADERS.format] !== INTEGRATION_FORMAT)
    throw new Error(`Message at offset ${message.offset} is not in format ${INTEGRATION_FORMAT}`);
  const watermark = message.headers[HEADERS.watermark];
  if (watermark !== undefined) return { kind: 'watermark', offset: message.offset, position: Number(watermark) };
  const value = JSON.parse(message.value) as IntegrationEvent;
  return {
    kind: 'event',
    offset: message.offset,
    event: {
      type: value.type,
      data: value.data,
      metadata: value.metadata,
      streamId: value.streamId,
      revision: value.revision,
      position: value.position,
    },
  };
}
