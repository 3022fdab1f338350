import { Actor, DomainEvent } from '@tip/domain';

/** A stream as read: its events in order, and the revision to expect when appending. */
export interface LoadedStream {
  streamId: string;
  events: readonly DomainEvent[];
  /** Revision of the last event, or 'no_stream' when the stream has none. */
  revision: number | 'no_stream';
}

export interface StreamWrite {
  streamId: string;
  events: readonly DomainEvent[];
  expectedRevision: number | 'no_stream';
  /**
   * Per event, when one append carries the events of several commands (a batch of the hour
   * feed): the command each event belongs to, and its place among that command's events on this
   * stream. Without it every event is the write's own command's, in order.
   */
  commands?: readonly { context: WriteContext; index: number }[];
}

/** Who wrote, when, and under which command: becomes every event's metadata. */
export interface WriteContext {
  commandId: string;
  correlationId: string;
  /** Business time of the command (ISO-8601). */
  now: string;
  actor: Actor;
  /** Set when `system` writes history on behalf of `actor`. */
  importedBy?: Actor;
  traceparent?: string;
}

export interface WriteResult {
  /** Per stream written: revision of its last event. */
  streams: { streamId: string; revision: number }[];
  /** Global position of the last event written (0 when nothing was written). */
  position: number;
}

/** The event store as the application needs it. */
export interface EventStreams {
  load(streamId: string): Promise<LoadedStream>;
  /** The same for several streams, in one round trip where the store allows. */
  loadMany(streamIds: string[]): Promise<LoadedStream[]>;
  /** Appends atomically; throws StreamConflict when a stream moved since it was loaded. */
  write(writes: StreamWrite[], context: WriteContext): Promise<WriteResult>;
}

/** Another writer changed a stream between load and write: load again and decide again. */
export class StreamConflict extends Error {
  constructor(readonly streamId: string) {
    super(`Stream ${streamId} changed while the command was being decided`);
  }
}

export const EVENT_STREAMS = Symbol('EVENT_STREAMS');
