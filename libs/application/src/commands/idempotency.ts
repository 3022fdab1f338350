import { createHmac } from 'node:crypto';
import { IdempotencyStore } from '../ports/idempotency-store';
import { Randomness } from '../ports/randomness';
import { CommandRequest, CommandResult } from './command-result';
import { CommandConflict, CommandValidationFailed } from './errors';
import { KeyedMutex } from './keyed-mutex';
import { uuidFrom } from './uuid-from';

/**
 * `Idempotency-Key`: the same key with the same request answers the first answer and appends
 * nothing; with another request, 409. The command id, and so every event id and generated code,
 * follows from the key, so a retry racing the first attempt from another process appends
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
      .update(JSON.stringify([request.name, request.body]))
      .digest('hex');
    const scope = `${request.caller.sub}:${key}`;
    // Requests with one key take turns here, so a retry racing the first attempt waits for its answer.
    return this.runs.run(scope, async () => {
      const earlier = await this.store.find(scope);
      if (earlier) {
        if (earlier.requestHash !== requestHash) throw reused();
        return earlier.result;
      }
      const result = await execute(uuidFrom(`idempotency:${scope}`));
      const stored = await this.store.save(scope, requestHash, result);
      if (stored.requestHash !== requestHash) throw reused();
      return stored.result;
    });
  }
}

function reused(): CommandConflict {
  return new CommandConflict('This Idempotency-Key was used with a different command or body');
}
