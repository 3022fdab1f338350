import { OrgUnitState } from '../organisation/org-unit.decider';
import { TeacherState } from '../organisation/teacher.decider';
import { Decider } from '../shared/decider';
import { Role } from '../shared/messages';
import { assertNever, RuleViolation } from '../shared/rule-violation';
import { AccountCommand, AddUser } from './accounts.commands';
import { AccountEvent } from './accounts.events';
import { assertRoleFitsUnit } from './roles';

/** One stream per account: who they are, their sealed password hash, whether they may sign in. */
export function userStreamId(userId: string): string {
  return `user-${userId}`;
}

export type AccountState =
  | { status: 'absent' }
  | {
      status: 'active' | 'disabled';
      userId: string;
      name: string;
      role: Role;
      unitId?: string;
      passwordHashProtected: string;
      /** 1 for the first password, one more for each reset: sessions from before a reset end. */
      credentialVersion: number;
    };

/** What AddUser reads besides the account: the unit it names, and for a teacher their record. */
export interface AccountLookups {
  unit?: OrgUnitState;
  teacher?: TeacherState;
}

export function accountDecider(lookups: AccountLookups = {}): Decider<AccountCommand, AccountEvent, AccountState> {
  return {
    decide: (command, account) => {
      switch (command.type) {
        case 'AddUser':
          return decideAddUser(command, account, lookups);
        case 'DisableUser': {
          const existing = existingAccount(account, command.data.userId);
          if (existing.status === 'disabled') return [];
          return [{ type: 'UserDisabled', data: { userId: existing.userId, reason: command.data.reason } }];
        }
        case 'EnableUser': {
          const existing = existingAccount(account, command.data.userId);
          if (existing.status === 'active') return [];
          return [{ type: 'UserEnabled', data: { userId: existing.userId } }];
        }
        case 'ResetPassword': {
          const existing = existingAccount(account, command.data.userId);
          return [
            {
              type: 'PasswordReset',
              data: { userId: existing.userId, passwordHashProtected: command.data.passwordHashProtected },
            },
          ];
        }
        default:
          return assertNever(command);
      }
    },
    evolve: evolveAccount,
    initialState: () => ({ status: 'absent' }),
  };
}

export function evolveAccount(state: AccountState, event: AccountEvent): AccountState {
  switch (event.type) {
    case 'UserAdded':
      return { status: 'active', ...event.data, credentialVersion: 1 };
    case 'UserDisabled':
      return state.status === 'absent' ? state : { ...state, status: 'disabled' };
    case 'UserEnabled':
      return state.status === 'absent' ? state : { ...state, status: 'active' };
    case 'PasswordReset':
      return state.status === 'absent'
        ? state
        : {
            ...state,
            passwordHashProtected: event.data.passwordHashProtected,
            credentialVersion: state.credentialVersion + 1,
          };
    default:
      return assertNever(event);
  }
}

function decideAddUser(command: AddUser, account: AccountState, lookups: AccountLookups): AccountEvent[] {
  const { userId, name, role, unitId, passwordHashProtected } = command.data;
  if (account.status !== 'absent') {
    throw new RuleViolation('USER_EXISTS', `There is already an account ${userId}`, { userId });
  }
  assertRoleFitsUnit(role, unitId, lookups.unit);
  // A teacher acts only on themself, by their teacher id: the account must be that teacher's.
  if (role === 'teacher') {
    const teacher = lookups.teacher;
    if (!teacher || teacher.status !== 'registered' || teacher.schoolId !== unitId) {
      throw new RuleViolation(
        'UNKNOWN_TEACHER',
        `A teacher's account is named by their teacher id, and ${userId} is no teacher of ${unitId}`,
        { userId, unitId },
      );
    }
  }
  return [
    {
      type: 'UserAdded',
      data: { userId, name, role, ...(unitId !== undefined ? { unitId } : {}), passwordHashProtected },
    },
  ];
}

function existingAccount(account: AccountState, userId: string): Exclude<AccountState, { status: 'absent' }> {
  if (account.status === 'absent') throw new RuleViolation('UNKNOWN_USER', `There is no account ${userId}`, { userId });
  return account;
}
