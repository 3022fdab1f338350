import { Decider } from '../shared/decider';
import { assertNever } from '../shared/rule-violation';
import {
  AllocateQuota,
  QuotaLedgerCommand,
  QuotaSeatData,
  QuotaTransferData,
  ReleaseSeat,
  RevokeQuota,
  TakeSeat,
} from './quota.commands';
import {
  badSeats,
  noQuotas,
  noSeatLeft,
  notAChild,
  outsideProgramme,
  quotaExceeded,
  quotaInUse,
  revokeExceedsAllocation,
} from './quota.errors';
import { QuotaEvent } from './quota.events';
import { evolveQuotaLedger, handedOnTo, holdsSeat, initialQuotaLedger, QuotaLedger, seatsLeft } from './quota.ledger';

/** The org-unit kinds, as the organisation context spells them. */
export type QuotaUnitKind = 'province' | 'city' | 'county' | 'school';

/**
 * What a transfer between two units is decided over. Both ledgers change in one atomic append
 * (each with its expected revision), so the decision sees both. The two org facts come from the
 * organisation streams the handler loads; `undefined` means that unit is unknown.
 */
export interface QuotaTransferContext {
  /** The giver's ledger for the command's batch and period. */
  from: QuotaLedger;
  /** The child's ledger for the same batch and period. */
  to: QuotaLedger;
  /** Only a province gives without a cap; an unknown giver is capped like any other. */
  fromKind: QuotaUnitKind | undefined;
  toParentId: string | undefined;
  /**
   * The batch's programme: the unit that runs it (null: a batch scheduled before programmes had
   * owners, run by its province) and whether it hands out seats at all. Absent: a province-run
   * programme with quotas, as before.
   */
  programme?: { ownerUnitId: string | null; quotas: boolean };
  /** The giver's ancestors and itself, province first: a city-run programme's seats stay in the city. */
  fromPath?: readonly string[];
}

/**
 * A programme without quotas (Ningde, Yueyang) hands out no seats; a city-run one's seats start
 * at the city and stay inside it (OUTSIDE_PROGRAMME for a giver above or beside it).
 */
function requireQuotasHere(data: QuotaTransferData, context: QuotaTransferContext): void {
  const programme = context.programme;
  if (programme === undefined) return;
  if (!programme.quotas) {
    throw noQuotas(data.batchId);
  }
  const owner = programme.ownerUnitId;
  if (owner !== null && !(context.fromPath ?? [data.fromUnitId]).includes(owner)) {
    throw outsideProgramme(data.batchId, data.fromUnitId, owner);
  }
}

/** The origin of seats hands on without a cap: the programme's owner (a province before owners). */
function isOriginOfSeats(data: QuotaTransferData, context: QuotaTransferContext): boolean {
  const owner = context.programme?.ownerUnitId ?? null;
  return owner === null ? context.fromKind === 'province' : data.fromUnitId === owner;
}

/** Events for each of the two streams, appended together or not at all. */
export interface QuotaTransferDecision {
  from: QuotaEvent[];
  to: QuotaEvent[];
}

/**
 * Refuses BAD_SEATS, NO_QUOTAS, OUTSIDE_PROGRAMME, NOT_A_CHILD, then QUOTA_EXCEEDED (details
 * { left, requested }); the programme's owner is the origin of seats and is not capped.
 */
export function decideAllocateQuota(command: AllocateQuota, context: QuotaTransferContext): QuotaTransferDecision {
  const data = transferData(command.data);
  requireQuotasHere(data, context);
  assertParentOf(data, context.toParentId);
  if (!isOriginOfSeats(data, context)) {
    const left = seatsLeft(context.from);
    if (data.seats > left) throw quotaExceeded(left, data.seats);
  }
  return { from: [{ type: 'QuotaAllocated', data }], to: [{ type: 'QuotaReceived', data: { ...data } }] };
}

/**
 * Refuses BAD_SEATS, NOT_A_CHILD, REVOKE_EXCEEDS_ALLOCATION (more than the giver has out with
 * that child; details { allocated, requested }), then QUOTA_IN_USE (more than the child has
 * neither handed on nor used; details { left, requested }). A revocation never reaches down the
 * tree: seats the child passed on must first be revoked by the child itself. `fromKind` plays no
 * part: giving back is never capped.
 */
export function decideRevokeQuota(command: RevokeQuota, context: QuotaTransferContext): QuotaTransferDecision {
  const data = transferData(command.data);
  requireQuotasHere(data, context);
  assertParentOf(data, context.toParentId);
  const allocated = handedOnTo(context.from, data.toUnitId);
  if (data.seats > allocated) throw revokeExceedsAllocation(allocated, data.seats);
  const left = seatsLeft(context.to);
  if (data.seats > left) throw quotaInUse(left, data.seats);
  return { from: [{ type: 'QuotaRevoked', data }], to: [{ type: 'QuotaTakenBack', data: { ...data } }] };
}

/**
 * Refuses NO_SEAT_LEFT; a teacher who already holds a seat in this ledger gets nothing more (retries
 * are safe). In a programme without quotas (`capped: false`) the school's ledger is only its roster
 * of the period: the place is taken without a seat to spend.
 */
export function decideTakeSeat(
  command: TakeSeat,
  ledger: QuotaLedger,
  options: { capped: boolean } = { capped: true },
): QuotaEvent[] {
  const data = seatData(command.data);
  if (holdsSeat(ledger, data.teacherId)) return [];
  if (!options.capped) return [{ type: 'SeatTaken', data }];
  const left = seatsLeft(ledger);
  if (left < 1) throw noSeatLeft(data.schoolId, Math.max(left, 0));
  return [{ type: 'SeatTaken', data }];
}

/** Releasing a seat the teacher does not hold changes nothing (retries are safe). */
export function decideReleaseSeat(command: ReleaseSeat, ledger: QuotaLedger): QuotaEvent[] {
  const data = seatData(command.data);
  return holdsSeat(ledger, data.teacherId) ? [{ type: 'SeatReleased', data }] : [];
}

/**
 * One quota ledger stream. `decide` covers the one-stream commands (seats); allocation and
 * revocation span two streams and are decided by `decideAllocateQuota` / `decideRevokeQuota`,
 * whose events each stream folds with this same `evolve`.
 */
export const quotaLedgerDecider: Decider<QuotaLedgerCommand, QuotaEvent, QuotaLedger> = {
  decide(command, ledger) {
    switch (command.type) {
      case 'TakeSeat':
        return decideTakeSeat(command, ledger);
      case 'ReleaseSeat':
        return decideReleaseSeat(command, ledger);
      default:
        return assertNever(command);
    }
  },
  evolve: evolveQuotaLedger,
  initialState: initialQuotaLedger,
};

function assertParentOf(data: QuotaTransferData, toParentId: string | undefined): void {
  // An unknown child (no parent known) is refused the same way: it is nobody's child.
  if (toParentId !== data.fromUnitId) throw notAChild(data.fromUnitId, data.toUnitId, toParentId);
}

/** Copies only the known fields, so stray request fields never become part of an event. */
function transferData(data: QuotaTransferData): QuotaTransferData {
  const seats: unknown = data.seats;
  if (typeof seats !== 'number' || !Number.isSafeInteger(seats) || seats < 1) throw badSeats(seats);
  return {
    batchId: data.batchId,
    periodId: data.periodId,
    fromUnitId: data.fromUnitId,
    toUnitId: data.toUnitId,
    seats,
  };
}

function seatData(data: QuotaSeatData): QuotaSeatData {
  return { batchId: data.batchId, periodId: data.periodId, schoolId: data.schoolId, teacherId: data.teacherId };
}
