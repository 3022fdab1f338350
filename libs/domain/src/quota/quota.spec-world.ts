/**
 * For specs only (not exported): a region's quota ledgers side by side, so given/when/then can
 * cover transfers that change two streams at once. It does what the application handler does
 * with the store — pick both streams, decide, tag each event with its stream — minus the I/O.
 * The org tree is fixed data here, as it is another context's streams in production.
 */
import { CommandMetadata } from '../shared/messages';
import { Decider } from '../shared/decider';
import { assertNever } from '../shared/rule-violation';
import { AllocateQuota, QuotaCommand, ReleaseSeat, RevokeQuota, TakeSeat } from './quota.commands';
import { decideAllocateQuota, decideRevokeQuota, quotaLedgerDecider, QuotaUnitKind } from './quota.decider';
import { QuotaEvent } from './quota.events';
import { initialQuotaLedger, QuotaLedger, quotaStreamId } from './quota.ledger';

export interface OrgUnit {
  kind: QuotaUnitKind;
  parentId?: string;
}
export type OrgTree = Readonly<Record<string, OrgUnit>>;

/** An event as it lands on one stream. */
export interface StreamEvent {
  streamId: string;
  event: QuotaEvent;
}

/** Every ledger touched so far, by stream id. */
export type QuotaWorld = Readonly<Record<string, QuotaLedger>>;

export const BATCH = 'B2020-1';
export const PERIOD = 'P1';

export const metadata: CommandMetadata = {
  now: '2020-11-02T09:00:00+08:00',
  actor: { sub: 'admin-1', role: 'system' },
};

export function ledgerOf(world: QuotaWorld, streamId: string): QuotaLedger {
  return Object.hasOwn(world, streamId) ? world[streamId] : initialQuotaLedger();
}

export function quotaWorldDecider(tree: OrgTree): Decider<QuotaCommand, StreamEvent, QuotaWorld> {
  const unit = (unitId: string): OrgUnit | undefined => (Object.hasOwn(tree, unitId) ? tree[unitId] : undefined);
  const tag =
    (streamId: string) =>
    (event: QuotaEvent): StreamEvent => ({ streamId, event });

  return {
    decide(command, world) {
      switch (command.type) {
        case 'AllocateQuota':
        case 'RevokeQuota': {
          const { batchId, periodId, fromUnitId, toUnitId } = command.data;
          const fromId = quotaStreamId(batchId, periodId, fromUnitId);
          const toId = quotaStreamId(batchId, periodId, toUnitId);
          const context = {
            from: ledgerOf(world, fromId),
            to: ledgerOf(world, toId),
            fromKind: unit(fromUnitId)?.kind,
            toParentId: unit(toUnitId)?.parentId,
          };
          const decision =
            command.type === 'AllocateQuota'
              ? decideAllocateQuota(command, context)
              : decideRevokeQuota(command, context);
          return [...decision.from.map(tag(fromId)), ...decision.to.map(tag(toId))];
        }
        case 'TakeSeat':
        case 'ReleaseSeat': {
          const { batchId, periodId, schoolId } = command.data;
          const streamId = quotaStreamId(batchId, periodId, schoolId);
          return quotaLedgerDecider.decide(command, ledgerOf(world, streamId)).map(tag(streamId));
        }
        default:
          return assertNever(command);
      }
    },
    evolve(world, { streamId, event }) {
      return { ...world, [streamId]: quotaLedgerDecider.evolve(ledgerOf(world, streamId), event) };
    },
    initialState: () => ({}),
  };
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
