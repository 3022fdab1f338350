import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import {
  AccessDeniedError,
  AllStreamRecordedEvent,
  AllStreamSubscription,
  AppendConsistencyViolationError,
  AppendRecordInput,
  AppendRecordSizeExceededError,
  AppendStreamState,
  BACKWARDS,
  CancelledError,
  ConsistencyCheck,
  DeadlineExceededError,
  END,
  EventData,
  FORWARDS,
  jsonEvent,
  KurrentDBClient,
  MaxAppendSizeExceededError,
  NotLeaderError,
  Position,
  ReadRevision,
  START,
  STREAM_STATE,
  StreamNotFoundError,
  streamNameFilter,
  TransactionMaxSizeExceededError,
  UnavailableError,
  UnsupportedError,
  WrongExpectedVersionError,
} from '@kurrent/kurrentdb-client';
import {
  DuplicateEventIdError,
  InvalidAppendError,
  StoreNotEmptyError,
  UnsupportedOperationError,
  WrongExpectedRevisionError,
} from '../port/errors';
import { AuditedEvent, LoggedEvent, NewEvent, RecordedEvent } from '../port/event';
import {
  AppendedEvent,
  AppendResult,
  CheckpointStore,
  EventStore,
  EventStoreStats,
  ImportOptions,
  ImportResult,
  LoadLogOptions,
  LogScanItem,
  ScanAllOptions,
  ScanLogOptions,
  ReadAllOptions,
  ReadStreamOptions,
  StreamAppend,
  StreamAppendResult,
  Subscription,
  SubscriptionOptions,
} from '../port/event-store';
import { ExpectedRevision } from '../port/expected-revision';
import { chainHash, GENESIS_HASH } from '../port/hash-chain';
import { forEachConcurrently } from '../port/concurrently';
import { silentLogger } from '../port/logger';
import { CommonEventStoreOptions, storeSettings, StoreSettings } from '../port/store-settings';
import { eventsIn, observedAppend } from '../port/observer';
import { validateStreamId } from '../port/validation';
import { LogLoadChecks } from '../port/log-load';
import { decodeLogRows, LogRows } from '../port/log-rows';
import {
  byGlobalOrder,
  IntegrityProblem,
  StoredEvent,
  verifyStreamChain,
  VerificationReport,
} from '../port/verification';
import { PreparedEvent, PreparedStream, prepareAppend } from '../postgres/append-payload';
import {
  CheckpointConflictError,
  CheckpointLease,
  CheckpointRecord,
  CheckpointStreams,
  Cursor,
  isCheckpointRecord,
} from './checkpoint-lease';
import {
  actualRevisionOf,
  approximateEventBytes,
  Decoded,
  decodeRecorded,
  DecodedEvent,
  describeForeign,
  exactStateOf,
  isSystemEventType,
  numberToPosition,
  positionToNumber,
  refuseSystemStream,
  revisionToNumber,
  satisfies,
  streamStateOf,
  TIP_STREAMS_REGEX,
  toEventData,
  toLoggedEvent,
} from './kurrentdb-mapping';
import { KurrentDbSubscription, Page } from './kurrentdb-subscription';
import { PositionIndex, ReadStart } from './position-index';

/** The part of the KurrentDB client the adapter uses (a narrower type lets tests stand in for it). */
export type KurrentDbClientApi = Pick<
  KurrentDBClient,
  | 'appendToStream'
  | 'appendRecords'
  | 'multiStreamAppend'
  | 'readStream'
  | 'readAll'
  | 'subscribeToAll'
  | 'setStreamMetadata'
  | 'dispose'
>;

export interface KurrentDbEventStoreOptions extends CommonEventStoreOptions {
  /** kurrentdb://host:2113?tls=false, or a cluster's kurrentdb+discover://… */
  connectionString: string;
  /** Fallback polling of idle subscriptions when the live wake-up subscription is down. */
  pollIntervalMs?: number;
  /** How often a standby subscription looks at its lease. */
  leaseRetryMs?: number;
  /** A lease whose checkpoint stream stays silent this long is taken over (holders heartbeat at a third of it). */
  leaseTimeoutMs?: number;
  /**
   * How many of a stream's newest events an append looks through for its own event ids, so a
   * retry with `any` or `stream_exists` appends nothing twice (KurrentDB keeps no index of event ids).
   */
  idempotencyWindow?: number;
  /** Bytes per append when importing, below KurrentDB's maximum append size (1 MiB by default). */
  maxImportAppendBytes?: number;
  /** Stream reads in flight at once for readStreams and verify. */
  readConcurrency?: number;
  /** Attempts of an append with `any` or `stream_exists` that keeps meeting concurrent writers. */
  appendAttempts?: number;
}

/** Prefix of the streams that hold subscription checkpoints and leases (system streams: not in TIP's log). */
export const CHECKPOINT_STREAM_PREFIX = '$tip-checkpoint-';
const CHECKPOINT_EVENT_TYPE = 'TipSubscriptionCheckpoint';
const tipStreams = () => streamNameFilter({ regex: TIP_STREAMS_REGEX });
const stateCheck = (streamName: string, expectedState: AppendStreamState): ConsistencyCheck => ({
  type: STREAM_STATE,
  streamName,
  expectedState,
});

interface StreamTail {
  /** Revision of the stream's last event, -1 when it does not exist. */
  revision: number;
  lastHash: Buffer;
  /** The newest events, oldest first. */
  recent: DecodedEvent[];
}

/** One stream's share of an append, once its events are stored. */
interface WrittenStream {
  streamId: string;
  eventIds: string[];
  lastRevision: number;
}

function isTransportError(error: unknown): boolean {
  return (
    error instanceof UnavailableError ||
    error instanceof DeadlineExceededError ||
    error instanceof AccessDeniedError ||
    error instanceof NotLeaderError ||
    error instanceof CancelledError
  );
}

/** Creates the store and makes one read, so a wrong address or credentials stop the start-up. */
export async function createKurrentDbEventStore(options: KurrentDbEventStoreOptions): Promise<KurrentDbEventStore> {
  const client = KurrentDBClient.connectionString(options.connectionString);
  const store = new KurrentDbEventStore(client, options);
  try {
    await store.stats();
  } catch (error) {
    await client.dispose().catch(() => undefined);
    throw new Error(
      `Cannot read from KurrentDB at ${redact(options.connectionString)}: ${error instanceof Error ? error.message : String(error)}. ` +
        'Check that the server is up and that the address, tls setting and credentials in KURRENTDB_CONNECTION_STRING match it.',
    );
  }
  (options.logger ?? silentLogger).info('event store: KurrentDB', { connection: redact(options.connectionString) });
  return store;
}

function redact(connectionString: string): string {
  return connectionString.replace(/\/\/[^@/]*@/, '//***@');
}

/**
 * The event store over KurrentDB (formerly EventStoreDB). Each TIP stream is a KurrentDB stream;
 * event ids, types and data map one to one; TIP's metadata and hash chain ride in the event
 * metadata. Global positions are $all commit positions. Appends to several streams use
 * KurrentDB 26.1's atomic appendRecords (with consistency checks for guard streams) and are
 * refused, never faked, on older servers. See README "KurrentDB".
 */
export class KurrentDbEventStore implements EventStore {
  /** No transaction spans many streams: loadLog appends stream by stream, and keeps them on a refusal. */
  readonly loadsLogAtomically = false;
  private readonly settings: StoreSettings;
  private readonly idempotencyWindow: number;
  private readonly readConcurrency: number;
  private readonly appendAttempts: number;
  private readonly positions = new PositionIndex(20_000);
  private readonly subscriptions = new Set<KurrentDbSubscription>();
  /** Emits 'appended' after local appends and whenever the live wake-up subscription sees an event. */
  readonly wake = new EventEmitter().setMaxListeners(0);
  readonly checkpoints: KurrentDbCheckpointStore;
  private readonly checkpointStreams: CheckpointStreams;
  private wakeSubscription: AllStreamSubscription | undefined;
  private wakeRetry: NodeJS.Timeout | undefined;
  /** False once the server said it has no appendRecords (before 26.1) or multiStreamAppend (before 25.1). */
  private appendRecordsSupported = true;
  private multiStreamAppendSupported = true;
  private closed = false;

  constructor(
    private readonly client: KurrentDbClientApi,
    private readonly options: Omit<KurrentDbEventStoreOptions, 'connectionString'>,
  ) {
    this.settings = storeSettings(options);
    this.idempotencyWindow = Math.max(1, options.idempotencyWindow ?? 32);
    this.readConcurrency = Math.max(1, options.readConcurrency ?? 16);
    this.appendAttempts = Math.max(1, options.appendAttempts ?? 20);
    this.checkpointStreams = {
      readLast: (streamId) => this.readLastCheckpoint(streamId),
      append: (streamId, record, expectedRevision) => this.appendCheckpoint(streamId, record, expectedRevision),
      limitToLatest: async (streamId) => {
        await this.client.setStreamMetadata(streamId, { maxCount: 1 });
      },
    };
    this.checkpoints = new KurrentDbCheckpointStore(this.checkpointStreams);
  }

  // ─── appending ────────────────────────────────────────────────────────────────────────────

  async appendToStream(
    streamId: string,
    events: NewEvent[],
    options: { expectedRevision?: ExpectedRevision } = {},
  ): Promise<StreamAppendResult> {
    const result = await this.appendToStreams([
      { streamId, events, expectedRevision: options.expectedRevision ?? 'any' },
    ]);
    return {
      streamId,
      nextExpectedRevision: result.streams[0].nextExpectedRevision,
      events: result.events,
      lastPosition: result.lastPosition,
    };
  }

  appendToStreams(appends: StreamAppend[]): Promise<AppendResult> {
    return observedAppend(this.settings.observer, eventsIn(appends), async () => {
      const prepared = this.prepare(appends, this.settings.maxEventsPerAppend);
      const expectations = appends.map((append) => append.expectedRevision);
      const result =
        prepared.length === 1
          ? await this.appendOne(prepared[0], expectations[0])
          : await this.appendMany(prepared, expectations);
      this.wake.emit('appended');
      return result;
    });
  }

  /** Validates and encodes, refusing KurrentDB's reserved stream names too, before anything is sent. */
  private prepare(appends: StreamAppend[], maxEventsPerAppend: number): PreparedStream[] {
    if (Array.isArray(appends)) {
      appends.forEach((append, index) => {
        const field = appends.length === 1 ? '' : `appends[${index}].`;
        if (typeof append?.streamId === 'string') refuseSystemStream(append.streamId, `${field}streamId`);
        if (!Array.isArray(append?.events)) return;
        append.events.forEach((event, eventIndex) => {
          if (typeof event?.type === 'string' && isSystemEventType(event.type)) {
            throw new InvalidAppendError(
              `${field}events[${eventIndex}].type`,
              'must not start with "$" (KurrentDB reserves such event types)',
            );
          }
        });
      });
    }
    return prepareAppend(appends, {
      recordedTime: this.settings.clock().toISOString(),
      schemas: this.settings.schemas,
      maxEventBytes: this.settings.maxEventBytes,
      maxEventsPerAppend,
    }).streams;
  }

  /**
   * One stream: read its tail (the previous hash, and recent event ids for idempotency), append
   * at exactly the revision read, and read back where the events landed. A concurrent writer
   * makes KurrentDB refuse the append (wrong expected version); then the tail is read again and
   * the caller's expectation decides: `any` and `stream_exists` go round again, an exact
   * revision or `no_stream` fails, unless the events turn out to be stored already (a retry).
   */
  private async appendOne(stream: PreparedStream, expected: ExpectedRevision): Promise<AppendResult> {
    for (let attempt = 1; ; attempt++) {
      const tail = await this.readTail(stream.streamId, Math.max(this.idempotencyWindow, stream.events.length));
      const original = await this.originalOf(stream, expected, tail);
      if (original) return this.resultOf([{ streamId: stream.streamId, events: original }]);
      if (!satisfies(expected, tail.revision))
        throw new WrongExpectedRevisionError(stream.streamId, expected, tail.revision);
      if (attempt > this.appendAttempts) throw new WrongExpectedRevisionError(stream.streamId, expected, tail.revision);
      let appended: bigint | undefined;
      try {
        const outcome = await this.client.appendToStream(stream.streamId, this.chained(stream.events, tail.lastHash), {
          streamState: exactStateOf(tail.revision),
          requiresLeader: true,
        });
        // With throwOnAppendFailure=false in the connection string, a conflict comes back as success: false.
        if (outcome.success) appended = outcome.nextExpectedRevision;
      } catch (error) {
        if (!(error instanceof WrongExpectedVersionError)) throw this.appendFailure(error);
      }
      if (appended !== undefined) {
        const written = [
          { streamId: stream.streamId, eventIds: stream.eventIds, lastRevision: revisionToNumber(appended) },
        ];
        return this.resultOf(await this.readBack(written));
      }
      await this.backoff(attempt);
    }
  }

  /**
   * Several streams, atomically, with KurrentDB 26.1's appendRecords: every written stream is
   * checked at the exact revision its chain was read from, every guard at the caller's
   * expectation, all in one commit. KurrentDB 25.1's multiStreamAppend does the same for writes
   * without guards. Older servers cannot, and the append is refused (UnsupportedOperationError).
   */
  private async appendMany(streams: PreparedStream[], expectations: ExpectedRevision[]): Promise<AppendResult> {
    const written = streams
      .map((stream, index) => ({ stream, expected: expectations[index] }))
      .filter(({ stream }) => stream.events.length > 0);
    const guards = streams
      .map((stream, index) => ({ stream, expected: expectations[index] }))
      .filter(({ stream }) => stream.events.length === 0);
    for (let attempt = 1; ; attempt++) {
      const [tails, guardTails] = await Promise.all([
        Promise.all(
          written.map(({ stream }) =>
            this.readTail(stream.streamId, Math.max(this.idempotencyWindow, stream.events.length)),
          ),
        ),
        Promise.all(guards.map(({ stream }) => this.readTail(stream.streamId, 1))),
      ]);
      const originals = await Promise.all(
        written.map(({ stream, expected }, index) => this.originalOf(stream, expected, tails[index])),
      );
      if (originals.every((original) => original !== undefined)) {
        // A retry of an append that went through: guards appended nothing then and are left out, as in PostgreSQL.
        return this.resultOf(
          written.map(({ stream }, index) => ({ streamId: stream.streamId, events: originals[index] ?? [] })),
        );
      }
      if (originals.some((original) => original !== undefined)) {
        throw new DuplicateEventIdError(
          originals.flatMap((original) => (original ?? []).map((event) => event.eventId)),
        );
      }
      const stale =
        written
          .map(({ stream, expected }, index) => ({
            streamId: stream.streamId,
            expected,
            actual: tails[index].revision,
          }))
          .find((each) => !satisfies(each.expected, each.actual)) ??
        guards
          .map(({ stream, expected }, index) => ({
            streamId: stream.streamId,
            expected,
            actual: guardTails[index].revision,
          }))
          .find((each) => !satisfies(each.expected, each.actual));
      if (stale) throw new WrongExpectedRevisionError(stale.streamId, stale.expected, stale.actual);
      if (attempt > this.appendAttempts) {
        throw new WrongExpectedRevisionError(written[0].stream.streamId, written[0].expected, tails[0].revision);
      }

      const records: AppendRecordInput[] = written.flatMap(({ stream }, index) =>
        this.chained(stream.events, tails[index].lastHash).map((record) => ({ streamName: stream.streamId, record })),
      );
      // Written streams first, so a violation's checkIndex tells a moved stream from a broken guard.
      const checks: ConsistencyCheck[] = [
        ...written.map(({ stream }, index) => stateCheck(stream.streamId, exactStateOf(tails[index].revision))),
        ...guards
          .filter(({ expected }) => expected !== 'any')
          .map(({ stream, expected }) => stateCheck(stream.streamId, streamStateOf(expected))),
      ];
      let responses: { streamName: string; revision: bigint }[] | undefined;
      try {
        responses = await this.appendAtomically(
          records,
          checks,
          written.map(({ stream }, index) => ({ stream, tail: tails[index] })),
          checks.length - written.length,
        );
      } catch (error) {
        if (error instanceof AppendConsistencyViolationError) {
          const guardBroken = error.violations.find((violation) => violation.checkIndex >= written.length);
          if (guardBroken) {
            const guard = guards.find(({ stream }) => stream.streamId === guardBroken.streamName);
            throw new WrongExpectedRevisionError(
              guardBroken.streamName,
              guard?.expected ?? 'any',
              actualRevisionOf(guardBroken.actualState),
            );
          }
        } else if (!(error instanceof WrongExpectedVersionError)) {
          throw this.appendFailure(error);
        }
        // A written stream moved since its tail was read: read again and decide again.
        await this.backoff(attempt);
        continue;
      }
      const revisions = new Map(responses.map((response) => [response.streamName, response.revision]));
      const stored = await this.readBack(
        written.map(({ stream }) => {
          const revision = revisions.get(stream.streamId);
          if (revision === undefined)
            throw new Error(`KurrentDB's answer to an atomic append does not name stream "${stream.streamId}"`);
          return { streamId: stream.streamId, eventIds: stream.eventIds, lastRevision: revisionToNumber(revision) };
        }),
      );
      const result = this.resultOf(stored);
      // Guards report the revision they were checked at, as in PostgreSQL.
      const guardRevisions = new Map(guards.map(({ stream }, index) => [stream.streamId, guardTails[index].revision]));
      const writtenRevisions = new Map(result.streams.map((each) => [each.streamId, each.nextExpectedRevision]));
      result.streams = streams.map((stream) => ({
        streamId: stream.streamId,
        nextExpectedRevision: writtenRevisions.get(stream.streamId) ?? guardRevisions.get(stream.streamId) ?? -1,
      }));
      return result;
    }
  }

  /** appendRecords (26.1+), else multiStreamAppend (25.1+) when there are no guards, else a refusal. */
  private async appendAtomically(
    records: AppendRecordInput[],
    checks: ConsistencyCheck[],
    written: { stream: PreparedStream; tail: StreamTail }[],
    guardCount: number,
  ): Promise<{ streamName: string; revision: bigint }[]> {
    if (this.appendRecordsSupported) {
      try {
        return (await this.client.appendRecords(records, checks)).responses;
      } catch (error) {
        if (!(error instanceof UnsupportedError)) throw error;
        this.appendRecordsSupported = false;
        this.settings.logger.warn(
          'KurrentDB has no appendRecords (before 26.1): appends to several streams with guards are refused',
        );
      }
    }
    if (guardCount === 0 && this.multiStreamAppendSupported) {
      try {
        const requests = written.map(({ stream, tail }) => ({
          streamName: stream.streamId,
          expectedState: exactStateOf(tail.revision),
          events: this.chained(stream.events, tail.lastHash),
        }));
        return (await this.client.multiStreamAppend(requests)).responses;
      } catch (error) {
        if (!(error instanceof UnsupportedError)) throw error;
        this.multiStreamAppendSupported = false;
        this.settings.logger.warn(
          'KurrentDB has no multiStreamAppend (before 25.1): appends to several streams are refused',
        );
      }
    }
    const streams = [...written.map(({ stream }) => stream.streamId)];
    throw new UnsupportedOperationError(
      'appendToStreams',
      `Appending to ${streams.length} stream(s)${guardCount > 0 ? ` guarded by ${guardCount} more` : ''} (${streams.join(', ')}) must be atomic, ` +
        'and this KurrentDB server cannot do that: atomic appends with guard streams need KurrentDB 26.1 (appendRecords), ' +
        'atomic appends to several streams without guards need 25.1 (multiStreamAppend). Nothing was written.',
    );
  }

  private chained(events: PreparedEvent[], previousHash: Buffer): EventData[] {
    let previous = previousHash;
    return events.map((event) => {
      previous = chainHash(previous, event.contentHash);
      return toEventData(event, previous);
    });
  }

  /** Client errors that say the input is too large become InvalidAppendError, as in PostgreSQL. */
  private appendFailure(error: unknown): unknown {
    if (error instanceof MaxAppendSizeExceededError) {
      return new InvalidAppendError(
        'events',
        `must together stay within KurrentDB's maximum append size (${error.maxAppendSize} bytes)`,
      );
    }
    if (error instanceof AppendRecordSizeExceededError) {
      return new InvalidAppendError(
        'events',
        `each must stay within KurrentDB's maximum record size (${error.maxSize} bytes; ${error.recordId} has ${error.size})`,
      );
    }
    if (error instanceof TransactionMaxSizeExceededError) {
      return new InvalidAppendError(
        'events',
        `must together stay within KurrentDB's maximum transaction size (${error.maxSize} bytes)`,
      );
    }
    return error;
  }

  private backoff(attempt: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(2 ** attempt, 50)));
  }

  /**
   * The events a previous append of these very ids stored, if one did: looked for where that
   * append would have put them (for an exact expectation), and among the stream's newest events.
   * Some but not all of them stored: a different append, refused (DuplicateEventIdError).
   */
  private async originalOf(
    stream: PreparedStream,
    expected: ExpectedRevision,
    tail: StreamTail,
  ): Promise<DecodedEvent[] | undefined> {
    const count = stream.eventIds.length;
    const lookIn = (events: DecodedEvent[]) => {
      const byId = new Map(events.map((event) => [event.eventId, event]));
      const found = stream.eventIds
        .map((eventId) => byId.get(eventId))
        .filter((event): event is DecodedEvent => event !== undefined);
      if (found.length === 0) return undefined;
      if (found.length < count) return { partial: found };
      return { all: found };
    };
    const refuse = (found: DecodedEvent[]) => new DuplicateEventIdError(found.map((event) => event.eventId));
    const after = expected === 'no_stream' ? -1 : typeof expected === 'number' ? expected : undefined;
    if (after !== undefined && tail.revision > after) {
      const inPlace = lookIn(await this.readRange(stream.streamId, after + 1, count));
      if (inPlace?.all) return inPlace.all;
      if (inPlace?.partial) throw refuse(inPlace.partial);
    }
    const recent = lookIn(tail.recent);
    if (!recent) return undefined;
    if (recent.all) return recent.all;
    // The window may have cut the earlier append in two: read all of it around what was found.
    const earliest = Math.min(...recent.partial.map((event) => event.recorded.revision));
    const around = lookIn(await this.readRange(stream.streamId, Math.max(0, earliest - count + 1), 2 * count));
    if (around?.all) return around.all;
    throw refuse(around?.partial ?? recent.partial);
  }

  /** Where the events just appended landed: read back by revision (their $all positions come with them). */
  private async readBack(written: WrittenStream[]): Promise<{ streamId: string; events: DecodedEvent[] }[]> {
    return Promise.all(
      written.map(async ({ streamId, eventIds, lastRevision }) => {
        const first = lastRevision - eventIds.length + 1;
        let events = await this.readRange(streamId, first, eventIds.length);
        if (events.map((event) => event.eventId).join() !== eventIds.join()) {
          // KurrentDB answered an idempotent retry with the original write's revision: look the ids up.
          const tail = await this.readTail(streamId, Math.max(this.idempotencyWindow, eventIds.length) * 2);
          const byId = new Map(tail.recent.map((event) => [event.eventId, event]));
          const located = eventIds.map((eventId) => byId.get(eventId));
          if (located.some((event) => event === undefined)) {
            throw new Error(
              `KurrentDB acknowledged an append to "${streamId}" but its events cannot be read back at revision ${first}`,
            );
          }
          events = located.filter((event): event is DecodedEvent => event !== undefined);
        }
        return { streamId, events };
      }),
    );
  }

  private resultOf(streams: { streamId: string; events: DecodedEvent[] }[]): AppendResult {
    const events: AppendedEvent[] = streams.flatMap(({ streamId, events: stored }) =>
      stored.map((event) => ({
        streamId,
        eventId: event.eventId,
        revision: event.recorded.revision,
        position: event.recorded.position,
      })),
    );
    return {
      streams: streams.map(({ streamId, events: stored }) => ({
        streamId,
        nextExpectedRevision: Math.max(...stored.map((event) => event.recorded.revision)),
      })),
      events,
      lastPosition: Math.max(...events.map((event) => event.position)),
    };
  }

  async importEvents(
    appends: Iterable<StreamAppend> | AsyncIterable<StreamAppend>,
    options: ImportOptions = {},
  ): Promise<ImportResult> {
    const chunkSize = Math.max(1, options.chunkSize ?? 1000);
    const maxBytes = this.options.maxImportAppendBytes ?? 900 * 1024;
    let eventsImported = 0;
    let lastPosition = 0;
    // One append at a time by default: the log keeps the history's order (see ImportOptions).
    await forEachConcurrently(appends, options.concurrency ?? 1, async (append) => {
      // A stream without events has nothing to import (a guard means nothing outside one atomic append).
      if (!Array.isArray(append.events) || append.events.length === 0) return;
      const [stream] = this.prepare([append], Number.MAX_SAFE_INTEGER);
      let expected: ExpectedRevision = append.expectedRevision;
      // Each part is one atomic append; the next expects exactly the revision the last one left.
      for (const part of this.importParts(stream, chunkSize, maxBytes)) {
        const result = await this.appendOne(part, expected);
        expected = result.streams[0].nextExpectedRevision;
        eventsImported += result.events.length;
        lastPosition = Math.max(lastPosition, result.lastPosition);
        options.onProgress?.(eventsImported);
      }
      this.wake.emit('appended');
    });
    return { eventsImported, lastPosition };
  }

  /**
   * Another store's log into this empty one, each stream's run of events in the log one append
   * (in parts within KurrentDB's size limit), at exactly the revision the log gives, with the
   * texts and hashes as given. KurrentDB numbers positions itself (in the log's order) and has no
   * transaction over many streams: a refusal leaves what was appended before it.
   */
  async loadLog(
    pages: Iterable<LoggedEvent[] | LogRows> | AsyncIterable<LoggedEvent[] | LogRows>,
    options: LoadLogOptions = {},
  ): Promise<ImportResult> {
    if ((await this.headPosition()) > 0) throw new StoreNotEmptyError('loadLog: the store already holds events');
    const checks = new LogLoadChecks();
    const maxBytes = this.options.maxImportAppendBytes ?? 900 * 1024;
    let run: { event: LoggedEvent; index: number }[] = [];
    const flush = async () => {
      if (run.length === 0) return;
      const { streamId } = run[0].event;
      let start = 0;
      while (start < run.length) {
        let end = start;
        let bytes = 0;
        const events: EventData[] = [];
        while (end < run.length && end - start < 1000) {
          const { event, index } = run[end];
          const size = event.data.length * 3 + event.metadata.length * 3 + 300;
          if (end > start && bytes + size > maxBytes) break;
          bytes += size;
          let data: EventData;
          try {
            data = toEventData(
              { eventId: event.eventId, type: event.type, dataJson: event.data, metadataJson: event.metadata },
              Buffer.from(event.hash, 'hex'),
            );
          } catch {
            throw new InvalidAppendError(`log[${index}].data`, 'must be JSON text');
          }
          events.push(data);
          end += 1;
        }
        const from = run[start].event.revision;
        const outcome = await this.client
          .appendToStream(streamId, events, { streamState: exactStateOf(from - 1), requiresLeader: true })
          .catch((error: unknown) => Promise.reject(this.appendFailure(error)));
        if (!outcome.success)
          throw new Error(
            `loadLog: stream "${streamId}" is not at revision ${from - 1}: something else writes to this store`,
          );
        start = end;
      }
      run = [];
      options.onProgress?.(checks.count);
    };
    for await (const given of pages) {
      const page = Array.isArray(given) ? given : decodeLogRows(given);
      for (const event of page) {
        const index = checks.count;
        checks.check(event);
        refuseSystemStream(event.streamId, `log[${index}].streamId`);
        if (isSystemEventType(event.type))
          throw new InvalidAppendError(
            `log[${index}].type`,
            'must not start with "$" (KurrentDB reserves such event types)',
          );
        if (run.length > 0 && run[0].event.streamId !== event.streamId) await flush();
        run.push({ event, index });
      }
    }
    await flush();
    await options.beforeCommit?.();
    this.wake.emit('appended');
    return { eventsImported: checks.count, lastPosition: checks.count > 0 ? await this.headPosition() : 0 };
  }

  private *importParts(stream: PreparedStream, chunkSize: number, maxBytes: number): Generator<PreparedStream> {
    let start = 0;
    while (start < stream.events.length) {
      let end = start;
      let bytes = 0;
      while (end < stream.events.length && end - start < chunkSize) {
        const size = approximateEventBytes(stream.events[end]);
        if (end > start && bytes + size > maxBytes) break;
        bytes += size;
        end += 1;
      }
      yield { ...stream, events: stream.events.slice(start, end), eventIds: stream.eventIds.slice(start, end) };
      start = end;
    }
  }

  // ─── reading streams ──────────────────────────────────────────────────────────────────────

  /** The newest `count` events of a stream (from the leader: appends decide on them). */
  private async readTail(streamId: string, count: number): Promise<StreamTail> {
    const recent = (
      await this.readDecoded(streamId, {
        direction: BACKWARDS,
        fromRevision: END,
        maxCount: count,
        requiresLeader: true,
      })
    ).reverse();
    const last = recent[recent.length - 1];
    return last
      ? { revision: last.recorded.revision, lastHash: last.hash, recent }
      : { revision: -1, lastHash: GENESIS_HASH, recent: [] };
  }

  private readRange(streamId: string, fromRevision: number, count: number): Promise<DecodedEvent[]> {
    if (count <= 0 || fromRevision < 0) return Promise.resolve([]);
    return this.readDecoded(streamId, {
      direction: FORWARDS,
      fromRevision: BigInt(fromRevision),
      maxCount: count,
      requiresLeader: true,
    });
  }

  /** A stream's TIP events as stored; [] when the stream does not exist. */
  private async readDecoded(
    streamId: string,
    options: {
      direction: typeof FORWARDS | typeof BACKWARDS;
      fromRevision: ReadRevision;
      maxCount: number;
      requiresLeader?: boolean;
    },
  ): Promise<DecodedEvent[]> {
    const events: DecodedEvent[] = [];
    try {
      for await (const resolved of this.client.readStream(streamId, options)) {
        const event = resolved.event;
        if (!event || isSystemEventType(event.type)) continue;
        const decoded = decodeRecorded(event);
        if (!decoded.ok) throw new Error(describeForeign(decoded.foreign));
        this.positions.remember(decoded.event.recorded.position, decoded.event.exactPosition);
        events.push(decoded.event);
      }
    } catch (error) {
      if (error instanceof StreamNotFoundError) return [];
      throw error;
    }
    return events;
  }

  private validateRead(streamId: string, field = 'streamId'): void {
    validateStreamId(streamId, field);
    refuseSystemStream(streamId, field);
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    this.validateRead(streamId);
    if (options.maxCount !== undefined && options.maxCount <= 0) return [];
    const backwards = options.direction === 'backwards';
    const events = await this.readDecoded(streamId, {
      direction: backwards ? BACKWARDS : FORWARDS,
      fromRevision:
        options.from !== undefined ? BigInt(Math.max(0, Math.floor(options.from))) : backwards ? END : START,
      maxCount: options.maxCount ?? Number.MAX_SAFE_INTEGER,
    });
    return events.map((event) => this.settings.schemas.upcast(event.recorded));
  }

  /** KurrentDB reads one stream per call: several run at once. */
  async readStreams(streamIds: string[]): Promise<Map<string, RecordedEvent[]>> {
    streamIds.forEach((streamId, index) => this.validateRead(streamId, `streamIds[${index}]`));
    const read = await this.mapConcurrently(streamIds, (streamId) => this.readStream(streamId));
    return new Map(streamIds.map((streamId, index) => [streamId, read[index]]));
  }

  async readStreamForAudit(streamId: string): Promise<AuditedEvent[]> {
    this.validateRead(streamId);
    const events = await this.readDecoded(streamId, {
      direction: FORWARDS,
      fromRevision: START,
      maxCount: Number.MAX_SAFE_INTEGER,
    });
    return events.map((event) => ({ ...event.recorded, hash: event.hash.toString('hex') }));
  }

  private async mapConcurrently<T, R>(items: T[], map: (item: T) => Promise<R>): Promise<R[]> {
    const results: R[] = new Array(items.length);
    let nextIndex = 0;
    const worker = async () => {
      while (nextIndex < items.length) {
        const index = nextIndex++;
        results[index] = await map(items[index]);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.readConcurrency, items.length) }, worker));
    return results;
  }

  // ─── reading $all ─────────────────────────────────────────────────────────────────────────

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    const maxCount = options.maxCount ?? 1000;
    if (maxCount <= 0) return [];
    const { events } = await this.readTipEvents(options.fromPosition ?? 0, maxCount);
    return events.map((event) => this.settings.schemas.upcast(event.recorded));
  }

  /** readAll page after page up to the head when the scan starts (KurrentDB holds nothing back). */
  async *scanAll(options: ScanAllOptions = {}): AsyncGenerator<RecordedEvent[]> {
    const pageSize = options.pageSize ?? 1000;
    const head = await this.headPosition();
    for (let from = options.fromPosition ?? 0; ;) {
      const events = (await this.readAll({ fromPosition: from, maxCount: pageSize })).filter(
        (event) => event.position <= head,
      );
      if (events.length === 0) return;
      yield events;
      from = events[events.length - 1].position + 1;
    }
  }

  async readLog(options: ReadAllOptions = {}): Promise<LoggedEvent[]> {
    const maxCount = options.maxCount ?? 1000;
    if (maxCount <= 0) return [];
    const { events } = await this.readTipEvents(options.fromPosition ?? 0, maxCount);
    return events.map(toLoggedEvent);
  }

  /**
   * KurrentDB shows committed events in log order and nothing is held back, so the scan is
   * readLog page after page; the stream ends KurrentDB keeps are its own, not a record of TIP's.
   */
  async *scanLog(options: ScanLogOptions = {}): AsyncGenerator<LogScanItem> {
    const pageSize = options.pageSize ?? 5000;
    const head = await this.headPosition();
    yield { kind: 'start', safePosition: head };
    for (let from = 0; ;) {
      const events = (await this.readLog({ fromPosition: from, maxCount: pageSize })).filter(
        (event) => event.position <= head,
      );
      if (events.length === 0) return;
      yield { kind: 'events', events };
      from = events[events.length - 1].position + 1;
    }
  }

  /**
   * For subscriptions: TIP events after the cursor, read from its exact position when known, else
   * first from the cursor's own position taken as exact (a checkpoint is an event's position).
   */
  private async readAfter(after: Cursor, maxCount: number): Promise<Page> {
    const hint: ReadStart | undefined = after.exact
      ? { kind: 'exact', position: after.position, exact: after.exact, verified: true }
      : after.position > 1
        ? { kind: 'exact', position: after.position, exact: numberToPosition(after.position), verified: false }
        : undefined;
    const { events, last } = await this.readTipEvents(after.position + 1, maxCount, hint);
    return { events: events.map((event) => this.settings.schemas.upcast(event.recorded)), last };
  }

  /**
   * Up to `maxCount` events of TIP's streams at or after `fromPosition`, in $all order. KurrentDB
   * reads $all only from a record's exact position, so the read starts at the best known or
   * guessed boundary (see PositionIndex) and skips what lies before `fromPosition`; a guess that
   * KurrentDB refuses falls back to the next.
   */
  private async readTipEvents(
    fromPosition: number,
    maxCount: number,
    hint?: ReadStart,
  ): Promise<{ events: DecodedEvent[]; last?: Cursor }> {
    const starts: ReadStart[] = [...(hint ? [hint] : []), ...this.positions.startsFor(fromPosition)];
    for (let index = 0; ; index++) {
      const start = starts[index];
      try {
        return await this.scanFrom(start, fromPosition, maxCount);
      } catch (error) {
        // How KurrentDB reports a position inside a record is not documented: a guess that fails
        // for any reason makes way for the next start; a known-good start fails only for a reason.
        const guess = start.kind === 'exact' && !start.verified;
        if (index === starts.length - 1 || (!guess && isTransportError(error))) throw error;
        this.settings.logger.info('KurrentDB refused to read $all from a position; trying the next', {
          position: start.kind === 'exact' ? start.position : 0,
          error: error instanceof Error ? error.message : String(error),
        });
      }
    }
  }

  private async scanFrom(
    start: ReadStart,
    fromPosition: number,
    maxCount: number,
  ): Promise<{ events: DecodedEvent[]; last?: Cursor }> {
    const events: DecodedEvent[] = [];
    let last: Cursor | undefined;
    // One more than wanted: a read from an exact position returns that event again.
    const pageSize = () => (events.length >= maxCount ? 0 : Math.min(maxCount - events.length + 1, 5000));
    for await (const { position, event } of this.tipEventsFrom(
      start.kind === 'start' ? START : start.exact,
      pageSize,
    )) {
      this.positions.remember(position, event.position);
      if (position < fromPosition || events.length >= maxCount) continue;
      last = { position, exact: event.position };
      if (isSystemEventType(event.type)) continue;
      const decoded = decodeRecorded(event);
      if (!decoded.ok) throw new Error(describeForeign(decoded.foreign));
      events.push(decoded.event);
    }
    return { events, last };
  }

  /**
   * The events of TIP's streams in $all from `from`, each once, a page of `pageSize()` at a time
   * (0 ends the walk). A read from an exact position returns that event again, so whatever is not
   * past the last event seen is skipped. A page is read to its end before its events are handed
   * on, so a walk that stops early never leaves a read half-consumed.
   */
  private async *tipEventsFrom(
    from: Position | typeof START,
    pageSize: () => number,
  ): AsyncGenerator<{ position: number; event: AllStreamRecordedEvent }> {
    let lastSeen = -1;
    for (;;) {
      const want = pageSize();
      if (want <= 0) return;
      const page: { position: number; event: AllStreamRecordedEvent }[] = [];
      let count = 0;
      let pageEnd: Position | undefined;
      for await (const resolved of this.client.readAll({
        fromPosition: from,
        maxCount: want,
        direction: FORWARDS,
        filter: tipStreams(),
      })) {
        count += 1;
        const event = resolved.event;
        if (!event) continue;
        pageEnd = event.position;
        const position = positionToNumber(event.position);
        if (position <= lastSeen) continue;
        lastSeen = position;
        page.push({ position, event });
      }
      yield* page;
      if (count < want || !pageEnd) return;
      from = pageEnd;
    }
  }

  /** Position of the newest event in TIP's streams: $all read backwards, one event. */
  async headPosition(): Promise<number> {
    let head = 0;
    // Read to the end of the (one-event) answer rather than leave the read half-consumed.
    for await (const resolved of this.client.readAll({
      fromPosition: END,
      direction: BACKWARDS,
      maxCount: 1,
      filter: tipStreams(),
    })) {
      if (!resolved.event || head > 0) continue;
      head = positionToNumber(resolved.event.position);
      this.positions.remember(head, resolved.event.position);
    }
    return head;
  }

  /**
   * KurrentDB makes an event visible in $all only once its write is committed, in log order: no
   * reader can see a later event before an earlier one, so nothing is ever held back.
   */
  async stats(): Promise<EventStoreStats> {
    const head = await this.headPosition();
    return { headPosition: head, safePosition: head, heldBackEvents: 0, oldestOpenTransactionSeconds: 0 };
  }

  // ─── subscriptions ────────────────────────────────────────────────────────────────────────

  subscribeToAll(options: SubscriptionOptions): Subscription {
    const external = options.checkpoints && options.checkpoints !== this.checkpoints ? options.checkpoints : undefined;
    const lease = new CheckpointLease(
      this.checkpointStreams,
      `${CHECKPOINT_STREAM_PREFIX}${options.name}`,
      randomUUID(),
      this.options.leaseTimeoutMs ?? 15_000,
    );
    this.startWake();
    const subscription = new KurrentDbSubscription(
      {
        readAfter: (after, maxCount) => this.readAfter(after, maxCount),
        headPosition: () => this.headPosition(),
        appends: this.wake,
        logger: this.settings.logger,
        pollIntervalMs: this.options.pollIntervalMs ?? 1000,
        leaseRetryMs: this.options.leaseRetryMs ?? 1000,
      },
      lease,
      { ...options, externalCheckpoints: external },
    );
    this.subscriptions.add(subscription);
    const forget = () => {
      this.subscriptions.delete(subscription);
      if (this.subscriptions.size === 0) this.stopWake();
    };
    subscription.finished.then(forget, forget);
    return subscription;
  }

  /** One live subscription to $all (TIP's streams) per store, only to wake idle subscriptions at once. */
  private startWake(): void {
    if (this.wakeSubscription || this.closed) return;
    clearTimeout(this.wakeRetry);
    this.wakeRetry = undefined;
    let live: AllStreamSubscription;
    try {
      live = this.client.subscribeToAll({ fromPosition: END, filter: tipStreams() });
    } catch (error) {
      this.settings.logger.warn('live KurrentDB subscription could not start; subscriptions poll', {
        error: error instanceof Error ? error.message : String(error),
      });
      return;
    }
    this.wakeSubscription = live;
    live.on('data', () => this.wake.emit('appended'));
    live.on('error', (error: Error) => {
      if (this.wakeSubscription !== live) return;
      this.wakeSubscription = undefined;
      live.unsubscribe().catch(() => undefined);
      if (this.closed || this.subscriptions.size === 0) return;
      this.settings.logger.warn('live KurrentDB subscription dropped; subscriptions poll until it is back', {
        error: error.message,
      });
      this.wakeRetry = setTimeout(() => this.startWake(), 1000);
      this.wakeRetry.unref();
    });
  }

  private stopWake(): void {
    clearTimeout(this.wakeRetry);
    this.wakeRetry = undefined;
    const live = this.wakeSubscription;
    this.wakeSubscription = undefined;
    live?.unsubscribe().catch(() => undefined);
  }

  private async readLastCheckpoint(
    streamId: string,
  ): Promise<{ revision: number; record: CheckpointRecord } | undefined> {
    let last: { revision: number; record: CheckpointRecord } | undefined;
    try {
      for await (const resolved of this.client.readStream(streamId, {
        direction: BACKWARDS,
        fromRevision: END,
        maxCount: 1,
        requiresLeader: true,
      })) {
        const event = resolved.event;
        if (!event || last) continue;
        if (!event.isJson || !isCheckpointRecord(event.data)) {
          throw new Error(
            `Checkpoint stream "${streamId}" holds an event TIP did not write (${event.type} at revision ${event.revision})`,
          );
        }
        last = { revision: revisionToNumber(event.revision), record: event.data };
      }
    } catch (error) {
      if (error instanceof StreamNotFoundError) return undefined;
      throw error;
    }
    return last;
  }

  private async appendCheckpoint(
    streamId: string,
    record: CheckpointRecord,
    expectedRevision: number,
  ): Promise<number> {
    const event = jsonEvent({ type: CHECKPOINT_EVENT_TYPE, data: { ...record } });
    try {
      const outcome = await this.client.appendToStream(streamId, event, {
        streamState: exactStateOf(expectedRevision),
        requiresLeader: true,
      });
      if (!outcome.success) throw new CheckpointConflictError(streamId, revisionToNumber(outcome.nextExpectedRevision));
      return revisionToNumber(outcome.nextExpectedRevision);
    } catch (error) {
      if (error instanceof WrongExpectedVersionError)
        throw new CheckpointConflictError(streamId, actualRevisionOf(error.actualState));
      throw error;
    }
  }

  // ─── verification ─────────────────────────────────────────────────────────────────────────

  /**
   * Walks $all once for the ids of TIP's streams, then each stream's chain. KurrentDB cannot
   * change or remove single events: what an attacker with admin rights can do is truncate or
   * delete a whole stream ($tb, maxCount/maxAge metadata, delete), or append events without
   * TIP's hash; the first shows as missing revisions, the second as inserted or altered events.
   */
  async verify(options: { onProgress?: (eventsChecked: number) => void } = {}): Promise<VerificationReport> {
    const streamIds = new Set<string>();
    const firstPositions = new Map<string, number>();
    for await (const { position, event } of this.tipEventsFrom(START, () => 5000)) {
      if (isSystemEventType(event.type) || streamIds.has(event.streamId)) continue;
      streamIds.add(event.streamId);
      firstPositions.set(event.streamId, position);
    }
    const problems: IntegrityProblem[] = [];
    let eventsChecked = 0;
    await this.mapConcurrently([...streamIds], async (streamId) => {
      const stored = await this.readForVerification(streamId);
      if (stored === undefined) {
        problems.push({
          kind: 'missing',
          streamId,
          revision: 0,
          position: firstPositions.get(streamId),
          message: `stream "${streamId}" has events in the global log but cannot be read (deleted or truncated)`,
        });
        return;
      }
      const last = stored[stored.length - 1];
      // KurrentDB cannot drop a stream's newest events without dropping the stream: its own last event is the head.
      problems.push(
        ...verifyStreamChain(streamId, stored, last ? { revision: last.revision, lastHash: last.hash } : undefined),
      );
      eventsChecked += stored.length;
      options.onProgress?.(eventsChecked);
    });
    problems.sort(byGlobalOrder);
    return {
      ok: problems.length === 0,
      streamsChecked: streamIds.size,
      eventsChecked,
      firstProblem: problems[0],
      problems: problems.slice(0, 100),
    };
  }

  /** A stream as stored, foreign events included (with a hash that cannot match); undefined when unreadable. */
  private async readForVerification(streamId: string): Promise<StoredEvent[] | undefined> {
    const events: StoredEvent[] = [];
    try {
      for await (const resolved of this.client.readStream(streamId, {
        direction: FORWARDS,
        fromRevision: START,
        maxCount: Number.MAX_SAFE_INTEGER,
      })) {
        const event = resolved.event;
        if (!event || isSystemEventType(event.type)) continue;
        events.push(this.storedEventOf(decodeRecorded(event)));
      }
    } catch (error) {
      if (error instanceof StreamNotFoundError) return undefined;
      throw error;
    }
    return events.length === 0 ? undefined : events;
  }

  private storedEventOf(decoded: Decoded): StoredEvent {
    if (decoded.ok) {
      const { recorded, eventId, hash } = decoded.event;
      return { ...recorded, eventId, hash };
    }
    const { foreign } = decoded;
    return {
      streamId: foreign.streamId,
      revision: foreign.revision,
      position: foreign.position ?? 0,
      eventId: foreign.eventId,
      type: foreign.type,
      data: null,
      metadata: {
        eventId: foreign.eventId,
        businessTime: '',
        recordedTime: '',
        schemaVersion: 0,
        actor: { sub: '', role: '' },
        commandId: '',
        correlationId: '',
        causationId: '',
      },
      hash: Buffer.alloc(32),
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.subscriptions].map((subscription) => subscription.stop()));
    this.stopWake();
    await this.client.dispose();
  }
}

/**
 * Checkpoints in KurrentDB, one system stream per subscription name (`$tip-checkpoint-<name>`,
 * metadata maxCount 1). Subscriptions that use it write their checkpoint and lease in one event;
 * this interface is for callers outside a subscription.
 */
export class KurrentDbCheckpointStore implements CheckpointStore {
  constructor(private readonly streams: CheckpointStreams) {}

  async load(subscriptionName: string): Promise<number | undefined> {
    return (await this.streams.readLast(`${CHECKPOINT_STREAM_PREFIX}${subscriptionName}`))?.record.position;
  }

  async store(subscriptionName: string, position: number): Promise<void> {
    const streamId = `${CHECKPOINT_STREAM_PREFIX}${subscriptionName}`;
    for (let attempt = 0; ; attempt++) {
      const last = await this.streams.readLast(streamId);
      const record: CheckpointRecord = {
        owner: last?.record.owner ?? 'checkpoint-store',
        state: last?.record.state ?? 'released',
        position,
      };
      try {
        await this.streams.append(streamId, record, last?.revision ?? -1);
        if (!last) await this.streams.limitToLatest(streamId).catch(() => undefined);
        return;
      } catch (error) {
        if (!(error instanceof CheckpointConflictError) || attempt >= 5) throw error;
      }
    }
  }
}
