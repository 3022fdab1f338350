import { assertNever, RuleViolation } from '../shared/rule-violation';
import { RevokeToken } from './accounts.commands';
import { TokenRevoked } from './accounts.events';

/** The revocation list of machine callers' bearer tokens: short, and read by every API process. */
export const TOKEN_REVOCATIONS_STREAM = 'token-revocations-list';

export interface TokenRevocationState {
  /** jti → when it was revoked. */
  jtis: Map<string, string>;
  /** sub → the last time all its tokens were revoked: tokens issued up to then are void. */
  subs: Map<string, string>;
}

export const initialTokenRevocations = (): TokenRevocationState => ({ jtis: new Map(), subs: new Map() });

export function evolveTokenRevocations(state: TokenRevocationState, event: TokenRevoked): TokenRevocationState {
  switch (event.type) {
    case 'TokenRevoked': {
      const { jti, sub, at } = event.data;
      const jtis = jti === undefined ? state.jtis : new Map(state.jtis).set(jti, at);
      const subs = sub === undefined ? state.subs : new Map(state.subs).set(sub, at);
      return { jtis, subs };
    }
    default:
      return assertNever(event.type);
  }
}

export function decideRevokeToken(command: RevokeToken, state: TokenRevocationState): TokenRevoked[] {
  const { jti, sub, reason } = command.data;
  if ((jti === undefined) === (sub === undefined)) {
    throw new RuleViolation('VALIDATION_FAILED', 'Name either the token (jti) or the subject (sub) to revoke', {
      problems: [{ field: 'jti', problem: 'give jti or sub, not both' }],
    });
  }
  if (jti !== undefined && state.jtis.has(jti)) return [];
  return [
    {
      type: 'TokenRevoked',
      data: {
        ...(jti !== undefined ? { jti } : {}),
        ...(sub !== undefined ? { sub } : {}),
        reason,
        at: command.metadata.now,
      },
    },
  ];
}

/**
 * Is a token void? By its own id, or because every token of its subject issued at or before a
 * revocation was revoked (`issuedAt` in whole seconds, as in the token's iat).
 */
export function isTokenRevoked(
  state: TokenRevocationState,
  token: { jti?: string; sub: string; issuedAt: number },
): boolean {
  if (token.jti !== undefined && state.jtis.has(token.jti)) return true;
  const revokedAt = state.subs.get(token.sub);
  return revokedAt !== undefined && token.issuedAt <= Math.floor(Date.parse(revokedAt) / 1000);
}
