import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { EventStoreLogger } from '../port/logger';

/**
 * Tells other processes that events were appended. NOTIFY inside the append transaction would
 * take PostgreSQL's global notify lock through commit and serialise every writer, so it is sent
 * afterwards, on its own, coalesced to at most one every few milliseconds. Missing one is
 * harmless: subscribers also poll.
 */
export class AppendNotifier {
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;
  private latest = 0;
  private closed = false;

  constructor(
    private readonly pool: Pool,
    private readonly channel: string,
    private readonly logger: EventStoreLogger,
    private readonly coalesceMs = 2,
    /** Said after the position, so that this process's own subscriptions know the NOTIFY for one they were woken to already. */
    readonly sender = randomUUID(),
  ) {}

  /** Did this notifier send the NOTIFY with this payload? */
  sent(payload: string | undefined): boolean {
    return payload !== undefined && payload.endsWith(` ${this.sender}`);
  }

  appended(position: number): void {
    this.latest = Math.max(this.latest, position);
    if (this.timer || this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.send();
    }, this.coalesceMs);
  }

  private async send(): Promise<void> {
    if (this.inFlight) await this.inFlight;
    this.inFlight = this.pool
      .query('select pg_notify($1, $2)', [this.channel, `${this.latest} ${this.sender}`])
      .then(() => undefined)
      .catch((error: Error) => this.logger.warn('could not notify subscribers', { error: error.message }));
    await this.inFlight;
    this.inFlight = undefined;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.inFlight;
  }
}
