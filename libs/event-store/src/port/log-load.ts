import { InvalidAppendError } from './errors';
import { LoggedEvent } from './event';
import { GENESIS_HASH_HEX } from './hash-chain';
import { canonicalInstant, ParsedInstant, parseIsoInstant } from './iso-instant';
import { LOG_ROW_FIELDS, LogRows } from './log-rows';
import { isEventType, isUuid, MAX_SCHEMA_VERSION, validateStreamId } from './validation';

/** A stream's end as a loaded log leaves it: revision, hash, and the hash before its last event. */
export interface LoadedHead {
  revision: number;
  hash: string;
  prior: string;
}

/**
 * The checks of `loadLog` every adapter makes, event by event, in the log's order: positions
 * increasing, each stream's revisions from 0 without a gap, and every field of the form a store
 * writes it in. What the texts say and whether the hashes are theirs is the caller's to check (see
 * EventStore.loadLog). Keeps each stream's end (`heads`), as a first load does: some 100 bytes a
 * stream.
 */
export class LogLoadChecks {
  readonly heads = new Map<string, LoadedHead>();
  /** The last checked event's business and recorded times, as read. */
  businessInstant!: ParsedInstant;
  recordedInstant!: ParsedInstant;
  /** Events checked so far. */
  count = 0;
  lastPosition = 0;
  // The events of a command share their business time, a whole append its recorded time.
  private lastBusiness = { text: '', instant: { seconds: 0, microseconds: 0 } };
  private lastRecorded = { text: '', instant: { seconds: 0, microseconds: 0 } };

  /** Checks the log's next event (refusing it with InvalidAppendError naming `log[<index>].<field>`). */
  check(event: LoggedEvent): void {
    const index = this.count;
    if (event === null || typeof event !== 'object') throw new InvalidAppendError(`log[${index}]`, 'must be an event');
    this.checkFields(event, index);
    this.checkOrder(event.position, event.streamId, event.revision, event.hash);
  }

  /**
   * The order alone, for a log given as rows (whose other fields are binary, in the form a store
   * keeps them, or texts PostgreSQL checks): the next event's position, stream, revision and hash.
   */
  checkOrder(position: number, streamId: string, revision: number, hash: string): void {
    const field = (name: string) => `log[${this.count}].${name}`;
    if (!Number.isSafeInteger(position) || position <= this.lastPosition)
      throw new InvalidAppendError(
        field('position'),
        `must be a whole number above the event before's (${this.lastPosition}): the log is in position order`,
      );
    const head = this.heads.get(streamId);
    // A stream met before passed already.
    if (!head) validateStreamId(streamId, field('streamId'));
    const expected = head ? head.revision + 1 : 0;
    if (revision !== expected)
      throw new InvalidAppendError(
        field('revision'),
        `must be ${expected}: stream "${streamId}" ${head ? `is at revision ${head.revision}` : 'starts here'} ` +
          '(an event is missing, repeated or out of order)',
      );
    if (head) {
      head.prior = head.hash;
      head.hash = hash;
      head.revision = revision;
    } else this.heads.set(streamId, { revision: 0, hash, prior: GENESIS_HASH_HEX });
    this.lastPosition = position;
    this.count += 1;
  }

  /**
   * Every field but the order's: ids, type, schema version, times (read into businessInstant and
   * recordedInstant), texts and hash in the form a store writes them.
   */
  checkFields(event: LoggedEvent, index: number): void {
    const field = (name: string) => `log[${index}].${name}`;
    const { eventId, type, schemaVersion, data, metadata, hash } = event;
    if (typeof eventId !== 'string' || !isUuid(eventId, true))
      throw new InvalidAppendError(field('eventId'), 'must be a lower-case UUID');
    if (!isEventType(type))
      throw new InvalidAppendError(field('type'), 'must be 1 to 200 characters, no control characters');
    if (!Number.isInteger(schemaVersion) || schemaVersion < 0 || schemaVersion > MAX_SCHEMA_VERSION)
      throw new InvalidAppendError(field('schemaVersion'), `must be a whole number from 0 to ${MAX_SCHEMA_VERSION}`);
    this.businessInstant = this.instant(this.lastBusiness, event.businessTime, field('businessTime'));
    this.recordedInstant = this.instant(this.lastRecorded, event.recordedTime, field('recordedTime'));
    if (typeof data !== 'string' || data.length === 0)
      throw new InvalidAppendError(field('data'), 'must be the stored JSON text, as a string');
    if (typeof metadata !== 'string' || metadata.length === 0)
      throw new InvalidAppendError(field('metadata'), 'must be the stored JSON text, as a string');
    if (typeof hash !== 'string' || !isLowerCaseHash(hash))
      throw new InvalidAppendError(field('hash'), 'must be a SHA-256 hash in lower-case hex (64 digits)');
  }

  private instant(last: { text: string; instant: ParsedInstant }, text: unknown, field: string): ParsedInstant {
    if (text === last.text) return last.instant;
    const instant = typeof text === 'string' ? parseIsoInstant(text) : undefined;
    if (typeof text !== 'string' || instant === undefined)
      throw new InvalidAppendError(field, 'must be an ISO-8601 instant');
    last.text = text;
    last.instant = instant;
    return instant;
  }
}

function isLowerCaseHash(text: string): boolean {
  if (text.length !== 64) return false;
  for (let index = 0; index < 64; index++) {
    const code = text.charCodeAt(index);
    if (!((code >= 48 && code <= 57) || (code >= 97 && code <= 102))) return false;
  }
  return true;
}

/** Years 1900-2199, whose instants a reader of log rows formats itself (LogInstants). */
const FORMATTED_FROM = -3_155_673_600;
const FORMATTED_UNTIL = 6_311_433_600;

/**
 * LoggedEvents written as log rows (LogRows: what scanLog({ rows: true }) gives), each checked
 * first (LogLoadChecks.checkFields, naming `log[<index>]`): the form in which a verifier hashes an
 * event's bytes and a store copies them, each text encoded once.
 */
export class LogRowsWriter {
  private readonly fields = new LogLoadChecks();
  private buffer = Buffer.allocUnsafe(1 << 20);
  private at = 0;
  private count = 0;

  add(event: LoggedEvent, index: number): void {
    if (event === null || typeof event !== 'object') throw new InvalidAppendError(`log[${index}]`, 'must be an event');
    this.fields.checkFields(event, index);
    const { streamId, type, data, metadata } = event;
    // UTF-8 takes at most three bytes a UTF-16 unit; the fixed fields some 150.
    const worst = 256 + 3 * (streamId.length + type.length + data.length + metadata.length);
    if (this.at + worst > this.buffer.length) {
      const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.at + worst));
      this.buffer.copy(grown, 0, 0, this.at);
      this.buffer = grown;
    }
    const out = this.buffer;
    let at = this.at;
    out.writeInt16BE(LOG_ROW_FIELDS, at);
    at = int64(out, at + 2, event.position);
    at = text(out, at, streamId);
    at = int64(out, at, event.revision);
    out.writeInt32BE(16, at);
    out.write(event.eventId.replace(/-/g, ''), at + 4, 16, 'hex');
    at += 20;
    at = text(out, at, type);
    out.writeInt32BE(4, at);
    out.writeInt32BE(event.schemaVersion, at + 4);
    at += 8;
    const business = this.fields.businessInstant;
    const recorded = this.fields.recordedInstant;
    at = int64(out, at, business.seconds * 1e6 + business.microseconds);
    at = int64(out, at, recorded.seconds * 1e6 + recorded.microseconds);
    at = instantText(out, at, business.seconds, event.businessTime);
    at = instantText(out, at, recorded.seconds, event.recordedTime);
    at = text(out, at, data);
    at = text(out, at, metadata);
    out.writeInt32BE(32, at);
    out.write(event.hash, at + 4, 32, 'hex');
    this.at = at + 36;
    this.count += 1;
  }

  /** The rows written since the last take, in a buffer of their own. */
  take(): LogRows {
    const rows = { bytes: Buffer.from(this.buffer.subarray(0, this.at)), count: this.count };
    this.at = 0;
    this.count = 0;
    return rows;
  }
}

function int64(out: Buffer, at: number, value: number): number {
  out.writeInt32BE(8, at);
  const high = Math.floor(value / 0x1_0000_0000);
  out.writeInt32BE(high, at + 4);
  out.writeUInt32BE(value - high * 0x1_0000_0000, at + 8);
  return at + 12;
}

function text(out: Buffer, at: number, value: string): number {
  const length = out.write(value, at + 4, 'utf8');
  out.writeInt32BE(length, at);
  return at + 4 + length;
}

/** Null where the reader formats the instant itself, else the canonical text. */
function instantText(out: Buffer, at: number, seconds: number, value: string): number {
  if (seconds >= FORMATTED_FROM && seconds < FORMATTED_UNTIL) {
    out.writeInt32BE(-1, at);
    return at + 4;
  }
  return text(out, at, canonicalInstant(value) ?? value);
}
