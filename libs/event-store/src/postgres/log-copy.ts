import { LoggedEvent } from '../port/event';
import { decodeLogRowFields, LOG_ROW_FIELDS, LogInstants, logRowEnd, logRowFields, LogRows } from '../port/log-rows';
import { binaryCopyHeaderLength } from './binary-copy';

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
      const header = binaryCopyHeaderLength(buffer, buffer.length, 'the log');
      if (header === undefined) {
        this.rest = buffer;
        return undefined;
      }
      buffer = buffer.subarray(header);
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

/** The protocol's messages a CopyOut is made of (CopyOutResponse, CopyData, CopyDone) or may carry between them. */
const COPY_OUT_RESPONSE = 0x48; // H
const COPY_DATA = 0x64; // d
const COPY_DONE = 0x63; // c
const NOTICE_RESPONSE = 0x4e; // N
const PARAMETER_STATUS = 0x53; // S
const NOTIFICATION_RESPONSE = 0x41; // A

/**
 * Pages of log rows cut from a binary COPY of LOG_COPY_COLUMNS, in one buffer kept from page to
 * page: each byte the server sends is copied once, into the page, and no page is garbage for the
 * collector (a province's log is gigabytes). A page taken (`take`) is valid until the next push.
 * `push` takes the COPY's data; `pushMessages` the connection's bytes themselves, CopyData
 * messages and all, so that no view of a message or joined chunk is ever made.
 */
export class LogRowPages {
  private page: Buffer;
  /** Bytes in the page; the whole rows end at rowsEnd. */
  private filled = 0;
  private rowsEnd = 0;
  private rowCount = 0;
  private taken = false;
  private headerRead = false;
  private ended = false;
  /** The protocol message being read by pushMessages: its code (-1 between messages), length, bytes left. */
  private messageCode = -1;
  private lengthBytesRead = 0;
  private messageLength = 0;
  private messageLeft = 0;
  private copyDone = false;

  /** `pageBytes`: the page's first size; it grows to hold a page of rows and the chunk that completes it. */
  constructor(pageBytes = 1 << 20) {
    this.page = Buffer.allocUnsafe(pageBytes);
  }

  /** Whole rows waiting to be taken. */
  get count(): number {
    return this.taken ? 0 : this.rowCount;
  }

  /** Whether pushMessages has read the CopyDone message. */
  get done(): boolean {
    return this.copyDone;
  }

  push(chunk: Buffer): void {
    this.makeRoom(chunk.length);
    if (this.ended) {
      if (chunk.length > 0) throw new Error("bytes after the end of the log's COPY");
      return;
    }
    this.filled += chunk.copy(this.page, this.filled);
    this.cutRows();
  }

  /**
   * Reads bytes of the connection during a CopyOut: the CopyData messages' contents go into the
   * page, the messages a server may send between them are skipped. Returns where in `chunk` the
   * COPY's messages end (after CopyDone, or at the first other message, an ErrorResponse say,
   * which is the client's to read), or -1 while they go on.
   */
  pushMessages(chunk: Buffer): number {
    if (this.copyDone) throw new Error("bytes after the end of the log's COPY");
    this.makeRoom(chunk.length);
    const page = this.page;
    // The chunk is copied whole after the rows; each message's content then moves down over the headers.
    const start = this.filled;
    const end = start + chunk.copy(page, start);
    let written = start;
    let at = start;
    let stop = -1;
    while (at < end) {
      if (this.messageCode < 0) {
        const code = page[at];
        if (!isCopyOutMessage(code)) {
          stop = at;
          break;
        }
        this.messageCode = code;
        this.lengthBytesRead = 0;
        this.messageLength = 0;
        at += 1;
        continue;
      }
      if (this.lengthBytesRead < 4) {
        if (this.lengthBytesRead === 0 && at + 4 <= end) {
          this.messageLength = page.readUInt32BE(at);
          this.lengthBytesRead = 4;
          at += 4;
        } else {
          // A length cut between two chunks, read a byte at a time.
          this.messageLength = this.messageLength * 256 + page[at];
          this.lengthBytesRead += 1;
          at += 1;
          if (this.lengthBytesRead < 4) continue;
        }
        if (this.messageLength < 4) throw new Error("a message of the log's COPY is shorter than its length word");
        this.messageLeft = this.messageLength - 4;
      }
      const length = Math.min(this.messageLeft, end - at);
      if (this.messageCode === COPY_DATA) {
        if (written !== at) page.copyWithin(written, at, at + length);
        written += length;
      }
      at += length;
      this.messageLeft -= length;
      if (this.messageLeft === 0) {
        const code = this.messageCode;
        this.messageCode = -1;
        if (code === COPY_DONE) {
          this.copyDone = true;
          stop = at;
          break;
        }
      }
    }
    if (this.ended && written > start) throw new Error("bytes after the end of the log's COPY");
    this.filled = written;
    this.cutRows();
    return stop < 0 ? -1 : stop - start;
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

  /** Drops the rows taken, keeping what follows them (part of a row), and makes room for `bytes` more. */
  private makeRoom(bytes: number): void {
    if (this.taken) {
      this.page.copyWithin(0, this.rowsEnd, this.filled);
      this.filled -= this.rowsEnd;
      this.rowsEnd = 0;
      this.rowCount = 0;
      this.taken = false;
    }
    if (this.filled + bytes > this.page.length) {
      const larger = Buffer.allocUnsafe(Math.max(this.page.length * 2, this.filled + bytes));
      this.page.copy(larger, 0, 0, this.filled);
      this.page = larger;
    }
  }

  /** Counts the whole rows the bytes added complete. */
  private cutRows(): void {
    if (this.ended) return;
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

  /** Skips the header once it is all in: false while it is not. */
  private readHeader(): boolean {
    const header = binaryCopyHeaderLength(this.page, this.filled, 'the log');
    if (header === undefined) return false;
    this.page.copyWithin(0, header, this.filled);
    this.filled -= header;
    this.headerRead = true;
    return true;
  }
}

function isCopyOutMessage(code: number): boolean {
  return (
    code === COPY_DATA ||
    code === COPY_DONE ||
    code === COPY_OUT_RESPONSE ||
    code === NOTICE_RESPONSE ||
    code === PARAMETER_STATUS ||
    code === NOTIFICATION_RESPONSE
  );
}
