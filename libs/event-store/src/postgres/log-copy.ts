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
 * gives for the same rows (LogRowPages gives them as log rows, to hash as they are). Data arrives in chunks
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

/**
 * Pages of log rows cut from a binary COPY of LOG_COPY_COLUMNS, in one buffer kept from page to
 * page: each byte the server sends is copied once, into the page, and no page is garbage for the
 * collector (a province's log is gigabytes). A page taken (`take`) is valid until the next `push`.
 */
export class LogRowPages {
  private page = Buffer.allocUnsafe(1 << 20);
  /** Bytes in the page; the whole rows end at rowsEnd. */
  private filled = 0;
  private rowsEnd = 0;
  private rowCount = 0;
  private taken = false;
  private headerRead = false;
  private ended = false;

  /** Whole rows waiting to be taken. */
  get count(): number {
    return this.taken ? 0 : this.rowCount;
  }

  push(chunk: Buffer): void {
    if (this.taken) {
      // What follows the rows taken (part of a row) moves to the front; the page is written over.
      this.page.copyWithin(0, this.rowsEnd, this.filled);
      this.filled -= this.rowsEnd;
      this.rowsEnd = 0;
      this.rowCount = 0;
      this.taken = false;
    }
    if (this.ended) {
      if (chunk.length > 0) throw new Error("bytes after the end of the log's COPY");
      return;
    }
    if (this.filled + chunk.length > this.page.length) {
      const larger = Buffer.allocUnsafe(Math.max(this.page.length * 2, this.filled + chunk.length));
      this.page.copy(larger, 0, 0, this.filled);
      this.page = larger;
    }
    this.filled += chunk.copy(this.page, this.filled);
    if (!this.headerRead && !this.readHeader()) return;
    const page = this.page;
    let at = this.rowsEnd;
    while (at + 2 <= this.filled) {
      const fields = page.readInt16BE(at);
      if (fields === -1) {
        this.ended = true;
        if (at + 2 !== this.filled) throw new Error("bytes after the end of the log's COPY");
        this.filled = at;
        break;
      }
      if (fields !== FIELDS) throw new Error(`a row of the log's COPY has ${fields} columns, not ${FIELDS}`);
      const rowEnd = logRowEnd(page, at, this.filled);
      if (rowEnd < 0) break;
      this.rowCount += 1;
      at = this.rowsEnd = rowEnd;
    }
  }

  /** The whole rows so far, valid until the next push; undefined when there are none. */
  take(): LogRows | undefined {
    if (this.taken || this.rowCount === 0) return undefined;
    this.taken = true;
    return { bytes: this.page.subarray(0, this.rowsEnd), count: this.rowCount };
  }

  /** Throws unless the data ended where a row did, with the trailer. */
  end(): void {
    if (!this.ended || this.filled !== this.rowsEnd) throw new Error("the log's COPY ended in the middle of a row");
  }

  /** Skips the header once it is all in: false while it is not. */
  private readHeader(): boolean {
    if (this.filled < HEADER_BYTES) return false;
    if (!this.page.subarray(0, SIGNATURE.length).equals(SIGNATURE)) throw new Error('not a binary COPY of the log');
    const extension = this.page.readUInt32BE(SIGNATURE.length + 4);
    if (this.filled < HEADER_BYTES + extension) return false;
    this.page.copyWithin(0, HEADER_BYTES + extension, this.filled);
    this.filled -= HEADER_BYTES + extension;
    this.headerRead = true;
    return true;
  }
}
