import { Actor } from '@tip/domain';
import { SignJWT } from 'jose';

/** Mints a bearer token for an actor, as the CLI does for operators and tests. */
export async function mintToken(secret: string, actor: Actor, expiresIn = '12h'): Promise<string> {
  const claims: Record<string, string> = { role: actor.role };
  if (actor.unitId) claims.unitId = actor.unitId;
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(actor.sub)
    .setIssuedAt()
    .setExpirationTime(expiresIn)
    .sign(new TextEncoder().encode(secret));
}
