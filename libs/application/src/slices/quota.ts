import { allocateQuotaDecision, revokeQuotaDecision } from '@tip/domain';
import { z } from 'zod';
import { defineCommand } from '../commands/command-slice';
import { atUnit } from '../commands/scope';
import { identifier } from './identifiers';

const transfer = z
  .object({
    batchId: identifier,
    periodId: identifier,
    fromUnitId: identifier,
    toUnitId: identifier,
    seats: z.number().int().positive().max(10_000_000),
  })
  .strict();

export const allocateQuota = defineCommand({
  name: 'AllocateQuota',
  description:
    'Hands seats of one period of a batch from a unit to one of its children (province → city → county or ' +
    'city-direct school → school), as each period opens. Sent by system or an admin of the giving unit or ' +
    'above. Refuses UNKNOWN_BATCH, UNKNOWN_PERIOD, UNKNOWN_UNIT, NOT_A_CHILD, QUOTA_EXCEEDED (a province gives without a cap).',
  schema: transfer,
  roles: ['province-admin', 'city-admin', 'county-admin'],
  scope: (data) => atUnit(data.fromUnitId),
  decision: allocateQuotaDecision,
});

export const revokeQuota = defineCommand({
  name: 'RevokeQuota',
  description:
    'Takes back seats a unit handed on to a child, as long as the child has neither passed them on nor used ' +
    'them. Sent by system or an admin of the giving unit or above. Refuses UNKNOWN_BATCH, UNKNOWN_PERIOD, ' +
    'NOT_A_CHILD, REVOKE_EXCEEDS_ALLOCATION, QUOTA_IN_USE.',
  schema: transfer,
  roles: ['province-admin', 'city-admin', 'county-admin'],
  scope: (data) => atUnit(data.fromUnitId),
  decision: revokeQuotaDecision,
});
