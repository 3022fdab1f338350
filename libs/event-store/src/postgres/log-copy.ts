import { LoggedEvent } from '../port/event';
import { decodeLogRowFields, LOG_ROW_FIELDS, LogInstants, logRowEnd, logRowFields, LogRows } from '../port/log-rows';

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
const FIELDS = LOG_ROW_FIELDS;

/** PostgreSQL's binary COPY signature; the flags and the header extension's length follow it. */
const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
const HEADER_BYTES = SIGNATURE.length + 8;

/**
 * Reads the rows of a binary COPY of LOG_COPY_COLUMNS into LoggedEvents, equal to what readLog
 * gives for the same rows, or as log rows (LogRows) to hash as they are. Data arrives in chunks
 * that cut rows anywhere; what is left of a row waits for the next chunk.
 */
export class LogCopyDecoder {
  private rest: Buffer | undefined;
  private headerRead = false;
  private ended = false;
  private readonly instants = new LogInstants();
  private readonly fields = new Int32Array(2 * LOG_ROW_FIELDS);

  /** The events whose rows `chunk` completes. */
  push(chunk: Buffer): LoggedEvent[] {
    const events: LoggedEvent[] = [];
    const rows = this.complete(chunk);
    if (!rows) return events;
    for (let at = rows.start; at < rows.end;) {
      at = logRowFields(rows.buffer, at, this.fields);
      events.push(decodeLogRowFields(rows.buffer, this.fields, this.instants));
    }
    return events;
  }

  /** The rows `chunk` completes, as they are (their bytes are copied: the chunk is not kept). */
  pushRows(chunk: Buffer): LogRows | undefined {
    const rows = this.complete(chunk);
    if (!rows || rows.count === 0) return undefined;
    return { bytes: Buffer.from(rows.buffer.subarray(rows.start, rows.end)), count: rows.count };
  }

  /** Throws unless the data ended where a row did, with the trailer. */
  end(): void {
    if (!this.ended || this.rest) throw new Error("the log's COPY ended in the middle of a row");
  }

  /** The whole rows in what was left and `chunk`: buffer[start, end) holds `count` of them. */
  private complete(chunk: Buffer): { buffer: Buffer; start: number; end: number; count: number } | undefined {
    let buffer = this.rest ? Buffer.concat([this.rest, chunk]) : chunk;
    this.rest = undefined;
    if (!this.headerRead) {
      if (buffer.length < HEADER_BYTES) {
        this.rest = buffer;
        return undefined;
      }
      if (!buffer.subarray(0, SIGNATURE.length).equals(SIGNATURE)) throw new Error('not a binary COPY of the log');
      const extension = buffer.readUInt32BE(SIGNATURE.length + 4);
      if (buffer.length < HEADER_BYTES + extension) {
        this.rest = buffer;
        return undefined;
      }
      buffer = buffer.subarray(HEADER_BYTES + extension);
      this.headerRead = true;
    }
    let at = 0;
    let count = 0;
    let end = 0;
    while (at + 2 <= buffer.length) {
      const fields = buffer.readInt16BE(at);
      if (fields === -1) {
        this.ended = true;
        at += 2;
        break;
      }
      if (fields !== FIELDS) throw new Error(`a row of the log's COPY has ${fields} columns, not ${FIELDS}`);
      const rowEnd = logRowEnd(buffer, at);
      if (rowEnd < 0) break;
      count += 1;
      at = end = rowEnd;
    }
    if (at < buffer.length) {
      if (this.ended) throw new Error("bytes after the end of the log's COPY");
      // Copied out, so that the chunk it came in is not kept alive for a few bytes.
      this.rest = Buffer.from(buffer.subarray(at));
    }
    return { buffer, start: 0, end, count };
  }
}
