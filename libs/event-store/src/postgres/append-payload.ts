import { InvalidAppendError } from '../port/errors';
import { EventMetadata, NewEventMetadata } from '../port/event';
import { AppendResult, StreamAppend } from '../port/event-store';
import { ExpectedRevision } from '../port/expected-revision';
import { chainHashHex, contentHashHexOfCanonical, contentHashTail, GENESIS_HASH_HEX } from '../port/hash-chain';
import { ParsedInstant } from '../port/iso-instant';
import { EventSchemaRegistry } from '../port/upcasting';
import { canonicalJsonOfEventData, canonicalJsonOfString } from '../port/canonical-json';
import { validateExpectedRevision, validateNewEvent, validateStreamId } from '../port/validation';

/** One event, validated and in canonical JSON: what is hashed is exactly what is stored. */
export interface PreparedEvent {
  eventId: string;
  type: string;
  schemaVersion: number;
  businessTime: string;
  /** The business time as read while validating it. */
  businessInstant: ParsedInstant;
  recordedTime: string;
  dataJson: string;
  metadataJson: string;
  /** What follows data and metadata in the hashed text (contentHashTail), shared by a stream's events of a type. */
  readonly hashedTail: string;
  /** SHA-256 of the event's content (see `contentHash` in the port), in hex; worked out when first asked for. */
  readonly contentHashHex: string;
  /** The same hash as bytes. */
  readonly contentHash: Buffer;
}

class PreparedEventRecord implements PreparedEvent {
  private hashHex: string | undefined;

  constructor(
    readonly eventId: string,
    readonly type: string,
    readonly schemaVersion: number,
    readonly businessTime: string,
    readonly businessInstant: ParsedInstant,
    readonly recordedTime: string,
    readonly dataJson: string,
    readonly metadataJson: string,
    readonly hashedTail: string,
  ) {}

  /** Hashed when asked for: the import hashes the bytes it encodes instead (copy-import.ts). */
  get contentHashHex(): string {
    this.hashHex ??= contentHashHexOfCanonical('', this.type, this.dataJson, this.metadataJson, this.hashedTail);
    return this.hashHex;
  }

  get contentHash(): Buffer {
    return Buffer.from(this.contentHashHex, 'hex');
  }
}

/** One stream of an append, validated and encoded once, ready to join any `tip_append_events` call. */
export interface PreparedStream {
  streamId: string;
  expected: number;
  events: PreparedEvent[];
  eventIds: string[];
}

/** What settling a failed append needs to know of it: which events went to which streams. */
export interface AppendIdentity {
  streams: { streamId: string; expected: number; eventIds: string[] }[];
}

/** One caller's append: the unit that succeeds or fails as a whole. */
export interface PreparedAppend {
  streams: PreparedStream[];
  eventCount: number;
}

export interface PrepareContext {
  recordedTime: string;
  schemas: EventSchemaRegistry;
  maxEventBytes: number;
  maxEventsPerAppend: number;
}

function expectedRevisionCode(expected: ExpectedRevision): number {
  switch (expected) {
    case 'any':
      return -1;
    case 'no_stream':
      return -2;
    case 'stream_exists':
      return -3;
    default:
      return expected;
  }
}

/** Validates an append and encodes it; throws InvalidAppendError naming the field before anything is sent. */
export function prepareAppend(appends: StreamAppend[], context: PrepareContext): PreparedAppend {
  if (!Array.isArray(appends) || appends.length === 0) {
    throw new InvalidAppendError('appends', 'must name at least one stream');
  }
  const preparer = new AppendPreparer(context);
  const alone = appends.length === 1;
  const streams = appends.map((append, streamIndex) =>
    preparer.prepareStream(append, alone ? '' : `appends[${streamIndex}].`, alone),
  );
  return { streams, eventCount: preparer.finish() };
}

/**
 * `prepareAppend` one stream at a time, for the bulk import, which prepares history as it reads
 * it: streams and event ids must be unique within what one preparer sees (one transaction).
 */
export class AppendPreparer {
  private readonly seenStreams = new Set<string>();
  private readonly seenEvents = new Set<string>();
  private readonly metadata = new StoredMetadataEncoder();
  private eventCount = 0;

  constructor(private readonly context: PrepareContext) {}

  /**
   * `field` is how errors name this stream's append ('' or 'appends[3].'); `alone`, whether it
   * is the only stream of its append (then it must have events: it cannot be a guard);
   * `firstEventIndex`, how errors number its first event (a part of a longer stream).
   */
  prepareStream(append: StreamAppend, field: string, alone: boolean, firstEventIndex = 0): PreparedStream {
    const context = this.context;
    const streamId = validateStreamId(append?.streamId, `${field}streamId`);
    if (this.seenStreams.has(streamId))
      throw new InvalidAppendError(`${field}streamId`, 'must not appear twice in one append');
    this.seenStreams.add(streamId);
    const expected = validateExpectedRevision(append.expectedRevision, `${field}expectedRevision`);
    // With other streams, an empty list makes this stream a guard: it must still be at its
    // expected revision when the others are appended. Alone, it would append nothing at all.
    if (!Array.isArray(append.events) || (append.events.length === 0 && alone)) {
      throw new InvalidAppendError(`${field}events`, 'must contain at least one event');
    }
    const prepared: PreparedStream = { streamId, expected: expectedRevisionCode(expected), events: [], eventIds: [] };
    // What follows data and metadata in the hashed text: the same for every event of a type.
    let hashedType: string | undefined;
    let hashedTail = '';
    for (let eventIndex = 0; eventIndex < append.events.length; eventIndex++) {
      const event = append.events[eventIndex];
      const eventField = `${field}events[${firstEventIndex + eventIndex}]`;
      const businessInstant = validateNewEvent(event, eventField);
      const eventId = event.metadata.eventId.toLowerCase();
      if (this.seenEvents.has(eventId))
        throw new InvalidAppendError(`${eventField}.metadata.eventId`, 'must be unique within the append');
      this.seenEvents.add(eventId);
      const schemaVersion = event.metadata.schemaVersion ?? context.schemas.currentVersion(event.type);
      // The canonical text is what gets hashed and what gets sent: one walk over each object.
      const dataJson = canonicalJsonOfEventData(event.data, eventField, '.data');
      const metadataJson = this.metadata.encode(
        event.metadata,
        eventId,
        schemaVersion,
        context.recordedTime,
        eventField,
      );
      // A UTF-16 unit is at most 3 bytes of UTF-8, so most events skip counting bytes.
      if ((dataJson.length + metadataJson.length) * 3 > context.maxEventBytes) {
        const bytes = Buffer.byteLength(dataJson) + Buffer.byteLength(metadataJson);
        if (bytes > context.maxEventBytes) {
          throw new InvalidAppendError(
            eventField,
            `must be at most ${context.maxEventBytes} bytes of JSON (is ${bytes})`,
          );
        }
      }
      if (event.type !== hashedType) {
        hashedType = event.type;
        hashedTail = contentHashTail(streamId, event.type);
      }
      prepared.events.push(
        new PreparedEventRecord(
          eventId,
          event.type,
          schemaVersion,
          event.metadata.businessTime,
          businessInstant,
          context.recordedTime,
          dataJson,
          metadataJson,
          hashedTail,
        ),
      );
      prepared.eventIds.push(eventId);
    }
    this.eventCount += prepared.events.length;
    return prepared;
  }

  /** Checks the append as a whole, once every stream is prepared; gives its event count. */
  finish(): number {
    const { eventCount, context } = this;
    if (eventCount === 0) throw new InvalidAppendError('appends', 'must append at least one event to some stream');
    if (eventCount > context.maxEventsPerAppend) {
      throw new InvalidAppendError('events', `must be at most ${context.maxEventsPerAppend} in one append`);
    }
    return eventCount;
  }
}

/**
 * The metadata as stored (the caller's, completed by the store), in canonical JSON. Metadata
 * with only the fields TIP knows, the common case, is written field by field in canonical key
 * order; anything else goes through the general encoder. Both give the same text.
 *
 * An append's events mostly share their actor and business time, and an event's command
 * references are often one id: each such text is written once and reused while the value is
 * the same (equal strings encode, and pass the checks, alike).
 */
class StoredMetadataEncoder {
  private lastActor: { actor: UsualActor; json: string } | undefined;
  private lastBusinessTime: { instant: string; json: string } | undefined;

  encode(
    source: NewEventMetadata,
    eventId: string,
    schemaVersion: number,
    recordedTime: string,
    eventField: string,
  ): string {
    if (
      Object.getPrototypeOf(source) !== Object.prototype ||
      !hasOnlyKnownFields(source) ||
      !Number.isFinite(schemaVersion)
    ) {
      const metadata: EventMetadata = { ...source, eventId, schemaVersion, recordedTime };
      return canonicalJsonOfEventData(metadata, eventField, '.metadata');
    }
    const field = `${eventField}.metadata`;
    // In key order, so that of two refused values the first is named, as the general encoder does.
    let json = `{"actor":${this.actorJson(source.actor, field)},"businessTime":${this.businessTimeJson(source.businessTime, field)}`;
    const { causationId, commandId, correlationId } = source;
    const causationJson = member(causationId, field, '.causationId');
    const commandJson = commandId === causationId ? causationJson : member(commandId, field, '.commandId');
    const correlationJson =
      correlationId === commandId
        ? commandJson
        : correlationId === causationId
          ? causationJson
          : member(correlationId, field, '.correlationId');
    json += `,"causationId":${causationJson},"commandId":${commandJson},"correlationId":${correlationJson}`;
    // The event id (a UUID, lowercased) and the recorded time (an ISO string) are the store's own.
    json += `,"eventId":"${eventId}"`;
    if (source.importedBy !== undefined) json += `,"importedBy":${member(source.importedBy, field, '.importedBy')}`;
    json += `,"recordedTime":"${recordedTime}","schemaVersion":${schemaVersion}`;
    if (source.traceparent !== undefined) json += `,"traceparent":${member(source.traceparent, field, '.traceparent')}`;
    return `${json}}`;
  }

  private actorJson(actor: NewEventMetadata['actor'], field: string): string {
    const usual = usualActor(actor);
    if (usual === undefined) return member(actor, field, '.actor');
    const last = this.lastActor;
    if (
      last !== undefined &&
      last.actor.sub === usual.sub &&
      last.actor.role === usual.role &&
      last.actor.unitId === usual.unitId
    )
      return last.json;
    const json = usualActorJson(usual, field);
    this.lastActor = { actor: usual, json };
    return json;
  }

  /** The business time is a string by now: validateNewEvent checked it is an ISO instant. */
  private businessTimeJson(instant: string, field: string): string {
    if (this.lastBusinessTime?.instant === instant) return this.lastBusinessTime.json;
    const json = canonicalJsonOfString(instant, `${field}.businessTime`);
    this.lastBusinessTime = { instant, json };
    return json;
  }
}

interface UsualActor {
  sub: string;
  role: string;
  unitId: string | undefined;
}

/** An actor of the usual shape: a plain object of sub, role and perhaps unitId, all strings. */
function usualActor(actor: NewEventMetadata['actor']): UsualActor | undefined {
  if (Object.getPrototypeOf(actor) !== Object.prototype) return undefined;
  let keys = 0;
  let listsUnit = false;
  for (const key in actor) {
    if (key !== 'sub' && key !== 'role' && key !== 'unitId') return undefined;
    if (key === 'unitId') listsUnit = true;
    keys += 1;
  }
  const { role, sub } = actor;
  if (typeof sub !== 'string' || typeof role !== 'string') return undefined;
  // Read only what the encoder would see: an own, enumerable unitId.
  const unitId = listsUnit ? actor.unitId : undefined;
  if (typeof unitId === 'string') return { sub, role, unitId };
  return keys === 2 ? { sub, role, unitId: undefined } : undefined;
}

/** A usual actor written in canonical key order. */
function usualActorJson({ sub, role, unitId }: UsualActor, field: string): string {
  const json = `{"role":${canonicalJsonOfString(role, `${field}.actor.role`)},"sub":${canonicalJsonOfString(sub, `${field}.actor.sub`)}`;
  return unitId === undefined
    ? `${json}}`
    : `${json},"unitId":${canonicalJsonOfString(unitId, `${field}.actor.unitId`)}}`;
}

function member(value: unknown, field: string, key: string): string {
  return typeof value === 'string'
    ? canonicalJsonOfString(value, field + key)
    : canonicalJsonOfEventData(value, field, key);
}

function hasOnlyKnownFields(metadata: NewEventMetadata): boolean {
  for (const key in metadata) {
    switch (key) {
      case 'actor':
      case 'businessTime':
      case 'causationId':
      case 'commandId':
      case 'correlationId':
      case 'eventId':
      case 'importedBy':
      case 'recordedTime':
      case 'schemaVersion':
      case 'traceparent':
        continue;
      default:
        return false;
    }
  }
  return true;
}

/** `expected` of a no_stream append (see expectedRevisionCode). */
export const NO_STREAM = -2;

/** The chain of `events` from `start`: each event's hash, in hex. */
export function chainFrom(start: string, events: PreparedEvent[]): string[] {
  return chainFromContentHashes(
    start,
    events.map((event) => event.contentHashHex),
  );
}

/** The chain from `start` over content hashes (hex), in hex. */
export function chainFromContentHashes(start: string, contentHashes: string[]): string[] {
  const hashes = new Array<string>(contentHashes.length);
  let previous = start;
  for (let index = 0; index < contentHashes.length; index++) {
    previous = chainHashHex(previous, contentHashes[index]);
    hashes[index] = previous;
  }
  return hashes;
}

/** Where a stream's chain ended after an append this process made: its revision and hash (hex). */
export interface StreamHead {
  revision: number;
  hash: string;
}

/**
 * The heads of the streams this process appended to lately (the most recent `capacity`), so
 * that it can chain their next events itself. A head may be stale (another process appended
 * since): `tip_append_events` stores such a chain only if the head is still the stream's head.
 */
export class StreamHeads {
  private readonly heads = new Map<string, StreamHead>();

  constructor(private readonly capacity = 10_000) {}

  get(streamId: string): StreamHead | undefined {
    return this.heads.get(streamId);
  }

  /** Records a stream's new head; appends that finish out of order never move it back. */
  advance(streamId: string, head: StreamHead): void {
    const known = this.heads.get(streamId);
    if (known !== undefined && known.revision >= head.revision) return;
    this.heads.delete(streamId);
    this.heads.set(streamId, head);
    if (this.heads.size > this.capacity) this.heads.delete(this.heads.keys().next().value as string);
  }

  forget(streamId: string): void {
    this.heads.delete(streamId);
  }
}

/** Joins the texts of events in `tip_append_events`' arguments; no type or JSON text can hold it. */
const SEPARATOR = '\u001e';
const NO_HASH = '0'.repeat(64);

/**
 * The `tip_append_events` arguments for several appends sent as one transaction. A stream's
 * chain is hashed here when its start is known: the genesis hash for no_stream, else the head
 * this process saw at its last append to it (`heads`), sent along for the database to check.
 */
export function appendArguments(batch: PreparedAppend[], heads?: StreamHeads): (string | Buffer)[] {
  let streamsJson = '';
  let streamOf = '';
  let eventIds = '';
  let versions = '';
  let types = '';
  // Each distinct instant once; events refer to them by index (from 1).
  const timeIndex = new Map<string, number>();
  let times = '';
  const timeOf = (instant: string): number => {
    let index = timeIndex.get(instant);
    if (index === undefined) {
      index = timeIndex.size + 1;
      timeIndex.set(instant, index);
      times += index === 1 ? instant : SEPARATOR + instant;
    }
    return index;
  };
  let businessTimeOf = '';
  let recordedTimeOf = '';
  let data = '';
  let metadata = '';
  // In hex here; sent as bytes (node-postgres passes a Buffer in binary), half the size.
  let hashes = '';
  let contentHashes = '';
  let streamIndex = 0;
  let offset = 0;
  for (const append of batch) {
    for (const stream of append.streams) {
      const events = stream.events;
      let chain: string[] | undefined;
      let head: StreamHead | undefined;
      if (events.length > 0 && stream.expected === NO_STREAM) {
        chain = chainFrom(GENESIS_HASH_HEX, events);
      } else if (events.length > 0) {
        head = heads?.get(stream.streamId);
        // An exact expectation that the head contradicts goes to the database as it is.
        if (head !== undefined && stream.expected >= 0 && stream.expected !== head.revision) head = undefined;
        if (head !== undefined) chain = chainFrom(head.hash, events);
      }
      let streamJson = `{"streamId":${JSON.stringify(stream.streamId)},"expected":${stream.expected},"offset":${offset},"n":${events.length}`;
      if (chain !== undefined) streamJson += `,"last":"${chain[chain.length - 1]}"`;
      if (head !== undefined) streamJson += `,"headRevision":${head.revision},"headHash":"${head.hash}"`;
      streamsJson += streamIndex === 0 ? `${streamJson}}` : `,${streamJson}}`;
      for (let index = 0; index < events.length; index++) {
        const event = events[index];
        if (offset + index === 0) {
          streamOf = `${streamIndex}`;
          eventIds = event.eventId;
          versions = `${event.schemaVersion}`;
          types = event.type;
          businessTimeOf = `${timeOf(event.businessTime)}`;
          recordedTimeOf = `${timeOf(event.recordedTime)}`;
          data = event.dataJson;
          metadata = event.metadataJson;
        } else {
          streamOf += `,${streamIndex}`;
          eventIds += `,${event.eventId}`;
          versions += `,${event.schemaVersion}`;
          types += SEPARATOR + event.type;
          businessTimeOf += `,${timeOf(event.businessTime)}`;
          recordedTimeOf += `,${timeOf(event.recordedTime)}`;
          data += SEPARATOR + event.dataJson;
          metadata += SEPARATOR + event.metadataJson;
        }
        hashes += chain === undefined ? NO_HASH : chain[index];
        contentHashes += event.contentHashHex;
      }
      streamIndex += 1;
      offset += events.length;
    }
  }
  return [
    `[${streamsJson}]`,
    `{${streamOf}}`,
    `{${eventIds}}`,
    `{${versions}}`,
    types,
    times,
    `{${businessTimeOf}}`,
    `{${recordedTimeOf}}`,
    data,
    metadata,
    Buffer.from(hashes, 'hex'),
    Buffer.from(contentHashes, 'hex'),
  ];
}

/** Remembers where each stream's chain now ends, from what `tip_append_events` answered. */
export function rememberHeads(
  batch: PreparedAppend[],
  nextRevisions: number[],
  lastHashes: (string | null)[],
  heads: StreamHeads,
): void {
  let streamIndex = 0;
  for (const append of batch) {
    for (const stream of append.streams) {
      const hash = lastHashes[streamIndex];
      if (stream.events.length > 0 && hash)
        heads.advance(stream.streamId, { revision: nextRevisions[streamIndex], hash });
      streamIndex += 1;
    }
  }
}

/** Splits what `tip_append_events` answered back into each append's own result. */
export function resultsOf(batch: PreparedAppend[], firstPosition: number, nextRevisions: number[]): AppendResult[] {
  let position = firstPosition;
  let streamIndex = 0;
  return batch.map((append) => {
    const result: AppendResult = { streams: [], events: [], lastPosition: 0 };
    for (const stream of append.streams) {
      const nextExpectedRevision = nextRevisions[streamIndex++];
      let revision = nextExpectedRevision - stream.eventIds.length;
      for (const eventId of stream.eventIds) {
        revision += 1;
        result.events.push({ streamId: stream.streamId, eventId, revision, position: position++ });
      }
      result.streams.push({ streamId: stream.streamId, nextExpectedRevision });
    }
    result.lastPosition = position - 1;
    return result;
  });
}
