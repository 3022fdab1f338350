import { SubscriptionError } from './errors';
import { RecordedEvent } from './event';
import { Subscription, SubscriptionOptions } from './event-store';
import { EventStoreLogger } from './logger';

export type CatchUpState = 'standby' | 'running' | 'stopped' | 'failed';

/** Where a subscription has got to; an adapter may carry more (KurrentDB: the exact position). */
export interface CatchUpCursor {
  position: number;
}

export interface CatchUpPage {
  /** Events after the cursor, in global order (upcast). */
  events: RecordedEvent[];
  /** Where the read got to, when the adapter knows better than the last event (it skipped some). */
  last?: CatchUpCursor;
}

/** What tells an idle subscription that events may have arrived (an EventEmitter fits). */
export interface WakeSignal {
  on(event: 'appended', listener: () => void): unknown;
  off(event: 'appended', listener: () => void): unknown;
}

/** What an event store hands each of its subscriptions, whatever its lease. */
export interface SubscriptionContext {
  logger: EventStoreLogger;
  /** Fallback polling when no wake-up arrives. */
  pollIntervalMs: number;
  /** How often a standby instance tries to take the lease. */
  leaseRetryMs: number;
  /** Emits 'appended' when events may have arrived. */
  appends: WakeSignal;
  /** Position of the newest event in the log (0 when there is none). */
  headPosition(): Promise<number>;
}

/** The adapter's side of a catch-up subscription: its reads, its checkpoint and its lease. */
export interface CatchUpSource {
  /** whenCaughtUp() also waits for the lease, even with nothing left to read. */
  caughtUpNeedsLease?: boolean;
  /** One attempt to take the lease: true when held. `wake` rouses the subscription (lease connection events). */
  tryAcquireLease(wake: () => void): Promise<boolean>;
  /** Where to resume once the lease is held: the checkpoint, else `startAfter`. */
  start(): Promise<CatchUpCursor>;
  readAfter(after: CatchUpCursor, maxCount: number): Promise<CatchUpPage>;
  /** Called when there was nothing to read, before sleeping (a heartbeat). */
  idle?(): Promise<void>;
  /**
   * Told of an event after `position` that reads have not returned: an open transaction older
   * than it holds readers back (any writer's, a projector worker's too), and its end wakes nobody.
   */
  heldBack?(position: number): boolean;
  /** Before a batch is handled: throws LeaseLostError unless the lease is still held. */
  confirmLease(): Promise<void>;
  /** After a batch was handled: moves the checkpoint, throwing LeaseLostError when another instance owns it. */
  commit(last: CatchUpCursor): Promise<void>;
  /** After each lease session, however it ended. */
  endSession?(): Promise<void>;
  /** Once, when the subscription ends: lets a standby take over at once. */
  release?(): Promise<void>;
}

/** Another instance of the subscription took over (or the lease could not be confirmed). */
export class LeaseLostError extends Error {}

/** Thrown to waiters of a subscription that was stopped before it caught up. */
export class SubscriptionStoppedError extends Error {
  constructor(readonly subscriptionName: string) {
    super(`Subscription "${subscriptionName}" was stopped`);
  }
}

interface CaughtUpWaiter {
  target: number;
  resolve(): void;
  reject(error: unknown): void;
}

/** The first look again at events held back (see CatchUpSubscription.waitForMore). */
const HELD_BACK_FIRST_MS = 10;

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * A catch-up subscription over the global log, whatever the adapter: reads pages from its
 * checkpoint, hands each to the handler and waits for it (back-pressure), then follows live
 * appends, woken by the source or by polling. One instance per name runs, under the source's
 * lease; the others stand by. Handler failures are retried with backoff, then end it; anything
 * else (a restart, a failover, a lost lease) is waited out and it resumes from its checkpoint.
 */
export class CatchUpSubscription implements Subscription {
  readonly name: string;
  readonly finished: Promise<void>;
  private current = 0;
  private status: CatchUpState = 'standby';
  private stopping = false;
  private waiters: CaughtUpWaiter[] = [];
  private wakeSleep: (() => void) | undefined;
  private wakePause: (() => void) | undefined;
  private woken = false;
  /** Reads in a row that found events held back (see CatchUpSource.heldBack): the next waits longer. */
  private heldBackReads = 0;
  private readonly batchSize: number;
  private readonly maxRetries: number;

  constructor(
    private readonly context: SubscriptionContext,
    private readonly source: CatchUpSource,
    private readonly options: SubscriptionOptions,
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

  get state(): CatchUpState {
    return this.status;
  }

  async whenCaughtUp(): Promise<void> {
    if (this.status === 'failed') return this.finished;
    if (this.stopping) throw new SubscriptionStoppedError(this.name);
    const target = await this.context.headPosition();
    if (this.current >= target && (this.status === 'running' || !this.source.caughtUpNeedsLease)) return;
    // The subscription may have ended while the head was being read.
    if ((this.status as CatchUpState) === 'failed') return this.finished;
    if (this.stopping) throw new SubscriptionStoppedError(this.name);
    return new Promise<void>((resolve, reject) => this.waiters.push({ target, resolve, reject }));
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.poke();
    this.wakePause?.();
    await this.finished.catch(() => undefined);
    for (const waiter of this.waiters.splice(0)) waiter.reject(new SubscriptionStoppedError(this.name));
  }

  private poke = (): void => {
    this.woken = true;
    this.wakeSleep?.();
  };

  private async run(): Promise<void> {
    this.context.appends.on('appended', this.poke);
    let troubles = 0;
    try {
      while (!this.stopping) {
        if (!(await this.acquireLease())) break;
        try {
          await this.catchUpAndFollow(() => (troubles = 0));
        } catch (error) {
          // The handler gave up: that needs a person. Anything else is waited out.
          if (error instanceof SubscriptionError) throw error;
          troubles += 1;
          const delay = Math.min(100 * 2 ** troubles, 5000);
          this.context.logger.warn(
            error instanceof LeaseLostError
              ? 'subscription lost its lease; standing by'
              : 'subscription interrupted; resuming',
            {
              subscription: this.name,
              delayMs: delay,
              error: messageOf(error),
            },
          );
          await this.pause(delay);
        } finally {
          await this.source.endSession?.();
        }
      }
      this.status = 'stopped';
    } catch (error) {
      this.status = 'failed';
      const failure =
        error instanceof SubscriptionError ? error : new SubscriptionError(this.name, this.current, error);
      this.context.logger.error(failure.message, { subscription: this.name });
      for (const waiter of this.waiters.splice(0)) waiter.reject(failure);
      throw failure;
    } finally {
      this.context.appends.off('appended', this.poke);
      await this.source.release?.().catch(() => undefined);
    }
  }

  /** Takes the lease, standing by while another instance holds it; false when stopped first. */
  private async acquireLease(): Promise<boolean> {
    this.status = 'standby';
    while (!this.stopping) {
      try {
        if (await this.source.tryAcquireLease(this.poke)) return true;
      } catch (error) {
        this.context.logger.warn('could not take subscription lease', {
          subscription: this.name,
          error: messageOf(error),
        });
      }
      await this.pause(this.context.leaseRetryMs);
    }
    return false;
  }

  private async catchUpAndFollow(progressed: () => void): Promise<void> {
    let cursor = await this.source.start();
    this.current = cursor.position;
    this.status = 'running';
    // A page's checkpoint goes in while the next page is read (not before): the next is handled
    // only once it is in, so a lease lost meanwhile still stops the next page from going out.
    let committing: Promise<void> | undefined;
    const interval = this.options.minPageIntervalMs ?? 0;
    // When the last page that held events was read, unless it was full (a backlog reads on at once).
    let lastPageAt: number | undefined;
    while (!this.stopping) {
      if (lastPageAt !== undefined) {
        const wait = lastPageAt + interval - performance.now();
        if (wait > 0 && !(await this.pause(wait))) break;
        // That page took in all there was: read again once told of more, not to find nothing.
        await this.waitForMore(cursor.position);
      }
      this.woken = false;
      const readAt = performance.now();
      const [page] = await Promise.all([this.source.readAfter(cursor, this.batchSize), committing]);
      lastPageAt = interval > 0 && page.events.length > 0 && page.events.length < this.batchSize ? readAt : undefined;
      committing = undefined;
      if (page.events.length > 0) this.heldBackReads = 0;
      if (page.events.length === 0) {
        if (page.last && page.last.position > cursor.position) {
          // Only events outside the log lay ahead (KurrentDB's own): step over them.
          cursor = page.last;
          this.current = cursor.position;
        }
        this.settleWaiters();
        if (this.source.idle) await this.source.idle();
        await this.waitForMore(cursor.position);
        continue;
      }
      await this.source.confirmLease();
      if (!(await this.handleWithRetries(page.events))) return;
      const last = page.last ?? { position: page.events[page.events.length - 1].position };
      cursor = last;
      // Another instance may have taken over while the handler ran: then the commit fails.
      committing = this.source.commit(last).then(() => {
        this.current = last.position;
        progressed();
        this.settleWaiters();
      });
    }
    await committing;
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
        this.context.logger.warn('subscription handler failed; retrying', {
          subscription: this.name,
          attempt: attempt + 1,
          delayMs: delay,
          error: messageOf(error),
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

  /**
   * Waits for a wake-up, or the poll interval as a fallback; when the source knows of events past
   * `position` that the read did not return (held back), looks again soon instead (10 ms, then
   * twice as long each time, up to the poll interval): no one tells when the transaction holding
   * them back ends, and the last appends of a burst would wait a whole poll interval.
   */
  private async waitForMore(position: number): Promise<void> {
    if (this.woken || this.stopping) return;
    if (this.source.heldBack?.(position)) {
      const delay = Math.min(HELD_BACK_FIRST_MS * 2 ** this.heldBackReads, this.context.pollIntervalMs);
      this.heldBackReads += 1;
      await this.pause(delay);
      return;
    }
    this.heldBackReads = 0;
    await this.sleep();
  }

  /** Waits for a wake-up, or the poll interval as a fallback. */
  private sleep(): Promise<void> {
    if (this.woken || this.stopping) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, this.context.pollIntervalMs);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeSleep = () => {
        this.wakeSleep = undefined;
        done();
      };
    });
  }
}
