import type { CommandResult } from '../commands/command-result';

/** What a command sent with an Idempotency-Key answered first: its result, or the rule that refused it (422). */
export type CommandOutcome =
  | { kind: 'done'; result: CommandResult }
  | { kind: 'refused'; code: string; message: string; details?: Record<string, unknown> };

export interface StoredCommandOutcome {
  requestHash: string;
  outcome: CommandOutcome;
}

/** Remembers what a command sent with an Idempotency-Key answered, per caller and key. */
export interface IdempotencyStore {
  find(key: string): Promise<StoredCommandOutcome | undefined>;
  /** Saves unless the key is taken; returns whatever is stored for the key afterwards. */
  save(key: string, requestHash: string, outcome: CommandOutcome): Promise<StoredCommandOutcome>;
}

export const IDEMPOTENCY_STORE = Symbol('IDEMPOTENCY_STORE');
