import { createHash, createPublicKey, KeyObject, verify } from 'node:crypto';
import { HASH_BYTES } from '../merkle/merkle-tree';

/** Why a head was signed: the minute's head, the end of an ISO week (Asia/Shanghai), or on request. */
export type HeadReason = 'interval' | 'week-end' | 'request';
export const HEAD_REASONS: readonly HeadReason[] = ['interval', 'week-end', 'request'];

export const CHECKPOINT_FORMAT = 'tip-checkpoint/1';

/**
 * A signed tree head as an auditor keeps it. The signature covers RFC 9162's TreeHeadDataV2
 * (timestamp, tree size, root hash, no extensions); the other fields say where it came from.
 */
export interface Checkpoint {
  format: typeof CHECKPOINT_FORMAT;
  /** Hex SHA-256 of the raw public key: names the key that signed. */
  keyId: string;
  /** The raw 32-byte Ed25519 public key, base64. */
  publicKey: string;
  treeSize: number;
  /** Hex. */
  rootHash: string;
  /** Milliseconds since 1970 (TreeHeadDataV2's timestamp). */
  timestamp: number;
  /** The same instant, readable. */
  signedAt: string;
  /** Position of the event of the tree's last leaf (0 for an empty tree). */
  lastPosition: number;
  reason: HeadReason;
  /** With reason week-end: the ISO week (Asia/Shanghai) that ended, e.g. 2021-W03. */
  week?: string;
  /** Ed25519 signature of the TreeHeadDataV2, base64. */
  signature: string;
}

/** RFC 9162 4.10 TreeHeadDataV2 in TLS encoding: uint64 timestamp, uint64 tree_size, NodeHash root_hash<32..255>, Extension sth_extensions<0..2^16-1>. */
export function treeHeadData(timestamp: number, treeSize: number, rootHash: Uint8Array): Buffer {
  if (rootHash.length !== HASH_BYTES) throw new RangeError(`a root hash has ${HASH_BYTES} bytes`);
  const out = Buffer.alloc(8 + 8 + 1 + HASH_BYTES + 2);
  writeUint64(out, 0, timestamp, 'timestamp');
  writeUint64(out, 8, treeSize, 'treeSize');
  out[16] = HASH_BYTES;
  out.set(rootHash, 17);
  // No extensions: a zero length.
  return out;
}

function writeUint64(out: Buffer, at: number, value: number, field: string): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${field} must be a whole number ≥ 0`);
  out.writeUInt32BE(Math.floor(value / 0x1_0000_0000), at);
  out.writeUInt32BE(value % 0x1_0000_0000, at + 4);
}

export function keyIdOf(rawPublicKey: Uint8Array): string {
  return createHash('sha256').update(rawPublicKey).digest('hex');
}

/** An Ed25519 public key object from its 32 raw bytes. */
export function ed25519PublicKey(raw: Uint8Array): KeyObject {
  if (raw.length !== 32) throw new RangeError('an Ed25519 public key has 32 bytes');
  return createPublicKey({
    key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(raw).toString('base64url') },
    format: 'jwk',
  });
}

/** The 32 raw bytes of an Ed25519 public key object. */
export function rawEd25519PublicKey(key: KeyObject): Buffer {
  const jwk = key.export({ format: 'jwk' });
  if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || typeof jwk.x !== 'string')
    throw new TypeError('not an Ed25519 key');
  return Buffer.from(jwk.x, 'base64url');
}

export class CheckpointError extends Error {}

/** Reads a kept checkpoint, naming each field that is not as it should be. */
export function parseCheckpoint(value: unknown, source = 'checkpoint'): Checkpoint {
  const problems: string[] = [];
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new CheckpointError(`${source} must be a JSON object (a checkpoint from /api/audit/checkpoints)`);
  }
  const record = value as Record<string, unknown>;
  const text = (field: string, pattern: RegExp, rule: string) => {
    const each = record[field];
    if (typeof each !== 'string' || !pattern.test(each)) problems.push(`${field}: ${rule}`);
    return each as string;
  };
  const whole = (field: string) => {
    const each = record[field];
    if (typeof each !== 'number' || !Number.isSafeInteger(each) || each < 0)
      problems.push(`${field}: must be a whole number ≥ 0`);
    return each as number;
  };
  if (record.format !== CHECKPOINT_FORMAT) problems.push(`format: must be "${CHECKPOINT_FORMAT}"`);
  const checkpoint: Checkpoint = {
    format: CHECKPOINT_FORMAT,
    keyId: text('keyId', /^[0-9a-f]{64}$/, 'must be 64 hex digits'),
    publicKey: text('publicKey', /^[A-Za-z0-9+/]{43}=$/, 'must be a 32-byte key in base64'),
    treeSize: whole('treeSize'),
    rootHash: text('rootHash', /^[0-9a-f]{64}$/, 'must be 64 hex digits'),
    timestamp: whole('timestamp'),
    signedAt: typeof record.signedAt === 'string' ? record.signedAt : '',
    lastPosition: whole('lastPosition'),
    reason: HEAD_REASONS.includes(record.reason as HeadReason) ? (record.reason as HeadReason) : 'request',
    signature: text('signature', /^[A-Za-z0-9+/]{86}==$/, 'must be a 64-byte signature in base64'),
  };
  if (typeof record.week === 'string') checkpoint.week = record.week;
  if (problems.length > 0) throw new CheckpointError(`${source} is not a TIP checkpoint:\n  ${problems.join('\n  ')}`);
  return checkpoint;
}

/**
 * Whether the checkpoint's signature is good, made by the key it names; when `trusted` is given
 * (the key an auditor pinned), the checkpoint must have been signed by exactly that key.
 */
export function checkpointSignatureProblem(checkpoint: Checkpoint, trusted?: Uint8Array): string | undefined {
  const raw = Buffer.from(checkpoint.publicKey, 'base64');
  if (keyIdOf(raw) !== checkpoint.keyId) return 'its keyId is not the SHA-256 of its public key';
  if (trusted && !Buffer.from(trusted).equals(raw)) {
    return `it was signed by key ${checkpoint.keyId}, not by the trusted key ${keyIdOf(trusted)}`;
  }
  const data = treeHeadData(checkpoint.timestamp, checkpoint.treeSize, Buffer.from(checkpoint.rootHash, 'hex'));
  const good = verify(null, data, ed25519PublicKey(raw), Buffer.from(checkpoint.signature, 'base64'));
  return good ? undefined : 'its signature does not match its tree size, root hash and timestamp';
}
