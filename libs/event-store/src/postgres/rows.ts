import { EventMetadata, LoggedEvent, RecordedEvent } from '../port/event';

/** The columns every read selects, in the shape `pg` returns them (bigint as string). */
export interface EventRow {
  position: string;
  stream_id: string;
  stream_revision: string;
  event_type: string;
  data: Record<string, unknown>;
  metadata: EventMetadata;
}

export const EVENT_COLUMNS = 'position, stream_id, stream_revision, event_type, data, metadata';

export function toRecordedEvent(row: EventRow): RecordedEvent {
  return {
    type: row.event_type,
    data: row.data,
    metadata: row.metadata,
    streamId: row.stream_id,
    revision: Number(row.stream_revision),
    position: Number(row.position),
  };
}

/**
 * The same columns as an array (`rowMode: 'array'`), for catch-up reading: it goes through
 * hundreds of thousands of rows, and a keyed object per row, made and collected, cost 3–7% in an A/B.
 */
export type EventTuple = [
  position: string,
  streamId: string,
  streamRevision: string,
  eventType: string,
  data: Record<string, unknown>,
  metadata: EventMetadata,
];

export function tupleToRecordedEvent(row: EventTuple): RecordedEvent {
  return {
    type: row[3],
    data: row[4],
    metadata: row[5],
    streamId: row[1],
    revision: Number(row[2]),
    position: Number(row[0]),
  };
}

/** readAll's columns with the metadata as its text, and the schema version (ReadAllOptions.lazyMetadata). */
export const LAZY_EVENT_COLUMNS =
  'position, stream_id, stream_revision, event_type, data, metadata::text, schema_version';

export type LazyEventTuple = [
  position: string,
  streamId: string,
  streamRevision: string,
  eventType: string,
  data: Record<string, unknown>,
  metadata: string,
  schemaVersion: number,
];

/** An instant as stored, in the log's one form (see LoggedEvent). */
const instantAsLogged = (column: string) => `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/** The columns of the log as stored (readLog), as an array: texts are the stored texts, never parsed. */
export const LOG_COLUMNS =
  'position, stream_id, stream_revision, event_id::text, event_type, schema_version, ' +
  `${instantAsLogged('business_time')}, ${instantAsLogged('recorded_time')}, data::text, metadata::text, hash`;

export type LogTuple = [
  position: string,
  streamId: string,
  streamRevision: string,
  eventId: string,
  eventType: string,
  schemaVersion: number,
  businessTime: string,
  recordedTime: string,
  data: string,
  metadata: string,
  hash: Buffer,
];

export function tupleToLoggedEvent(row: LogTuple): LoggedEvent {
  return {
    position: Number(row[0]),
    streamId: row[1],
    revision: Number(row[2]),
    eventId: row[3],
    type: row[4],
    schemaVersion: row[5],
    businessTime: row[6],
    recordedTime: row[7],
    data: row[8],
    metadata: row[9],
    hash: row[10].toString('hex'),
  };
}
