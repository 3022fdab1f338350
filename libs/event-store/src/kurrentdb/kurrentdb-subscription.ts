import { EventEmitter } from 'node:events';
import { SubscriptionError } from '../port/errors';
import { RecordedEvent } from '../port/event';
import { CheckpointStore, Subscription, SubscriptionOptions } from '../port/event-store';
import { EventStoreLogger } from '../port/logger';
import { CheckpointLease, Cursor, LeaseLostError } from './checkpoint-lease';

export interface Page {
  /** TIP events after the cursor, in global order (upcast). */
  events: RecordedEvent[];
  /** Where the read got to: past `events`, and past any KurrentDB events it skipped. */
  last?: Cursor;
}

export interface KurrentSubscriptionSource {
  readAfter(after: Cursor, maxCount: number): Promise<Page>;
  /** Position of the newest event in TIP's streams (0 when there is none). */
  headPosition(): Promise<number>;
  /** Emits 'appended' when events may have arrived (local appends, the live wake-up subscription). */
  wake: EventEmitter;
  logger: EventStoreLogger;
  pollIntervalMs: number;
  leaseRetryMs: number;
}

export type KurrentSubscriptionState = 'standby' | 'running' | 'stopped' | 'failed';

interface CaughtUpWaiter {
  target: number;
  resolve(): void;
  reject(error: unknown): void;
}

/** Thrown to waiters of a subscription that was stopped before it caught up. */
export class KurrentSubscriptionStoppedError extends Error {
  constructor(readonly subscriptionName: string) {
    super(`Subscription "${subscriptionName}" was stopped`);
  }
}

/**
 * A catch-up subscription over $all (TIP's streams only): reads a page after its checkpoint,
 * hands it to the handler and waits (back-pressure), then follows live appends, woken by a live
 * KurrentDB subscription or local appends, and by polling as a fallback. Its lease is the
 * optimistic concurrency of its checkpoint stream (see CheckpointLease). With the default
 * checkpoint store the checkpoint is written in the same event as the lease renewal, so an
 * instance that lost the lease cannot move the checkpoint.
 */
export class KurrentDbSubscription implements Subscription {
  readonly name: string;
  readonly finished: Promise<void>;
  private current = 0;
  private status: KurrentSubscriptionState = 'standby';
  private stopping = false;
  private waiters: CaughtUpWaiter[] = [];
  private wake: (() => void) | undefined;
  private wakePause: (() => void) | undefined;
  private woken = false;
  private readonly batchSize: number;
  private readonly maxRetries: number;

  constructor(
    private readonly source: KurrentSubscriptionSource,
    private readonly lease: CheckpointLease,
    private readonly options: SubscriptionOptions & {
      /** A checkpoint store of the caller's; undefined: the checkpoint rides on the lease stream. */
      externalCheckpoints?: CheckpointStore;
    },
  ) {
    this.name = options.name;
    this.batchSize = options.batchSize ?? 2000;
    this.maxRetries = options.maxRetries ?? 5;
    this.finished = this.run();
    // Callers observe failure through `finished` or `whenCaughtUp`; never as an unhandled rejection.
    this.finished.catch(() => undefined);
  }

  get position(): number {
    return this.current;
  }

  get state(): KurrentSubscriptionState {
    return this.status;
  }

  async whenCaughtUp(): Promise<void> {
    if (this.status === 'failed') return this.finished;
    if (this.stopping) throw new KurrentSubscriptionStoppedError(this.name);
    const target = await this.source.headPosition();
    if (this.current >= target && this.status === 'running') return;
    if ((this.status as KurrentSubscriptionState) === 'failed') return this.finished;
    if (this.stopping) throw new KurrentSubscriptionStoppedError(this.name);
    return new Promise<void>((resolve, reject) => this.waiters.push({ target, resolve, reject }));
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.poke();
    this.wakePause?.();
    await this.finished.catch(() => undefined);
    for (const waiter of this.waiters.splice(0)) waiter.reject(new KurrentSubscriptionStoppedError(this.name));
  }

  private poke = (): void => {
    this.woken = true;
    this.wake?.();
  };

  private async run(): Promise<void> {
    this.source.wake.on('appended', this.poke);
    let troubles = 0;
    try {
      while (!this.stopping) {
        if (!(await this.acquireLease())) break;
        try {
          await this.catchUpAndFollow(() => (troubles = 0));
        } catch (error) {
          // The handler gave up: that needs a person. Anything else (a restart of the server, a
          // lost lease) is waited out, and the subscription resumes from its checkpoint.
          if (error instanceof SubscriptionError) throw error;
          troubles += 1;
          const delay = Math.min(100 * 2 ** troubles, 5000);
          this.source.logger.warn(error instanceof LeaseLostError ? 'subscription lost its lease; standing by' : 'subscription interrupted; resuming', {
            subscription: this.name,
            delayMs: delay,
            error: error instanceof Error ? error.message : String(error),
          });
          await this.pause(delay);
        }
      }
      this.status = 'stopped';
    } catch (error) {
      this.status = 'failed';
      const failure = error instanceof SubscriptionError ? error : new SubscriptionError(this.name, this.current, error);
      this.source.logger.error(failure.message, { subscription: this.name });
      for (const waiter of this.waiters.splice(0)) waiter.reject(failure);
      throw failure;
    } finally {
      this.source.wake.off('appended', this.poke);
      await this.lease.release().catch(() => undefined);
    }
  }

  /** Takes the lease, standing by while another instance holds it; false when stopped first. */
  private async acquireLease(): Promise<boolean> {
    this.status = 'standby';
    while (!this.stopping) {
      try {
        if (await this.lease.tryAcquire()) return true;
      } catch (error) {
        this.source.logger.warn('could not take subscription lease', {
          subscription: this.name,
          error: error instanceof Error ? error.message : String(error),
        });
      }
      await this.pause(this.source.leaseRetryMs);
    }
    return false;
  }

  private async startCursor(): Promise<Cursor> {
    const external = this.options.externalCheckpoints;
    const stored = external ? await external.load(this.name) : this.lease.checkpoint;
    if (typeof stored === 'number') return { position: stored };
    return stored ?? { position: this.options.startAfter ?? 0 };
  }

  private async catchUpAndFollow(progressed: () => void): Promise<void> {
    let cursor = await this.startCursor();
    this.current = cursor.position;
    this.status = 'running';
    while (!this.stopping) {
      this.woken = false;
      const page = await this.source.readAfter(cursor, this.batchSize);
      if (page.events.length === 0) {
        if (page.last && page.last.position > cursor.position) {
          // Only KurrentDB's own events (a tombstone, a link) lay ahead: step over them.
          cursor = page.last;
          this.current = cursor.position;
        }
        this.settleWaiters();
        if (this.lease.dueForHeartbeat) await this.lease.renew();
        await this.sleep();
        continue;
      }
      // Confirm the lease before handling, unless it was confirmed moments ago.
      if (this.lease.dueForHeartbeat) await this.lease.renew();
      if (!(await this.handleWithRetries(page.events))) return;
      const last = page.last ?? { position: page.events[page.events.length - 1].position };
      const external = this.options.externalCheckpoints;
      if (external) {
        await external.store(this.name, last.position);
      } else {
        // One write moves the checkpoint and renews the lease; an instance that lost the lease fails here.
        await this.lease.renew(last);
      }
      cursor = last;
      this.current = last.position;
      progressed();
      this.settleWaiters();
    }
  }

  /** True once the handler took the batch; false when stopped while waiting to retry it. */
  private async handleWithRetries(batch: RecordedEvent[]): Promise<boolean> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.options.handle(batch);
        return true;
      } catch (error) {
        if (attempt >= this.maxRetries) throw new SubscriptionError(this.name, this.current, error);
        const delay = Math.min(100 * 2 ** attempt, 5000);
        this.source.logger.warn('subscription handler failed; retrying', {
          subscription: this.name,
          attempt: attempt + 1,
          delayMs: delay,
          error: error instanceof Error ? error.message : String(error),
        });
        if (!(await this.pause(delay))) return false;
      }
    }
  }

  private settleWaiters(): void {
    const pending: CaughtUpWaiter[] = [];
    for (const waiter of this.waiters) {
      if (this.current >= waiter.target) waiter.resolve();
      else pending.push(waiter);
    }
    this.waiters = pending;
  }

  /** Waits, unless stop() comes first; true when the wait ran its course. */
  private pause(milliseconds: number): Promise<boolean> {
    if (this.stopping) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => {
        this.wakePause = undefined;
        resolve(true);
      }, milliseconds);
      this.wakePause = () => {
        clearTimeout(timer);
        this.wakePause = undefined;
        resolve(false);
      };
    });
  }

  private sleep(): Promise<void> {
    if (this.woken || this.stopping) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, this.source.pollIntervalMs);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = () => {
        this.wake = undefined;
        done();
      };
    });
  }
}
