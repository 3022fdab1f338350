import { EventMetadata, RecordedEvent } from '../port/event';
import { readInt64 } from '../port/log-rows';
import { EventSchemaRegistry } from '../port/upcasting';
import { storedMetadataIn } from './stored-metadata';
import { binaryCopyHeaderLength } from './binary-copy';

/**
 * readAll's columns for a binary COPY (scanAll): numbers as their bytes, the JSON as its text,
 * where the text protocol's pages cost a string and a parse a field, and a query a page.
 */
export const EVENT_COPY_COLUMNS =
  'position, stream_id, stream_revision, event_type, data::text, metadata::text, schema_version';
const FIELDS = 7;
/** Types kept by their bytes (see typeIn): more than a log's, and no more whatever a log holds. */
const MAX_TYPES_HELD = 1024;

/**
 * Reads the rows of a binary COPY of EVENT_COPY_COLUMNS into the events readAll gives for them
 * (upcast; the metadata parsed when first asked for more than its business time, if `lazy`).
 * Data arrives in chunks that cut rows anywhere; what is left of a row waits for the next chunk.
 */
export class EventCopyDecoder {
  private rest: Buffer | undefined;
  private headerRead = false;
  private ended = false;

  constructor(
    private readonly schemas: EventSchemaRegistry,
    private readonly lazy: boolean,
  ) {}

  /** The events whose rows `chunk` completes, pushed onto `into`. */
  push(chunk: Buffer, into: RecordedEvent[]): void {
    let buffer = chunk;
    let at = 0;
    const rest = this.rest;
    this.rest = undefined;
    if (rest && this.headerRead && rest.length >= 2 && rest.readInt16BE(0) === FIELDS) {
      // The row begun in the last chunk, finished with as little of this one as it needs: a chunk
      // copied whole behind every row cut in two was a tenth of the collector's work.
      for (let take = 4096; ; take *= 2) {
        const joined = Buffer.concat([rest, chunk.subarray(0, take)]);
        const end = rowEnd(joined, 0);
        if (end >= 0) {
          into.push(this.event(joined, 0));
          at = end - rest.length;
          break;
        }
        if (take >= chunk.length) {
          this.rest = joined;
          return;
        }
      }
    } else if (rest) buffer = Buffer.concat([rest, chunk]);
    if (!this.headerRead) {
      const header = binaryCopyHeaderLength(buffer, buffer.length, 'events');
      if (header === undefined) {
        this.rest = buffer;
        return;
      }
      at = header;
      this.headerRead = true;
    }
    while (at + 2 <= buffer.length) {
      const fields = buffer.readInt16BE(at);
      if (fields === -1) {
        this.ended = true;
        at += 2;
        break;
      }
      if (fields !== FIELDS) throw new Error(`a row of the events' COPY has ${fields} columns, not ${FIELDS}`);
      const end = rowEnd(buffer, at);
      if (end < 0) break;
      into.push(this.event(buffer, at));
      at = end;
    }
    if (at < buffer.length) {
      if (this.ended) throw new Error("bytes after the end of the events' COPY");
      // Copied out, so that the chunk it came in is not kept alive for a few bytes.
      this.rest = Buffer.from(buffer.subarray(at));
    }
  }

  /** Throws unless the data ended where a row did, with the trailer. */
  end(): void {
    if (!this.ended || this.rest) throw new Error("the events' COPY ended in the middle of a row");
  }

  /**
   * An event's type from its UTF-8 bytes `buffer[start, end)`: a log has few types, each decoded
   * once and then found by its bytes (a string made for every event's was a native call each).
   */
  private typeIn(buffer: Buffer, start: number, end: number): string {
    const length = end - start;
    const slot = length > 0 ? length * 256 + buffer[end - 1] : 0;
    const candidates = this.types.get(slot);
    if (candidates)
      for (const known of candidates) {
        let index = 0;
        while (index < length && known.bytes[index] === buffer[start + index]) index++;
        if (index === length) return known.text;
      }
    const text = buffer.toString('utf8', start, end);
    if (this.typesHeld < MAX_TYPES_HELD) {
      const known = { bytes: Buffer.from(buffer.subarray(start, end)), text };
      if (candidates) candidates.push(known);
      else this.types.set(slot, [known]);
      this.typesHeld++;
    }
    return text;
  }

  private readonly types = new Map<number, { bytes: Buffer; text: string }[]>();
  private typesHeld = 0;

  /** The whole row at `at` (no column is null), as readAll reads it. */
  private event(buffer: Buffer, at: number): RecordedEvent {
    let next = at + 2;
    const text = () => {
      const length = buffer.readInt32BE(next);
      next += 4 + length;
      return buffer.toString('utf8', next - length, next);
    };
    const position = readInt64(buffer, next + 4);
    next += 12;
    const streamId = text();
    const revision = readInt64(buffer, next + 4);
    next += 12;
    const typeLength = buffer.readInt32BE(next);
    const type = this.typeIn(buffer, next + 4, (next += 4 + typeLength));
    const data = JSON.parse(text()) as Record<string, unknown>;
    const metadataStart = next + 4;
    const metadata = text();
    const schemaVersion = buffer.readInt32BE(next + 4);
    // What is upcast gets a copy of its metadata: a whole one.
    const upcast = schemaVersion < this.schemas.currentVersion(type);
    return this.schemas.upcast({
      type,
      data,
      metadata:
        this.lazy && !upcast
          ? storedMetadataIn(metadata, buffer, metadataStart, next, schemaVersion)
          : (JSON.parse(metadata) as EventMetadata),
      streamId,
      revision,
      position,
    });
  }
}

/** Where the row starting at `at` ends, or -1 when the buffer holds only part of it. */
function rowEnd(buffer: Buffer, at: number): number {
  let next = at + 2;
  for (let field = 0; field < FIELDS; field++) {
    if (next + 4 > buffer.length) return -1;
    next += 4 + Math.max(buffer.readInt32BE(next), 0);
  }
  return next > buffer.length ? -1 : next;
}
