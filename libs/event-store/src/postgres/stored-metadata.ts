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

/**
 * Metadata from its stored text: lazily parsed when its business time can be read apart and the
 * schema version column agrees with nothing left to upcast; parsed now otherwise.
 */
export function storedMetadata(text: string, schemaVersion: number): EventMetadata {
  const businessTime = storedBusinessTime(text);
  if (businessTime === undefined) return JSON.parse(text) as EventMetadata;
  return new StoredMetadata(text, businessTime, schemaVersion);
}
