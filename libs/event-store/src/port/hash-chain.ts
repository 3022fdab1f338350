import { createHash, hash } from 'node:crypto';
import { canonicalJson } from './canonical-json';
import { EventMetadata } from './event';

/** The hash before a stream's first event. */
export const GENESIS_HASH = Buffer.alloc(32);
/** The same, in hex. */
export const GENESIS_HASH_HEX = '00'.repeat(32);

export interface HashedContent {
  streamId: string;
  type: string;
  data: unknown;
  metadata: EventMetadata;
}

/**
 * SHA-256 over the canonical encoding of what an event says. Revision and global position are
 * left out on purpose: the chain below fixes the order, so content can be hashed before the
 * store knows where the event lands.
 */
export function contentHash(event: HashedContent): Buffer {
  return contentHashOfCanonical(event.streamId, event.type, canonicalJson(event.data), canonicalJson(event.metadata));
}

/** The same hash from data and metadata already in canonical form (the append path has them). */
export function contentHashOfCanonical(
  streamId: string,
  type: string,
  canonicalData: string,
  canonicalMetadata: string,
): Buffer {
  return hash(
    'sha256',
    `{"data":${canonicalData},"metadata":${canonicalMetadata}${contentHashTail(streamId, type)}`,
    'buffer',
  );
}

/**
 * The content hash in hex, as the append paths send and chain it: a hex string costs far less
 * to make than a Buffer (no backing store to allocate and later collect). `tail` may be given
 * when the caller hashes many events of one stream and type (see `contentHashTail`).
 */
export function contentHashHexOfCanonical(
  streamId: string,
  type: string,
  canonicalData: string,
  canonicalMetadata: string,
  tail: string = contentHashTail(streamId, type),
): string {
  return hash('sha256', `{"data":${canonicalData},"metadata":${canonicalMetadata}${tail}`, 'hex');
}

/** The hashed text after data and metadata. Keys in canonical order: data, metadata, streamId, type. */
export function contentHashTail(streamId: string, type: string): string {
  return `,"streamId":${JSON.stringify(streamId)},"type":${JSON.stringify(type)}}`;
}

/** Each event's stored hash covers the previous event's hash, so edits, inserts and deletes show. */
export function chainHash(previous: Buffer, content: Buffer): Buffer {
  return createHash('sha256').update(previous).update(content).digest();
}

/** Both halves of one chain step, reused: the step allocates nothing but its result. */
const chainInput = Buffer.alloc(64);

/** `chainHash` on hex strings (64 hex digits each), giving hex. */
export function chainHashHex(previousHex: string, contentHex: string): string {
  if (chainInput.write(previousHex, 0, 32, 'hex') !== 32 || chainInput.write(contentHex, 32, 32, 'hex') !== 32) {
    throw new TypeError('chainHashHex takes two SHA-256 hashes in hex');
  }
  return hash('sha256', chainInput, 'hex');
}

/**
 * `chainHash` on binary strings (one character a byte, as crypto's hash gives them without a
 * Buffer of their own), giving one: what the bulk import chains millions of events with.
 */
export function chainHashBinary(previous: string, content: string): string {
  if (previous.length !== 32 || content.length !== 32) throw new TypeError('chainHashBinary takes two SHA-256 hashes');
  for (let index = 0; index < 32; index++) {
    chainInput[index] = previous.charCodeAt(index);
    chainInput[32 + index] = content.charCodeAt(index);
  }
  return hash('sha256', chainInput, 'binary');
}
