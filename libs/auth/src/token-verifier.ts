import { Actor, ROLES } from '@tip/domain';
import { errors, jwtVerify } from 'jose';
import { z } from 'zod';

const claims = z.object({
  sub: z.string().min(1).max(200),
  role: z.enum(ROLES),
  unitId: z.string().min(1).max(100).optional(),
});

export class InvalidToken extends Error {}

/** Bearer tokens per the contract: HS256 with TIP_JWT_SECRET; claims sub, role, unitId. */
export class TokenVerifier {
  private readonly key: Uint8Array;

  constructor(secret: string) {
    this.key = new TextEncoder().encode(secret);
  }

  async actorFrom(authorization: string | undefined): Promise<Actor> {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
    if (!match) throw new InvalidToken('Send "Authorization: Bearer <token>"');
    try {
      const { payload } = await jwtVerify(match[1], this.key, { algorithms: ['HS256'], requiredClaims: ['exp'] });
      const parsed = claims.safeParse(payload);
      if (!parsed.success)
        throw new InvalidToken(
          `The token's claims are not usable: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
        );
      return parsed.data;
    } catch (error) {
      if (error instanceof InvalidToken) throw error;
      if (error instanceof errors.JWTExpired) throw new InvalidToken('The token has expired');
      throw new InvalidToken('The token is not valid');
    }
  }
}
