import { createHash, hash } from 'node:crypto';
import { canonicalJson } from './canonical-json';
import { EventMetadata } from './event';

/** The hash before a stream's first event. */
export const GENESIS_HASH = Buffer.alloc(32);

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
export function contentHashOfCanonical(streamId: string, type: string, canonicalData: string, canonicalMetadata: string): Buffer {
  // Keys in canonical order: data, metadata, streamId, type.
  return hash(
    'sha256',
    `{"data":${canonicalData},"metadata":${canonicalMetadata},"streamId":${JSON.stringify(streamId)},"type":${JSON.stringify(type)}}`,
    'buffer',
  );
}

/** Each event's stored hash covers the previous event's hash, so edits, inserts and deletes show. */
export function chainHash(previous: Buffer, content: Buffer): Buffer {
  return createHash('sha256').update(previous).update(content).digest();
}
