import { AppendResult } from '../port/event-store';
import { PreparedAppend } from './append-payload';

interface Pending {
  append: PreparedAppend;
  resolve(result: AppendResult): void;
  reject(error: unknown): void;
}

export interface BatchFailure {
  /** The stream the database refused, when it named one (a wrong expected revision). */
  streamId?: string;
}

export interface AppendBatcherOptions {
  /** Sends appends as one transaction; resolves with each append's result, in order. */
  execute(batch: PreparedAppend[]): Promise<AppendResult[]>;
  /** Settles one append that failed on its own (a conflict, or a retry whose events are stored). */
  recover(append: PreparedAppend, error: unknown): Promise<AppendResult>;
  /** Tells whether a failure concerns a single stream of the batch, so the rest can go again. */
  classify(error: unknown): BatchFailure | 'fatal' | 'unknown';
  /** Transactions in flight at once; appends arriving meanwhile wait and go together. */
  maxInFlight: number;
  maxEventsPerBatch: number;
}

/**
 * Group commit for appends. While `maxInFlight` transactions are running, new appends queue up
 * and the next free slot sends all of them (on distinct streams) as one transaction: one round
 * trip and one WAL flush for many callers. Each caller still gets exactly its own outcome: when
 * the batch fails, the append that caused it is settled alone and the others go again. After a
 * transaction, unless it served a lone caller with nothing else running, the next one waits a
 * turn of the event loop, so that callers who append again as soon as they are answered go in
 * it together.
 */
export class AppendBatcher {
  private readonly queue: Pending[] = [];
  private inFlight = 0;
  /** Set for one turn of the event loop after a transaction ends (see pump). */
  private settling = false;

  constructor(private readonly options: AppendBatcherOptions) {}

  submit(append: PreparedAppend): Promise<AppendResult> {
    return new Promise<AppendResult>((resolve, reject) => {
      this.queue.push({ append, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    if (this.settling) return;
    while (this.inFlight < this.options.maxInFlight && this.queue.length > 0) {
      const batch = this.takeBatch();
      this.inFlight += 1;
      void this.flush(batch).finally(() => {
        this.inFlight -= 1;
        // A lone caller is best served at once.
        if (this.inFlight === 0 && batch.length === 1) return this.pump();
        // Otherwise the callers just answered, who often append again at once, get one turn of
        // the event loop to do so, and their appends share the next transaction instead of
        // each starting one (while another transaction runs, the database is busy anyway).
        this.settling = true;
        setImmediate(() => {
          this.settling = false;
          this.pump();
        });
      });
    }
  }

  /**
   * The oldest waiting appends that do not touch each other's streams, up to the event limit.
   * Guards (streams only checked) may be shared: many records of one school all guard its closure.
   */
  private takeBatch(): Pending[] {
    const batch: Pending[] = [];
    const written = new Set<string>();
    const guarded = new Set<string>();
    let events = 0;
    for (let index = 0; index < this.queue.length; ) {
      const pending = this.queue[index];
      const overlaps = pending.append.streams.some((stream) =>
        stream.events.length > 0 ? written.has(stream.streamId) || guarded.has(stream.streamId) : written.has(stream.streamId),
      );
      const fits = batch.length === 0 || events + pending.append.eventCount <= this.options.maxEventsPerBatch;
      if (overlaps || !fits) {
        index += 1;
        continue;
      }
      this.queue.splice(index, 1);
      batch.push(pending);
      events += pending.append.eventCount;
      for (const stream of pending.append.streams) (stream.events.length > 0 ? written : guarded).add(stream.streamId);
    }
    return batch;
  }

  private async flush(batch: Pending[]): Promise<void> {
    try {
      const results = await this.options.execute(batch.map((pending) => pending.append));
      batch.forEach((pending, index) => pending.resolve(results[index]));
      return;
    } catch (error) {
      if (batch.length === 1) return this.settleAlone(batch[0], error);
      const failure = this.options.classify(error);
      if (failure === 'fatal') {
        for (const pending of batch) pending.reject(error);
        return;
      }
      const culprit = failure === 'unknown' ? undefined : batch.find((pending) => pending.append.streams.some((stream) => stream.streamId === failure.streamId));
      if (!culprit) {
        // Cannot tell whose append failed: each goes alone, so each gets its own answer.
        await Promise.all(batch.map((pending) => this.flush([pending])));
        return;
      }
      this.queue.unshift(...batch.filter((pending) => pending !== culprit));
      await this.settleAlone(culprit, error);
    }
  }

  private async settleAlone(pending: Pending, error: unknown): Promise<void> {
    try {
      pending.resolve(await this.options.recover(pending.append, error));
    } catch (failure) {
      pending.reject(failure);
    }
  }
}
