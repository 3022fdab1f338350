import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import {
  Actor,
  checkSession,
  decideSignIn,
  decideSignOut,
  SessionCheck,
  SessionEndReason,
  SessionStarted,
  SignInFailureReason,
  SignInOrigin,
  sessionStream,
  sessionStreamId,
  signInGate,
  signInStream,
  signInStreamId,
  userStream,
  userStreamId,
  foldStream,
  DomainEvent,
} from '@tip/domain';
import { Clock } from '../ports/clock';
import { CredentialVault } from '../ports/credential-vault';
import { EventStreams, StreamConflict } from '../ports/event-streams';
import { Randomness } from '../ports/randomness';

const accountOf = (events: readonly DomainEvent[]) => foldStream(userStream, events);

/** The API records sign-in attempts on the caller's behalf until it knows who the caller is. */
const SIGN_IN_RECORDER: Actor = { sub: 'tip-sign-in', role: 'system' };

/** A sign-in the rules refused; `until` is when to try again (throttled, locked). */
export class SignInRefused extends Error {
  constructor(
    readonly reason: SignInFailureReason,
    readonly until?: string,
  ) {
    super(
      reason === 'throttled'
        ? 'Too many failed sign-ins: wait before trying again'
        : reason === 'locked'
          ? 'Too many failed sign-ins: the account is locked for a while'
          : reason === 'disabled'
            ? 'This account is disabled'
            : reason === 'not-permitted'
              ? 'The identity provider signed you in, but TIP has no role for you there'
              : 'Wrong username or password',
    );
  }
}

export interface StartedSession {
  /** The session's secret: goes into the cookie and nowhere else. */
  token: string;
  /** Sent back with every state-changing call (double submit): derived from the token. */
  csrfToken: string;
  actor: Actor;
  name: string;
  expiresAt: string;
  /** TIP_SESSION_TTL, for the cookie's Max-Age. */
  lifetimeSeconds: number;
}

export interface SignInServiceOptions {
  streams: EventStreams;
  clock: Clock;
  /** Session secrets and command ids. */
  randomness: Randomness;
  credentials: CredentialVault;
  /** How long a session lives, in seconds (TIP_SESSION_TTL). */
  sessionTtlSeconds: number;
  /** Key for deriving CSRF tokens from session tokens. */
  csrfKey: string;
}

/**
 * Sign-in for people: checks a password against the account, records every attempt, and keeps
 * sessions as streams of their own (named by the hash of their secret), so a session is revoked
 * in every API process at once and the log shows who signed in, when and from where.
 */
export class SignInService {
  constructor(private readonly options: SignInServiceOptions) {}

  async signIn(userId: string, password: string, from: SignInOrigin): Promise<StartedSession> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.trySignIn(userId, password, from);
      } catch (error) {
        // Two attempts for one user at once: decide the later one again on the newer history.
        if (!(error instanceof StreamConflict) || attempt >= 5) throw error;
      }
    }
  }

  private async trySignIn(userId: string, password: string, from: SignInOrigin): Promise<StartedSession> {
    const now = this.options.clock.now();
    const [attemptsStream, accountStream] = await this.options.streams.loadMany([
      signInStreamId(userId),
      userStreamId(userId),
    ]);
    const attempts = foldStream(signInStream, attemptsStream.events);
    const account = accountOf(accountStream.events);
    // A closed gate costs no hashing, and an unknown user costs as much as a known one.
    let passwordMatches: boolean | undefined;
    if (signInGate(attempts, now.toISOString()).open) {
      passwordMatches =
        account.status === 'absent'
          ? await this.options.credentials.matchesNothing(password)
          : await this.options.credentials.matches(userId, password, account.passwordHashProtected);
    }
    const token = this.options.randomness.secret(32);
    const sessionId = sessionIdOf(token);
    const expiresAt = new Date(now.getTime() + this.options.sessionTtlSeconds * 1000).toISOString();
    const decision = decideSignIn(
      {
        type: 'SignIn',
        data: { userId, passwordMatches, sessionId, expiresAt, from },
        metadata: { now: now.toISOString(), actor: SIGN_IN_RECORDER },
      },
      attempts,
      account,
    );
    const started = decision.session.find((event): event is SessionStarted => event.type === 'SessionStarted');
    const actor: Actor = started
      ? { sub: userId, role: started.data.role, ...(started.data.unitId ? { unitId: started.data.unitId } : {}) }
      : SIGN_IN_RECORDER;
    const commandId = this.options.randomness.uuid();
    await this.options.streams.write(
      [
        { streamId: attemptsStream.streamId, events: decision.signIns, expectedRevision: attemptsStream.revision },
        ...(started
          ? [{ streamId: sessionStreamId(sessionId), events: [started], expectedRevision: 'no_stream' as const }]
          : []),
      ],
      { commandId, correlationId: commandId, now: now.toISOString(), actor },
    );
    const outcome = decision.signIns[0];
    if (outcome.type === 'SignInFailed') {
      throw new SignInRefused(outcome.data.reason, outcome.data.lockedUntil ?? outcome.data.retryAfter);
    }
    if (!started) throw new Error('A sign-in succeeded without starting a session');
    return {
      token,
      csrfToken: this.csrfTokenFor(token),
      actor,
      name: started.data.name,
      expiresAt,
      lifetimeSeconds: this.options.sessionTtlSeconds,
    };
  }

  /** Starts a session for a person an OpenID provider vouched for (no local account). */
  async startVouchedSession(person: {
    actor: Actor;
    name: string;
    issuer: string;
    from: SignInOrigin;
  }): Promise<StartedSession> {
    const now = this.options.clock.now();
    const token = this.options.randomness.secret(32);
    const sessionId = sessionIdOf(token);
    const expiresAt = new Date(now.getTime() + this.options.sessionTtlSeconds * 1000).toISOString();
    const started: SessionStarted = {
      type: 'SessionStarted',
      data: {
        sessionId,
        userId: person.actor.sub,
        role: person.actor.role,
        ...(person.actor.unitId ? { unitId: person.actor.unitId } : {}),
        name: person.name,
        method: 'oidc',
        issuer: person.issuer,
        from: person.from,
        expiresAt,
      },
    };
    const commandId = this.options.randomness.uuid();
    await this.options.streams.write(
      [{ streamId: sessionStreamId(sessionId), events: [started], expectedRevision: 'no_stream' }],
      { commandId, correlationId: commandId, now: now.toISOString(), actor: person.actor },
    );
    return {
      token,
      csrfToken: this.csrfTokenFor(token),
      actor: person.actor,
      name: person.name,
      expiresAt,
      lifetimeSeconds: this.options.sessionTtlSeconds,
    };
  }

  /** Records a sign-in an OpenID provider vouched for but TIP refused (no role, a misfit unit). */
  async recordNotPermitted(userId: string, from: SignInOrigin): Promise<void> {
    const now = this.options.clock.now().toISOString();
    const streamId = signInStreamId(userId);
    const loaded = await this.options.streams.load(streamId);
    const attempts = foldStream(signInStream, loaded.events);
    const commandId = this.options.randomness.uuid();
    await this.options.streams
      .write(
        [
          {
            streamId,
            events: [
              {
                type: 'SignInFailed',
                data: { userId, reason: 'not-permitted', from, failuresInARow: attempts.failuresInARow },
              },
            ],
            expectedRevision: loaded.revision,
          },
        ],
        { commandId, correlationId: commandId, now, actor: SIGN_IN_RECORDER },
      )
      .catch((error: unknown) => {
        // Another attempt of the same id got in between: record this one on the newer history.
        if (!(error instanceof StreamConflict)) throw error;
        return this.recordNotPermitted(userId, from);
      });
  }

  /** Who a session's cookie acts as now, or why it acts as nobody. */
  async check(token: string): Promise<SessionCheck> {
    if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return { valid: false, why: 'unknown' };
    const state = foldStream(
      sessionStream,
      (await this.options.streams.load(sessionStreamId(sessionIdOf(token)))).events,
    );
    const account =
      state.status !== 'none' && state.method === 'password'
        ? accountOf((await this.options.streams.load(userStreamId(state.userId))).events)
        : undefined;
    return checkSession(state, account, this.options.clock.now().toISOString());
  }

  /** Ends the session (idempotent: an unknown or ended session changes nothing). */
  async signOut(token: string, reason: SessionEndReason = 'signed-out'): Promise<void> {
    if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return;
    const streamId = sessionStreamId(sessionIdOf(token));
    const loaded = await this.options.streams.load(streamId);
    const state = foldStream(sessionStream, loaded.events);
    const now = this.options.clock.now().toISOString();
    const ended = decideSignOut(
      { type: 'SignOut', data: { sessionId: sessionIdOf(token), reason }, metadata: { now, actor: SIGN_IN_RECORDER } },
      state,
    );
    if (ended.length === 0 || state.status === 'none') return;
    const commandId = this.options.randomness.uuid();
    const actor: Actor = { sub: state.userId, role: state.role, ...(state.unitId ? { unitId: state.unitId } : {}) };
    await this.options.streams
      .write([{ streamId, events: ended, expectedRevision: loaded.revision }], {
        commandId,
        correlationId: commandId,
        now,
        actor,
      })
      .catch((error: unknown) => {
        // Signed out twice at once: the other one ended it.
        if (!(error instanceof StreamConflict)) throw error;
      });
  }

  csrfTokenFor(sessionToken: string): string {
    return createHmac('sha256', this.options.csrfKey).update(sessionToken).digest('base64url');
  }

  csrfTokenMatches(sessionToken: string, sent: string | undefined): boolean {
    if (!sent) return false;
    const expected = Buffer.from(this.csrfTokenFor(sessionToken));
    const given = Buffer.from(sent);
    return expected.length === given.length && timingSafeEqual(expected, given);
  }
}

/** The session's name in the log: the SHA-256 of its secret. */
export function sessionIdOf(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
