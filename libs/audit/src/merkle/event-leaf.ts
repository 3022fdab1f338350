import type { LoggedEvent } from '@tip/event-store';
import { sha256 } from './merkle-tree';

/**
 * A leaf of the log's Merkle tree is one event as stored. Its input `d` (RFC 9162 2.1.1) is a
 * binary record in TLS presentation style, big-endian, each text as UTF-8 after its byte length:
 *
 *     uint8     version = 1
 *     uint64    position
 *     opaque    stream_id<0..2^16-1>
 *     uint64    revision
 *     opaque    event_id<0..2^8-1>          lower-case UUID text
 *     opaque    type<0..2^16-1>
 *     uint32    schema_version
 *     opaque    business_time<0..2^8-1>     2021-01-04T02:00:00.000000Z
 *     opaque    recorded_time<0..2^8-1>
 *     opaque    data<0..2^32-1>             the stored canonical JSON text
 *     opaque    metadata<0..2^32-1>
 *
 * and its hash is SHA-256(0x00 ‖ d). Position, order, content, event id and both times are all
 * committed; texts are taken as stored, never re-encoded, so another language rebuilds the same
 * bytes from the exported log (tools/verify-log.py does).
 */
export const EVENT_LEAF_VERSION = 1;

/** The fields of an event that its leaf commits to. */
export type LeafFields = Pick<
  LoggedEvent,
  | 'position'
  | 'streamId'
  | 'revision'
  | 'eventId'
  | 'type'
  | 'schemaVersion'
  | 'businessTime'
  | 'recordedTime'
  | 'data'
  | 'metadata'
>;

/** Reused for every leaf: an event is encoded and hashed at once, so nothing is allocated per event but the hash. */
let scratch = Buffer.allocUnsafe(64 * 1024);

/** SHA-256(0x00 ‖ d) of the event's leaf input. */
export function eventLeafHash(event: LeafFields): Buffer {
  return sha256(encode(event, true));
}

/** The leaf input d itself (tests, documentation, other implementations). */
export function eventLeafInput(event: LeafFields): Buffer {
  return Buffer.from(encode(event, false));
}

function encode(event: LeafFields, withLeafPrefix: boolean): Buffer {
  // UTF-8 takes at most three bytes per UTF-16 code unit.
  const worst =
    64 +
    3 *
      (event.streamId.length +
        event.eventId.length +
        event.type.length +
        event.businessTime.length +
        event.recordedTime.length +
        event.data.length +
        event.metadata.length);
  if (scratch.length < worst) scratch = Buffer.allocUnsafe(Math.max(worst, scratch.length * 2));
  const out = scratch;
  let at = 0;
  if (withLeafPrefix) out[at++] = 0;
  out[at++] = EVENT_LEAF_VERSION;
  at = writeUint64(out, at, event.position, 'position');
  at = writeText(out, at, event.streamId, 2, 'streamId');
  at = writeUint64(out, at, event.revision, 'revision');
  at = writeText(out, at, event.eventId, 1, 'eventId');
  at = writeText(out, at, event.type, 2, 'type');
  if (!Number.isInteger(event.schemaVersion) || event.schemaVersion < 0 || event.schemaVersion > 0xffffffff) {
    throw new RangeError(`schemaVersion ${event.schemaVersion} does not fit a leaf's uint32`);
  }
  out.writeUInt32BE(event.schemaVersion, at);
  at += 4;
  at = writeText(out, at, event.businessTime, 1, 'businessTime');
  at = writeText(out, at, event.recordedTime, 1, 'recordedTime');
  at = writeText(out, at, event.data, 4, 'data');
  at = writeText(out, at, event.metadata, 4, 'metadata');
  return out.subarray(0, at);
}

function writeUint64(out: Buffer, at: number, value: number, field: string): number {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${field} ${value} does not fit a leaf's uint64`);
  out.writeUInt32BE(Math.floor(value / 0x1_0000_0000), at);
  out.writeUInt32BE(value % 0x1_0000_0000, at + 4);
  return at + 8;
}

function writeText(out: Buffer, at: number, text: string, lengthBytes: 1 | 2 | 4, field: string): number {
  const start = at + lengthBytes;
  const written = out.write(text, start, 'utf8');
  if (written >= 2 ** (8 * lengthBytes)) {
    throw new RangeError(`${field} is ${written} bytes, more than a leaf's ${8 * lengthBytes}-bit length allows`);
  }
  out.writeUIntBE(written, at, lengthBytes);
  return start + written;
}
