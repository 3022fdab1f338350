import { Controller, Get, HttpException, Inject, Query, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { AUTHENTICATOR, Authenticator } from './auth.guard';
import { cookiesOf, originOf, setSessionCookies } from './cookies';
import { OIDC_COOKIE, OidcNotPermitted, OidcSignIn } from './oidc';

export const OIDC_SIGN_IN = Symbol('OIDC_SIGN_IN');

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);

/** Sign-in through the OpenID provider TIP_OIDC_ISSUER names (production), beside local accounts. */
@Controller('auth')
export class OidcController {
  constructor(
    @Inject(AUTHENTICATOR) private readonly authenticator: Authenticator,
    @Inject(OIDC_SIGN_IN) private readonly oidc: OidcSignIn | null,
  ) {}

  /** What the sign-in page offers. */
  @Get('methods')
  methods() {
    return { password: true, oidc: this.oidc ? { loginUrl: '/api/auth/oidc/login' } : null };
  }

  /** Sends the browser to the provider; `returnTo` (a path of this site) is where it lands after. */
  @Get('oidc/login')
  async login(@Query('returnTo') returnTo: unknown, @Req() request: Request, @Res() response: Response) {
    const oidc = this.configured();
    const { url, transaction } = await oidc.start(typeof returnTo === 'string' ? returnTo : '/');
    // Lax, not Strict: the provider's redirect back is a navigation from another site.
    response.cookie(OIDC_COOKIE, transaction, {
      httpOnly: true,
      sameSite: 'lax',
      secure: request.secure,
      path: '/api/auth/oidc',
      maxAge: 10 * 60_000,
    });
    response.redirect(302, url);
  }

  /**
   * The provider sends the browser back here with a code. On success the session cookie is set
   * and a tiny page moves on to `returnTo`: a navigation of our own page, so the SameSite=Strict
   * cookie goes with it (a redirect straight from the provider's site would leave it behind).
   */
  @Get('oidc/callback')
  async callback(@Req() request: Request, @Res() response: Response) {
    const oidc = this.configured();
    const sealed = cookiesOf(request).get(OIDC_COOKIE);
    response.clearCookie(OIDC_COOKIE, {
      httpOnly: true,
      sameSite: 'lax',
      secure: request.secure,
      path: '/api/auth/oidc',
    });
    const from = originOf(request);
    let person;
    try {
      person = await oidc.finish(request.originalUrl, sealed);
    } catch (error) {
      if (error instanceof OidcNotPermitted) await this.authenticator.sessions.recordNotPermitted(error.subject, from);
      throw error;
    }
    const session = await this.authenticator.sessions.startVouchedSession({
      actor: person.actor,
      name: person.name,
      issuer: oidc.settings.issuer,
      from,
    });
    setSessionCookies(request, response, session);
    const target = escapeHtml(person.returnTo);
    response
      .status(200)
      .type('html')
      .send(
        `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta http-equiv="refresh" content="0;url=${target}">` +
          `<title>已登录</title></head><body><p>已登录，正在跳转…… <a href="${target}">继续</a></p></body></html>`,
      );
  }

  private configured(): OidcSignIn {
    if (!this.oidc)
      throw new HttpException('Sign-in through an OpenID provider is not set up here (TIP_OIDC_ISSUER)', 404);
    return this.oidc;
  }
}
