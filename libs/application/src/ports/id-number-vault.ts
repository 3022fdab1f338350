/**
 * Keeps teachers' ID numbers out of the event log: each teacher's number is encrypted with a
 * key of their own, held outside the events. Forgetting the key forgets the number
 * (crypto-shredding) while every event stays intact and verifiable.
 */
export interface IdNumberVault {
  /** The number encrypted with the teacher's key (created on first use). */
  protect(teacherId: string, idNumber: string): Promise<string>;
  /** The plain number, or undefined once the teacher's key has been forgotten. */
  reveal(teacherId: string, protectedIdNumber: string): Promise<string | undefined>;
  forget(teacherId: string): Promise<void>;
}

export const ID_NUMBER_VAULT = Symbol('ID_NUMBER_VAULT');
