import { createHmac, timingSafeEqual } from 'node:crypto';
import type { BaseClient } from 'openid-client';
import { Actor, Role, ROLES, roleFitsUnit } from '@tip/domain';
import { UnitDirectory } from '@tip/application';

/** How TIP signs people in through an OpenID provider, and reads their role and unit from its claims. */
export interface OidcSettings {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** This API's callback as the provider knows it: https://tip.example.org/api/auth/oidc/callback */
  redirectUri: string;
  scopes: string;
  /** The claim that becomes the actor id (a teacher's must be their teacher id). */
  subClaim: string;
  nameClaim: string;
  roleClaim: string;
  unitClaim: string;
  /** Provider role values → TIP roles ("县级管理员" → county-admin); TIP's own role names always map to themselves. */
  roleMap: Record<string, Role>;
}

/** The provider vouched for the person, but the claims give no TIP actor: the reason, for the log and the answer. */
export class OidcNotPermitted extends Error {
  constructor(
    readonly code: 'OIDC_NO_ROLE' | 'ROLE_NEEDS_UNIT' | 'UNKNOWN_UNIT' | 'ROLE_DOES_NOT_FIT_UNIT' | 'OIDC_NO_SUBJECT',
    message: string,
    readonly subject: string,
  ) {
    super(message);
  }
}

/** The sign-in round trip failed (state, code, token): nothing about the person is known. */
export class OidcRoundTripFailed extends Error {}

/** What travels in the short-lived transaction cookie between the redirect and the callback. */
interface Transaction {
  state: string;
  nonce: string;
  codeVerifier: string;
  returnTo: string;
  expiresAt: number;
}

export const OIDC_COOKIE = 'tip_oidc';

type OpenIdClient = typeof import('openid-client');
let library: Promise<OpenIdClient> | undefined;

/** Loaded on first use: it costs some 0.3 s at start-up, and many deployments sign in with passwords only. */
function openIdClient(): Promise<OpenIdClient> {
  library ??= import('openid-client').then((loaded) => {
    // It gives up on the provider after 3.5 s; a busy provider's first token answer takes longer.
    loaded.custom.setHttpOptionsDefaults({ timeout: 20_000 });
    return loaded;
  });
  return library;
}

/**
 * The authorization-code flow with PKCE, state and nonce (openid-client 5: the CommonJS line, as
 * TIP runs as CommonJS; version 6 is ESM-only). The provider's discovery document is read on first
 * use and again after a failure, so TIP starts while the provider is away.
 */
export class OidcSignIn {
  private client: Promise<BaseClient> | undefined;

  constructor(
    readonly settings: OidcSettings,
    private readonly units: UnitDirectory,
    private readonly transactionKey: string,
    private readonly now: () => Date,
  ) {}

  private clientOf(): Promise<BaseClient> {
    this.client ??= openIdClient()
      .then(({ Issuer }) => Issuer.discover(this.settings.issuer))
      .then(
        (issuer) =>
          new issuer.Client({
            client_id: this.settings.clientId,
            client_secret: this.settings.clientSecret,
            redirect_uris: [this.settings.redirectUri],
            response_types: ['code'],
          }),
        (error: Error) => {
          this.client = undefined;
          throw new OidcRoundTripFailed(`The identity provider cannot be reached: ${error.message}`);
        },
      );
    return this.client;
  }

  /** Where to send the browser, and the sealed transaction to keep in a cookie until it returns. */
  async start(returnTo: string): Promise<{ url: string; transaction: string }> {
    const client = await this.clientOf();
    const { generators } = await openIdClient();
    const transaction: Transaction = {
      state: generators.state(),
      nonce: generators.nonce(),
      codeVerifier: generators.codeVerifier(),
      returnTo: safeReturnTo(returnTo),
      expiresAt: this.now().getTime() + 10 * 60_000,
    };
    const url = client.authorizationUrl({
      scope: this.settings.scopes,
      state: transaction.state,
      nonce: transaction.nonce,
      code_challenge: generators.codeChallenge(transaction.codeVerifier),
      code_challenge_method: 'S256',
    });
    return { url, transaction: this.seal(transaction) };
  }

  /**
   * Completes the flow: exchanges the code (checking state, nonce, PKCE and the ID token), then
   * reads the actor from the claims. Throws OidcNotPermitted when the person has no TIP role.
   */
  async finish(
    callbackUrl: string,
    sealedTransaction: string | undefined,
  ): Promise<{ actor: Actor; name: string; returnTo: string }> {
    const transaction = sealedTransaction === undefined ? undefined : this.open(sealedTransaction);
    if (!transaction || transaction.expiresAt < this.now().getTime()) {
      throw new OidcRoundTripFailed('The sign-in took too long or did not start here; start it again');
    }
    const client = await this.clientOf();
    let claims: Record<string, unknown>;
    try {
      const params = client.callbackParams(callbackUrl);
      const tokens = await client.callback(this.settings.redirectUri, params, {
        state: transaction.state,
        nonce: transaction.nonce,
        code_verifier: transaction.codeVerifier,
      });
      claims = tokens.claims();
    } catch (error) {
      throw new OidcRoundTripFailed(`The identity provider's answer was not accepted: ${(error as Error).message}`);
    }
    return { ...(await this.actorOf(claims)), returnTo: transaction.returnTo };
  }

  /** Maps the claims to role and unit by configuration, and checks the role fits a registered unit. */
  async actorOf(claims: Record<string, unknown>): Promise<{ actor: Actor; name: string }> {
    const { subClaim, nameClaim, roleClaim, unitClaim, roleMap } = this.settings;
    const sub = textClaim(claims[subClaim]) ?? '';
    if (sub.length === 0 || sub.length > 200) {
      throw new OidcNotPermitted(
        'OIDC_NO_SUBJECT',
        `The provider sent no usable "${subClaim}" claim`,
        String(claims.sub),
      );
    }
    const offered = ([] as unknown[])
      .concat(claims[roleClaim] ?? [])
      .filter((value): value is string => typeof value === 'string');
    const roles = [...new Set(offered.map((value) => roleMap[value] ?? (isRole(value) ? value : undefined)))].filter(
      (role): role is Role => role !== undefined,
    );
    if (roles.length !== 1) {
      throw new OidcNotPermitted(
        'OIDC_NO_ROLE',
        roles.length === 0
          ? `The provider's "${roleClaim}" claim names no TIP role`
          : `The provider's "${roleClaim}" claim names several TIP roles (${roles.join(', ')}); TIP acts as one`,
        sub,
      );
    }
    const [role] = roles;
    if (role === 'system') throw new OidcNotPermitted('OIDC_NO_ROLE', 'No person signs in as system', sub);
    const unitId = textClaim(claims[unitClaim]);
    const fit = roleFitsUnit(role, unitId, unitId === undefined ? undefined : await this.units.unit(unitId));
    if (!fit.fits) throw new OidcNotPermitted(fit.code, fit.message, sub);
    const name = textClaim(claims[nameClaim])?.slice(0, 100) ?? sub;
    return { actor: { sub, role, ...(unitId !== undefined ? { unitId } : {}) }, name };
  }

  private seal(transaction: Transaction): string {
    const body = Buffer.from(JSON.stringify(transaction)).toString('base64url');
    return `${body}.${createHmac('sha256', this.transactionKey).update(body).digest('base64url')}`;
  }

  private open(sealed: string): Transaction | undefined {
    const [body, mac] = sealed.split('.');
    if (!body || !mac) return undefined;
    const expected = Buffer.from(createHmac('sha256', this.transactionKey).update(body).digest('base64url'));
    const given = Buffer.from(mac);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
    try {
      return JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Transaction;
    } catch {
      return undefined;
    }
  }
}

function textClaim(value: unknown): string | undefined {
  if (typeof value === 'string' && value.trim().length > 0) return value.trim();
  if (Array.isArray(value) && typeof value[0] === 'string') return textClaim(value[0]);
  return undefined;
}

function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

/** Only a path of this site: never an absolute URL another site could use for an open redirect. */
export function safeReturnTo(returnTo: string | undefined): string {
  if (!returnTo || !returnTo.startsWith('/') || returnTo.startsWith('//') || returnTo.includes('\\')) return '/';
  return returnTo.slice(0, 500);
}
