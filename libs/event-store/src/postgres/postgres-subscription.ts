import { EventEmitter } from 'node:events';
import { Client } from 'pg';
import { SubscriptionError } from '../port/errors';
import { RecordedEvent } from '../port/event';
import { CheckpointStore, Subscription, SubscriptionOptions } from '../port/event-store';
import { EventStoreLogger } from '../port/logger';
import { NOTIFY_CHANNEL, SUBSCRIPTION_LEASE_SPACE } from './schema';

export interface SubscriptionSource {
  connectionString: string;
  readAll(fromPosition: number, maxCount: number): Promise<RecordedEvent[]>;
  headPosition(): Promise<number>;
  localAppends: EventEmitter;
  logger: EventStoreLogger;
  pollIntervalMs: number;
  leaseRetryMs: number;
}

export type SubscriptionState = 'standby' | 'running' | 'stopped' | 'failed';

interface CaughtUpWaiter {
  target: number;
  resolve(): void;
  reject(error: unknown): void;
}

class LeaseLostError extends Error {}

/** Thrown to waiters of a subscription that was stopped before it caught up. */
export class SubscriptionStoppedError extends Error {
  constructor(readonly subscriptionName: string) {
    super(`Subscription "${subscriptionName}" was stopped`);
  }
}

/**
 * A catch-up subscription over the global log: reads pages from its checkpoint, hands each to
 * the handler and waits for it (back-pressure), then goes live, woken by local appends, by
 * NOTIFY from other processes, or by polling. A session advisory lock on its own connection is
 * its lease: a second instance with the same name waits in standby until the first lets go.
 */
export class PostgresSubscription implements Subscription {
  readonly name: string;
  readonly finished: Promise<void>;
  private current = 0;
  private status: SubscriptionState = 'standby';
  private stopping = false;
  private waiters: CaughtUpWaiter[] = [];
  private wake: (() => void) | undefined;
  private wakeStandby: (() => void) | undefined;
  private woken = false;
  private leaseClient: Client | undefined;
  private leaseLost = false;
  private readonly checkpoints: CheckpointStore;
  private readonly batchSize: number;
  private readonly maxRetries: number;

  constructor(
    private readonly source: SubscriptionSource,
    private readonly options: SubscriptionOptions & { checkpoints: CheckpointStore },
  ) {
    this.name = options.name;
    this.checkpoints = options.checkpoints;
    this.batchSize = options.batchSize ?? 2000;
    this.maxRetries = options.maxRetries ?? 5;
    this.finished = this.run();
    // Callers observe failure through `finished` or `whenCaughtUp`; never as an unhandled rejection.
    this.finished.catch(() => undefined);
  }

  get position(): number {
    return this.current;
  }

  get state(): SubscriptionState {
    return this.status;
  }

  async whenCaughtUp(): Promise<void> {
    if (this.status === 'failed') return this.finished;
    if (this.stopping) throw new SubscriptionStoppedError(this.name);
    const target = await this.source.headPosition();
    if (this.current >= target) return;
    // The subscription may have ended while the head was being read.
    if ((this.status as SubscriptionState) === 'failed') return this.finished;
    if (this.stopping) throw new SubscriptionStoppedError(this.name);
    return new Promise<void>((resolve, reject) => this.waiters.push({ target, resolve, reject }));
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.poke();
    this.wakeStandby?.();
    await this.finished.catch(() => undefined);
    for (const waiter of this.waiters.splice(0)) waiter.reject(new SubscriptionStoppedError(this.name));
  }

  private poke = (): void => {
    this.woken = true;
    this.wake?.();
  };

  private async run(): Promise<void> {
    this.source.localAppends.on('appended', this.poke);
    let troubles = 0;
    try {
      while (!this.stopping) {
        if (!(await this.acquireLease())) break;
        try {
          await this.catchUpAndFollow(() => (troubles = 0));
        } catch (error) {
          // The handler gave up: that needs a person. Anything else (a restart, a failover, a
          // lost lease) is waited out and the subscription resumes from its checkpoint.
          if (error instanceof SubscriptionError) throw error;
          troubles += 1;
          const delay = Math.min(100 * 2 ** troubles, 5000);
          this.source.logger.warn(error instanceof LeaseLostError ? 'subscription lost its lease; taking it again' : 'subscription interrupted; resuming', {
            subscription: this.name,
            delayMs: delay,
            error: error instanceof Error ? error.message : String(error),
          });
          await this.pause(delay);
        } finally {
          await this.releaseLease();
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
      this.source.localAppends.off('appended', this.poke);
    }
  }

  private async catchUpAndFollow(progressed: () => void): Promise<void> {
    this.current = (await this.checkpoints.load(this.name)) ?? this.options.startAfter ?? 0;
    this.status = 'running';
    while (!this.stopping) {
      this.woken = false;
      const batch = await this.source.readAll(this.current + 1, this.batchSize);
      if (batch.length === 0) {
        this.settleWaiters();
        await this.sleep();
        continue;
      }
      await this.confirmLease();
      if (!(await this.handleWithRetries(batch))) return;
      // Another instance may have taken over while the handler ran: then it owns the checkpoint.
      await this.confirmLease();
      this.current = batch[batch.length - 1].position;
      await this.checkpoints.store(this.name, this.current);
      progressed();
      this.settleWaiters();
    }
  }

  /** Fails unless the lease's session is still alive (and so still holds the lock). */
  private async confirmLease(): Promise<void> {
    const client = this.leaseClient;
    if (this.leaseLost || !client) throw new LeaseLostError();
    try {
      await client.query('select 1');
    } catch {
      this.leaseLost = true;
      throw new LeaseLostError();
    }
  }

  /** Waits, unless stop() comes first; true when the wait ran its course. */
  private pause(milliseconds: number): Promise<boolean> {
    if (this.stopping) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => {
        this.wakeStandby = undefined;
        resolve(true);
      }, milliseconds);
      this.wakeStandby = () => {
        clearTimeout(timer);
        this.wakeStandby = undefined;
        resolve(false);
      };
    });
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

  /** Takes the lease, waiting in standby while another instance holds it; false when stopped first. */
  private async acquireLease(): Promise<boolean> {
    this.status = 'standby';
    while (!this.stopping) {
      const client = new Client({
        connectionString: this.source.connectionString,
        application_name: `tip-subscription:${this.name}`,
        // Notice a dead peer, so a lease held by a vanished session is not trusted for long.
        keepAlive: true,
      });
      client.on('error', () => {
        this.leaseLost = true;
        this.poke();
      });
      try {
        await client.connect();
        const { rows } = await client.query<{ acquired: boolean }>('select pg_try_advisory_lock($1, hashtext($2)) as acquired', [
          SUBSCRIPTION_LEASE_SPACE,
          this.name,
        ]);
        if (rows[0].acquired) {
          client.on('notification', this.poke);
          await client.query(`listen ${NOTIFY_CHANNEL}`);
          this.leaseClient = client;
          this.leaseLost = false;
          return true;
        }
      } catch (error) {
        this.source.logger.warn('could not take subscription lease', {
          subscription: this.name,
          error: error instanceof Error ? error.message : String(error),
        });
      }
      await client.end().catch(() => undefined);
      await this.pause(this.source.leaseRetryMs);
    }
    return false;
  }

  private async releaseLease(): Promise<void> {
    const client = this.leaseClient;
    this.leaseClient = undefined;
    if (!client) return;
    // Closing the session releases the advisory lock and the LISTEN with it.
    await client.end().catch(() => undefined);
  }
}
