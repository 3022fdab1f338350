import {
  addUserDecision,
  disableUserDecision,
  enableUserDecision,
  resetPasswordDecision,
  revokeTokenDecision,
  ROLES,
} from '@tip/domain';
import { z } from 'zod';
import { defineCommand } from '../commands/command-slice';
import { systemOnly } from '../commands/scope';
import { identifier } from './identifiers';
import { characters, hinted, text, withJsonSchema, WITHOUT_NUL } from './text';

/** A password as an operator may set it: 10 to 200 characters. */
const password = hinted(
  z
    .string()
    .refine((value) => [...value].length >= 10, 'must be at least 10 characters')
    .refine((value) => [...value].length <= 200, 'must be at most 200 characters'),
  {
    type: 'string',
    minLength: 10,
    maxLength: 200,
    pattern: WITHOUT_NUL,
    description: '10 to 200 characters (code points), U+0000 not among them',
  },
);

// Accounts are made by the operator (`tip user add`, with a system token): no role below system
// hands out sign-ins, so no admin can make themself a peer or a superior.
export const addUser = defineCommand({
  name: 'AddUser',
  description:
    'Adds a local account for a person (`tip user add`), the first province or system admin too. Sent by ' +
    "system only. The role must fit the unit: a province's admins and inspectors belong to a province, city " +
    'and county admins to a city and a county, school admins, group leaders and teachers to a school (a ' +
    "teacher's account is named by their teacher id); system and auditors need none. The password (10-200 " +
    'characters) is hashed with scrypt and sealed outside the log. Refuses USER_EXISTS, ROLE_NEEDS_UNIT, ' +
    'UNKNOWN_UNIT, ROLE_DOES_NOT_FIT_UNIT, UNKNOWN_TEACHER.',
  schema: z
    .object({
      userId: identifier,
      name: text(100),
      role: z.enum(ROLES),
      unitId: identifier.optional(),
      password,
    })
    .strict()
    // Filled by complete(); a caller cannot set it (strict() refuses the field).
    .transform((data) => ({ ...data, passwordHashProtected: '' })),
  roles: [],
  scope: () => systemOnly,
  // The password goes no further than here: the decision sees only its sealed hash.
  complete: async (data, { services }) => ({
    ...data,
    password: '',
    passwordHashProtected: await services.credentials.seal(data.userId, data.password),
  }),
  decision: addUserDecision,
});

export const resetPassword = defineCommand({
  name: 'ResetPassword',
  description:
    "Sets a new password for an account (`tip user reset-password`); the account's open sessions end. Sent " +
    'by system only. Refuses UNKNOWN_USER.',
  schema: z
    .object({ userId: identifier, password })
    .strict()
    .transform((data) => ({ ...data, passwordHashProtected: '' })),
  roles: [],
  scope: () => systemOnly,
  complete: async (data, { services }) => ({
    ...data,
    password: '',
    passwordHashProtected: await services.credentials.seal(data.userId, data.password),
  }),
  decision: resetPasswordDecision,
});

export const disableUser = defineCommand({
  name: 'DisableUser',
  description:
    'Stops an account from signing in (`tip user disable`); its open sessions end at once. Sent by system ' +
    'only; disabling twice changes nothing. Refuses UNKNOWN_USER.',
  schema: z.object({ userId: identifier, reason: text(500) }).strict(),
  roles: [],
  scope: () => systemOnly,
  decision: disableUserDecision,
});

export const enableUser = defineCommand({
  name: 'EnableUser',
  description: 'Lets a disabled account sign in again (`tip user enable`). Sent by system only. Refuses UNKNOWN_USER.',
  schema: z.object({ userId: identifier }).strict(),
  roles: [],
  scope: () => systemOnly,
  decision: enableUserDecision,
});

export const revokeToken = defineCommand({
  name: 'RevokeToken',
  description:
    "Revokes a machine caller's bearer token by its jti, or every token of a subject issued until now " +
    '(`tip token revoke`). Sent by system only; revoking a jti twice changes nothing. Refuses nothing beyond ' +
    'the common answers (400 for neither or both of jti and sub).',
  schema: withJsonSchema(
    z
      .object({
        jti: characters(1, 100).optional(),
        sub: characters(1, 200).optional(),
        reason: text(500),
      })
      .strict()
      .refine((data) => (data.jti === undefined) !== (data.sub === undefined), {
        message: 'give either jti (one token) or sub (every token of that subject), not both',
        path: ['jti'],
      }),
    { oneOf: [{ required: ['jti'] }, { required: ['sub'] }] },
  ),
  roles: [],
  scope: () => systemOnly,
  decision: revokeTokenDecision,
});

/** Accounts and tokens: served beside the contract's commands, system only. */
export const accountCommands = [addUser, resetPassword, disableUser, enableUser, revokeToken];
