import { assertNever } from '../shared/rule-violation';
import { SignIn } from './accounts.commands';
import { SessionStarted, SignInEvent, SignInFailed } from './accounts.events';
import { AccountState } from './account.decider';

/** Every attempt to sign in as one user id, whether or not an account of that id exists. */
export function signInStreamId(userId: string): string {
  return `sign-ins-${userId}`;
}

/**
 * How hard repeated failures bite: the first few cost nothing, then each next attempt waits
 * twice as long (1 s, 2 s, … at most a minute), and at `lockAfter` failures in a row the account
 * locks for `lockMinutes`. After a lock, every further failure locks again until a success.
 */
export interface SignInPolicy {
  freeFailures: number;
  lockAfter: number;
  lockMinutes: number;
  maxDelaySeconds: number;
}

export const DEFAULT_SIGN_IN_POLICY: SignInPolicy = {
  freeFailures: 3,
  lockAfter: 10,
  lockMinutes: 15,
  maxDelaySeconds: 60,
};

export interface SignInState {
  failuresInARow: number;
  /** No password is checked before this time (the slow-down after repeated failures). */
  retryAfter?: string;
  lockedUntil?: string;
}

export type SignInGate = { open: true } | { open: false; reason: 'throttled' | 'locked'; until: string };

export function evolveSignIns(state: SignInState, event: SignInEvent): SignInState {
  switch (event.type) {
    case 'SignedIn':
      return { failuresInARow: 0 };
    case 'SignInFailed':
      // Attempts that met a closed gate were never checked: they neither count nor move the clock.
      if (event.data.reason === 'throttled' || event.data.reason === 'locked') return state;
      if (event.data.reason === 'disabled' || event.data.reason === 'not-permitted') return state;
      return {
        failuresInARow: event.data.failuresInARow,
        ...(event.data.retryAfter ? { retryAfter: event.data.retryAfter } : {}),
        ...(event.data.lockedUntil ? { lockedUntil: event.data.lockedUntil } : {}),
      };
    default:
      return assertNever(event);
  }
}

export const initialSignInState = (): SignInState => ({ failuresInARow: 0 });

/** May a password be checked now? Pure: `now` is the command's business time. */
export function signInGate(state: SignInState, now: string): SignInGate {
  const at = Date.parse(now);
  if (state.lockedUntil !== undefined && Date.parse(state.lockedUntil) > at) {
    return { open: false, reason: 'locked', until: state.lockedUntil };
  }
  if (state.retryAfter !== undefined && Date.parse(state.retryAfter) > at) {
    return { open: false, reason: 'throttled', until: state.retryAfter };
  }
  return { open: true };
}

export interface SignInDecision {
  signIns: SignInEvent[];
  session: SessionStarted[];
}

/**
 * Decides a sign-in from the attempts so far and the account. Every outcome is an event, so the
 * log tells auditors who signed in, who failed, when and from where.
 */
export function decideSignIn(
  command: SignIn,
  attempts: SignInState,
  account: AccountState,
  policy = DEFAULT_SIGN_IN_POLICY,
): SignInDecision {
  const { userId, passwordMatches, sessionId, expiresAt, from } = command.data;
  const now = command.metadata.now;
  const gate = signInGate(attempts, now);
  const failed = (data: Omit<SignInFailed['data'], 'userId' | 'from'>): SignInDecision => ({
    signIns: [{ type: 'SignInFailed', data: { userId, from, ...data } }],
    session: [],
  });
  if (!gate.open) {
    return failed({
      reason: gate.reason,
      failuresInARow: attempts.failuresInARow,
      ...(gate.reason === 'locked' ? { lockedUntil: gate.until } : { retryAfter: gate.until }),
    });
  }
  // An unknown user id fails exactly like a wrong password, so failures tell nobody which ids exist.
  if (account.status === 'absent' || passwordMatches !== true) {
    const failuresInARow = attempts.failuresInARow + 1;
    const at = Date.parse(now);
    const lockedUntil =
      failuresInARow >= policy.lockAfter ? new Date(at + policy.lockMinutes * 60_000).toISOString() : undefined;
    const delaySeconds =
      failuresInARow >= policy.freeFailures
        ? Math.min(2 ** (failuresInARow - policy.freeFailures), policy.maxDelaySeconds)
        : 0;
    return failed({
      reason: account.status === 'absent' ? 'unknown-user' : 'wrong-password',
      failuresInARow,
      ...(lockedUntil ? { lockedUntil } : {}),
      retryAfter: new Date(at + delaySeconds * 1000).toISOString(),
    });
  }
  if (account.status === 'disabled') {
    return failed({ reason: 'disabled', failuresInARow: attempts.failuresInARow });
  }
  return {
    signIns: [{ type: 'SignedIn', data: { userId, sessionId, from } }],
    session: [
      {
        type: 'SessionStarted',
        data: {
          sessionId,
          userId,
          role: account.role,
          ...(account.unitId !== undefined ? { unitId: account.unitId } : {}),
          name: account.name,
          method: 'password',
          from,
          credentialVersion: account.credentialVersion,
          expiresAt,
        },
      },
    ],
  };
}
