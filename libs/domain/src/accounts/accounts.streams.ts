import { streamType } from '../shared/stream';
import { AccountEvent, SessionEvent, SignInEvent, TokenRevoked } from './accounts.events';
import { AccountState, evolveAccount } from './account.decider';
import { evolveSession, SessionState } from './session.decider';
import { evolveSignIns, SignInState } from './sign-in.decider';
import { evolveTokenRevocations, TokenRevocationState } from './token-revocation.decider';

/** `user-{userId}`: an account — who, their role and unit, the sealed password hash, disabled or not. */
export const userStream = streamType<AccountState, AccountEvent>({
  category: 'user',
  eventTypes: { UserAdded: true, UserDisabled: true, UserEnabled: true, PasswordReset: true },
  evolve: evolveAccount,
  initialState: () => ({ status: 'absent' }),
});

/** `sign-ins-{userId}`: every attempt to sign in as that id, whether or not the account exists. */
export const signInStream = streamType<SignInState, SignInEvent>({
  category: 'sign-ins',
  eventTypes: { SignedIn: true, SignInFailed: true },
  evolve: evolveSignIns,
  initialState: () => ({ failuresInARow: 0 }),
});

/** `session-{sha256 of its secret}`: one signed-in session, from start to end. */
export const sessionStream = streamType<SessionState, SessionEvent>({
  category: 'session',
  eventTypes: { SessionStarted: true, SessionEnded: true },
  evolve: evolveSession,
  initialState: () => ({ status: 'none' }),
});

/** `token-revocations-list`: the bearer tokens revoked, by id or by subject. */
export const tokenRevocationsStream = streamType<TokenRevocationState, TokenRevoked>({
  category: 'token-revocations',
  eventTypes: { TokenRevoked: true },
  evolve: evolveTokenRevocations,
  initialState: () => ({ jtis: new Map(), subs: new Map() }),
});
