import {
  AllocateQuota,
  BatchEvent,
  batchEvolver,
  batchStreamId,
  requireScheduledPeriod,
  decideAllocateQuota,
  decideRevokeQuota,
  fold,
  OrgUnitEvent,
  orgUnitDecider,
  orgUnitStreamId,
  QuotaEvent,
  quotaLedgerDecider,
  quotaStreamId,
  QuotaTransferContext,
  RevokeQuota,
} from '@tip/domain';
import { z } from 'zod';
import { defineUseCase } from '../command-pipeline/use-case';
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
type Transfer = z.infer<typeof transfer>;

const orgUnits = orgUnitDecider();

/** Both ledgers change in one atomic append; the two org units say whether they are parent and child. */
const transferStreams = (data: Transfer) => ({
  batch: batchStreamId(data.batchId),
  from: quotaStreamId(data.batchId, data.periodId, data.fromUnitId),
  to: quotaStreamId(data.batchId, data.periodId, data.toUnitId),
  fromUnit: orgUnitStreamId(data.fromUnitId),
  toUnit: orgUnitStreamId(data.toUnitId),
});

function transferContext(data: Transfer, history: Record<string, unknown[]>): QuotaTransferContext {
  requireScheduledPeriod(fold(batchEvolver, history.batch as BatchEvent[]), data.batchId, data.periodId);
  const fromUnit = fold(orgUnits, history.fromUnit as OrgUnitEvent[]);
  const toUnit = fold(orgUnits, history.toUnit as OrgUnitEvent[]);
  return {
    from: fold(quotaLedgerDecider, history.from as QuotaEvent[]),
    to: fold(quotaLedgerDecider, history.to as QuotaEvent[]),
    fromKind: fromUnit.status === 'registered' ? fromUnit.kind : undefined,
    toParentId: toUnit.status === 'registered' ? toUnit.parentId : undefined,
  };
}

export const allocateQuota = defineUseCase({
  name: 'AllocateQuota',
  schema: transfer,
  roles: ['province-admin', 'city-admin', 'county-admin'],
  scope: (data) => ({ kind: 'unit', unitId: data.fromUnitId }),
  streams: transferStreams,
  primaryStream: 'from',
  decide: (command, history) => ({
    ...decideAllocateQuota(command as AllocateQuota, transferContext(command.data, history)),
  }),
});

export const revokeQuota = defineUseCase({
  name: 'RevokeQuota',
  schema: transfer,
  roles: ['province-admin', 'city-admin', 'county-admin'],
  scope: (data) => ({ kind: 'unit', unitId: data.fromUnitId }),
  streams: transferStreams,
  primaryStream: 'from',
  decide: (command, history) => ({
    ...decideRevokeQuota(command as RevokeQuota, transferContext(command.data, history)),
  }),
});
