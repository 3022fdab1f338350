import { DomainEvent, foldStream, STREAM_TYPES, StreamType } from '@tip/domain';

/** A kind of stream, told by its id's prefix, and the pure fold that rebuilds its state. */
export interface StreamCategory {
  /** The prefix without its dash: `quota`, `school-closure`, … */
  name: string;
  prefix: string;
  fold(events: readonly DomainEvent[]): unknown;
}

function category<State, Event extends DomainEvent>(type: StreamType<State, Event>): StreamCategory {
  return { name: type.category, prefix: `${type.category}-`, fold: (events) => foldStream(type, events) };
}

/** Longest prefix first, so `school-closure-` is never taken for a shorter one. */
export const STREAM_CATEGORIES: readonly StreamCategory[] = STREAM_TYPES.map((type) => category(type)).sort(
  (a, b) => b.prefix.length - a.prefix.length,
);

export function streamCategoryOf(streamId: string): StreamCategory | undefined {
  return STREAM_CATEGORIES.find(
    (candidate) => streamId.startsWith(candidate.prefix) && streamId.length > candidate.prefix.length,
  );
}

/** An event of the stream as read (upcast), with where it stands in the stream and in business time. */
export interface HistoricEvent extends DomainEvent {
  revision: number;
  businessTime: string;
}

export interface StreamStateAsOf {
  streamId: string;
  category: string;
  /** null: every event, whatever its business time. */
  asOf: string | null;
  /** Revision of the last event folded; -1 when none was. */
  version: number;
  eventsFolded: number;
  lastBusinessTime: string | null;
  state: unknown;
}

/** The stream's state from its events whose business time is at or before `asOf` (ISO-8601). */
export function streamStateAsOf(
  streamId: string,
  category: StreamCategory,
  events: readonly HistoricEvent[],
  asOf?: string,
): StreamStateAsOf {
  const cutoff = asOf === undefined ? Infinity : Date.parse(asOf);
  // Imported history may arrive after later events: each event is judged by its own business time.
  const folded = events.filter((event) => Date.parse(event.businessTime) <= cutoff);
  const last = folded.at(-1);
  return {
    streamId,
    category: category.name,
    asOf: asOf === undefined ? null : new Date(cutoff).toISOString(),
    version: last?.revision ?? -1,
    eventsFolded: folded.length,
    lastBusinessTime: last?.businessTime ?? null,
    state: category.fold(folded.map(({ type, data }) => ({ type, data }))),
  };
}
