import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { Actor, roleFitsUnit } from '@tip/domain';
import { Forbidden, SignInService, TokenRevocationList, UnitDirectory } from '@tip/application';
import { InvalidToken, TokenVerifier } from '@tip/auth';
import { cookiesOf, CSRF_HEADER, isSameOrigin, SESSION_COOKIE } from './cookies';

export const TOKEN_VERIFIER = Symbol('TOKEN_VERIFIER');
export const AUTHENTICATOR = Symbol('AUTHENTICATOR');

/** How the caller proved who they are. */
export type Credential =
  | { kind: 'token'; jti?: string; expiresAt: string }
  | { kind: 'session'; token: string; name: string; expiresAt: string };

export type AuthenticatedRequest = Request & { actor: Actor; credential: Credential };

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Who is calling: a bearer token (machine callers, scripts) or a session cookie (people).
 * A token must be valid, unrevoked and name a role that fits its unit; a session must be open,
 * and a state-changing call on a session must carry its CSRF token and come from our own origin.
 */
export class Authenticator {
  constructor(
    readonly tokens: TokenVerifier,
    readonly revocations: TokenRevocationList,
    readonly units: UnitDirectory,
    readonly sessions: SignInService,
  ) {}

  async authenticate(request: Request): Promise<{ actor: Actor; credential: Credential }> {
    if (request.headers.authorization !== undefined) return this.byToken(request.headers.authorization);
    const session = cookiesOf(request).get(SESSION_COOKIE);
    if (session !== undefined) return this.bySession(request, session);
    throw new InvalidToken('Sign in (POST /api/auth/login) or send "Authorization: Bearer <token>"');
  }

  private async byToken(authorization: string) {
    const token = await this.tokens.verifyAuthorization(authorization);
    if (await this.revocations.isRevoked({ jti: token.jti, sub: token.actor.sub, issuedAt: token.issuedAt })) {
      throw new InvalidToken('The token has been revoked');
    }
    const { role, unitId } = token.actor;
    const fit = roleFitsUnit(role, unitId, unitId === undefined ? undefined : await this.units.unit(unitId));
    if (!fit.fits) throw new InvalidToken(`The token's role does not fit its unit: ${fit.message}`);
    return {
      actor: token.actor,
      credential: {
        kind: 'token' as const,
        ...(token.jti ? { jti: token.jti } : {}),
        expiresAt: new Date(token.expiresAt * 1000).toISOString(),
      },
    };
  }

  private async bySession(request: Request, token: string) {
    const check = await this.sessions.check(token);
    if (!check.valid) throw new InvalidToken(`The session is over (${check.why}); sign in again`);
    if (!SAFE_METHODS.has(request.method)) {
      if (!isSameOrigin(request)) throw new Forbidden('The request came from another site');
      const sent = request.headers[CSRF_HEADER];
      if (!this.sessions.csrfTokenMatches(token, typeof sent === 'string' ? sent : undefined)) {
        throw new Forbidden(`A call that changes anything must send the ${CSRF_HEADER} header the sign-in gave`);
      }
    }
    return {
      actor: check.actor,
      credential: { kind: 'session' as const, token, name: check.name, expiresAt: check.expiresAt },
    };
  }
}

@Injectable()
export class AuthGuard implements CanActivate {
  constructor(@Inject(AUTHENTICATOR) private readonly authenticator: Authenticator) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    Object.assign(request, await this.authenticator.authenticate(request));
    return true;
  }
}
