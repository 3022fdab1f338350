import { randomUUID } from 'node:crypto';
import { Actor } from '@tip/domain';
import { SignJWT } from 'jose';

/**
 * Mints a bearer token for an actor, as the CLI does for machine callers, operators and tests.
 * Each token has its own id (jti), so it can be revoked alone.
 */
export async function mintToken(
  secret: string,
  actor: Actor,
  expiresIn: string | number = '12h',
  options: { jti?: string; now?: Date } = {},
): Promise<string> {
  const claims: Record<string, string> = { role: actor.role };
  if (actor.unitId) claims.unitId = actor.unitId;
  const issuedAt = Math.floor((options.now ?? new Date()).getTime() / 1000);
  const lifetime = typeof expiresIn === 'number' ? expiresIn : durationSeconds(expiresIn);
  if (lifetime === undefined || lifetime <= 0) throw new Error(`Not a lifetime: ${expiresIn} (say 30m, 12h, 7d)`);
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(actor.sub)
    .setJti(options.jti ?? randomUUID())
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + lifetime)
    .sign(new TextEncoder().encode(secret));
}

/** "30m", "12h", "7d", "90s" in seconds; undefined when it is not a duration. */
export function durationSeconds(text: string): number | undefined {
  const match = /^(\d+)\s*(s|m|h|d)$/.exec(text.trim());
  if (!match) return undefined;
  return Number(match[1]) * { s: 1, m: 60, h: 3600, d: 86400 }[match[2] as 's' | 'm' | 'h' | 'd'];
}
