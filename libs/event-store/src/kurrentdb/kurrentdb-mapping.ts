import {
  ANY,
  AppendStreamState,
  CurrentStreamState,
  EventData,
  jsonEvent,
  NO_STREAM,
  Position,
  RecordedEvent as KurrentRecordedEvent,
  STREAM_EXISTS,
} from '@kurrent/kurrentdb-client';
import { InvalidAppendError } from '../port/errors';
import { EventMetadata, LoggedEvent, RecordedEvent } from '../port/event';
import { canonicalJson } from '../port/canonical-json';
import { canonicalInstant } from '../port/iso-instant';
import { ExpectedRevision } from '../port/expected-revision';

/**
 * How a TIP event sits in KurrentDB. The event id, type and data map one to one; TIP's own
 * metadata (canonical JSON, exactly what was hashed) and the chain hash travel in KurrentDB's
 * event metadata as string values, the only shape the atomic multi-stream append accepts
 * ("Metadata must be a valid JSON object, using string keys and string values only").
 */
export const METADATA_KEY = 'tipMetadata';
export const HASH_KEY = 'tipHash';

/** Server-side stream-name filter for TIP's events: every stream but KurrentDB's own (`$…`). */
export const TIP_STREAMS_REGEX = '^[^$]';

/** One event ready to be written: validated, in canonical JSON, with its place in the chain. */
export interface OutgoingEvent {
  eventId: string;
  type: string;
  dataJson: string;
  metadataJson: string;
}

export function toEventData(event: OutgoingEvent, hash: Buffer): EventData {
  return jsonEvent({
    id: event.eventId,
    type: event.type,
    // The canonical text, parsed: what KurrentDB stores is what was hashed, key order aside.
    data: JSON.parse(event.dataJson) as Record<string, unknown>,
    metadata: { [METADATA_KEY]: event.metadataJson, [HASH_KEY]: hash.toString('hex') },
  }) as EventData;
}

/** Bytes one event takes in an append request, near enough to keep appends under the server's limit. */
export function approximateEventBytes(event: OutgoingEvent): number {
  // The metadata JSON travels as a JSON string: its quotes are escaped once more.
  return (
    Buffer.byteLength(event.dataJson) +
    Buffer.byteLength(JSON.stringify(event.metadataJson)) +
    Buffer.byteLength(event.type) +
    300
  );
}

/** A stored event as TIP reads it, with what auditors and the verifier need besides. */
export interface DecodedEvent {
  recorded: RecordedEvent;
  eventId: string;
  hash: Buffer;
  /** TIP's metadata as the text that was hashed (`tipMetadata`). */
  metadataJson: string;
  exactPosition: Position;
}

/** An event in a TIP stream that TIP did not write (or whose TIP metadata is unreadable). */
export interface ForeignEvent {
  streamId: string;
  revision: number;
  position: number | undefined;
  exactPosition: Position | undefined;
  eventId: string;
  type: string;
  reason: string;
}

export type Decoded = { ok: true; event: DecodedEvent } | { ok: false; foreign: ForeignEvent };

/** KurrentDB's own events (links `$>`, `$metadata`, tombstones `$streamDeleted`…) are never TIP's. */
export function isSystemEventType(type: string): boolean {
  return type.startsWith('$');
}

export function isSystemStream(streamId: string): boolean {
  return streamId.startsWith('$');
}

/** KurrentDB reserves `$`-prefixed streams for itself (and requires admin rights to write them). */
export function refuseSystemStream(streamId: string, field: string): void {
  if (isSystemStream(streamId))
    throw new InvalidAppendError(field, 'must not start with "$" (KurrentDB reserves such streams for itself)');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Uint8Array);
}

function isEventMetadata(value: unknown): value is EventMetadata {
  return (
    isRecord(value) &&
    typeof value.eventId === 'string' &&
    typeof value.businessTime === 'string' &&
    typeof value.recordedTime === 'string' &&
    typeof value.schemaVersion === 'number' &&
    isRecord(value.actor)
  );
}

/** Turns a recorded KurrentDB event back into TIP's shape, or says why it is not one of TIP's. */
export function decodeRecorded(event: KurrentRecordedEvent, fallbackPosition?: Position): Decoded {
  const exactPosition = event.position ?? fallbackPosition;
  const base = {
    streamId: event.streamId,
    revision: revisionToNumber(event.revision),
    position: exactPosition ? positionToNumber(exactPosition) : undefined,
    exactPosition,
    // TIP stores ids in lower case; compare them so whatever case the server answers in.
    eventId: event.id.toLowerCase(),
    type: event.type,
  };
  const foreign = (reason: string): Decoded => ({ ok: false, foreign: { ...base, reason } });
  if (!event.isJson || !isRecord(event.data)) return foreign('its data is not a JSON object');
  if (!isRecord(event.metadata)) return foreign('it has no JSON metadata');
  const metadataJson = event.metadata[METADATA_KEY];
  const hashHex = event.metadata[HASH_KEY];
  if (typeof metadataJson !== 'string' || typeof hashHex !== 'string' || !/^[0-9a-f]{64}$/.test(hashHex)) {
    return foreign(`its metadata lacks ${METADATA_KEY} or ${HASH_KEY}`);
  }
  let metadata: unknown;
  try {
    metadata = JSON.parse(metadataJson);
  } catch {
    return foreign(`its ${METADATA_KEY} is not JSON`);
  }
  if (!isEventMetadata(metadata)) return foreign(`its ${METADATA_KEY} is not TIP event metadata`);
  if (!exactPosition || base.position === undefined) {
    throw new Error(
      `KurrentDB returned event ${event.id} of stream "${event.streamId}" without its $all position; TIP needs KurrentDB (or EventStoreDB) 22.6 or later`,
    );
  }
  return {
    ok: true,
    event: {
      recorded: {
        type: event.type,
        data: event.data,
        metadata,
        streamId: event.streamId,
        revision: base.revision,
        position: base.position,
      },
      eventId: base.eventId,
      hash: Buffer.from(hashHex, 'hex'),
      metadataJson,
      exactPosition,
    },
  };
}

export function describeForeign(foreign: ForeignEvent): string {
  return (
    `Event ${foreign.eventId} (${foreign.type}) at revision ${foreign.revision} of stream "${foreign.streamId}" was not written by TIP: ` +
    `${foreign.reason}. The KurrentDB database must be dedicated to TIP.`
  );
}

/**
 * TIP's global position is the event's commit position in KurrentDB's transaction log (a byte
 * offset). For events appended through gRPC the commit and prepare positions are the same, the
 * event's own log position, and they grow strictly along $all. Numbers stay exact up to 2^53
 * bytes of log (8 PiB).
 */
export function positionToNumber(position: Position): number {
  if (position.commit > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new Error(`KurrentDB commit position ${position.commit} is beyond 2^53 and cannot be a TIP position`);
  }
  return Number(position.commit);
}

/** The KurrentDB position of an event whose TIP position is `position` (commit = prepare, see above). */
export function numberToPosition(position: number): Position {
  if (!Number.isSafeInteger(position) || position < 0) throw new RangeError(`not a position: ${position}`);
  return { commit: BigInt(position), prepare: BigInt(position) };
}

export function revisionToNumber(revision: bigint): number {
  if (revision > BigInt(Number.MAX_SAFE_INTEGER))
    throw new Error(`KurrentDB stream revision ${revision} is beyond 2^53`);
  return Number(revision);
}

/** The stream's last revision as TIP counts it: -1 when it does not exist (or was deleted: -5, tombstoned: -6). */
export function actualRevisionOf(state: CurrentStreamState): number {
  if (state === NO_STREAM) return -1;
  return state < BigInt(0) ? -1 : revisionToNumber(state);
}

/** The exact state TIP appends at: the revision it read the chain's last hash from. */
export function exactStateOf(actualRevision: number): AppendStreamState {
  return actualRevision < 0 ? NO_STREAM : BigInt(actualRevision);
}

/** A caller's expected revision as a KurrentDB stream state (guards are checked as the caller said). */
export function streamStateOf(expected: ExpectedRevision): AppendStreamState {
  switch (expected) {
    case 'any':
      return ANY;
    case 'no_stream':
      return NO_STREAM;
    case 'stream_exists':
      return STREAM_EXISTS;
    default:
      return BigInt(expected);
  }
}

/** Whether a stream whose last revision is `actual` (-1: none) is where the writer expects it. */
export function satisfies(expected: ExpectedRevision, actual: number): boolean {
  switch (expected) {
    case 'any':
      return true;
    case 'no_stream':
      return actual < 0;
    case 'stream_exists':
      return actual >= 0;
    default:
      return actual === expected;
  }
}

/**
 * The event as KurrentDB keeps it, in the log's shape: the data is stored as the canonical text
 * (key order kept), so its canonical encoding gives that text back; the times, which KurrentDB
 * keeps only inside TIP's metadata, in the log's one form.
 */
export function toLoggedEvent(event: DecodedEvent): LoggedEvent {
  const { recorded } = event;
  const instant = (text: string, name: string) => {
    const canonical = canonicalInstant(text);
    if (!canonical) throw new Error(`event ${event.eventId} has no valid ${name} in its metadata: "${text}"`);
    return canonical;
  };
  return {
    position: recorded.position,
    streamId: recorded.streamId,
    revision: recorded.revision,
    eventId: event.eventId,
    type: recorded.type,
    schemaVersion: recorded.metadata.schemaVersion,
    businessTime: instant(recorded.metadata.businessTime, 'businessTime'),
    recordedTime: instant(recorded.metadata.recordedTime, 'recordedTime'),
    data: canonicalJson(recorded.data),
    metadata: event.metadataJson,
    hash: event.hash.toString('hex'),
  };
}
