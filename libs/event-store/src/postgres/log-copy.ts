import { LoggedEvent } from '../port/event';
import { formatInstant } from '../port/iso-instant';

/**
 * Instants formatted here: years 1900–2199, whose microseconds from 2000 are exact as a double
 * (within about 285 years of it) and whose year has four digits. PostgreSQL formats the others.
 */
const FIRST_PLAIN_INSTANT = `'1900-01-01 00:00:00+00'`;
const END_OF_PLAIN_INSTANTS = `'2200-01-01 00:00:00+00'`;
const instantText = (column: string) =>
  `case when ${column} >= ${FIRST_PLAIN_INSTANT} and ${column} < ${END_OF_PLAIN_INSTANTS} then null ` +
  `else to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') end`;

/**
 * The log's columns for a binary COPY (scanLog): PostgreSQL sends numbers, times, ids and hashes
 * as their bytes and JSON as the stored text, and formats nothing, about a third of its work on
 * the text rows readLog asks for. Times are formatted here, in readLog's form; the rare one
 * outside years 1900–2199 comes formatted by PostgreSQL itself, so both forms always agree.
 */
export const LOG_COPY_COLUMNS =
  'position, stream_id, stream_revision, event_id, event_type, schema_version, business_time, recorded_time, ' +
  `${instantText('business_time')}, ${instantText('recorded_time')}, data, metadata, hash`;
const FIELDS = 13;

/** PostgreSQL's binary COPY signature; the flags and the header extension's length follow it. */
const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
const HEADER_BYTES = SIGNATURE.length + 8;

/**
 * Reads the rows of a binary COPY of LOG_COPY_COLUMNS into LoggedEvents, equal to what readLog
 * gives for the same rows. Data arrives in chunks that cut rows anywhere; what is left of a row
 * waits for the next chunk.
 */
export class LogCopyDecoder {
  private rest: Buffer | undefined;
  private headerRead = false;
  private ended = false;
  /** The last instant formatted in each slot: the events of a command, and of an append, share theirs. */
  private readonly lastMicros = [NaN, NaN];
  private readonly lastText = ['', ''];

  /** The events whose rows `chunk` completes. */
  push(chunk: Buffer): LoggedEvent[] {
    let buffer = this.rest ? Buffer.concat([this.rest, chunk]) : chunk;
    this.rest = undefined;
    if (!this.headerRead) {
      if (buffer.length < HEADER_BYTES) {
        this.rest = buffer;
        return [];
      }
      if (!buffer.subarray(0, SIGNATURE.length).equals(SIGNATURE)) throw new Error('not a binary COPY of the log');
      const extension = buffer.readUInt32BE(SIGNATURE.length + 4);
      if (buffer.length < HEADER_BYTES + extension) {
        this.rest = buffer;
        return [];
      }
      buffer = buffer.subarray(HEADER_BYTES + extension);
      this.headerRead = true;
    }
    const events: LoggedEvent[] = [];
    let at = 0;
    while (at + 2 <= buffer.length) {
      const fields = buffer.readInt16BE(at);
      if (fields === -1) {
        this.ended = true;
        at += 2;
        break;
      }
      if (fields !== FIELDS) throw new Error(`a row of the log's COPY has ${fields} columns, not ${FIELDS}`);
      const end = rowEnd(buffer, at);
      if (end < 0) break;
      events.push(this.decode(buffer, at + 2));
      at = end;
    }
    if (at < buffer.length) {
      if (this.ended) throw new Error("bytes after the end of the log's COPY");
      // Copied out, so that the chunk it came in is not kept alive for a few bytes.
      this.rest = Buffer.from(buffer.subarray(at));
    }
    return events;
  }

  /** Throws unless the data ended where a row did, with the trailer. */
  end(): void {
    if (!this.ended || this.rest) throw new Error("the log's COPY ended in the middle of a row");
  }

  private decode(buffer: Buffer, from: number): LoggedEvent {
    let at = from;
    // Each value is its length (4 bytes), then its bytes; only the instants' texts may be null.
    const position = int64(buffer, at + 4);
    at += 12;
    let length = buffer.readInt32BE(at);
    const streamId = buffer.toString('utf8', at + 4, at + 4 + length);
    at += 4 + length;
    const revision = int64(buffer, at + 4);
    at += 12;
    const eventId = uuidText(buffer, at + 4);
    at += 20;
    length = buffer.readInt32BE(at);
    const type = buffer.toString('utf8', at + 4, at + 4 + length);
    at += 4 + length;
    const schemaVersion = buffer.readInt32BE(at + 4);
    at += 8;
    const businessMicros = int64(buffer, at + 4);
    const recordedMicros = int64(buffer, at + 16);
    at += 24;
    length = buffer.readInt32BE(at);
    const businessText = length < 0 ? undefined : buffer.toString('utf8', at + 4, at + 4 + length);
    at += 4 + Math.max(length, 0);
    length = buffer.readInt32BE(at);
    const recordedText = length < 0 ? undefined : buffer.toString('utf8', at + 4, at + 4 + length);
    at += 4 + Math.max(length, 0);
    length = buffer.readInt32BE(at);
    const data = buffer.toString('utf8', at + 4, at + 4 + length);
    at += 4 + length;
    length = buffer.readInt32BE(at);
    const metadata = buffer.toString('utf8', at + 4, at + 4 + length);
    at += 4 + length;
    length = buffer.readInt32BE(at);
    const hash = buffer.toString('hex', at + 4, at + 4 + length);
    return {
      position,
      streamId,
      revision,
      eventId,
      type,
      schemaVersion,
      businessTime: businessText ?? this.instant(businessMicros, 0),
      recordedTime: recordedText ?? this.instant(recordedMicros, 1),
      data,
      metadata,
      hash,
    };
  }

  /** A timestamptz (microseconds since 2000-01-01 UTC, years 1900–2199) as `2021-01-04T02:00:00.000000Z`. */
  private instant(micros: number, slot: 0 | 1): string {
    if (micros === this.lastMicros[slot]) return this.lastText[slot];
    const microseconds = ((micros % 1_000_000) + 1_000_000) % 1_000_000;
    const seconds = (micros - microseconds) / 1_000_000;
    const text = formatInstant({ seconds, microseconds });
    this.lastMicros[slot] = micros;
    this.lastText[slot] = text;
    return text;
  }
}

/** Where the row starting at `at` ends, or -1 when the buffer holds only part of it. */
function rowEnd(buffer: Buffer, at: number): number {
  let next = at + 2;
  for (let field = 0; field < FIELDS; field++) {
    if (next + 4 > buffer.length) return -1;
    const length = buffer.readInt32BE(next);
    next += 4 + Math.max(length, 0);
  }
  return next > buffer.length ? -1 : next;
}

/** A signed 64-bit integer; exact within ±2^53, which positions, revisions and times stay in. */
function int64(buffer: Buffer, at: number): number {
  return buffer.readInt32BE(at) * 0x1_0000_0000 + buffer.readUInt32BE(at + 4);
}

/** A UUID's 16 bytes as PostgreSQL prints it: lower-case hex, 8-4-4-4-12. */
function uuidText(buffer: Buffer, at: number): string {
  const hex = buffer.toString('hex', at, at + 16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
