import { randomBytes, randomUUID } from 'node:crypto';

/** Ids and chance come from here: command ids of plain commands, the jitter of retries. */
export interface Randomness {
  /** A random UUID (version 4). */
  uuid(): string;
  /** A number in [0, 1). */
  fraction(): number;
  /** A secret of this many cryptographically random bytes, base64url (session tokens). */
  secret(bytes: number): string;
}

export const RANDOMNESS = Symbol('RANDOMNESS');

export const systemRandomness: Randomness = {
  uuid: () => randomUUID(),
  fraction: () => Math.random(),
  secret: (bytes) => randomBytes(bytes).toString('base64url'),
};
