import { orgUnitStreamId } from '../organisation/org-unit.decider';
import { orgUnitStream, teacherStream } from '../organisation/organisation.streams';
import { teacherStreamId } from '../organisation/teacher.decider';
import { decision, one } from '../shared/decision';
import { AccountCommand, AddUser, DisableUser, EnableUser, ResetPassword, RevokeToken } from './accounts.commands';
import { accountDecider, userStreamId } from './account.decider';
import { tokenRevocationsStream, userStream } from './accounts.streams';
import { decideRevokeToken, TOKEN_REVOCATIONS_STREAM } from './token-revocation.decider';

/** The account's stream; for AddUser also the unit it names and, for a teacher, their record. */
function accountDecision<C extends AccountCommand>() {
  return decision<C>()
    .reads(({ type, data }) => ({
      account: one(userStream, userStreamId(data.userId)),
      unit: one(
        orgUnitStream,
        type === 'AddUser' && 'unitId' in data && data.unitId ? orgUnitStreamId(data.unitId) : undefined,
      ),
      teacher: one(
        teacherStream,
        type === 'AddUser' && 'role' in data && data.role === 'teacher' ? teacherStreamId(data.userId) : undefined,
      ),
    }))
    .decides(
      (command, roles, read) => ({
        account: accountDecider({
          unit: roles.unit.streamId === undefined ? undefined : read(roles.unit),
          teacher: roles.teacher.streamId === undefined ? undefined : read(roles.teacher),
        }).decide(command, read(roles.account)),
      }),
      { about: (roles) => roles.account },
    );
}

export const addUserDecision = accountDecision<AddUser>();
export const disableUserDecision = accountDecision<DisableUser>();
export const enableUserDecision = accountDecision<EnableUser>();
export const resetPasswordDecision = accountDecision<ResetPassword>();

export const revokeTokenDecision = decision<RevokeToken>()
  .reads(() => ({ revocations: one(tokenRevocationsStream, TOKEN_REVOCATIONS_STREAM) }))
  .decides((command, roles, read) => ({ revocations: decideRevokeToken(command, read(roles.revocations)) }), {
    about: (roles) => roles.revocations,
  });
