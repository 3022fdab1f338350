import { randomUUID } from 'node:crypto';
import { PassThrough } from 'node:stream';
import {
  AllStreamResolvedEvent,
  AllStreamSubscription,
  AppendConsistencyViolationError,
  AppendRecordInput,
  AppendRecordsResult,
  AppendResult,
  AppendStreamRequest,
  AppendStreamState,
  ConsistencyCheck,
  END,
  EventData,
  Filter,
  MultiAppendResult,
  Position,
  ReadAllOptions as KurrentReadAllOptions,
  ReadStreamOptions as KurrentReadStreamOptions,
  ResolvedEvent,
  StreamMetadata,
  StreamNotFoundError,
  SubscribeToAllOptions,
  UnknownError,
  UnsupportedError,
  WrongExpectedVersionError,
} from '@kurrent/kurrentdb-client';
import { KurrentDbClientApi } from './kurrentdb-event-store';

/**
 * An in-memory stand-in for the part of the KurrentDB client the adapter uses, written from the
 * client's types and documentation: exact-revision appends that fail with
 * WrongExpectedVersionError, appendRecords with consistency checks, multiStreamAppend, stream
 * reads that throw StreamNotFoundError, $all reads that accept only exact record positions
 * (positions are byte offsets that grow with each record's size), stream-name filters, system
 * streams interleaved in the log, and the server's idempotent handling of a repeated append.
 * It lets the adapter's own logic run through the contract without a server; it proves nothing
 * about KurrentDB itself.
 */
export interface InMemoryKurrentDbOptions {
  /** KurrentDB 26.1+: appendRecords with consistency checks. */
  appendRecords?: boolean;
  /** KurrentDB 25.1+: multiStreamAppend. */
  multiStreamAppend?: boolean;
}

interface StoredRecord {
  streamId: string;
  revision: bigint;
  id: string;
  type: string;
  isJson: boolean;
  data: unknown;
  metadata: unknown;
  position: bigint;
  created: Date;
}

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

function stateCode(state: AppendStreamState): string {
  switch (state) {
    case 'any':
      return '-2';
    case 'no_stream':
      return '-1';
    case 'stream_exists':
      return '-4';
    default:
      return state.toString(10);
  }
}

function matches(filter: Filter | undefined, record: StoredRecord): boolean {
  if (!filter) return true;
  const subject = filter.filterOn === 'streamName' ? record.streamId : record.type;
  if ('regex' in filter) return new RegExp(filter.regex).test(subject);
  return filter.prefixes.some((prefix) => subject.startsWith(prefix));
}

export class InMemoryKurrentDb {
  private readonly log: StoredRecord[] = [];
  private readonly streams = new Map<string, StoredRecord[]>();
  private readonly maxCounts = new Map<string, number>();
  private readonly live = new Set<(record: StoredRecord) => void>();
  private nextPosition = BigInt(1024);
  private writes = 0;
  /** Appends and reads of $all made, for tests that count round trips. */
  readonly calls = {
    appendToStream: 0,
    appendRecords: 0,
    multiStreamAppend: 0,
    readStream: 0,
    readAll: 0,
    invalidPositions: 0,
  };

  constructor(private readonly options: InMemoryKurrentDbOptions = {}) {
    this.writeSystemRecord('$settings');
  }

  /** A client over this database (several may share it, as processes share a server). */
  client(): KurrentDbClientApi {
    const api = {
      appendToStream: (
        streamName: string,
        events: EventData | EventData[],
        options: { streamState?: AppendStreamState } = {},
      ) => this.appendToStream(streamName, Array.isArray(events) ? events : [events], options.streamState ?? 'any'),
      appendRecords: (records: AppendRecordInput[], checks: ConsistencyCheck[] = []) =>
        this.appendRecords(records, checks),
      multiStreamAppend: (requests: AppendStreamRequest[]) => this.multiStreamAppend(requests),
      readStream: (streamName: string, options: KurrentReadStreamOptions = {}) => this.readStream(streamName, options),
      readAll: (options: KurrentReadAllOptions = {}) => this.readAll(options),
      subscribeToAll: (options: SubscribeToAllOptions = {}) => this.subscribeToAll(options),
      setStreamMetadata: async (streamName: string, metadata: StreamMetadata): Promise<AppendResult> => {
        await tick();
        if (typeof metadata.maxCount === 'number') this.maxCounts.set(streamName, metadata.maxCount);
        const record = this.writeSystemRecord(`$$${streamName}`);
        return {
          success: true,
          nextExpectedRevision: record.revision,
          position: { commit: record.position, prepare: record.position },
        };
      },
      dispose: async () => undefined,
    };
    return api as unknown as KurrentDbClientApi;
  }

  /** KurrentDB writes events of its own too ($stats, projections' links…): they must never reach TIP. */
  writeSystemRecord(streamId: string): StoredRecord {
    return this.write(streamId, {
      id: randomUUID(),
      type: '$statsCollected',
      contentType: 'application/json',
      data: { cpu: 1 },
      metadata: undefined,
    } as EventData);
  }

  private lastRevision(streamId: string): number {
    const events = this.streams.get(streamId);
    return events && events.length > 0 ? Number(events[events.length - 1].revision) : -1;
  }

  private write(streamId: string, event: EventData): StoredRecord {
    if (!/^[0-9a-f-]{36}$/i.test(event.id)) throw new Error(`not a UUID: ${event.id}`);
    const events = this.streams.get(streamId) ?? [];
    const isJson = event.contentType === 'application/json';
    const data = isJson ? JSON.parse(JSON.stringify(event.data)) : event.data;
    const metadata = event.metadata === undefined ? undefined : JSON.parse(JSON.stringify(event.metadata));
    const record: StoredRecord = {
      streamId,
      revision: BigInt(events.length),
      id: event.id.toLowerCase(),
      type: event.type,
      isJson,
      data,
      metadata,
      position: this.nextPosition,
      created: new Date(),
    };
    // A record takes as many bytes of log as it carries, so a position + 1 is inside it.
    this.nextPosition += BigInt(100 + JSON.stringify(data ?? null).length + JSON.stringify(metadata ?? null).length);
    events.push(record);
    this.streams.set(streamId, events);
    this.log.push(record);
    for (const notify of this.live) notify(record);
    return record;
  }

  /** Interleaves KurrentDB's own records with TIP's now and then. */
  private noise(): void {
    this.writes += 1;
    if (this.writes % 5 === 0) this.writeSystemRecord(`$stats-127.0.0.1:2113`);
  }

  private idempotent(streamId: string, events: EventData[], state: AppendStreamState): StoredRecord | undefined {
    const stored = this.streams.get(streamId) ?? [];
    const first = stored.findIndex((record) => record.id === events[0]?.id.toLowerCase());
    if (first < 0) return undefined;
    const sameAsBefore =
      state === 'any' ||
      (state === 'no_stream' && first === 0) ||
      (typeof state === 'bigint' && state === BigInt(first - 1));
    if (!sameAsBefore) return undefined;
    const again = events.every((event, index) => stored[first + index]?.id === event.id.toLowerCase());
    return again ? stored[first + events.length - 1] : undefined;
  }

  private check(streamId: string, state: AppendStreamState): boolean {
    const actual = this.lastRevision(streamId);
    switch (state) {
      case 'any':
        return true;
      case 'no_stream':
        return actual < 0;
      case 'stream_exists':
        return actual >= 0;
      default:
        return BigInt(actual) === state;
    }
  }

  private async appendToStream(streamId: string, events: EventData[], state: AppendStreamState): Promise<AppendResult> {
    this.calls.appendToStream += 1;
    await tick();
    // "If two events with the same UUID are appended to the same stream in quick succession, KurrentDB will only append one."
    const repeated = this.idempotent(streamId, events, state);
    if (repeated)
      return {
        success: true,
        nextExpectedRevision: repeated.revision,
        position: { commit: repeated.position, prepare: repeated.position },
      };
    if (!this.check(streamId, state)) {
      const actual = this.lastRevision(streamId);
      throw new WrongExpectedVersionError(undefined, {
        streamName: streamId,
        expected: state,
        current: actual < 0 ? 'no_stream' : BigInt(actual),
      });
    }
    const written = events.map((event) => this.write(streamId, event));
    this.noise();
    const last = written[written.length - 1];
    return {
      success: true,
      nextExpectedRevision: last.revision,
      position: { commit: last.position, prepare: last.position },
    };
  }

  private requireStringMetadata(events: EventData[], operation: string): void {
    for (const event of events) {
      const metadata = event.metadata;
      if (metadata == null) continue;
      if (
        metadata instanceof Uint8Array ||
        typeof metadata !== 'object' ||
        Array.isArray(metadata) ||
        Object.values(metadata).some((value) => typeof value !== 'string')
      ) {
        throw new Error(`${operation} requires metadata to be a plain object with string keys and string values.`);
      }
    }
  }

  /** What KurrentDB adds to the properties of records appended through the v2 protocol. */
  private withSchemaProperties(event: EventData): EventData {
    const metadata = {
      ...(event.metadata as Record<string, string> | undefined),
      '$schema.format': 'Json',
      '$schema.name': event.type,
    };
    return { ...event, metadata } as EventData;
  }

  private async appendRecords(records: AppendRecordInput[], checks: ConsistencyCheck[]): Promise<AppendRecordsResult> {
    if (!this.options.appendRecords) throw new UnsupportedError('appendRecords', '26.1');
    this.requireStringMetadata(
      records.map((record) => record.record),
      'appendRecords',
    );
    this.calls.appendRecords += 1;
    await tick();
    const violationsList = checks.flatMap((check, checkIndex) => {
      if (this.check(check.streamName, check.expectedState)) return [];
      return [
        {
          checkIndex,
          streamState: {
            stream: check.streamName,
            expectedState: stateCode(check.expectedState),
            actualState: String(this.lastRevision(check.streamName)),
          },
        },
      ];
    });
    if (violationsList.length > 0) {
      throw new AppendConsistencyViolationError(
        undefined as unknown as ConstructorParameters<typeof AppendConsistencyViolationError>[0],
        { violationsList },
      );
    }
    const written = records.map((record) => this.write(record.streamName, this.withSchemaProperties(record.record)));
    this.noise();
    return this.multiResult(written);
  }

  private async multiStreamAppend(requests: AppendStreamRequest[]): Promise<MultiAppendResult> {
    if (!this.options.multiStreamAppend) throw new UnsupportedError('multiStreamAppend', '25.1');
    this.requireStringMetadata(
      requests.flatMap((request) => request.events),
      'multiStreamAppend',
    );
    this.calls.multiStreamAppend += 1;
    await tick();
    for (const request of requests) {
      if (!this.check(request.streamName, request.expectedState)) {
        const actual = this.lastRevision(request.streamName);
        throw new WrongExpectedVersionError(undefined, {
          streamName: request.streamName,
          expected: request.expectedState,
          current: actual < 0 ? 'no_stream' : BigInt(actual),
        });
      }
    }
    const written = requests.flatMap((request) =>
      request.events.map((event) => this.write(request.streamName, this.withSchemaProperties(event))),
    );
    this.noise();
    return this.multiResult(written);
  }

  private multiResult(written: StoredRecord[]): MultiAppendResult {
    const revisions = new Map<string, bigint>();
    for (const record of written) revisions.set(record.streamId, record.revision);
    return {
      position: written[written.length - 1].position,
      responses: [...revisions].map(([streamName, revision]) => ({ streamName, revision })),
    };
  }

  private resolved(record: StoredRecord): AllStreamResolvedEvent {
    const position: Position = { commit: record.position, prepare: record.position };
    return {
      event: {
        streamId: record.streamId,
        id: record.id,
        revision: record.revision,
        type: record.type,
        data: record.data,
        metadata: record.metadata,
        isJson: record.isJson,
        created: record.created,
        position,
      },
      commitPosition: record.position,
    } as AllStreamResolvedEvent;
  }

  private async *readStream(streamId: string, options: KurrentReadStreamOptions): AsyncIterableIterator<ResolvedEvent> {
    this.calls.readStream += 1;
    await tick();
    const all = this.streams.get(streamId) ?? [];
    const maxCount = this.maxCounts.get(streamId);
    const visible = maxCount === undefined ? all : all.slice(-maxCount);
    if (visible.length === 0) throw new StreamNotFoundError(undefined, streamId);
    const backwards = options.direction === 'backwards';
    const from = options.fromRevision ?? (backwards ? END : 'start');
    const limit = Number(options.maxCount ?? Number.MAX_SAFE_INTEGER);
    let selected: StoredRecord[];
    if (backwards) {
      const upTo = from === END || from === 'start' ? Infinity : Number(from);
      selected = visible.filter((record) => Number(record.revision) <= upTo).reverse();
    } else {
      const start = from === 'start' ? 0 : from === END ? Infinity : Number(from);
      selected = visible.filter((record) => Number(record.revision) >= start);
    }
    for (const record of selected.slice(0, limit)) yield this.resolved(record);
  }

  private async *readAll(options: KurrentReadAllOptions): AsyncIterableIterator<AllStreamResolvedEvent> {
    this.calls.readAll += 1;
    await tick();
    const backwards = options.direction === 'backwards';
    const from = options.fromPosition ?? (backwards ? END : 'start');
    let startIndex: number;
    if (from === 'start') startIndex = backwards ? -1 : 0;
    else if (from === END) startIndex = backwards ? this.log.length - 1 : this.log.length;
    else {
      startIndex = this.log.findIndex((record) => record.position === from.commit && from.prepare === from.commit);
      if (startIndex < 0 && from.commit === this.nextPosition) startIndex = this.log.length;
      if (startIndex < 0) {
        this.calls.invalidPositions += 1;
        throw new UnknownError(undefined, `Invalid position: no record starts at ${from.commit}`);
      }
    }
    const limit = Number(options.maxCount ?? Number.MAX_SAFE_INTEGER);
    const snapshot = this.log.slice();
    let yielded = 0;
    for (
      let index = startIndex;
      index >= 0 && index < snapshot.length && yielded < limit;
      index += backwards ? -1 : 1
    ) {
      const record = snapshot[index];
      if (!matches(options.filter, record)) continue;
      yielded += 1;
      yield this.resolved(record);
    }
  }

  private subscribeToAll(options: SubscribeToAllOptions): AllStreamSubscription {
    if (options.fromPosition !== END) throw new Error('the in-memory stand-in only subscribes from END');
    const stream = new PassThrough({ objectMode: true });
    const notify = (record: StoredRecord) => {
      if (matches(options.filter, record)) stream.write(this.resolved(record));
    };
    this.live.add(notify);
    const subscription = Object.assign(stream, {
      unsubscribe: async () => {
        this.live.delete(notify);
        stream.end();
      },
    });
    return subscription as unknown as AllStreamSubscription;
  }
}
