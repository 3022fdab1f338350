/**
 * For specs only (not exported): a region's quota ledgers, with the org tree and the batch as the
 * organisation and programme streams hold them. Transfers are decided by the very decisions
 * production runs (allocateQuotaDecision, revokeQuotaDecision) over streams in memory; seats,
 * which production takes and releases inside enrollment decisions, by the ledger's own decider.
 */
import { orgUnitStreamId } from '../organisation/org-unit.decider';
import { batchStreamId } from '../programme/batch';
import { presetRulebook } from '../programme/rulebook-presets';
import { decision, one } from '../shared/decision';
import { Decider } from '../shared/decider';
import { decisionsInMemory, StreamEvent, StreamsInMemory } from '../shared/decisions-in-memory';
import { CommandMetadata, DomainEvent } from '../shared/messages';
import { assertNever } from '../shared/rule-violation';
import { foldStream } from '../shared/stream';
import { AllocateQuota, QuotaCommand, ReleaseSeat, RevokeQuota, TakeSeat } from './quota.commands';
import { quotaLedgerDecider, QuotaUnitKind } from './quota.decider';
import { allocateQuotaDecision, revokeQuotaDecision } from './quota.decisions';
import { QuotaLedger, quotaStreamId } from './quota.ledger';
import { quotaLedgerStream } from './quota.streams';

export type { StreamEvent } from '../shared/decisions-in-memory';

export interface OrgUnit {
  kind: QuotaUnitKind;
  parentId?: string;
}
export type OrgTree = Readonly<Record<string, OrgUnit>>;

/** Every stream written so far. */
export type QuotaWorld = StreamsInMemory;

export const BATCH = 'B2020-1';
export const PERIOD = 'P1';

export const metadata: CommandMetadata = {
  now: '2020-11-02T09:00:00+08:00',
  actor: { sub: 'admin-1', role: 'system' },
};

export function ledgerOf(world: QuotaWorld, streamId: string): QuotaLedger {
  return foldStream(quotaLedgerStream, world.get(streamId) ?? NO_EVENTS);
}

const NO_EVENTS: readonly DomainEvent[] = [];

/** A seat is one ledger's business: TakeSeat and ReleaseSeat decided by the ledger's decider. */
const seatDecision = decision<TakeSeat | ReleaseSeat>()
  .reads(({ data }) => ({
    seat: one(quotaLedgerStream, quotaStreamId(data.batchId, data.periodId, data.schoolId)),
  }))
  .decides((command, roles, read) => ({ seat: quotaLedgerDecider.decide(command, read(roles.seat)) }), {
    about: (roles) => roles.seat,
  });

/** The org tree's units registered, and batch BATCH scheduled with these periods. */
export function quotaWorldDecider(
  tree: OrgTree,
  periods: readonly string[] = [PERIOD, 'P2'],
): Decider<QuotaCommand, StreamEvent, QuotaWorld> {
  const ancestryOf = (unitId: string): string[] => {
    const parentId = Object.hasOwn(tree, unitId) ? tree[unitId].parentId : undefined;
    return parentId === undefined ? [] : [...ancestryOf(parentId), parentId];
  };
  const background: StreamEvent[] = [
    {
      streamId: batchStreamId(BATCH),
      event: {
        type: 'BatchScheduled',
        data: {
          programmeId: 'PG',
          batchId: BATCH,
          name: 'batch',
          startsOn: '2016-01-01',
          endsOn: '2023-12-31',
          sharePercent: 100,
          periods: periods.map((periodId) => ({ periodId, startsOn: '2016-01-01', endsOn: '2023-12-31' })),
          rulebook: presetRulebook('jiangsu-2.0'),
        },
      },
    },
    ...Object.entries(tree).map(([unitId, unit]): StreamEvent => ({
      streamId: orgUnitStreamId(unitId),
      event: {
        type: 'OrgUnitRegistered',
        data: {
          unitId,
          kind: unit.kind,
          name: unitId,
          ...(unit.parentId === undefined ? {} : { parentId: unit.parentId }),
          ancestry: ancestryOf(unitId),
        },
      },
    })),
  ];
  return decisionsInMemory((command: QuotaCommand) => {
    switch (command.type) {
      case 'AllocateQuota':
        return allocateQuotaDecision.plan(command, undefined);
      case 'RevokeQuota':
        return revokeQuotaDecision.plan(command, undefined);
      case 'TakeSeat':
      case 'ReleaseSeat':
        return seatDecision.plan(command, undefined);
      default:
        return assertNever(command);
    }
  }, background);
}

interface Where {
  batchId?: string;
  periodId?: string;
}

export function allocate(fromUnitId: string, toUnitId: string, seats: number, where: Where = {}): AllocateQuota {
  return { type: 'AllocateQuota', data: { ...at(where), fromUnitId, toUnitId, seats }, metadata };
}

export function revoke(fromUnitId: string, toUnitId: string, seats: number, where: Where = {}): RevokeQuota {
  return { type: 'RevokeQuota', data: { ...at(where), fromUnitId, toUnitId, seats }, metadata };
}

export function takeSeat(schoolId: string, teacherId: string, where: Where = {}): TakeSeat {
  return { type: 'TakeSeat', data: { ...at(where), schoolId, teacherId }, metadata };
}

export function releaseSeat(schoolId: string, teacherId: string, where: Where = {}): ReleaseSeat {
  return { type: 'ReleaseSeat', data: { ...at(where), schoolId, teacherId }, metadata };
}

/** The pair of events a successful AllocateQuota appends: the giver's, then the child's. */
export function allocated(fromUnitId: string, toUnitId: string, seats: number, where: Where = {}): StreamEvent[] {
  const data = { ...at(where), fromUnitId, toUnitId, seats };
  return [
    { streamId: quotaStreamId(data.batchId, data.periodId, fromUnitId), event: { type: 'QuotaAllocated', data } },
    { streamId: quotaStreamId(data.batchId, data.periodId, toUnitId), event: { type: 'QuotaReceived', data } },
  ];
}

/** The pair of events a successful RevokeQuota appends: the giver's, then the child's. */
export function revoked(fromUnitId: string, toUnitId: string, seats: number, where: Where = {}): StreamEvent[] {
  const data = { ...at(where), fromUnitId, toUnitId, seats };
  return [
    { streamId: quotaStreamId(data.batchId, data.periodId, fromUnitId), event: { type: 'QuotaRevoked', data } },
    { streamId: quotaStreamId(data.batchId, data.periodId, toUnitId), event: { type: 'QuotaTakenBack', data } },
  ];
}

export function seatTaken(schoolId: string, teacherId: string, where: Where = {}): StreamEvent {
  const data = { ...at(where), schoolId, teacherId };
  return { streamId: quotaStreamId(data.batchId, data.periodId, schoolId), event: { type: 'SeatTaken', data } };
}

export function seatReleased(schoolId: string, teacherId: string, where: Where = {}): StreamEvent {
  const data = { ...at(where), schoolId, teacherId };
  return { streamId: quotaStreamId(data.batchId, data.periodId, schoolId), event: { type: 'SeatReleased', data } };
}

function at(where: Where): { batchId: string; periodId: string } {
  return { batchId: where.batchId ?? BATCH, periodId: where.periodId ?? PERIOD };
}
