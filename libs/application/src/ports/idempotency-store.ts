import type { CommandResult } from '../commands/command-result';

export interface StoredCommandResult {
  requestHash: string;
  result: CommandResult;
}

/** Remembers what a command sent with an Idempotency-Key answered, per caller and key. */
export interface IdempotencyStore {
  find(key: string): Promise<StoredCommandResult | undefined>;
  /** Saves unless the key is taken; returns whatever is stored for the key afterwards. */
  save(key: string, requestHash: string, result: CommandResult): Promise<StoredCommandResult>;
}

export const IDEMPOTENCY_STORE = Symbol('IDEMPOTENCY_STORE');
