import { LoggedEvent } from './event';
import { formatInstant } from './iso-instant';

/**
 * Events of the log as bytes, for verifiers that hash them as stored (scanLog({ rows: true })):
 * nothing is decoded that a check does not need, and the bytes can go to a worker thread whole.
 * `bytes` holds `count` rows one after another; a row is a 16-bit field count (13), then each
 * field as a 32-bit length and its bytes (length -1: null), big-endian, in this order:
 *
 *     position int64 · stream_id UTF-8 · revision int64 · event_id 16 bytes · type UTF-8 ·
 *     schema_version int32 · business_time, recorded_time int64 microseconds since
 *     2000-01-01T00:00:00Z · the same two instants as text, or null when the reader formats them
 *     (always for years 1900–2199) · data, metadata UTF-8 (the stored JSON text) · hash 32 bytes
 *
 * It is PostgreSQL's binary COPY row of these columns, which is why the PostgreSQL store can give
 * it without work; another store may give events instead. A scan's page of rows is valid until the
 * scan's next step (the store reuses its buffer): copy what must outlive it.
 */
export interface LogRows {
  bytes: Buffer;
  count: number;
}

export const LOG_ROW_FIELDS = 13;

/** Where the row starting at `at` ends, or -1 when `buffer` holds only part of it (up to `end`). */
export function logRowEnd(buffer: Buffer, at: number, end = buffer.length): number {
  let next = at + 2;
  for (let field = 0; field < LOG_ROW_FIELDS; field++) {
    if (next + 4 > end) return -1;
    const length = buffer.readInt32BE(next);
    next += 4 + Math.max(length, 0);
  }
  return next > end ? -1 : next;
}

/**
 * Where each field of the row at `at` starts (after its length word) and its length (-1 null),
 * in `into` (2 × LOG_ROW_FIELDS numbers); returns where the row ends.
 */
export function logRowFields(buffer: Buffer, at: number, into: Int32Array): number {
  let next = at + 2;
  for (let field = 0; field < LOG_ROW_FIELDS; field++) {
    const length = buffer.readInt32BE(next);
    into[2 * field] = next + 4;
    into[2 * field + 1] = length;
    next += 4 + Math.max(length, 0);
  }
  return next;
}

/** Field numbers in a log row. */
export const LogRowField = {
  position: 0,
  streamId: 1,
  revision: 2,
  eventId: 3,
  type: 4,
  schemaVersion: 5,
  businessMicros: 6,
  recordedMicros: 7,
  businessText: 8,
  recordedText: 9,
  data: 10,
  metadata: 11,
  hash: 12,
} as const;

/** A signed 64-bit integer; exact within ±2^53, which positions, revisions and times stay in. */
export function readInt64(buffer: Buffer, at: number): number {
  return buffer.readInt32BE(at) * 0x1_0000_0000 + buffer.readUInt32BE(at + 4);
}

/** A UUID's 16 bytes as PostgreSQL prints it: lower-case hex, 8-4-4-4-12. */
export function uuidText(buffer: Buffer, at: number): string {
  const hex = buffer.toString('hex', at, at + 16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * Formats instants of log rows, remembering each slot's last one: the events of a command, and
 * of an append, share their times.
 */
export class LogInstants {
  private readonly lastMicros = [NaN, NaN];
  private readonly lastText = ['', ''];

  /** A timestamptz (microseconds since 2000-01-01 UTC, years 1900–2199) as `2021-01-04T02:00:00.000000Z`. */
  format(micros: number, slot: 0 | 1): string {
    if (micros === this.lastMicros[slot]) return this.lastText[slot];
    const microseconds = ((micros % 1_000_000) + 1_000_000) % 1_000_000;
    const seconds = (micros - microseconds) / 1_000_000;
    const text = formatInstant({ seconds, microseconds });
    this.lastMicros[slot] = micros;
    this.lastText[slot] = text;
    return text;
  }

  /** The row's instant in `slot` (0 business, 1 recorded), as readLog prints it. */
  ofRow(buffer: Buffer, fields: Int32Array, slot: 0 | 1): string {
    const text = LogRowField.businessText + slot;
    if (fields[2 * text + 1] >= 0)
      return buffer.toString('utf8', fields[2 * text], fields[2 * text] + fields[2 * text + 1]);
    return this.format(readInt64(buffer, fields[2 * (LogRowField.businessMicros + slot)]), slot);
  }
}

/** The row at `at` as the LoggedEvent readLog gives for it. */
export function decodeLogRow(buffer: Buffer, at: number, instants: LogInstants = new LogInstants()): LoggedEvent {
  const fields = new Int32Array(2 * LOG_ROW_FIELDS);
  logRowFields(buffer, at, fields);
  return decodeLogRowFields(buffer, fields, instants);
}

/** The row whose `fields` logRowFields found, as the LoggedEvent readLog gives for it. */
export function decodeLogRowFields(buffer: Buffer, fields: Int32Array, instants: LogInstants): LoggedEvent {
  const text = (field: number) => buffer.toString('utf8', fields[2 * field], fields[2 * field] + fields[2 * field + 1]);
  return {
    position: readInt64(buffer, fields[2 * LogRowField.position]),
    streamId: text(LogRowField.streamId),
    revision: readInt64(buffer, fields[2 * LogRowField.revision]),
    eventId: uuidText(buffer, fields[2 * LogRowField.eventId]),
    type: text(LogRowField.type),
    schemaVersion: buffer.readInt32BE(fields[2 * LogRowField.schemaVersion]),
    businessTime: instants.ofRow(buffer, fields, 0),
    recordedTime: instants.ofRow(buffer, fields, 1),
    data: text(LogRowField.data),
    metadata: text(LogRowField.metadata),
    hash: buffer.toString('hex', fields[2 * LogRowField.hash], fields[2 * LogRowField.hash] + 32),
  };
}

/** The rows of `rows` as LoggedEvents. */
export function decodeLogRows(rows: LogRows): LoggedEvent[] {
  const instants = new LogInstants();
  const events: LoggedEvent[] = [];
  let at = 0;
  for (let row = 0; row < rows.count; row++) {
    events.push(decodeLogRow(rows.bytes, at, instants));
    at = logRowEnd(rows.bytes, at);
  }
  return events;
}
