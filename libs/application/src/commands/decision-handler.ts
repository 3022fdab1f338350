import { DecisionPlan, DomainEvent, extendHistory } from '@tip/domain';
import { EventStreams, LoadedStream, StreamWrite, WriteContext } from '../ports/event-streams';
import { CommandResult } from './command-result';
import { ContendedStreams } from './contended-streams';
import { CachedLoads, StreamCache } from './stream-cache';

/** No decision reads in more stages than this; more means a plan that never settles. */
const MAX_STAGES = 8;

/**
 * The one handler every command runs through: read the streams each stage of the decision
 * names (one round trip a stage, taking streams already read to authorize as they were), fold
 * and decide, then append every role's events at the revision read, with the streams the
 * decision rests on as guards, in one atomic append. A stream that moved meanwhile fails the
 * append with StreamConflict; ConflictRetry decides again.
 */
export class DecisionHandler {
  constructor(
    private readonly streams: EventStreams,
    private readonly contended: ContendedStreams,
    private readonly cache?: StreamCache,
  ) {}

  /** `useCache`: streams may come from the cache (a first attempt; a retry reads afresh). */
  async handle(
    plan: DecisionPlan,
    context: WriteContext,
    prefetched?: ReadonlyMap<string, LoadedStream>,
    holding?: string,
    useCache = false,
  ): Promise<CommandResult> {
    const loads = new CachedLoads(this.streams, this.cache, useCache);
    const loaded = await this.read(plan, prefetched, loads);
    if (holding === undefined) {
      const contended = this.contended.contendedAmong(loaded.keys());
      if (contended !== undefined) {
        return this.contended.takeTurn(contended, () => this.handle(plan, context, undefined, contended));
      }
    }
    const histories = new Map([...loaded].map(([streamId, stream]) => [streamId, stream.events]));
    let outcome;
    try {
      outcome = plan.decide(histories);
    } catch (error) {
      // A refusal over cached streams is confirmed over fresh reads before it is answered.
      if (loads.fromCache.size > 0) return this.handle(plan, context, prefetched, holding, false);
      throw error;
    }
    const revisionOf = (streamId: string) => {
      const stream = loaded.get(streamId);
      if (stream === undefined) throw new Error(`The decision named ${streamId}, which it did not read`);
      return stream.revision;
    };
    const aboutRevision = revisionOf(outcome.about);
    const aboutVersion = aboutRevision === 'no_stream' ? 0 : aboutRevision + 1;
    const { commandId } = context;
    if (outcome.appends.length === 0) {
      // Nothing appended checks the cached streams: decided again over fresh reads.
      if (loads.fromCache.size > 0) return this.handle(plan, context, prefetched, holding, false);
      return { commandId, streamId: outcome.about, version: aboutVersion, position: 0, events: [] };
    }
    const writes: StreamWrite[] = [
      ...outcome.appends.map((append) => ({
        streamId: append.streamId,
        events: append.events,
        expectedRevision: revisionOf(append.streamId),
      })),
      // The streams the decision rests on, and every stream taken from the cache: a stale one fails the append.
      ...[...new Set([...outcome.guards, ...loads.fromCache])]
        .filter((streamId) => !outcome.appends.some((append) => append.streamId === streamId))
        .map((streamId) => ({ streamId, events: [], expectedRevision: revisionOf(streamId) })),
    ];
    const written = await this.streams.write(writes, context);
    for (const append of outcome.appends)
      histories.set(append.streamId, extendHistory(histories.get(append.streamId) ?? [], append.events));
    loads.written(histories, writes, written);
    const about = written.streams.find((stream) => stream.streamId === outcome.about);
    return {
      commandId,
      streamId: outcome.about,
      version: about ? about.revision + 1 : aboutVersion,
      position: written.position,
      events: outcome.appends
        .filter((append) => !append.mirror)
        .flatMap((append) => append.events.map((event) => ({ type: event.type, ...event.data }))),
    };
  }

  /** Reads stage by stage until the plan names nothing unread. */
  private async read(
    plan: DecisionPlan,
    prefetched: ReadonlyMap<string, LoadedStream> | undefined,
    loads: CachedLoads,
  ): Promise<Map<string, LoadedStream>> {
    const loaded = new Map<string, LoadedStream>();
    const histories = new Map<string, readonly DomainEvent[]>();
    for (let stage = 0; ; stage++) {
      const missing = plan.missing(histories);
      if (missing.length === 0) return loaded;
      if (stage === MAX_STAGES) throw new Error(`A decision still named streams to read after ${MAX_STAGES} stages`);
      const known = missing.flatMap((streamId) => prefetched?.get(streamId) ?? []);
      const unknown = missing.filter((streamId) => !prefetched?.has(streamId));
      const fetched = unknown.length > 0 ? await loads.load(unknown) : [];
      for (const stream of [...known, ...fetched]) {
        loaded.set(stream.streamId, stream);
        histories.set(stream.streamId, stream.events);
      }
    }
  }
}
