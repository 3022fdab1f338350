import { DomainEvent, Role } from '../shared/messages';
import { SessionEndReason, SignInOrigin } from './accounts.commands';

export type UserAdded = DomainEvent<
  'UserAdded',
  { userId: string; name: string; role: Role; unitId?: string; passwordHashProtected: string }
>;
export type UserDisabled = DomainEvent<'UserDisabled', { userId: string; reason: string }>;
export type UserEnabled = DomainEvent<'UserEnabled', { userId: string }>;
export type PasswordReset = DomainEvent<'PasswordReset', { userId: string; passwordHashProtected: string }>;
export type AccountEvent = UserAdded | UserDisabled | UserEnabled | PasswordReset;

/**
 * Why a sign-in failed. `not-permitted`: an OpenID provider vouched for the person, but what it
 * says of them (role, unit) gives no TIP actor.
 */
export type SignInFailureReason =
  'unknown-user' | 'wrong-password' | 'disabled' | 'throttled' | 'locked' | 'not-permitted';

export type SignedIn = DomainEvent<'SignedIn', { userId: string; sessionId: string; from: SignInOrigin }>;
export type SignInFailed = DomainEvent<
  'SignInFailed',
  {
    userId: string;
    reason: SignInFailureReason;
    from: SignInOrigin;
    /** Failed password checks in a row after this attempt. */
    failuresInARow: number;
    /** Set when this failure locks the account, or when the attempt met a lock. */
    lockedUntil?: string;
    /** Set when this failure (or the attempt meeting it) makes the next one wait. */
    retryAfter?: string;
  }
>;
export type SignInEvent = SignedIn | SignInFailed;

export type SessionStarted = DomainEvent<
  'SessionStarted',
  {
    sessionId: string;
    userId: string;
    /** The actor the session acts as (OIDC sessions have no account stream to read it from). */
    role: Role;
    unitId?: string;
    name: string;
    method: 'password' | 'oidc';
    /** The OpenID provider that vouched for the person, for OIDC sessions. */
    issuer?: string;
    from: SignInOrigin;
    /** The account's password version at sign-in: a reset ends the sessions started before it. */
    credentialVersion?: number;
    expiresAt: string;
  }
>;
export type SessionEnded = DomainEvent<'SessionEnded', { sessionId: string; reason: SessionEndReason }>;
export type SessionEvent = SessionStarted | SessionEnded;

export type TokenRevoked = DomainEvent<'TokenRevoked', { jti?: string; sub?: string; reason: string; at: string }>;
