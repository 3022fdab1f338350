import { Histories } from '@tip/domain';
import { EventStreams, LoadedStream, StreamWrite, WriteResult } from '../ports/event-streams';

/** Streams kept by default: a feed's teachers, their records and the batches and schools they name. */
export const DEFAULT_CACHED_EVENTS = 200_000;

const revisionNumber = (revision: LoadedStream['revision']) => (revision === 'no_stream' ? -1 : revision);

/**
 * Streams as last read or written by this process, so a command need not read a stream from its
 * first event each time (the hour feed's teachers, their records, the batch). Each kept history
 * is the very array decided over, and a stream type folds an array once (see `extendHistory`):
 * the folded state is kept with it.
 *
 * An entry may be stale: another process, or the bulk import, may have appended since. It is
 * never trusted on its own: a decision that used an entry appends with that stream at the cached
 * revision as a guard, so a stale entry fails the append and the command is decided again from
 * fresh reads; a decision that used entries and appends nothing (a refusal, a duplicate) is
 * decided again from fresh reads before it is answered.
 *
 * Bounded by the events it holds; the streams used least recently go first.
 */
export class StreamCache {
  private readonly entries = new Map<string, LoadedStream>();
  private events = 0;

  constructor(private readonly maxEvents = DEFAULT_CACHED_EVENTS) {}

  get(streamId: string): LoadedStream | undefined {
    const entry = this.entries.get(streamId);
    if (entry === undefined) return undefined;
    // Most recently used last.
    this.entries.delete(streamId);
    this.entries.set(streamId, entry);
    return entry;
  }

  /** Keeps a stream as read or written; an older revision than the one kept is ignored. */
  remember(stream: LoadedStream): void {
    if (this.maxEvents <= 0) return;
    const kept = this.entries.get(stream.streamId);
    if (kept !== undefined) {
      if (revisionNumber(kept.revision) > revisionNumber(stream.revision)) return;
      this.drop(stream.streamId, kept);
    }
    this.entries.set(stream.streamId, stream);
    this.events += stream.events.length + 1;
    for (const [streamId, entry] of this.entries) {
      if (this.events <= this.maxEvents) break;
      this.drop(streamId, entry);
    }
  }

  forget(streamId: string): void {
    const kept = this.entries.get(streamId);
    if (kept !== undefined) this.drop(streamId, kept);
  }

  get size(): number {
    return this.entries.size;
  }

  private drop(streamId: string, entry: LoadedStream): void {
    this.entries.delete(streamId);
    this.events -= entry.events.length + 1;
  }
}

/**
 * The streams one attempt at a decision reads: from the cache where it may (then the stream is
 * named in `fromCache`, to be guarded), the rest from the store in one round trip.
 */
export class CachedLoads {
  readonly fromCache = new Set<string>();

  constructor(
    private readonly store: EventStreams,
    private readonly cache: StreamCache | undefined,
    private readonly useCache: boolean,
  ) {}

  async load(streamIds: readonly string[]): Promise<LoadedStream[]> {
    const found: LoadedStream[] = [];
    const unknown: string[] = [];
    for (const streamId of streamIds) {
      const cached = this.useCache ? this.cache?.get(streamId) : undefined;
      if (cached === undefined) unknown.push(streamId);
      else {
        found.push(cached);
        this.fromCache.add(streamId);
      }
    }
    if (unknown.length > 0) found.push(...(await this.store.loadMany(unknown)));
    return found;
  }

  /**
   * Keeps the streams a successful append wrote or checked, as decided over: a stream written at
   * the revision the store gave it, a guard at the revision it was checked at. Only these are
   * kept: a stream a command reads and neither writes nor guards (a batch's rules, a teacher) is
   * read afresh each time, as kept it would have to be checked by every append that used it.
   */
  written(histories: Histories, writes: readonly StreamWrite[], result: WriteResult): void {
    if (this.cache === undefined) return;
    const revisions = new Map(result.streams.map(({ streamId, revision }) => [streamId, revision]));
    for (const write of writes) {
      const events = histories.get(write.streamId);
      const revision = write.events.length > 0 ? revisions.get(write.streamId) : write.expectedRevision;
      if (events !== undefined && revision !== undefined)
        this.cache.remember({ streamId: write.streamId, events, revision });
    }
  }
}
