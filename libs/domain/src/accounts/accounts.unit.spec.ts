import { fold } from '../shared/decider';
import { specFor } from '../shared/given-when-then';
import { CommandMetadata } from '../shared/messages';
import { OrgUnitState, orgUnitDecider } from '../organisation/org-unit.decider';
import { OrgUnitRegistered, TeacherRegistered } from '../organisation/organisation.events';
import { teacherDecider } from '../organisation/teacher.decider';
import { AddUser, SignIn } from './accounts.commands';
import { AccountEvent, SessionStarted, SignInEvent, UserAdded } from './accounts.events';
import { AccountLookups, accountDecider, AccountState, evolveAccount } from './account.decider';
import { roleFitsUnit, UNIT_KINDS_OF_ROLE } from './roles';
import { checkSession, decideSignOut, evolveSession, initialSessionState } from './session.decider';
import { decideSignIn, DEFAULT_SIGN_IN_POLICY, evolveSignIns, initialSignInState, signInGate } from './sign-in.decider';
import {
  decideRevokeToken,
  evolveTokenRevocations,
  initialTokenRevocations,
  isTokenRevoked,
} from './token-revocation.decider';

const metadata = (now = '2026-12-01T08:00:00.000Z'): CommandMetadata => ({
  now,
  actor: { sub: 'ops', role: 'system' },
});

const registered = (unitId: string, kind: OrgUnitRegistered['data']['kind'], ancestry: string[] = []): OrgUnitState =>
  fold(orgUnitDecider(), [
    {
      type: 'OrgUnitRegistered',
      data: {
        unitId,
        kind,
        name: unitId,
        ...(ancestry.length ? { parentId: ancestry[ancestry.length - 1] } : {}),
        ancestry,
      },
    },
  ]);
const PROVINCE = registered('320000', 'province');
const COUNTY = registered('320703', 'county', ['320000', '320700']);
const SCHOOL = registered('S1', 'school', ['320000', '320700', '320703']);

const teacherOf = (schoolId: string) =>
  fold(teacherDecider(), [
    {
      type: 'TeacherRegistered',
      data: {
        teacherId: 'T-0001',
        schoolId,
        ancestry: ['320000', '320700', '320703', schoolId],
        name: '张老师',
        gender: 'female',
        stage: '小学',
        subject: '语文',
        fullTime: true,
        idNumberMasked: '320703********0021',
        idNumberProtected: 'v1:x',
      },
    } satisfies TeacherRegistered,
  ]);

const addUser = (data: Partial<AddUser['data']> = {}): AddUser => ({
  type: 'AddUser',
  data: {
    userId: 'wang',
    name: '王主任',
    role: 'county-admin',
    unitId: '320703',
    password: '',
    passwordHashProtected: 'sealed-1',
    ...data,
  },
  metadata: metadata(),
});
const added = (data: Partial<UserAdded['data']> = {}): UserAdded => ({
  type: 'UserAdded',
  data: {
    userId: 'wang',
    name: '王主任',
    role: 'county-admin',
    unitId: '320703',
    passwordHashProtected: 'sealed-1',
    ...data,
  },
});
const given = (lookups: AccountLookups) => specFor(accountDecider(lookups));

describe('Account', () => {
  describe('when added', () => {
    it('records who they are and only the sealed password hash', () => {
      given({ unit: COUNTY })().when(addUser()).then(added());
    });

    it('refuses a role that does not fit its unit: a school admin belongs to a school', () => {
      given({ unit: PROVINCE })()
        .when(addUser({ role: 'school-admin', unitId: '320000' }))
        .thenRefuses('ROLE_DOES_NOT_FIT_UNIT', { role: 'school-admin', unitId: '320000' });
    });

    it('refuses a unit that is not registered', () => {
      given({ unit: fold(orgUnitDecider(), []) })()
        .when(addUser({ unitId: 'NOWHERE' }))
        .thenRefuses('UNKNOWN_UNIT');
    });

    it('refuses an admin without a unit, and lets a system account have none', () => {
      given({})()
        .when(addUser({ unitId: undefined }))
        .thenRefuses('ROLE_NEEDS_UNIT');
      given({})()
        .when(addUser({ role: 'system', unitId: undefined }))
        .then(added({ role: 'system', unitId: undefined }));
    });

    it("names a teacher's account by their teacher id, at their own school", () => {
      const teacher = addUser({ userId: 'T-0001', role: 'teacher', unitId: 'S1' });
      given({ unit: SCHOOL, teacher: teacherOf('S1') })()
        .when(teacher)
        .then(added({ userId: 'T-0001', role: 'teacher', unitId: 'S1' }));
      given({ unit: SCHOOL, teacher: teacherOf('S2') })()
        .when(teacher)
        .thenRefuses('UNKNOWN_TEACHER');
      given({ unit: SCHOOL, teacher: fold(teacherDecider(), []) })()
        .when(teacher)
        .thenRefuses('UNKNOWN_TEACHER');
    });

    it('refuses a second account of the same id', () => {
      given({ unit: COUNTY })(added()).when(addUser()).thenRefuses('USER_EXISTS');
    });
  });

  it('is disabled and enabled again, each once', () => {
    const disable = { type: 'DisableUser' as const, data: { userId: 'wang', reason: '调离' }, metadata: metadata() };
    const enable = { type: 'EnableUser' as const, data: { userId: 'wang' }, metadata: metadata() };
    given({})(added())
      .when(disable)
      .then({ type: 'UserDisabled', data: { userId: 'wang', reason: '调离' } });
    given({})(added(), { type: 'UserDisabled', data: { userId: 'wang', reason: '调离' } })
      .when(disable)
      .thenNothingHappens();
    given({})(added(), { type: 'UserDisabled', data: { userId: 'wang', reason: '调离' } })
      .when(enable)
      .then({ type: 'UserEnabled', data: { userId: 'wang' } });
    given({})().when(disable).thenRefuses('UNKNOWN_USER');
  });

  it('counts password versions, so a reset can end older sessions', () => {
    const events: AccountEvent[] = [
      added(),
      { type: 'PasswordReset', data: { userId: 'wang', passwordHashProtected: 's2' } },
    ];
    const state = events.reduce(evolveAccount, { status: 'absent' } as AccountState);
    expect(state).toMatchObject({ credentialVersion: 2, passwordHashProtected: 's2' });
  });
});

describe('Role fits unit', () => {
  const cases = [
    ['province-admin', PROVINCE, true],
    ['province-admin', COUNTY, false],
    ['county-admin', COUNTY, true],
    ['school-admin', PROVINCE, false],
    ['school-admin', SCHOOL, true],
    ['teacher', SCHOOL, true],
    ['group-leader', COUNTY, false],
    ['inspector', PROVINCE, true],
    ['auditor', SCHOOL, true],
  ] as const;
  it.each(cases.map(([role, unit, fits]) => ({ role, unit, fits, kind: unit.status === 'registered' && unit.kind })))(
    '$role of a $kind: fits $fits',
    ({ role, unit, fits }) => {
      const unitId = unit.status === 'registered' ? unit.unitId : '';
      expect(roleFitsUnit(role, unitId, unit).fits).toBe(fits);
    },
  );

  it('has a rule for every role', () => {
    expect(Object.keys(UNIT_KINDS_OF_ROLE).sort()).toEqual(
      [
        'system',
        'province-admin',
        'city-admin',
        'county-admin',
        'school-admin',
        'group-leader',
        'teacher',
        'inspector',
        'auditor',
      ].sort(),
    );
  });
});

describe('Sign-in', () => {
  const account = fold({ evolve: evolveAccount, initialState: (): AccountState => ({ status: 'absent' }) }, [added()]);
  const from = { ip: '203.0.113.9', userAgent: 'jest' };
  const attempt = (at: string, passwordMatches: boolean | undefined, userId = 'wang'): SignIn => ({
    type: 'SignIn',
    data: { userId, passwordMatches, sessionId: 'h1', expiresAt: '2026-12-01T20:00:00.000Z', from },
    metadata: metadata(at),
  });
  /** Runs attempts one after another, each seconds after the start, folding what they record. */
  const run = (attempts: [number, boolean | undefined][], state = account) => {
    let signIns = initialSignInState();
    const recorded: SignInEvent[] = [];
    for (const [second, matches] of attempts) {
      const at = new Date(Date.parse('2026-12-01T08:00:00.000Z') + second * 1000).toISOString();
      const decision = decideSignIn(attempt(at, matches), signIns, state);
      recorded.push(...decision.signIns);
      signIns = decision.signIns.reduce(evolveSignIns, signIns);
    }
    return { recorded, signIns };
  };

  it('starts a session as the account, recording who, when and from where', () => {
    const decision = decideSignIn(attempt('2026-12-01T08:00:00.000Z', true), initialSignInState(), account);
    expect(decision.signIns).toEqual([{ type: 'SignedIn', data: { userId: 'wang', sessionId: 'h1', from } }]);
    expect(decision.session).toEqual<SessionStarted[]>([
      {
        type: 'SessionStarted',
        data: {
          sessionId: 'h1',
          userId: 'wang',
          role: 'county-admin',
          unitId: '320703',
          name: '王主任',
          method: 'password',
          from,
          credentialVersion: 1,
          expiresAt: '2026-12-01T20:00:00.000Z',
        },
      },
    ]);
  });

  it('fails an unknown user exactly as a wrong password, so failures do not tell which ids exist', () => {
    const absent: AccountState = { status: 'absent' };
    const unknown = run(
      [
        [0, undefined],
        [1, undefined],
        [2, undefined],
        [3, undefined],
      ],
      absent,
    );
    const wrong = run([
      [0, false],
      [1, false],
      [2, false],
      [3, false],
    ]);
    expect(unknown.signIns).toEqual(wrong.signIns);
    expect(unknown.recorded.map((event) => event.data)).toEqual(
      wrong.recorded.map((event) => ({ ...event.data, reason: event.type === 'SignInFailed' ? 'unknown-user' : '' })),
    );
  });

  it('slows down after three failures in a row: the next attempt waits 1 s, then 2 s, 4 s', () => {
    const { recorded, signIns } = run([
      [0, false],
      [1, false],
      [2, false], // third: the next waits 1 s
      [2.5, true], // too early, even with the right password
      [3, false], // fourth: the next waits 2 s
    ]);
    expect(recorded.map((event) => event.type === 'SignInFailed' && event.data.reason)).toEqual([
      'wrong-password',
      'wrong-password',
      'wrong-password',
      'throttled',
      'wrong-password',
    ]);
    expect(recorded[3].data).toMatchObject({ retryAfter: '2026-12-01T08:00:03.000Z', failuresInARow: 3 });
    expect(signIns).toMatchObject({ failuresInARow: 4, retryAfter: '2026-12-01T08:00:05.000Z' });
    expect(signInGate(signIns, '2026-12-01T08:00:04.999Z')).toMatchObject({ open: false, reason: 'throttled' });
    expect(signInGate(signIns, '2026-12-01T08:00:05.000Z')).toEqual({ open: true });
  });

  it('locks the account for 15 minutes at ten failures in a row, right password or not', () => {
    const failures: [number, boolean][] = Array.from({ length: 10 }, (_, index) => [index * 100, false]);
    const { recorded, signIns } = run([...failures, [1000, true]]);
    expect(recorded[9].data).toMatchObject({ failuresInARow: 10, lockedUntil: '2026-12-01T08:30:00.000Z' });
    expect(recorded[10].data).toMatchObject({ reason: 'locked', lockedUntil: '2026-12-01T08:30:00.000Z' });
    expect(signInGate(signIns, '2026-12-01T08:29:59.000Z')).toMatchObject({ open: false, reason: 'locked' });
    expect(signInGate(signIns, '2026-12-01T08:30:00.000Z')).toEqual({ open: true });
  });

  it('locks again at the next failure after a lock, and a success clears everything', () => {
    const failures: [number, boolean][] = Array.from({ length: 10 }, (_, index) => [index * 100, false]);
    const afterLock = 900 + DEFAULT_SIGN_IN_POLICY.lockMinutes * 60;
    const again = run([...failures, [afterLock, false]]);
    expect(again.recorded[10].data).toMatchObject({ reason: 'wrong-password', failuresInARow: 11 });
    expect(again.signIns.lockedUntil).toBe(
      new Date(Date.parse('2026-12-01T08:00:00Z') + (afterLock + 900) * 1000).toISOString(),
    );
    const cleared = run([...failures, [afterLock, true]]);
    expect(cleared.recorded[10].type).toBe('SignedIn');
    expect(cleared.signIns).toEqual({ failuresInARow: 0 });
  });

  it('refuses a disabled account, without counting a failure', () => {
    const disabled = evolveAccount(account, { type: 'UserDisabled', data: { userId: 'wang', reason: '离职' } });
    const { recorded, signIns } = run([[0, true]], disabled);
    expect(recorded[0].data).toMatchObject({ reason: 'disabled', failuresInARow: 0 });
    expect(signIns.failuresInARow).toBe(0);
  });
});

describe('Session', () => {
  const started: SessionStarted = {
    type: 'SessionStarted',
    data: {
      sessionId: 'h1',
      userId: 'wang',
      role: 'county-admin',
      unitId: '320703',
      name: '王主任',
      method: 'password',
      from: { ip: '127.0.0.1' },
      credentialVersion: 1,
      expiresAt: '2026-12-01T20:00:00.000Z',
    },
  };
  const account = evolveAccount({ status: 'absent' }, added());
  const open = evolveSession(initialSessionState(), started);

  it('acts as its account until it expires', () => {
    expect(checkSession(open, account, '2026-12-01T19:59:59.999Z')).toMatchObject({
      valid: true,
      actor: { sub: 'wang', role: 'county-admin', unitId: '320703' },
    });
    expect(checkSession(open, account, '2026-12-01T20:00:00.000Z')).toEqual({ valid: false, why: 'expired' });
  });

  it('ends at sign-out, once', () => {
    const signOut = {
      type: 'SignOut' as const,
      data: { sessionId: 'h1', reason: 'signed-out' as const },
      metadata: metadata(),
    };
    const ended = decideSignOut(signOut, open);
    expect(ended).toEqual([{ type: 'SessionEnded', data: { sessionId: 'h1', reason: 'signed-out' } }]);
    const state = evolveSession(open, ended[0]);
    expect(decideSignOut(signOut, state)).toEqual([]);
    expect(checkSession(state, account, '2026-12-01T09:00:00.000Z')).toEqual({ valid: false, why: 'ended' });
  });

  it('ends when its account is disabled or its password reset', () => {
    const disabled = evolveAccount(account, { type: 'UserDisabled', data: { userId: 'wang', reason: '离职' } });
    expect(checkSession(open, disabled, '2026-12-01T09:00:00.000Z')).toEqual({ valid: false, why: 'account-disabled' });
    const reset = evolveAccount(account, {
      type: 'PasswordReset',
      data: { userId: 'wang', passwordHashProtected: 's2' },
    });
    expect(checkSession(open, reset, '2026-12-01T09:00:00.000Z')).toEqual({ valid: false, why: 'password-reset' });
  });
});

describe('Token revocations', () => {
  const revoke = (data: { jti?: string; sub?: string }) => ({
    type: 'RevokeToken' as const,
    data: { ...data, reason: 'leaked' },
    metadata: metadata('2026-12-01T08:00:00.000Z'),
  });

  it('voids one token by its jti, once', () => {
    const events = decideRevokeToken(revoke({ jti: 'j1' }), initialTokenRevocations());
    const state = events.reduce(evolveTokenRevocations, initialTokenRevocations());
    expect(isTokenRevoked(state, { jti: 'j1', sub: 'feed', issuedAt: 0 })).toBe(true);
    expect(isTokenRevoked(state, { jti: 'j2', sub: 'feed', issuedAt: 0 })).toBe(false);
    expect(decideRevokeToken(revoke({ jti: 'j1' }), state)).toEqual([]);
  });

  it("voids a subject's tokens issued up to the revocation, not those issued after", () => {
    const state = decideRevokeToken(revoke({ sub: 'feed' }), initialTokenRevocations()).reduce(
      evolveTokenRevocations,
      initialTokenRevocations(),
    );
    const revokedAt = Date.parse('2026-12-01T08:00:00.000Z') / 1000;
    expect(isTokenRevoked(state, { sub: 'feed', issuedAt: revokedAt })).toBe(true);
    expect(isTokenRevoked(state, { sub: 'feed', issuedAt: revokedAt + 1 })).toBe(false);
    expect(isTokenRevoked(state, { sub: 'other', issuedAt: revokedAt })).toBe(false);
  });

  it('needs either a jti or a sub', () => {
    expect(() => decideRevokeToken(revoke({}), initialTokenRevocations())).toThrow(/either/);
    expect(() => decideRevokeToken(revoke({ jti: 'a', sub: 'b' }), initialTokenRevocations())).toThrow(/either/);
  });
});
