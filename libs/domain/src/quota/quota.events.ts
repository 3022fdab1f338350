import { DomainEvent } from '../shared/messages';
import { QuotaSeatData, QuotaTransferData } from './quota.commands';

/** On the giver's ledger: seats handed on to a child. */
export type QuotaAllocated = DomainEvent<'QuotaAllocated', QuotaTransferData>;

/** On the child's ledger: seats received from its parent. Appended together with QuotaAllocated. */
export type QuotaReceived = DomainEvent<'QuotaReceived', QuotaTransferData>;

/** On the giver's ledger: seats taken back from a child. */
export type QuotaRevoked = DomainEvent<'QuotaRevoked', QuotaTransferData>;

/** On the child's ledger: seats its parent took back. Appended together with QuotaRevoked. */
export type QuotaTakenBack = DomainEvent<'QuotaTakenBack', QuotaTransferData>;

/** On a school's ledger: an enrolled teacher now holds a seat. */
export type SeatTaken = DomainEvent<'SeatTaken', QuotaSeatData>;

/** On a school's ledger: a teacher's seat is free again (withdrawn or transferred). */
export type SeatReleased = DomainEvent<'SeatReleased', QuotaSeatData>;

export type QuotaEvent = QuotaAllocated | QuotaReceived | QuotaRevoked | QuotaTakenBack | SeatTaken | SeatReleased;
