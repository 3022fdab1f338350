import { Body, Controller, Get, HttpCode, Inject, Post, Req, Res, UseGuards } from '@nestjs/common';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { characters, CommandValidationFailed, Forbidden, identifier } from '@tip/application';
import { AUTHENTICATOR, Authenticator, AuthenticatedRequest, AuthGuard } from './auth.guard';
import { clearSessionCookies, cookiesOf, isSameOrigin, originOf, SESSION_COOKIE, setSessionCookies } from './cookies';

const credentials = z
  .object({
    username: identifier,
    password: characters(1, 1000),
  })
  .strict();

function parseBody<T>(schema: z.ZodType<T, z.ZodTypeDef, unknown>, body: unknown): T {
  const parsed = schema.safeParse(body ?? {});
  if (parsed.success) return parsed.data;
  throw new CommandValidationFailed(
    parsed.error.issues.map((issue) => ({
      field: issue.path.join('.') || 'body',
      rule: issue.code === 'unrecognized_keys' ? `unknown field(s): ${issue.keys.join(', ')}` : issue.message,
    })),
  );
}

/** Sign-in for people: a session cookie from a username and password, and its end. */
@Controller('auth')
export class AuthController {
  constructor(@Inject(AUTHENTICATOR) private readonly authenticator: Authenticator) {}

  @Post('login')
  @HttpCode(200)
  async login(@Body() body: unknown, @Req() request: Request, @Res({ passthrough: true }) response: Response) {
    // Login CSRF: another site's page must not sign the browser in as someone else.
    if (!isSameOrigin(request)) throw new Forbidden('The request came from another site');
    const { username, password } = parseBody(credentials, body);
    const session = await this.authenticator.sessions.signIn(username, password, originOf(request));
    setSessionCookies(request, response, session);
    return {
      user: {
        sub: session.actor.sub,
        name: session.name,
        role: session.actor.role,
        unitId: session.actor.unitId ?? null,
      },
      csrfToken: session.csrfToken,
      expiresAt: session.expiresAt,
    };
  }

  @Get('me')
  @UseGuards(AuthGuard)
  me(@Req() request: AuthenticatedRequest) {
    const { actor, credential } = request;
    return {
      user: {
        sub: actor.sub,
        name: credential.kind === 'session' ? credential.name : actor.sub,
        role: actor.role,
        unitId: actor.unitId ?? null,
      },
      via: credential.kind,
      expiresAt: credential.expiresAt,
      ...(credential.kind === 'session'
        ? { csrfToken: this.authenticator.sessions.csrfTokenFor(credential.token) }
        : {}),
    };
  }

  /**
   * Ends the session of the cookie (and clears it), or revokes the bearer token sent. A session
   * already over is simply cleared: signing out twice is not an error.
   */
  @Post('logout')
  @HttpCode(200)
  async logout(@Req() request: Request, @Res({ passthrough: true }) response: Response) {
    if (request.headers.authorization === undefined && cookiesOf(request).get(SESSION_COOKIE) !== undefined) {
      const token = cookiesOf(request).get(SESSION_COOKIE) as string;
      const check = await this.authenticator.sessions.check(token);
      if (check.valid) {
        // Checks the CSRF token and the origin like any state-changing call.
        await this.authenticator.authenticate(request);
        await this.authenticator.sessions.signOut(token);
      }
      clearSessionCookies(request, response);
      return { signedOut: true };
    }
    const { actor, credential } = await this.authenticator.authenticate(request);
    if (credential.kind === 'token') {
      // A token without an id can only be revoked with every other token of its subject.
      await this.authenticator.revocations.revoke(
        credential.jti ? { jti: credential.jti } : { sub: actor.sub },
        'signed out',
        actor,
      );
    }
    return { signedOut: true };
  }
}
