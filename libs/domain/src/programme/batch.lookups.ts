import { RuleViolation } from '../shared/rule-violation';
import { BatchState, ScheduledBatchState } from './batch';

/** A command naming a batch nobody scheduled is refused UNKNOWN_BATCH, before its own rules. */
export function requireScheduledBatch(batch: BatchState, batchId: string): ScheduledBatchState {
  if (batch.status !== 'scheduled') {
    throw new RuleViolation('UNKNOWN_BATCH', `Batch ${batchId} is not scheduled`, { batchId });
  }
  return batch;
}
