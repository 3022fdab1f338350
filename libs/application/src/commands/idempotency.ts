import { createHmac } from 'node:crypto';
import { RuleViolation } from '@tip/domain';
import { CommandOutcome, IdempotencyStore } from '../ports/idempotency-store';
import { Randomness } from '../ports/randomness';
import { canonicalJson } from './canonical-json';
import { CommandRequest, CommandResult } from './command-result';
import { CommandConflict, CommandValidationFailed } from './errors';
import { KeyedMutex } from './keyed-mutex';
import { uuidFrom } from './uuid-from';

/**
 * `Idempotency-Key`: the same key with the same request answers the first answer again — a
 * result, or the business rule that refused it (so a refused key cannot be reused for another
 * body) — and appends nothing; with another request, 409. The same body with its keys in
 * another order is the same request. Keys are the caller's own: scoped by role, unit and sub,
 * encoded so no two callers' keys can meet. The command id, and so every event id and generated
 * code, follows from the key, so a retry racing the first attempt from another process appends
 * nothing new either. Without a key a command gets a fresh id.
 */
export class Idempotency {
  private readonly runs = new KeyedMutex();

  /** `requestHashKey`: a secret for hashing requests (a body may hold an ID number, which a bare hash would give away). */
  constructor(
    private readonly store: IdempotencyStore,
    private readonly requestHashKey: string,
    private readonly randomness: Randomness,
  ) {}

  async run(request: CommandRequest, execute: (commandId: string) => Promise<CommandResult>): Promise<CommandResult> {
    const key = request.idempotencyKey;
    if (key === undefined) return execute(this.randomness.uuid());
    if (key.length === 0 || key.length > 200) {
      throw new CommandValidationFailed([{ field: 'Idempotency-Key', rule: 'must be 1 to 200 characters' }]);
    }
    const requestHash = createHmac('sha256', this.requestHashKey)
      .update(canonicalJson([request.name, request.body]))
      .digest('hex');
    const { role, unitId, sub } = request.caller;
    const scope = JSON.stringify([role, unitId ?? null, sub, key]);
    // Requests with one key take turns here, so a retry racing the first attempt waits for its answer.
    return this.runs.run(scope, async () => {
      const earlier = await this.store.find(scope);
      if (earlier) {
        if (earlier.requestHash !== requestHash) throw reused();
        return answer(earlier.outcome);
      }
      const stored = await this.store.save(
        scope,
        requestHash,
        await outcomeOf(execute(uuidFrom(`idempotency:${scope}`))),
      );
      if (stored.requestHash !== requestHash) throw reused();
      return answer(stored.outcome);
    });
  }
}

async function outcomeOf(running: Promise<CommandResult>): Promise<CommandOutcome> {
  try {
    return { kind: 'done', result: await running };
  } catch (error) {
    if (!(error instanceof RuleViolation)) throw error;
    const { code, message, details } = error;
    return details === undefined ? { kind: 'refused', code, message } : { kind: 'refused', code, message, details };
  }
}

function answer(outcome: CommandOutcome): CommandResult {
  switch (outcome.kind) {
    case 'done':
      return outcome.result;
    case 'refused':
      throw new RuleViolation(outcome.code, outcome.message, outcome.details);
  }
}

function reused(): CommandConflict {
  return new CommandConflict('This Idempotency-Key was used with a different command or body');
}
