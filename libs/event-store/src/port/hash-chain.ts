import { createHash } from 'node:crypto';
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
  return createHash('sha256')
    .update(canonicalJson({ streamId: event.streamId, type: event.type, data: event.data, metadata: event.metadata }))
    .digest();
}

/** Each event's stored hash covers the previous event's hash, so edits, inserts and deletes show. */
export function chainHash(previous: Buffer, content: Buffer): Buffer {
  return createHash('sha256').update(previous).update(content).digest();
}
