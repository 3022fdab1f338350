import {
  CatchUpPage,
  CatchUpSource,
  CatchUpState,
  CatchUpSubscription,
  SubscriptionContext,
  SubscriptionStoppedError,
} from '../port/catch-up-subscription';
import { RecordedEvent } from '../port/event';
import { CheckpointStore, SubscriptionOptions } from '../port/event-store';
import { CheckpointLease, Cursor } from './checkpoint-lease';

export interface Page extends CatchUpPage {
  /** TIP events after the cursor, in global order (upcast). */
  events: RecordedEvent[];
  /** Where the read got to: past `events`, and past any KurrentDB events it skipped. */
  last?: Cursor;
}

/** `appends`: local appends and the live wake-up subscription; `headPosition`: in TIP's streams. */
export interface KurrentSubscriptionSource extends SubscriptionContext {
  readAfter(after: Cursor, maxCount: number): Promise<Page>;
}

export type KurrentSubscriptionState = CatchUpState;

/** Thrown to waiters of a subscription that was stopped before it caught up (the port's error, by its old name). */
export const KurrentSubscriptionStoppedError = SubscriptionStoppedError;
export type KurrentSubscriptionStoppedError = SubscriptionStoppedError;

type KurrentSubscriptionOptions = SubscriptionOptions & {
  /** A checkpoint store of the caller's; undefined: the checkpoint rides on the lease stream. */
  externalCheckpoints?: CheckpointStore;
};

/** The lease is the optimistic concurrency of the subscription's checkpoint stream (see CheckpointLease). */
function checkpointLeaseSource(
  source: KurrentSubscriptionSource,
  lease: CheckpointLease,
  options: KurrentSubscriptionOptions,
): CatchUpSource {
  const external = options.externalCheckpoints;
  // Show the lease is alive, unless it was confirmed moments ago.
  const heartbeat = async () => {
    if (lease.dueForHeartbeat) await lease.renew();
  };
  return {
    caughtUpNeedsLease: true,
    tryAcquireLease: () => lease.tryAcquire(),
    start: async () => {
      const stored = external ? await external.load(options.name) : lease.checkpoint;
      if (typeof stored === 'number') return { position: stored };
      return stored ?? { position: options.startAfter ?? 0 };
    },
    readAfter: (after: Cursor, maxCount) => source.readAfter(after, maxCount),
    idle: heartbeat,
    confirmLease: heartbeat,
    commit: async (last: Cursor) => {
      if (external) await external.store(options.name, last.position);
      // One write moves the checkpoint and renews the lease; an instance that lost the lease fails here.
      else await lease.renew(last);
    },
    // The lease outlives an interruption; it is let go only when the subscription ends.
    release: () => lease.release(),
  };
}

/**
 * A catch-up subscription over $all, TIP's streams only (see CatchUpSubscription), woken by a live
 * KurrentDB subscription or local appends, and by polling as a fallback. With the default
 * checkpoint store the checkpoint is written in the same event as the lease renewal, so an
 * instance that lost the lease cannot move the checkpoint.
 */
export class KurrentDbSubscription extends CatchUpSubscription {
  constructor(source: KurrentSubscriptionSource, lease: CheckpointLease, options: KurrentSubscriptionOptions) {
    super(source, checkpointLeaseSource(source, lease, options), options);
  }
}
