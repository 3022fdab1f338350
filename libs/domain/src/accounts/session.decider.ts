import { Actor } from '../shared/messages';
import { assertNever } from '../shared/rule-violation';
import { SessionEndReason, SignOut } from './accounts.commands';
import { SessionEnded, SessionEvent, SessionStarted } from './accounts.events';
import { AccountState } from './account.decider';

/** One stream per session, named by the hash of its secret: the log never holds a usable cookie. */
export function sessionStreamId(sessionId: string): string {
  return `session-${sessionId}`;
}

export type SessionState =
  | { status: 'none' }
  | ({ status: 'open' } & SessionStarted['data'])
  | ({ status: 'ended'; endedBecause: SessionEndReason } & SessionStarted['data']);

export function evolveSession(state: SessionState, event: SessionEvent): SessionState {
  switch (event.type) {
    case 'SessionStarted':
      return { status: 'open', ...event.data };
    case 'SessionEnded':
      return state.status === 'open' ? { ...state, status: 'ended', endedBecause: event.data.reason } : state;
    default:
      return assertNever(event);
  }
}

export const initialSessionState = (): SessionState => ({ status: 'none' });

/** Signing out twice, or out of a session that never was, changes nothing. */
export function decideSignOut(command: SignOut, session: SessionState): SessionEnded[] {
  if (session.status !== 'open') return [];
  return [{ type: 'SessionEnded', data: { sessionId: session.sessionId, reason: command.data.reason } }];
}

export type SessionCheck =
  | { valid: true; actor: Actor; name: string; expiresAt: string; method: SessionStarted['data']['method'] }
  | { valid: false; why: 'unknown' | 'ended' | 'expired' | 'account-disabled' | 'password-reset' };

/**
 * Who a session acts as now. A password session follows its account: disabled, or its password
 * reset since, and the session is over; a role or unit of the account is read afresh each time.
 * `account` is undefined for OIDC sessions, whose actor the provider vouched for at sign-in.
 */
export function checkSession(session: SessionState, account: AccountState | undefined, now: string): SessionCheck {
  if (session.status === 'none') return { valid: false, why: 'unknown' };
  if (session.status === 'ended') return { valid: false, why: 'ended' };
  if (Date.parse(session.expiresAt) <= Date.parse(now)) return { valid: false, why: 'expired' };
  const base = { valid: true as const, name: session.name, expiresAt: session.expiresAt, method: session.method };
  if (session.method === 'oidc') {
    return {
      ...base,
      actor: { sub: session.userId, role: session.role, ...(session.unitId ? { unitId: session.unitId } : {}) },
    };
  }
  if (account === undefined || account.status === 'absent') return { valid: false, why: 'unknown' };
  if (account.status === 'disabled') return { valid: false, why: 'account-disabled' };
  if (account.credentialVersion !== session.credentialVersion) return { valid: false, why: 'password-reset' };
  return {
    ...base,
    name: account.name,
    actor: { sub: account.userId, role: account.role, ...(account.unitId ? { unitId: account.unitId } : {}) },
  };
}
