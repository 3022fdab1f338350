import { Command, Role } from '../shared/messages';

/** Where a person signed in from, as the HTTP edge saw it. */
export interface SignInOrigin {
  ip: string;
  userAgent?: string;
}

export type AddUser = Command<
  'AddUser',
  {
    userId: string;
    name: string;
    role: Role;
    unitId?: string;
    /** Blank by the time the command is decided: the application seals it into passwordHashProtected. */
    password: string;
    /** The password's memory-hard hash, sealed by the application: the log never holds it readable. */
    passwordHashProtected: string;
  }
>;
export type DisableUser = Command<'DisableUser', { userId: string; reason: string }>;
export type EnableUser = Command<'EnableUser', { userId: string }>;
export type ResetPassword = Command<
  'ResetPassword',
  { userId: string; password: string; passwordHashProtected: string }
>;
export type AccountCommand = AddUser | DisableUser | EnableUser | ResetPassword;

/**
 * A sign-in attempt. The application checks the password only when the gate is open
 * (`signInGate`), so a throttled or locked account costs no hashing and tells nothing.
 */
export type SignIn = Command<
  'SignIn',
  {
    userId: string;
    /** undefined when the password was not checked (the gate was closed, or there is no account). */
    passwordMatches: boolean | undefined;
    /** The hash of the session's secret (the secret itself only ever lives in the cookie). */
    sessionId: string;
    expiresAt: string;
    from: SignInOrigin;
  }
>;
export type SignOut = Command<'SignOut', { sessionId: string; reason: SessionEndReason }>;
export type SessionEndReason = 'signed-out' | 'revoked';

/** Ends a machine caller's bearer token (by its jti), or every token of a subject issued so far. */
export type RevokeToken = Command<'RevokeToken', { jti?: string; sub?: string; reason: string }>;
