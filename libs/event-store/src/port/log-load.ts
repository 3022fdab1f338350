import { InvalidAppendError } from './errors';
import { LoggedEvent } from './event';
import { GENESIS_HASH_HEX } from './hash-chain';
import { ParsedInstant, parseIsoInstant } from './iso-instant';
import { validateStreamId } from './validation';

/** A stream's end as a loaded log leaves it: revision, hash, and the hash before its last event. */
export interface LoadedHead {
  revision: number;
  hash: string;
  prior: string;
}

/** Stored as a PostgreSQL integer, and a leaf's uint32. */
const MAX_SCHEMA_VERSION = 2_147_483_647;

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
    const field = (name: string) => `log[${index}].${name}`;
    if (event === null || typeof event !== 'object') throw new InvalidAppendError(`log[${index}]`, 'must be an event');
    const { position, streamId, revision, eventId, type, schemaVersion, data, metadata, hash } = event;
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
    if (typeof eventId !== 'string' || !isLowerCaseUuid(eventId))
      throw new InvalidAppendError(field('eventId'), 'must be a lower-case UUID');
    if (
      typeof type !== 'string' ||
      type.length === 0 ||
      type.length > 200 ||
      // eslint-disable-next-line no-control-regex
      /[\u0000-\u001f\u007f]/.test(type) ||
      !type.isWellFormed()
    )
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
    if (head) {
      head.prior = head.hash;
      head.hash = hash;
      head.revision = revision;
    } else this.heads.set(streamId, { revision: 0, hash, prior: GENESIS_HASH_HEX });
    this.lastPosition = position;
    this.count += 1;
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

/** 8-4-4-4-12 lower-case hex digits: the form a store keeps event ids in. */
export function isLowerCaseUuid(text: string): boolean {
  if (text.length !== 36) return false;
  for (let index = 0; index < 36; index++) {
    const code = text.charCodeAt(index);
    if (index === 8 || index === 13 || index === 18 || index === 23) {
      if (code !== 45) return false;
    } else if (!((code >= 48 && code <= 57) || (code >= 97 && code <= 102))) return false;
  }
  return true;
}

function isLowerCaseHash(text: string): boolean {
  if (text.length !== 64) return false;
  for (let index = 0; index < 64; index++) {
    const code = text.charCodeAt(index);
    if (!((code >= 48 && code <= 57) || (code >= 97 && code <= 102))) return false;
  }
  return true;
}
