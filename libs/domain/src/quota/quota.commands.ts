import { Command } from '../shared/messages';

/** Seats moving between a unit and one of its children, in one batch and period. */
export interface QuotaTransferData {
  batchId: string;
  periodId: string;
  fromUnitId: string;
  toUnitId: string;
  /** A positive whole number; the domain checks it again because it must be safe without the API. */
  seats: number;
}

/** One teacher's seat in a school's quota for one batch and period. */
export interface QuotaSeatData {
  batchId: string;
  periodId: string;
  schoolId: string;
  teacherId: string;
}

/** A unit hands seats on to one of its children (province → city → county → school). */
export type AllocateQuota = Command<'AllocateQuota', QuotaTransferData>;

/** A unit takes back seats it handed on to a child, as long as the child has not passed them on or used them. */
export type RevokeQuota = Command<'RevokeQuota', QuotaTransferData>;

/** Sent by the enrollment context when a school enrolls a teacher. */
export type TakeSeat = Command<'TakeSeat', QuotaSeatData>;

/** Sent by the enrollment context when a teacher is withdrawn or transferred away. */
export type ReleaseSeat = Command<'ReleaseSeat', QuotaSeatData>;

/** Commands decided over two ledgers at once: the giver's and the child's. */
export type QuotaTransferCommand = AllocateQuota | RevokeQuota;

/** Commands decided over one school's ledger alone. */
export type QuotaLedgerCommand = TakeSeat | ReleaseSeat;

export type QuotaCommand = QuotaTransferCommand | QuotaLedgerCommand;
