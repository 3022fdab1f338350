import { assertNever } from '../shared/rule-violation';
import { QuotaEvent } from './quota.events';

/**
 * One unit's seats in one batch and period (stream `quota-{batchId}:{periodId}:{unitId}`; ids never
 * contain ':', the API sees to that, so the parts cannot run into each other).
 * Periods are separate ledgers on purpose: seats are issued per period (每期同步下发) and a
 * seat of one period cannot be spent in another.
 *
 * A province is the origin of seats: the province sets each city's quota (seed 004: 省级管理员
 * …设置好各市的培训配额), so it receives none and what it hands on is not capped. Its ledger
 * therefore shows `received` 0 and `seatsLeft` = −(seats issued); only the other units' ledgers
 * are bound by `seatsLeft ≥ 0`.
 *
 * Plain data (no Map or Set) so the audit view can show a rebuilt state as JSON.
 */
export interface QuotaLedger {
  /** Seats received from the parent, less what the parent took back. */
  received: number;
  /** Seats handed on, per child unit id; a child whose seats were all taken back is dropped. */
  handedOn: Readonly<Record<string, number>>;
  /** Teachers holding a seat (schools only), in the order they took it. */
  seatHolders: readonly string[];
}

export function quotaStreamId(batchId: string, periodId: string, unitId: string): string {
  return `quota-${batchId}:${periodId}:${unitId}`;
}

export function initialQuotaLedger(): QuotaLedger {
  return { received: 0, handedOn: {}, seatHolders: [] };
}

export function evolveQuotaLedger(ledger: QuotaLedger, event: QuotaEvent): QuotaLedger {
  switch (event.type) {
    case 'QuotaAllocated':
      return withHandedOn(ledger, event.data.toUnitId, handedOnTo(ledger, event.data.toUnitId) + event.data.seats);
    case 'QuotaRevoked':
      return withHandedOn(ledger, event.data.toUnitId, handedOnTo(ledger, event.data.toUnitId) - event.data.seats);
    case 'QuotaReceived':
      return { ...ledger, received: ledger.received + event.data.seats };
    case 'QuotaTakenBack':
      return { ...ledger, received: ledger.received - event.data.seats };
    case 'SeatTaken':
      // Total over any history: a repeated fact does not count a teacher twice.
      return holdsSeat(ledger, event.data.teacherId)
        ? ledger
        : { ...ledger, seatHolders: [...ledger.seatHolders, event.data.teacherId] };
    case 'SeatReleased':
      return { ...ledger, seatHolders: ledger.seatHolders.filter((teacherId) => teacherId !== event.data.teacherId) };
    default:
      return assertNever(event);
  }
}

/** Seats still free to hand on or to give to teachers: received − handed on − used. */
export function seatsLeft(ledger: QuotaLedger): number {
  return ledger.received - seatsHandedOn(ledger) - seatsUsed(ledger);
}

/** Seats this unit currently has out with one child (0 when none). */
export function handedOnTo(ledger: QuotaLedger, childId: string): number {
  // Own properties only: ids are caller-chosen, and `constructor` must not read Object's.
  return Object.hasOwn(ledger.handedOn, childId) ? ledger.handedOn[childId] : 0;
}

/** Seats this unit currently has out with all its children together. */
export function seatsHandedOn(ledger: QuotaLedger): number {
  return Object.values(ledger.handedOn).reduce((sum, seats) => sum + seats, 0);
}

/** Seats held by enrolled teachers (schools only). */
export function seatsUsed(ledger: QuotaLedger): number {
  return ledger.seatHolders.length;
}

export function holdsSeat(ledger: QuotaLedger, teacherId: string): boolean {
  return ledger.seatHolders.includes(teacherId);
}

function withHandedOn(ledger: QuotaLedger, childId: string, seats: number): QuotaLedger {
  const { [childId]: _previous, ...others } = ledger.handedOn;
  return { ...ledger, handedOn: seats > 0 ? { ...others, [childId]: seats } : others };
}
