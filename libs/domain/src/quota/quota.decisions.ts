import { orgUnitStreamId } from '../organisation/org-unit.decider';
import { requireUnit } from '../organisation/organisation.lookups';
import { orgUnitStream } from '../organisation/organisation.streams';
import { batchStreamId, requireScheduledPeriod } from '../programme/batch';
import { requireScheduledBatch } from '../programme/batch.lookups';
import { batchStream } from '../programme/programme.streams';
import { decision, one } from '../shared/decision';
import { AllocateQuota, RevokeQuota } from './quota.commands';
import { decideAllocateQuota, decideRevokeQuota, QuotaTransferContext, QuotaTransferDecision } from './quota.decider';
import { quotaStreamId } from './quota.ledger';
import { quotaLedgerStream } from './quota.streams';

/**
 * Seats move between two ledgers of one period, appended together: the giver's (`from`) and the
 * child's (`to`). The batch must have the period and both units must be registered (UNKNOWN_UNIT);
 * they say whether they are parent and child; the batch says who runs the programme (the origin of
 * seats, which gives without a cap) and whether it hands out seats at all.
 */
function quotaTransfer<C extends AllocateQuota | RevokeQuota>(
  decide: (command: C, context: QuotaTransferContext) => QuotaTransferDecision,
) {
  return decision<C>()
    .reads(({ data }) => ({
      batch: one(batchStream, batchStreamId(data.batchId)),
      from: one(quotaLedgerStream, quotaStreamId(data.batchId, data.periodId, data.fromUnitId)),
      to: one(quotaLedgerStream, quotaStreamId(data.batchId, data.periodId, data.toUnitId)),
      fromUnit: one(orgUnitStream, orgUnitStreamId(data.fromUnitId)),
      toUnit: one(orgUnitStream, orgUnitStreamId(data.toUnitId)),
    }))
    .decides(
      (command, roles, read) => {
        const { batchId, periodId, fromUnitId, toUnitId } = command.data;
        const batch = requireScheduledBatch(read(roles.batch), batchId);
        requireScheduledPeriod(batch, batchId, periodId);
        const fromUnit = requireUnit(read(roles.fromUnit), fromUnitId);
        const toUnit = requireUnit(read(roles.toUnit), toUnitId);
        return decide(command, {
          from: read(roles.from),
          to: read(roles.to),
          fromKind: fromUnit.kind,
          toParentId: toUnit.parentId,
          programme: { ownerUnitId: batch.ownerUnitId, quotas: batch.rulebook.quotas },
          fromPath: [...fromUnit.ancestry, fromUnit.unitId],
        });
      },
      { about: (roles) => roles.from },
    );
}

export const allocateQuotaDecision = quotaTransfer<AllocateQuota>(decideAllocateQuota);
export const revokeQuotaDecision = quotaTransfer<RevokeQuota>(decideRevokeQuota);
