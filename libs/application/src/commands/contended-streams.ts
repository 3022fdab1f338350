import { Clock } from '../ports/clock';
import { KeyedMutex } from './keyed-mutex';

/**
 * Streams that saw a conflict lately. Commands are optimistic until a stream proves contended;
 * then commands on it take turns in this process for a while, so a crowd racing for one school's
 * seats does not starve itself.
 */
export class ContendedStreams {
  private readonly until = new Map<string, number>();
  private readonly turns = new KeyedMutex();

  /** `timer` measures the window (process time, not business time). */
  constructor(
    private readonly timer: Clock,
    private readonly windowMs = 2000,
  ) {}

  markContended(streamId: string): void {
    const now = this.timer.now().getTime();
    this.until.set(streamId, now + this.windowMs);
    if (this.until.size > 10_000) for (const [id, until] of this.until) if (until < now) this.until.delete(id);
  }

  /** The first of these streams still contended, if any. */
  contendedAmong(streamIds: Iterable<string>): string | undefined {
    const now = this.timer.now().getTime();
    for (const streamId of streamIds) {
      const until = this.until.get(streamId);
      if (until === undefined) continue;
      if (until > now) return streamId;
      this.until.delete(streamId);
    }
    return undefined;
  }

  /** Runs work when the commands on this stream before it are done. */
  takeTurn<T>(streamId: string, work: () => Promise<T>): Promise<T> {
    return this.turns.run(streamId, work);
  }
}
