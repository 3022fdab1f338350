import { Client } from 'pg';
import {
  CatchUpCursor,
  CatchUpPage,
  CatchUpSource,
  CatchUpState,
  CatchUpSubscription,
  LeaseLostError,
  SubscriptionContext,
} from '../port/catch-up-subscription';
import { RecordedEvent } from '../port/event';
import { CheckpointStore, SubscriptionOptions } from '../port/event-store';
import { storeCheckpoint } from './postgres-checkpoint-store';
import { NOTIFY_CHANNEL, SUBSCRIPTION_LEASE_SPACE } from './schema';

export { SubscriptionStoppedError } from '../port/catch-up-subscription';

export interface SubscriptionSource extends SubscriptionContext {
  connectionString: string;
  readAll(fromPosition: number, maxCount: number): Promise<RecordedEvent[]>;
  /**
   * A NOTIFY reached a subscription: false when this process sent it (its subscriptions were woken
   * by the append already); else pages read before are stale, and true.
   */
  noticed?(payload: string | undefined): boolean;
}

/**
 * The page one subscription of a store is reading, handed to another asking for the same page
 * before anything was appended since that read began: the API's projectors follow the log side by
 * side, woken by the same append, and each read every page for itself (a round trip, and the rows
 * and their JSON parsed twice). An append in this process, or a NOTIFY from another, forgets it;
 * handlers share its events and must not change them.
 */
export class SharedPages {
  private last: { fromPosition: number; maxCount: number; page: Promise<RecordedEvent[]> } | undefined;

  constructor(private readonly readAll: (fromPosition: number, maxCount: number) => Promise<RecordedEvent[]>) {}

  read(fromPosition: number, maxCount: number): Promise<RecordedEvent[]> {
    const last = this.last;
    if (last !== undefined && last.fromPosition === fromPosition && last.maxCount === maxCount) return last.page;
    const page = this.readAll(fromPosition, maxCount);
    const read = { fromPosition, maxCount, page };
    this.last = read;
    // Shared while in flight only: once read, the page may grow without a word (a transaction
    // that held the readers back ended, or rolled back), and a poll must look again.
    const settled = () => {
      if (this.last === read) this.last = undefined;
    };
    page.then(settled, settled);
    return page;
  }

  /** Events may have been appended since the last page was read. */
  moved(): void {
    this.last = undefined;
  }
}

export type SubscriptionState = CatchUpState;

type PostgresSubscriptionOptions = SubscriptionOptions & {
  checkpoints: CheckpointStore;
  /** The checkpoints are the lease's database's own table (none was given): moved on the lease's session. */
  checkpointsBesideLease?: boolean;
};

/** How often the lease of a subscription whose handler guards its checkpoint is proved by a round trip. */
const GUARDED_LEASE_PROOF_MS = 1000;

/**
 * The lease is a session advisory lock on a connection of its own, which also LISTENs for
 * appends from other processes; closing the session lets go of both.
 */
class AdvisoryLockSource implements CatchUpSource {
  private leaseClient: Client | undefined;
  private leaseLost = false;
  /** When the lease's session last answered (Date.now()). */
  private provedAt = 0;
  /** The highest position a NOTIFY told of (appends say it first in the payload). */
  private told = 0;

  constructor(
    private readonly source: SubscriptionSource,
    private readonly options: PostgresSubscriptionOptions,
  ) {}

  async tryAcquireLease(wake: () => void): Promise<boolean> {
    const client = new Client({
      connectionString: this.source.connectionString,
      application_name: `tip-subscription:${this.options.name}`,
      // Notice a dead peer, so a lease held by a vanished session is not trusted for long.
      keepAlive: true,
    });
    client.on('error', () => {
      this.leaseLost = true;
      wake();
    });
    try {
      await client.connect();
      const { rows } = await client.query<{ acquired: boolean }>(
        'select pg_try_advisory_lock($1, hashtext($2)) as acquired',
        [SUBSCRIPTION_LEASE_SPACE, this.options.name],
      );
      if (rows[0].acquired) {
        client.on('notification', ({ payload }) => {
          const position = Number(payload?.split(' ')[0]);
          if (Number.isSafeInteger(position)) this.told = Math.max(this.told, position);
          if (this.source.noticed?.(payload) ?? true) wake();
        });
        await client.query(`listen ${NOTIFY_CHANNEL}`);
        // The session writes nothing but the checkpoint: its commit need not wait for the WAL flush.
        if (this.options.checkpointsBesideLease && this.options.checkpointMayLag)
          await client.query('set synchronous_commit = off');
        this.leaseClient = client;
        this.leaseLost = false;
        this.provedAt = Date.now();
        return true;
      }
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    await client.end().catch(() => undefined);
    return false;
  }

  heldBack(position: number): boolean {
    return this.told > position;
  }

  async start(): Promise<CatchUpCursor> {
    return { position: (await this.options.checkpoints.load(this.options.name)) ?? this.options.startAfter ?? 0 };
  }

  async readAfter(after: CatchUpCursor, maxCount: number): Promise<CatchUpPage> {
    return { events: await this.source.readAll(after.position + 1, maxCount) };
  }

  /**
   * Before a page goes out: fails if the lease's session is known to be broken (its connection
   * reported an error). No round trip: the commit after the page proves the session alive, and
   * one query before the page could not close the gap anyway (the lease may go right after it).
   */
  async confirmLease(): Promise<void> {
    if (this.leaseLost || !this.leaseClient) throw new LeaseLostError();
  }

  /**
   * Fails unless the lease's session is still alive (and so still holds the lock), then moves the
   * checkpoint. A handler that guards its own checkpoint has the session proved once a second.
   * The store's own checkpoint is written on the lease's session: one round trip proves it and
   * moves the checkpoint (a page of the relay's cost three: the read, the proof, the checkpoint).
   */
  async commit(last: CatchUpCursor): Promise<void> {
    const client = this.leaseClient;
    if (this.leaseLost || !client) throw new LeaseLostError();
    if (this.options.checkpointsBesideLease) {
      try {
        await storeCheckpoint(client, this.options.name, last.position);
      } catch (error) {
        // Broken or not, the session is left for a new one (and the lease taken again).
        this.leaseLost = true;
        throw new LeaseLostError('The lease session failed to store the checkpoint', { cause: error });
      }
      this.provedAt = Date.now();
      return;
    }
    const guarded = this.options.handlerGuardsCheckpoint === true;
    if (!guarded || Date.now() - this.provedAt >= GUARDED_LEASE_PROOF_MS) {
      try {
        await client.query('select 1');
      } catch {
        this.leaseLost = true;
        throw new LeaseLostError();
      }
      this.provedAt = Date.now();
    }
    await this.options.checkpoints.store(this.options.name, last.position);
  }

  /** A new session is opened for the next lease: the old one may be broken. */
  async endSession(): Promise<void> {
    const client = this.leaseClient;
    this.leaseClient = undefined;
    if (!client) return;
    await client.end().catch(() => undefined);
  }
}

/**
 * A catch-up subscription over the global log (see CatchUpSubscription), woken by local appends,
 * by NOTIFY from other processes, or by polling. A session advisory lock on its own connection is
 * its lease: a second instance with the same name waits in standby until the first lets go.
 */
export class PostgresSubscription extends CatchUpSubscription {
  constructor(source: SubscriptionSource, options: PostgresSubscriptionOptions) {
    super(source, new AdvisoryLockSource(source, options), options);
  }
}
