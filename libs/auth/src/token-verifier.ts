import { Actor, ROLES } from '@tip/domain';
import { errors, jwtVerify } from 'jose';
import { z } from 'zod';

const claims = z.object({
  sub: z.string().min(1).max(200),
  role: z.enum(ROLES),
  unitId: z.string().min(1).max(100).optional(),
  jti: z.string().min(1).max(100).optional(),
  iat: z.number().int('must be whole seconds'),
  exp: z.number().int('must be whole seconds'),
});

export class InvalidToken extends Error {}

/** A verified bearer token: who it speaks for, and what revocation needs to know. */
export interface VerifiedToken {
  actor: Actor;
  jti?: string;
  /** iat, in seconds since the epoch. */
  issuedAt: number;
  /** exp, in seconds since the epoch. */
  expiresAt: number;
}

export interface TokenPolicy {
  /** The longest lifetime a token may have (TIP_TOKEN_MAX_TTL), in seconds; 12 h by default. */
  maxTtlSeconds?: number;
  /** How far the issuer's clock may run ahead of ours; 60 s by default. */
  skewSeconds?: number;
  /** Now, for expiry; tests pass a controllable clock. */
  clock?: { now(): Date };
}

export const DEFAULT_TOKEN_MAX_TTL_SECONDS = 12 * 3600;

/** Three base64url parts, each in its one canonical spelling: no "+", "/", "=" or stray bits. */
function isCanonicalCompactJws(token: string): boolean {
  const parts = token.split('.');
  if (parts.length !== 3) return false;
  return parts.every(
    (part) => /^[A-Za-z0-9_-]+$/.test(part) && Buffer.from(part, 'base64url').toString('base64url') === part,
  );
}

/**
 * Bearer tokens per the contract: HS256 with TIP_JWT_SECRET; claims sub, role, unitId. A token
 * must also say when it was issued and when it expires, live no longer than the maximum
 * lifetime, and not be issued in the future (beyond the clock skew allowed).
 */
export class TokenVerifier {
  private readonly key: Uint8Array;
  private readonly maxTtlSeconds: number;
  private readonly skewSeconds: number;
  private readonly clock: { now(): Date };

  constructor(secret: string, policy: TokenPolicy = {}) {
    this.key = new TextEncoder().encode(secret);
    this.maxTtlSeconds = policy.maxTtlSeconds ?? DEFAULT_TOKEN_MAX_TTL_SECONDS;
    this.skewSeconds = policy.skewSeconds ?? 60;
    this.clock = policy.clock ?? { now: () => new Date() };
  }

  /** The token of an `Authorization: Bearer …` header. */
  async verifyAuthorization(authorization: string | undefined): Promise<VerifiedToken> {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
    if (!match) throw new InvalidToken('Send "Authorization: Bearer <token>"');
    return this.verify(match[1]);
  }

  async actorFrom(authorization: string | undefined): Promise<Actor> {
    return (await this.verifyAuthorization(authorization)).actor;
  }

  async verify(token: string): Promise<VerifiedToken> {
    // jose decodes "+" and "/" as well, so one signature would have many spellings.
    if (!isCanonicalCompactJws(token)) throw new InvalidToken('The token is not a base64url-encoded JWT');
    const now = this.clock.now();
    let payload: unknown;
    try {
      ({ payload } = await jwtVerify(token, this.key, {
        algorithms: ['HS256'],
        requiredClaims: ['exp', 'iat'],
        currentDate: now,
      }));
    } catch (error) {
      if (error instanceof errors.JWTExpired) throw new InvalidToken('The token has expired');
      if (error instanceof errors.JWTClaimValidationFailed)
        throw new InvalidToken(`The token's claims are not usable: ${error.message}`);
      throw new InvalidToken('The token is not valid');
    }
    const parsed = claims.safeParse(payload);
    if (!parsed.success) {
      throw new InvalidToken(
        `The token's claims are not usable: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      );
    }
    const { sub, role, unitId, jti, iat, exp } = parsed.data;
    const nowSeconds = Math.floor(now.getTime() / 1000);
    if (iat > nowSeconds + this.skewSeconds) throw new InvalidToken('The token was issued in the future (iat)');
    if (exp - iat > this.maxTtlSeconds || exp > nowSeconds + this.maxTtlSeconds + this.skewSeconds) {
      throw new InvalidToken(`The token lives longer than the ${this.maxTtlSeconds} s a token may (exp)`);
    }
    return {
      actor: { sub, role, ...(unitId !== undefined ? { unitId } : {}) },
      ...(jti !== undefined ? { jti } : {}),
      issuedAt: iat,
      expiresAt: exp,
    };
  }
}
