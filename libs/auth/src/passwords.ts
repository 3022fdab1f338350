import { randomBytes, scrypt, ScryptOptions, timingSafeEqual } from 'node:crypto';

/**
 * scrypt (memory-hard) at one of OWASP's equal-cost settings: N = 2^16, r = 8, p = 2 — 64 MiB
 * per hash rather than the 128 MiB of N = 2^17, p = 1, as libuv runs four at once. About 0.4 s
 * here. The parameters travel in the hash, so they can be raised without breaking stored ones.
 */
export const DEFAULT_SCRYPT = { N: 2 ** 16, r: 8, p: 2 } as const;
const KEY_LENGTH = 32;

function derive(password: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(
      password.normalize('NFC'),
      salt,
      KEY_LENGTH,
      { ...options, maxmem: 256 * (options.N ?? 1) * (options.r ?? 8) + 1024 * 1024 },
      (error, key) => (error ? reject(error) : resolve(key)),
    ),
  );
}

/** `scrypt$N$r$p$salt$hash`, salt and hash in base64url. */
export async function hashPassword(password: string, parameters: { N: number; r: number; p: number } = DEFAULT_SCRYPT) {
  const salt = randomBytes(16);
  const key = await derive(password, salt, parameters);
  return [
    'scrypt',
    parameters.N,
    parameters.r,
    parameters.p,
    salt.toString('base64url'),
    key.toString('base64url'),
  ].join('$');
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const key = await derive(password, Buffer.from(salt, 'base64url'), { N: Number(n), r: Number(r), p: Number(p) });
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/**
 * A hash of a random password made once per process: an unknown user id is checked against it,
 * so a sign-in takes as long whether or not the account exists.
 */
let decoy: Promise<string> | undefined;
export function decoyHash(parameters: { N: number; r: number; p: number } = DEFAULT_SCRYPT): Promise<string> {
  decoy ??= hashPassword(randomBytes(16).toString('hex'), parameters);
  return decoy;
}

/** What a new password must be: long enough to resist guessing, short enough to hash cheaply. */
export function passwordProblem(password: string): string | undefined {
  const length = [...password].length;
  if (length < 10) return 'must be at least 10 characters';
  if (length > 200) return 'must be at most 200 characters';
  return undefined;
}

/** A password for a new account when the operator gives none: 16 characters, easy to read out. */
export function generatePassword(): string {
  const alphabet = 'abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  const bytes = randomBytes(16);
  return Array.from(bytes, (byte) => alphabet[byte % alphabet.length]).join('');
}
