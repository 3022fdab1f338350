import { AuditedEvent, LoggedEvent, NewEvent, RecordedEvent } from './event';
import { ExpectedRevision } from './expected-revision';
import { LogRows } from './log-rows';
import { VerificationReport } from './verification';

export interface StreamAppend {
  streamId: string;
  /**
   * The events to append. Empty, beside other streams, makes the stream a guard: the append
   * fails unless it is still at `expectedRevision`, and nothing is appended to it.
   */
  events: NewEvent[];
  expectedRevision: ExpectedRevision;
}

export interface AppendedEvent {
  streamId: string;
  eventId: string;
  revision: number;
  position: number;
}

export interface AppendResult {
  /** Per stream, in the order given: the revision to expect for the next append. */
  streams: { streamId: string; nextExpectedRevision: number }[];
  events: AppendedEvent[];
  /** Global position of the last appended event. */
  lastPosition: number;
}

export interface ImportOptions {
  /** Events per atomic append; by default what suits the adapter (PostgreSQL 5,000, KurrentDB 1,000). */
  chunkSize?: number;
  /**
   * Chunks (PostgreSQL) or appends (KurrentDB) in flight at once; by default one. One at a time,
   * the history is stored in the order given: every append's events stand after every earlier
   * append's in the global log, so a history whose streams refer to each other (a teacher, then
   * the teacher's enrollment) replays as it was written. More than one may let a later chunk
   * take its positions before an earlier one: only for histories whose streams are independent.
   * PostgreSQL reads and encodes the next chunk while one is stored, either way.
   */
  concurrency?: number;
  /**
   * The store is empty and the history is all of it (a first load): PostgreSQL then loads it in
   * one transaction and builds its unique indexes after the rows are in, which needs the tables'
   * owner and keeps readers waiting until it commits. A duplicate event id is refused when the
   * indexes are built, and a failure or crash leaves the store empty. Refused if the store holds
   * anything. Other adapters import as usual.
   */
  emptyStore?: boolean;
  onProgress?(eventsImported: number): void;
}

/** How `loadLog` goes: see there. */
export interface LoadLogOptions {
  /**
   * The caller's last word, once every event is in and before anything is committed: a rejection
   * refuses the load (tip import-log checks the log's Merkle tree against its signed heads here).
   */
  beforeCommit?(): Promise<void>;
  onProgress?(eventsLoaded: number): void;
}

export interface ImportResult {
  eventsImported: number;
  lastPosition: number;
}

export interface StreamAppendResult {
  streamId: string;
  nextExpectedRevision: number;
  events: AppendedEvent[];
  lastPosition: number;
}

export interface ReadStreamOptions {
  /** Revision to start at (inclusive); defaults to the first event, or the last when reading backwards. */
  from?: number;
  direction?: 'forwards' | 'backwards';
  maxCount?: number;
}

export interface ReadAllOptions {
  /** Global position to start at (inclusive); 0 reads from the beginning. */
  fromPosition?: number;
  maxCount?: number;
  /**
   * The metadata read from its stored text when first asked for more than its business time and
   * schema version (a full rebuild reads every event and little of its metadata). Such metadata
   * is for reading and JSON.stringify, not for spreading or structured cloning. A store may
   * ignore it.
   */
  lazyMetadata?: boolean;
}

/** Where a named subscription resumes after a restart. */
export interface CheckpointStore {
  load(subscriptionName: string): Promise<number | undefined>;
  store(subscriptionName: string, position: number): Promise<void>;
}

export interface SubscriptionOptions {
  /** Identifies the subscription: its checkpoint and its lease (one running instance per name). */
  name: string;
  /** Handles one batch; the next batch is read only once this resolves (back-pressure). */
  handle(events: RecordedEvent[]): Promise<void>;
  /** Where the checkpoint lives; defaults to the event store's own checkpoint table. */
  checkpoints?: CheckpointStore;
  /** Position to start after when no checkpoint is stored; default 0 (from the beginning). */
  startAfter?: number;
  batchSize?: number;
  /** Retries of a failing batch, with backoff, before the subscription stops. */
  maxRetries?: number;
  /**
   * The handler writes the position with its effects, refusing a batch another instance took
   * in first (as the read models' runner does): a lease then needs no proof after every batch,
   * only now and then (so a lost one stands down soon).
   */
  handlerGuardsCheckpoint?: boolean;
  /**
   * A checkpoint lost in a crash of the store's database only hands events to the handler again,
   * which whoever it passes them on to passes over (the Kafka relay: its consumers keep the
   * highest position they applied). A store may then commit the checkpoint without waiting for it
   * to be durable.
   */
  checkpointMayLag?: boolean;
  /**
   * Following live appends, a page is read at least this long after the one before began
   * (unless that one was full): appends arriving meanwhile go in one page, not one each. Default 0.
   */
  minPageIntervalMs?: number;
}

export interface Subscription {
  readonly name: string;
  /** Position of the last event handled. */
  readonly position: number;
  /** Resolves once every event committed before the call has been handled. */
  whenCaughtUp(): Promise<void>;
  /** Stops after the batch in hand; resolves when stopped and the lease is released. */
  stop(): Promise<void>;
  /** Settles when the subscription ends: resolved by stop(), rejected when it gives up. */
  readonly finished: Promise<void>;
}

export interface EventStoreStats {
  /** Position of the newest committed event. */
  headPosition: number;
  /** Position up to which readers may safely read: no older transaction is still open. */
  safePosition: number;
  /** Committed events that readers cannot see yet because an older transaction is still open. */
  heldBackEvents: number;
  /** Age of the oldest open writing transaction in this database, 0 when none. */
  oldestOpenTransactionSeconds: number;
}

export interface ScanLogOptions {
  pageSize?: number;
  /**
   * Events as log rows (LogRows) rather than LoggedEvents where the store reads them as such
   * (PostgreSQL): a verifier hashes them without decoding. A store may give events anyway.
   */
  rows?: boolean;
}

export interface ScanAllOptions {
  /** Global position to start at (inclusive); 0 reads from the beginning. */
  fromPosition?: number;
  /** Events a page, about; default 1,000. */
  pageSize?: number;
  /** As ReadAllOptions.lazyMetadata. */
  lazyMetadata?: boolean;
}

/** One step of a whole-log scan (scanLog), in this order: start, then events, then stream heads. */
export type LogScanItem =
  | {
      kind: 'start';
      /**
       * Readers' horizon when the scan began: every event up to here is committed and no open
       * transaction can still add one before it. A Merkle tree may cover this prefix.
       */
      safePosition: number;
    }
  | { kind: 'events'; events: LoggedEvent[] }
  /**
   * Events as the bytes they are stored as, when asked for (`rows: true`) and the store has them
   * so; valid until the scan's next step (the store reuses the buffer).
   */
  | { kind: 'rows'; rows: LogRows }
  /** Where the store keeps each stream's end apart from its events (PostgreSQL's tip_streams). */
  | { kind: 'heads'; heads: { streamId: string; revision: number; lastHash: string }[] };

/** The port every event store adapter implements; the contract suite holds them to it. */
export interface EventStore {
  /**
   * Whether loadLog loads in one transaction, so that a refusal (a failed check, `beforeCommit`
   * rejecting) leaves the store empty: PostgreSQL does; KurrentDB does not (see loadLog).
   * `tip import-log` loads only into a store that does.
   */
  readonly loadsLogAtomically: boolean;
  appendToStream(
    streamId: string,
    events: NewEvent[],
    options?: { expectedRevision?: ExpectedRevision },
  ): Promise<StreamAppendResult>;
  /** Appends to several streams atomically, each with its own expected revision. */
  appendToStreams(appends: StreamAppend[]): Promise<AppendResult>;
  /**
   * Loads history in bulk: many streams, read as they come (an iterable or a stream), in atomic
   * chunks, in the order given (see ImportOptions.concurrency). Each chunk keeps its streams'
   * expected revisions. A rerun after a
   * failure finds, stream by stream, what is stored and goes on, whatever its chunk size; only
   * a stream longer than a chunk, stored in parts, needs the chunk size of the run it resumes.
   */
  importEvents(
    appends: Iterable<StreamAppend> | AsyncIterable<StreamAppend>,
    options?: ImportOptions,
  ): Promise<ImportResult>;
  /**
   * Loads another store's log, exactly as it was stored (pages of LoggedEvents, as readLog and
   * scanLog give them and `tip export-log` writes them, or of LogRows, as scanLog({ rows: true })
   * gives them), into this store, which must be empty: moving a province
   * to a new server, restoring from an auditor's export. Each event keeps its texts (data and
   * metadata byte for byte: its content hash was taken over them), times, event id, revision and
   * chain hash; nothing is re-encoded. The store checks the log's order as it reads (positions
   * increasing, each stream's revisions from 0 without a gap, ids, hashes and times well formed)
   * and refuses the first event out of order, naming it (InvalidAppendError, field
   * `log[<index>].<field>`); it stores the hashes as given, so whoever loads a log it did not make
   * checks them against the texts (the audit library's verifyLog, as `tip import-log` does, over
   * the very events given here) and refuses in `beforeCommit`. PostgreSQL loads in one
   * transaction, keeping the positions given (gaps too): any refusal leaves the store empty.
   * KurrentDB numbers positions itself (keeping the order) and has no transaction over many
   * streams: it appends stream by stream and runs `beforeCommit` after everything is appended, so
   * what was appended before a refusal stays (see loadsLogAtomically).
   */
  loadLog(
    pages: Iterable<LoggedEvent[] | LogRows> | AsyncIterable<LoggedEvent[] | LogRows>,
    options?: LoadLogOptions,
  ): Promise<ImportResult>;
  readStream(streamId: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;
  /** Several whole streams in one go (one round trip where the store allows), keyed by stream id. */
  readStreams(streamIds: string[]): Promise<Map<string, RecordedEvent[]>>;
  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]>;
  /**
   * What readAll gives from `fromPosition` on, page after page, up to where readAll would stop when
   * the scan starts; read in one go where the store can (PostgreSQL: one binary COPY, no query a
   * page): a full rebuild's read. What is appended meanwhile is readAll's to read afterwards.
   */
  scanAll(options?: ScanAllOptions): AsyncIterable<RecordedEvent[]>;
  /** Events as stored (not upcast) with their hashes, for auditors. */
  readStreamForAudit(streamId: string): Promise<AuditedEvent[]>;
  /**
   * The global log as stored, in order, with readAll's guarantee (nothing a late commit could
   * still precede): what the Merkle tree is built from and auditors export.
   */
  readLog(options?: ReadAllOptions): Promise<LoggedEvent[]>;
  /**
   * The whole log in global order in one consistent view, a page at a time, for verification:
   * beyond readLog's safe prefix it includes whatever else the view holds, and afterwards the
   * store's own record of each stream's end where it keeps one.
   */
  scanLog(options?: ScanLogOptions): AsyncIterable<LogScanItem>;
  subscribeToAll(options: SubscriptionOptions): Subscription;
  /** Walks every stream's hash chain and names the first altered, inserted or missing event. */
  verify(options?: { onProgress?: (eventsChecked: number) => void }): Promise<VerificationReport>;
  stats(): Promise<EventStoreStats>;
  close(): Promise<void>;
}
