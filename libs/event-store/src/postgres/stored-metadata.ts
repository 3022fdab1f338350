import { Actor, EventMetadata } from '../port/event';

const ACTOR_MEMBER = '{"actor":';
const BUSINESS_TIME_MEMBER = ',"businessTime":"';

/**
 * The business time of metadata as stored (canonical JSON: keys in order, so the actor first and
 * the business time next), read without parsing the rest; undefined when the text is not of that
 * form, for the caller to parse it whole.
 */
export function storedBusinessTime(text: string): string | undefined {
  if (!text.startsWith(ACTOR_MEMBER) || text.charCodeAt(ACTOR_MEMBER.length) !== 0x7b) return undefined;
  // Past the actor's object, whatever its strings hold.
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
  if (!text.startsWith(BUSINESS_TIME_MEMBER, index + 1)) return undefined;
  const start = index + 1 + BUSINESS_TIME_MEMBER.length;
  const end = text.indexOf('"', start);
  // An instant holds no escapes; a text that does is left to JSON.parse.
  if (end < 0 || text.lastIndexOf('\\', end) >= start) return undefined;
  return text.slice(start, end);
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

/**
 * Metadata from its stored text: lazily parsed when its business time can be read apart and the
 * schema version column agrees with nothing left to upcast; parsed now otherwise.
 */
export function storedMetadata(text: string, schemaVersion: number): EventMetadata {
  const businessTime = storedBusinessTime(text);
  if (businessTime === undefined) return JSON.parse(text) as EventMetadata;
  return new StoredMetadata(text, businessTime, schemaVersion);
}
