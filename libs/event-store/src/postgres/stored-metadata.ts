import { Actor, EventMetadata } from '../port/event';

const ACTOR_MEMBER = '{"actor":';
const BUSINESS_TIME_MEMBER = ',"businessTime":"';

/**
 * The business time of metadata as stored (canonical JSON: keys in order, so the actor first and
 * the business time next), read without parsing the rest; undefined when the text is not of that
 * form, for the caller to parse it whole.
 */
export function storedBusinessTime(text: string): string | undefined {
  let index: number;
  if (lastActor !== undefined && text.startsWith(lastActor)) index = lastActor.length - 1;
  else {
    if (!text.startsWith(ACTOR_MEMBER) || text.charCodeAt(ACTOR_MEMBER.length) !== 0x7b) return undefined;
    index = actorEnd(text);
    if (index >= text.length) return undefined;
    lastActor = text.slice(0, index + 1);
  }
  if (!text.startsWith(BUSINESS_TIME_MEMBER, index + 1)) return undefined;
  const start = index + 1 + BUSINESS_TIME_MEMBER.length;
  const end = text.indexOf('"', start);
  if (end < 0) return undefined;
  // An instant holds no escapes; a text that does is left to JSON.parse. (Looked for in the
  // instant alone: lastIndexOf read back through the actor.)
  for (let index = start; index < end; index++) if (text.charCodeAt(index) === 0x5c) return undefined;
  return text.slice(start, end);
}

/**
 * The text up to the end of the last actor found (`{"actor":{…}`): a log's events come from few
 * actors, and a text that starts with it has its actor end in the same place (actorEnd reads no
 * further), so it is compared, not scanned again.
 */
let lastActor: string | undefined;

/** Where the actor's object that starts the text ends (its closing brace), whatever its strings hold; past the end if it does not. */
function actorEnd(text: string): number {
  let depth = 0;
  let index = ACTOR_MEMBER.length;
  for (let inString = false; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (inString) {
      if (code === 0x5c) index++;
      else if (code === 0x22) inString = false;
    } else if (code === 0x22) inString = true;
    else if (code === 0x7b || code === 0x5b) depth++;
    else if ((code === 0x7d || code === 0x5d) && --depth === 0) break;
  }
  return index;
}

/**
 * Metadata parsed when first asked for more than its business time and schema version: a full
 * rebuild reads every event, and its projectors read little else of the metadata (parsing it was
 * about a quarter of reading an event). Fields are getters; JSON.stringify gives the stored whole.
 * Not for spreading or structured cloning (own properties are the business time and schema
 * version only): readAll gives it only when asked (ReadAllOptions.lazyMetadata).
 */
class StoredMetadata implements EventMetadata {
  #parsed: EventMetadata | undefined;

  constructor(
    private readonly text: string,
    readonly businessTime: string,
    readonly schemaVersion: number,
  ) {}

  get eventId(): string {
    return this.whole().eventId;
  }

  get actor(): Actor {
    return this.whole().actor;
  }

  get importedBy(): Actor | undefined {
    return this.whole().importedBy;
  }

  get commandId(): string {
    return this.whole().commandId;
  }

  get correlationId(): string {
    return this.whole().correlationId;
  }

  get causationId(): string {
    return this.whole().causationId;
  }

  get traceparent(): string | undefined {
    return this.whole().traceparent;
  }

  get recordedTime(): string {
    return this.whole().recordedTime;
  }

  toJSON(): EventMetadata {
    return this.whole();
  }

  private whole(): EventMetadata {
    return (this.#parsed ??= JSON.parse(this.text) as EventMetadata);
  }
}

const ACTOR_BYTES = Buffer.from(ACTOR_MEMBER, 'latin1');
const BUSINESS_TIME_BYTES = Buffer.from(BUSINESS_TIME_MEMBER, 'latin1');

/**
 * storedBusinessTime read from the text's UTF-8 bytes, `bytes[start, end)` (a binary COPY's
 * field): the scan reads bytes where the text's characters would be made and read again (4.9 % of
 * a rebuild's main thread at BENCH_SCALE=0.03). A byte of a character beyond ASCII is never one of
 * the marks looked for, so it finds what the text's scan finds; undefined where that would be (and
 * for an instant not all ASCII), for the caller to read the text.
 */
export function storedBusinessTimeIn(bytes: Buffer, start: number, end: number): string | undefined {
  let index = start + ACTOR_BYTES.length;
  if (index >= end || bytes[index] !== 0x7b) return undefined;
  for (let at = 0; at < ACTOR_BYTES.length; at++) if (bytes[start + at] !== ACTOR_BYTES[at]) return undefined;
  let depth = 0;
  for (let inString = false; index < end; index++) {
    const code = bytes[index];
    if (inString) {
      if (code === 0x5c) index++;
      else if (code === 0x22) inString = false;
    } else if (code === 0x22) inString = true;
    else if (code === 0x7b || code === 0x5b) depth++;
    else if ((code === 0x7d || code === 0x5d) && --depth === 0) break;
  }
  const timeStart = index + 1 + BUSINESS_TIME_BYTES.length;
  if (timeStart > end) return undefined;
  for (let at = 0; at < BUSINESS_TIME_BYTES.length; at++)
    if (bytes[index + 1 + at] !== BUSINESS_TIME_BYTES[at]) return undefined;
  for (let at = timeStart; at < end; at++) {
    const code = bytes[at];
    if (code === 0x22) return bytes.toString('latin1', timeStart, at);
    if (code === 0x5c || code >= 0x80) return undefined;
  }
  return undefined;
}

/**
 * Metadata from its stored text: lazily parsed when its business time can be read apart and the
 * schema version column agrees with nothing left to upcast; parsed now otherwise.
 */
export function storedMetadata(text: string, schemaVersion: number): EventMetadata {
  const businessTime = storedBusinessTime(text);
  if (businessTime === undefined) return JSON.parse(text) as EventMetadata;
  return new StoredMetadata(text, businessTime, schemaVersion);
}

/** storedMetadata of a text whose UTF-8 bytes are `bytes[start, end)`: its business time read from those (storedBusinessTimeIn). */
export function storedMetadataIn(
  text: string,
  bytes: Buffer,
  start: number,
  end: number,
  schemaVersion: number,
): EventMetadata {
  const businessTime = storedBusinessTimeIn(bytes, start, end);
  if (businessTime === undefined) return storedMetadata(text, schemaVersion);
  return new StoredMetadata(text, businessTime, schemaVersion);
}
