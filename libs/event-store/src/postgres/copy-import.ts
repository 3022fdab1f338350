import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import { DatabaseError, Pool, PoolClient } from 'pg';
import { CopyStreamQuery, from as copyFrom } from 'pg-copy-streams';
import {
  DuplicateEventIdError,
  InvalidAppendError,
  StoreNotEmptyError,
  WrongExpectedRevisionError,
} from '../port/errors';
import { ExpectedRevision } from '../port/expected-revision';
import { hash } from 'node:crypto';
import { chainHashBinary, GENESIS_HASH, GENESIS_HASH_HEX } from '../port/hash-chain';
import { ParsedInstant, parseIsoInstant } from '../port/iso-instant';
import { LoggedEvent } from '../port/event';
import { ImportResult, LoadLogOptions, StreamAppend } from '../port/event-store';
import { LoadedHead, LogLoadChecks, LogRowsWriter } from '../port/log-load';
import { LOG_ROW_FIELDS, logRowFields, LogRowField, LogRows, readInt64 } from '../port/log-rows';
import { AppendPreparer, NO_STREAM, PrepareContext, PreparedStream, StreamHeads } from './append-payload';

/** What a chunk written with COPY amounts to. */
export interface CopiedChunk {
  eventCount: number;
  lastPosition: number;
}

/** One stream of an encoded chunk: what the reservation, the patching and a retry need. */
export interface EncodedStream {
  streamId: string;
  expected: number;
  eventIds: string[];
  /** no_stream: the chain's last hash (hex), hashed from the genesis hash while encoding. */
  last?: string;
  /** Any other stream: its events' content hashes (binary strings), chained once its head is known. */
  contentHashes?: string[];
}

/**
 * A chunk of the bulk import in PostgreSQL's binary COPY format, encoded before its transaction
 * starts. What only the reservation can tell (positions, the transaction id, the revisions and
 * hashes of streams that already exist) is left blank at fixed offsets and written in after.
 */
export interface EncodedImport {
  streams: EncodedStream[];
  eventCount: number;
  pieces: Buffer[];
  /** Where each row starts, by piece: rows never straddle two pieces. */
  rowPiece: number[];
  rowOffset: number[];
}

/** Rows are written in pieces of about this many bytes. */
const PIECE = 1 << 18;
/** PostgreSQL's binary COPY header: signature, flags, header extension length. */
const BINARY_HEADER = Buffer.concat([Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1'), Buffer.alloc(8)]);
/**
 * Columns in the order rows are written: the ones filled in after the reservation come first,
 * each at a fixed offset from the row's start (after the 2-byte column count, each value is
 * preceded by its 4-byte length).
 */
const COPY_COLUMNS =
  'position, transaction_id, stream_revision, hash, stream_id, event_id, event_type, schema_version, data, metadata, business_time, recorded_time';
const COLUMN_COUNT = 12;
const POSITION_AT = 2 + 4;
const TRANSACTION_AT = POSITION_AT + 8 + 4;
const REVISION_AT = TRANSACTION_AT + 8 + 4;
const HASH_AT = REVISION_AT + 8 + 4;
const HEX_VALUE = new Uint8Array(128);
for (let digit = 0; digit < 16; digit++) {
  HEX_VALUE['0123456789abcdef'.charCodeAt(digit)] = digit;
  HEX_VALUE['0123456789ABCDEF'.charCodeAt(digit)] = digit;
}

/**
 * Writes rows in PostgreSQL's binary COPY format straight into buffers: the server then parses
 * no numbers, ids, times or hex, which halves its work per event (JSON is sent as its text).
 */
class BinaryRowWriter {
  readonly pieces: Buffer[] = [];
  private buffer = Buffer.allocUnsafe(PIECE);
  private at: number;
  /** Bytes in the pieces already cut. */
  private cutBytes = 0;
  private lastInstant = { text: '', seconds: 0, microseconds: 0 };

  /** `header`: whether these rows begin the COPY data (a load of many pages sends it once). */
  constructor(
    private readonly rowPiece: number[],
    private readonly rowOffset: number[],
    header = true,
  ) {
    this.at = header ? BINARY_HEADER.copy(this.buffer) : 0;
  }

  /** Starts row `row`; `textLength` is the UTF-16 length of its four texts. */
  startRow(row: number, textLength: number): void {
    // Every column's length word, the fixed-size values, and UTF-8's worst case for the texts.
    const bytes = 2 + COLUMN_COUNT * 4 + 5 * 8 + 4 + 16 + 32 + textLength * 3;
    if (this.at + bytes > this.buffer.length) {
      this.cut();
      if (bytes > this.buffer.length) this.buffer = Buffer.allocUnsafe(bytes);
    }
    this.rowPiece[row] = this.pieces.length;
    this.rowOffset[row] = this.at;
    this.buffer.writeInt16BE(COLUMN_COUNT, this.at);
    this.at += 2;
  }

  /** Room for an 8-byte value written later (see `patchInt64`). */
  int64Blank(): void {
    this.buffer.writeInt32BE(8, this.at);
    // Zeros rather than whatever the unsafe allocation held: the same events always encode alike.
    this.buffer.writeInt32BE(0, this.at + 4);
    this.buffer.writeInt32BE(0, this.at + 8);
    this.at += 12;
  }

  int64(value: number): void {
    this.buffer.writeInt32BE(8, this.at);
    writeInt64(this.buffer, this.at + 4, value);
    this.at += 12;
  }

  int32(value: number): void {
    this.buffer.writeInt32BE(4, this.at);
    this.buffer.writeInt32BE(value, this.at + 4);
    this.at += 8;
  }

  /** The buffer the row is being written in. */
  get current(): Buffer {
    return this.buffer;
  }

  /** Where the next value goes in `current`. */
  get position(): number {
    return this.at;
  }

  text(value: string): void {
    const length = this.buffer.write(value, this.at + 4, 'utf8');
    this.buffer.writeInt32BE(length, this.at);
    this.at += 4 + length;
  }

  /** A UUID (validated: 8-4-4-4-12 hex digits) as its 16 bytes. */
  uuid(value: string): void {
    this.buffer.writeInt32BE(16, this.at);
    let at = this.at + 4;
    for (let index = 0; index < 36; index += 2) {
      if (index === 8 || index === 13 || index === 18 || index === 23) index += 1;
      this.buffer[at++] = (HEX_VALUE[value.charCodeAt(index)] << 4) | HEX_VALUE[value.charCodeAt(index + 1)];
    }
    this.at = at;
  }

  /**
   * An ISO-8601 instant (validated: see parseIsoInstant) as a timestamptz. The last one is
   * remembered: the events of a chunk share their recorded time.
   */
  instant(value: string): void {
    let parsed = this.lastInstant;
    if (value !== parsed.text) {
      const instant = parseIsoInstant(value);
      if (instant === undefined) throw new Error(`not an ISO-8601 instant: ${value}`);
      parsed = { text: value, ...instant };
      this.lastInstant = parsed;
    }
    this.parsedInstant(parsed);
  }

  /** An instant already read (the business time, read while validating it). */
  parsedInstant(parsed: ParsedInstant): void {
    this.buffer.writeInt32BE(8, this.at);
    // Within about 285 years of 2000 the microseconds are an exact double; beyond, use BigInt.
    if (Math.abs(parsed.seconds) < 9e9)
      writeInt64(this.buffer, this.at + 4, parsed.seconds * 1e6 + parsed.microseconds);
    else this.buffer.writeBigInt64BE(BigInt(parsed.seconds) * 1_000_000n + BigInt(parsed.microseconds), this.at + 4);
    this.at += 12;
  }

  /** A SHA-256 hash given in hex, or room for one when there is none yet. */
  hash(hex: string | undefined): void {
    this.buffer.writeInt32BE(32, this.at);
    if (hex !== undefined) this.buffer.write(hex, this.at + 4, 32, 'hex');
    else this.buffer.fill(0, this.at + 4, this.at + 36);
    this.at += 36;
  }

  /** Ends the data: the trailer, and the last piece cut to size. */
  end(): Buffer[] {
    if (this.at + 2 > this.buffer.length) this.cut();
    this.buffer.writeInt16BE(-1, this.at);
    this.at += 2;
    this.pieces.push(this.filled());
    return this.pieces;
  }

  /** The rows written, without the trailer: more rows of the same COPY follow. */
  rows(): Buffer[] {
    this.pieces.push(this.filled());
    return this.pieces;
  }

  /** Bytes written so far. */
  get bytes(): number {
    return this.cutBytes + this.at;
  }

  /** What the current buffer holds. One made for a large row was sized for UTF-8's worst case: that is copied out to size. */
  private filled(): Buffer {
    const filled = this.buffer.subarray(0, this.at);
    return this.buffer.length > PIECE ? Buffer.from(filled) : filled;
  }

  private cut(): void {
    this.cutBytes += this.at;
    this.pieces.push(this.filled());
    this.buffer = Buffer.allocUnsafe(PIECE);
    this.at = 0;
  }
}

function writeInt64(buffer: Buffer, at: number, value: number): void {
  const high = Math.floor(value / 0x1_0000_0000);
  buffer.writeInt32BE(high, at);
  buffer.writeUInt32BE(value - high * 0x1_0000_0000, at + 4);
}

/** Hashes as binary strings (one character a byte): crypto's hash gives them without a Buffer of their own. */
const GENESIS_BINARY = GENESIS_HASH.toString('latin1');

/** A hash given as a binary string, into `buffer` at `at`. */
function writeBinary(buffer: Buffer, at: number, binary: string): void {
  for (let index = 0; index < 32; index++) buffer[at + index] = binary.charCodeAt(index);
}

/**
 * Encodes a prepared chunk, a stream at a time. Streams created here (no_stream) are chained
 * from the genesis hash now and their revisions are known; every other stream's revisions and
 * hashes wait for the reservation. Only buffers, ids and hashes outlive the encoder, not the
 * events' texts.
 */
export class ImportEncoder {
  private readonly streams: EncodedStream[] = [];
  private readonly rowPiece: number[] = [];
  private readonly rowOffset: number[] = [];
  private readonly out = new BinaryRowWriter(this.rowPiece, this.rowOffset);
  private eventCount = 0;

  /**
   * Each event's content hash is worked out here as a binary string (PreparedEvent's own is hex,
   * which costs a conversion each way): a stream created here is chained at once and its hashes
   * written into its rows; any other stream's content hashes wait for the reservation
   * (fillInReservation).
   */
  encodeStream(stream: PreparedStream): void {
    const encoded: EncodedStream = { streamId: stream.streamId, expected: stream.expected, eventIds: stream.eventIds };
    this.streams.push(encoded);
    if (stream.events.length === 0) return;
    let previous = stream.expected === NO_STREAM ? GENESIS_BINARY : undefined;
    const contentHashes: string[] = [];
    const out = this.out;
    for (let index = 0; index < stream.events.length; index++) {
      const event = stream.events[index];
      out.startRow(
        this.eventCount++,
        stream.streamId.length + event.type.length + event.dataJson.length + event.metadataJson.length,
      );
      out.int64Blank(); // position
      out.int64Blank(); // transaction id
      if (previous !== undefined) out.int64(index);
      else out.int64Blank(); // revision
      const hashAt = out.position + 4;
      out.hash(undefined);
      out.text(stream.streamId);
      out.uuid(event.eventId);
      out.text(event.type);
      out.int32(event.schemaVersion);
      out.text(event.dataJson);
      out.text(event.metadataJson);
      // As contentHashHexOfCanonical, as a binary string: hashing the texts costs less than copying their bytes together.
      const content = hash(
        'sha256',
        `{"data":${event.dataJson},"metadata":${event.metadataJson}${event.hashedTail}`,
        'binary',
      );
      if (previous !== undefined) {
        previous = chainHashBinary(previous, content);
        writeBinary(out.current, hashAt, previous);
      } else contentHashes.push(content);
      out.parsedInstant(event.businessInstant);
      out.instant(event.recordedTime);
    }
    if (previous !== undefined) encoded.last = Buffer.from(previous, 'latin1').toString('hex');
    else encoded.contentHashes = contentHashes;
  }

  /** Bytes encoded so far. */
  get bytes(): number {
    return this.out.bytes;
  }

  finish(): EncodedImport {
    return {
      streams: this.streams,
      eventCount: this.eventCount,
      pieces: this.out.end(),
      rowPiece: this.rowPiece,
      rowOffset: this.rowOffset,
    };
  }
}

/** Events validated and encoded between two turns of the event loop: about a millisecond's work. */
const EVENTS_PER_TURN = 150;

/** How large an import chunk may grow: at most `events` events, and it closes once it holds `bytes`. */
export interface ChunkLimits {
  events: number;
  bytes: number;
}

/**
 * Validates and encodes history as it is read, into chunks of at most `limits.events` events
 * (one transaction each), closed early once they hold `limits.bytes`. Each append is encoded as
 * soon as it is read, so neither events nor large chunks pile up in memory; a stream longer than
 * a chunk becomes an item of its own, made of parts that must go one after another (see
 * encodeParts). The event loop gets a turn every few hundred events, so database replies are not
 * kept waiting meanwhile. Errors name appends by their place in the whole history
 * (`appends[12345].events[0]...`).
 */
export async function* encodeForImport(
  appends: Iterable<StreamAppend> | AsyncIterable<StreamAppend>,
  limits: ChunkLimits,
  context: () => PrepareContext,
): AsyncGenerator<Iterable<EncodedImport>> {
  const chunkSize = limits.events;
  let preparer = new AppendPreparer(context());
  let encoder = new ImportEncoder();
  let streams = 0;
  let packed = 0;
  let sinceTurn = 0;
  let index = 0;
  const inChunk = new Set<string>();
  const finish = (): EncodedImport[] => {
    inChunk.clear();
    preparer.finish();
    const chunk = encoder.finish();
    preparer = new AppendPreparer(context());
    encoder = new ImportEncoder();
    streams = 0;
    packed = 0;
    return [chunk];
  };
  const turn = async (events: number) => {
    sinceTurn += events;
    if (sinceTurn < EVENTS_PER_TURN) return;
    sinceTurn = 0;
    await new Promise((resolve) => setImmediate(resolve));
  };
  for await (const append of appends) {
    const field = `appends[${index++}].`;
    const count = Array.isArray(append?.events) ? append.events.length : 0;
    if (count > chunkSize) {
      if (streams > 0) yield finish();
      yield encodeParts(append, field, chunkSize, context);
      continue;
    }
    // Full by bytes closes only before a stream with events: a chunk of guards alone appends nothing.
    // A stream met again goes in the next chunk: one transaction appends to a stream once.
    const again = typeof append?.streamId === 'string' && inChunk.has(append.streamId);
    if (streams > 0 && (again || packed + count > chunkSize || (count > 0 && encoder.bytes >= limits.bytes)))
      yield finish();
    if (typeof append?.streamId === 'string') inChunk.add(append.streamId);
    encoder.encodeStream(preparer.prepareStream(append, field, false));
    streams += 1;
    packed += count;
    await turn(count);
  }
  if (streams > 0) yield finish();
}

/**
 * A stream longer than a chunk, in parts that go one after another, each expecting the revision
 * the last one left. Each part is encoded only when it is asked for, after the last is stored.
 */
function* encodeParts(
  append: StreamAppend,
  field: string,
  chunkSize: number,
  context: () => PrepareContext,
): Generator<EncodedImport> {
  let expectedRevision = append.expectedRevision;
  for (let offset = 0; offset < append.events.length; offset += chunkSize) {
    const events = append.events.slice(offset, offset + chunkSize);
    const preparer = new AppendPreparer(context());
    const encoder = new ImportEncoder();
    encoder.encodeStream(
      preparer.prepareStream({ streamId: append.streamId, expectedRevision, events }, field, true, offset),
    );
    preparer.finish();
    yield encoder.finish();
    expectedRevision = typeof expectedRevision === 'number' ? expectedRevision + events.length : 'stream_exists';
  }
}

/** The end of the binary COPY data. */
const TRAILER = Buffer.from([0xff, 0xff]);

/**
 * The chunk without the given streams' rows: what is left to store of a chunk whose other
 * streams an earlier run stored already. Rows keep their bytes; positions and the like are
 * filled in again by the new chunk's own reservation.
 */
export function withoutStreams(chunk: EncodedImport, stored: ReadonlySet<string>): EncodedImport {
  const streams: EncodedStream[] = [];
  const rows: Buffer[] = [BINARY_HEADER];
  const rowPiece: number[] = [];
  const rowOffset: number[] = [];
  let at = BINARY_HEADER.length;
  let row = 0;
  for (const stream of chunk.streams) {
    const count = stream.eventIds.length;
    if (stored.has(stream.streamId)) {
      row += count;
      continue;
    }
    streams.push(stream);
    for (let index = 0; index < count; index++, row++) {
      const bytes = rowBytes(chunk, row);
      rowPiece.push(0);
      rowOffset.push(at);
      rows.push(bytes);
      at += bytes.length;
    }
  }
  rows.push(TRAILER);
  return { streams, eventCount: rowOffset.length, pieces: [Buffer.concat(rows)], rowPiece, rowOffset };
}

/** Row `row` of a chunk: to the next row in its piece, else to the end of the piece (the last piece ends with the trailer). */
function rowBytes(chunk: EncodedImport, row: number): Buffer {
  const pieceIndex = chunk.rowPiece[row];
  const piece = chunk.pieces[pieceIndex];
  const start = chunk.rowOffset[row];
  if (row + 1 < chunk.eventCount && chunk.rowPiece[row + 1] === pieceIndex)
    return piece.subarray(start, chunk.rowOffset[row + 1]);
  return piece.subarray(start, pieceIndex === chunk.pieces.length - 1 ? piece.length - TRAILER.length : piece.length);
}

interface Reservation {
  transaction_id: string;
  first_position: string;
  start_revisions: string[];
  start_hashes: (Buffer | null)[];
}

/** A point a chunk of an ordered import reaches, or fails before: the next chunk waits for it. */
class Gate {
  readonly reached: Promise<void>;
  private settled = false;
  private open!: () => void;
  private shut!: (error: unknown) => void;

  constructor() {
    this.reached = new Promise<void>((resolve, reject) => {
      this.open = resolve;
      this.shut = reject;
    });
    // Whoever waits on it hears of a failure; nobody waiting is no unhandled rejection.
    this.reached.catch(() => undefined);
  }

  pass(): void {
    this.settled = true;
    this.open();
  }

  fail(error: unknown): void {
    if (this.settled) return;
    this.settled = true;
    this.shut(error);
  }
}

/**
 * How far one chunk of an ordered import has got. The next chunk reserves its positions only
 * once this one's rows are in (so positions, and transaction ids, follow the history's order,
 * and no two chunks' rows wait on each other's unique keys), and commits only after this one
 * has. `done` says whether the chunk was finally stored, on its first try or after recovery.
 */
export class ChunkStages {
  readonly copied = new Gate();
  readonly committed = new Gate();
  readonly done: Promise<boolean>;
  finish!: (stored: boolean) => void;
  /** The chunk's streams: a chunk that shares one waits for this one's commit (see copyAppend). */
  readonly streamIds: Set<string>;

  constructor(chunk: EncodedImport) {
    this.streamIds = new Set(chunk.streams.map((stream) => stream.streamId));
    this.done = new Promise<boolean>((resolve) => (this.finish = resolve));
  }

  fail(error: unknown): void {
    this.copied.fail(error);
    this.committed.fail(error);
  }
}

/** A chunk given up because the one before it failed: it goes again once that one is settled. */
export class ChunkOutOfTurn extends Error {
  constructor() {
    super('the chunk before this one failed: it is stored again after that one');
  }
}

/**
 * Where the streams an import stored end: revision and hash, the hash as a binary string. The
 * next chunk that appends to one of them chains its events from there itself and gives that head
 * with its reservation, which then writes the stream's row once (tip_reserve_import, migration 6)
 * instead of once for the revision and again for the new head. Bounded: an import's memory does
 * not grow with the number of streams, and a stream forgotten costs only the second write.
 */
export class ImportHeads extends StreamHeads {
  constructor(capacity = IMPORT_HEADS) {
    super(capacity);
  }

  /** A stream's head as stored now, whatever was held before (a rolled-back chunk's is not). */
  store(streamId: string, revision: number, hash: string): void {
    this.forget(streamId);
    this.advance(streamId, { revision, hash });
  }
}

/** Streams whose heads an import keeps: about 15 MB. */
const IMPORT_HEADS = 100_000;

/** A stream's new chain, hashed before the reservation from the head the import stored. */
interface ChainedAhead {
  revision: number;
  /** The head's hash, where the chain starts. */
  from: string;
  chain: string[];
}

/**
 * The bulk path: the same reservation and expected-revision checks as every append
 * (`tip_reserve_import`), then the encoded rows sent with COPY, all in one transaction. A stream
 * created here had its chain hashed while encoding, and the reservation stores its head; any
 * other stream is chained from the head the reservation hands back, and its new head is stored
 * before commit. With `previous`, the chunk keeps its turn after that one (see ChunkStages): its
 * rows go in while the previous chunk commits.
 */
export async function copyAppend(
  pool: Pool,
  chunk: EncodedImport,
  order?: { previous?: ChunkStages; stages: ChunkStages },
  heads?: ImportHeads,
): Promise<CopiedChunk> {
  const inTurn = async (gate: Gate | undefined) => {
    if (gate) await gate.reached.catch(() => Promise.reject(new ChunkOutOfTurn()));
  };
  try {
    // A stream the chunk before created is not there for this one until that one commits (an
    // uncommitted row is invisible, not locked): a chunk sharing a stream goes only after it.
    const previous = order?.previous;
    const shares = previous && chunk.streams.some((stream) => previous.streamIds.has(stream.streamId));
    await inTurn(shares ? previous.committed : previous?.copied);
  } catch (error) {
    order?.stages.fail(error);
    throw error;
  }
  const client = await pool.connect();
  // A connection whose rollback failed may still be inside the transaction: it is not reused.
  let broken = false;
  try {
    await client.query('begin');
    try {
      const ahead = chainAhead(chunk, heads);
      const reservation = await reserve(client, chunk, ahead);
      const moved = fillInReservation(chunk, reservation, ahead, heads);
      const copy = client.query(copyFrom(`copy tip_events (${COPY_COLUMNS}) from stdin (format binary)`));
      for (const piece of chunk.pieces) copy.write(piece);
      copy.end();
      await finished(copy);
      order?.stages.copied.pass();
      if (moved.streamIds.length > 0) {
        const { rowCount } = await client.query({
          name: 'tip_import_heads',
          text: `update tip_streams t set last_hash = decode(h.hash, 'hex')
                 from unnest($1::text[], $2::text[]) as h(stream_id, hash) where t.stream_id = h.stream_id`,
          values: [moved.streamIds, moved.hashes],
        });
        if (rowCount !== moved.streamIds.length)
          throw new Error(`stored ${rowCount} of ${moved.streamIds.length} stream heads`);
      }
      await inTurn(order?.previous?.committed);
      await client.query('commit');
      order?.stages.committed.pass();
      return { eventCount: chunk.eventCount, lastPosition: Number(reservation.first_position) + chunk.eventCount - 1 };
    } catch (error) {
      order?.stages.fail(error);
      // What this chunk would have left is not stored: its streams chain from the database again.
      if (heads) for (const stream of chunk.streams) heads.forget(stream.streamId);
      await client.query('rollback').catch(() => (broken = true));
      throw error;
    }
  } finally {
    client.release(broken);
  }
}

/** The chains of the chunk's existing streams whose heads the import knows, hashed from those heads. */
function chainAhead(chunk: EncodedImport, heads: ImportHeads | undefined): (ChainedAhead | undefined)[] {
  const ahead: (ChainedAhead | undefined)[] = [];
  if (!heads) return ahead;
  chunk.streams.forEach((stream, index) => {
    const contentHashes = stream.contentHashes;
    if (!contentHashes) return;
    const head = heads.get(stream.streamId);
    // An exact expectation that the head contradicts goes to the database as it is.
    if (head === undefined || (stream.expected >= 0 && stream.expected !== head.revision)) return;
    const chain = new Array<string>(contentHashes.length);
    let previous = head.hash;
    for (let event = 0; event < contentHashes.length; event++)
      chain[event] = previous = chainHashBinary(previous, contentHashes[event]);
    ahead[index] = { revision: head.revision, from: head.hash, chain };
  });
  return ahead;
}

const hexOf = (binary: string) => Buffer.from(binary, 'latin1').toString('hex');

/** Takes positions and checks every stream's expected revision; gives the chains hashed ahead with their heads. */
async function reserve(
  client: PoolClient,
  chunk: EncodedImport,
  ahead: (ChainedAhead | undefined)[],
): Promise<Reservation> {
  const streamsJson = chunk.streams
    .map((stream, index) => {
      const chained = ahead[index];
      let last = stream.last ? `,"last":"${stream.last}"` : '';
      if (chained)
        last = `,"last":"${hexOf(chained.chain[chained.chain.length - 1])}","headRevision":${chained.revision},"headHash":"${hexOf(chained.from)}"`;
      return `{"streamId":${JSON.stringify(stream.streamId)},"expected":${stream.expected},"n":${stream.eventIds.length}${last}}`;
    })
    .join(',');
  const { rows } = await client.query<Reservation>({
    name: 'tip_reserve_import',
    text: 'select transaction_id::text, first_position, start_revisions, start_hashes from tip_reserve_import($1::jsonb, $2)',
    values: [`[${streamsJson}]`, chunk.eventCount],
  });
  return rows[0];
}

/**
 * Writes positions and the transaction id into every row, and revisions and chain hashes into
 * the rows of streams that already existed: the chain hashed ahead where the reservation stored
 * its end, else chained from the start hash it handed back. Returns the heads still to store
 * (those chained here); `heads` learns where every stream now ends.
 */
function fillInReservation(
  chunk: EncodedImport,
  reservation: Reservation,
  ahead: (ChainedAhead | undefined)[] = [],
  heads?: ImportHeads,
): { streamIds: string[]; hashes: string[] } {
  const transaction = Number(reservation.transaction_id);
  const firstPosition = Number(reservation.first_position);
  const moved: { streamIds: string[]; hashes: string[] } = { streamIds: [], hashes: [] };
  let row = 0;
  chunk.streams.forEach((stream, index) => {
    const count = stream.eventIds.length;
    if (count === 0) return;
    const startRevision = Number(reservation.start_revisions[index]);
    const contentHashes = stream.contentHashes;
    let previous: string | undefined;
    let chain: string[] | undefined;
    if (contentHashes) {
      const start = reservation.start_hashes[index];
      if (start) previous = start.toString('latin1');
      else {
        chain = ahead[index]?.chain;
        if (!chain || ahead[index]?.revision !== startRevision)
          throw new Error(`tip_reserve_import gave no start hash for stream ${stream.streamId}`);
      }
    } else if (startRevision !== -1) {
      throw new Error(
        `tip_reserve_import appended to stream ${stream.streamId}, which a no_stream append expected to create`,
      );
    }
    for (let index = 0; index < count; index++, row++) {
      const piece = chunk.pieces[chunk.rowPiece[row]];
      const at = chunk.rowOffset[row];
      writeInt64(piece, at + POSITION_AT, firstPosition + row);
      writeInt64(piece, at + TRANSACTION_AT, transaction);
      if (contentHashes) {
        writeInt64(piece, at + REVISION_AT, startRevision + 1 + index);
        previous = chain ? chain[index] : chainHashBinary(previous as string, contentHashes[index]);
        writeBinary(piece, at + HASH_AT, previous);
      }
    }
    if (contentHashes && !chain) {
      moved.streamIds.push(stream.streamId);
      moved.hashes.push(hexOf(previous as string));
    }
    if (heads) {
      const last = previous ?? Buffer.from(stream.last ?? GENESIS_HASH_HEX, 'hex').toString('latin1');
      heads.store(stream.streamId, startRevision + count, last);
    }
  });
  return moved;
}

/** A unique key of tip_events found twice in a loaded history: the event id in PostgreSQL's words. */
function duplicateKeyError(error: unknown): DuplicateEventIdError | undefined {
  if (!(error instanceof DatabaseError) || error.code !== '23505') return undefined;
  const id = /\(event_id\)=\(([0-9a-f-]+)\)/.exec(error.detail ?? '')?.[1];
  return new DuplicateEventIdError(
    id ? [id] : [],
    `The history holds an event id twice: ${id ?? error.detail ?? 'unknown'} (each event is imported once); nothing was imported`,
  );
}

/**
 * Starts a first load (`who` names the caller in refusals), inside the client's open transaction:
 * the tables locked, found empty, their two unique indexes dropped (built again by
 * `endFirstLoad`). Gives the transaction's id and the next position of the sequence.
 */
async function beginFirstLoad(client: PoolClient, who: string): Promise<{ transactionId: string; first: number }> {
  // The history is read between chunks, inside the transaction: a slow reader gets minutes, not
  // the store's 10 s, before PostgreSQL ends the load (and rolls it back).
  await client.query(`set local idle_in_transaction_session_timeout = '5min'`);
  await client.query('lock table tip_streams, tip_events in access exclusive mode');
  const { rows: held } = await client.query<{ any: boolean }>(
    'select exists (select 1 from tip_events) or exists (select 1 from tip_streams) as any',
  );
  if (held[0].any) throw new StoreNotEmptyError(`${who}: the store already holds events or streams`);
  await client
    .query(
      'alter table tip_events drop constraint tip_events_stream_revision_key, drop constraint tip_events_event_id_key',
    )
    .catch((error: unknown) => {
      if (error instanceof DatabaseError && error.code === '42501')
        throw new Error(
          `${who} builds the unique indexes after the load, which only the owner of ` +
            'tip_events may do: run it connected as the owner',
        );
      throw error;
    });
  const { rows: started } = await client.query<{ transaction_id: string; first: string }>(
    `select pg_current_xact_id()::text as transaction_id, nextval('tip_event_position_seq') as first`,
  );
  return { transactionId: started[0].transaction_id, first: Number(started[0].first) };
}

/** Ends a first load before its commit: every stream's end, the unique indexes, the sequence. */
async function endFirstLoad(
  client: PoolClient,
  heads: Map<string, LoadedHead>,
  eventCount: number,
  lastPosition: number,
): Promise<void> {
  const streamRows = client.query(copyFrom('copy tip_streams (stream_id, revision, last_hash, prior_hash) from stdin'));
  let lines: string[] = [];
  for (const [streamId, head] of heads) {
    lines.push(`${copyText(streamId)}\t${head.revision}\t\\\\x${head.hash}\t\\\\x${head.prior}\n`);
    if (lines.length >= 1000 && !streamRows.write(lines.join(''))) await once(streamRows, 'drain');
    if (lines.length >= 1000) lines = [];
  }
  streamRows.end(lines.join(''));
  await finished(streamRows);
  // The indexes, each built by one sort; a duplicate event id is refused here, and nothing stays.
  await client.query(
    'alter table tip_events add constraint tip_events_stream_revision_key unique (stream_id, stream_revision), ' +
      'add constraint tip_events_event_id_key unique (event_id)',
  );
  if (eventCount > 0) await client.query(`select setval('tip_event_position_seq', $1)`, [lastPosition]);
}

/**
 * A whole history into an empty store, in one transaction, with the unique indexes built after
 * the rows are in: PostgreSQL then sorts each key once instead of inserting into two B-trees per
 * event. While it runs the tables are locked (readers wait); a failure, a duplicate event id
 * found when the indexes are built, or a crash (the transaction never commits) leaves the store as
 * it was: empty, with its constraints. Positions, revisions and chains are worked out here, as
 * tip_reserve_import would, since no one else may write meanwhile. Needs the owner of the tables.
 */
export async function loadIntoEmptyStore(
  pool: Pool,
  chunks: AsyncIterable<Iterable<EncodedImport>>,
  onChunk: (eventCount: number) => void,
): Promise<CopiedChunk> {
  const client = await pool.connect();
  let broken = false;
  try {
    await client.query('begin');
    try {
      const started = await beginFirstLoad(client, 'importEvents({ emptyStore: true })');
      const transactionId = started.transactionId;
      let position = started.first;
      let eventCount = 0;
      const heads = new Map<string, LoadedHead>();
      for await (const chunk of chunks) {
        for (const part of chunk) {
          const reservation = reserveInMemory(part, heads, transactionId, position);
          const moved = fillInReservation(part, reservation);
          moved.streamIds.forEach((streamId, index) => {
            const head = heads.get(streamId);
            if (head) head.hash = moved.hashes[index];
          });
          const copy = client.query(copyFrom(`copy tip_events (${COPY_COLUMNS}) from stdin (format binary)`));
          for (const piece of part.pieces) copy.write(piece);
          copy.end();
          await finished(copy);
          position += part.eventCount;
          eventCount += part.eventCount;
          onChunk(part.eventCount);
        }
      }
      await endFirstLoad(client, heads, eventCount, position - 1);
      await client.query('commit');
      return { eventCount, lastPosition: eventCount > 0 ? position - 1 : 0 };
    } catch (error) {
      await client.query('rollback').catch(() => (broken = true));
      throw duplicateKeyError(error) ?? error;
    }
  } finally {
    client.release(broken);
  }
}

/** A loaded log's columns: a log row's (LogRows) but its two instant texts, then the load's transaction. */
const LOAD_COLUMNS =
  'position, stream_id, stream_revision, event_id, event_type, schema_version, business_time, recorded_time, ' +
  'data, metadata, hash, transaction_id';
const LOAD_COLUMN_COUNT = 12;

/**
 * Another store's log, as stored there, into an empty store (EventStore.loadLog): a first load as
 * above, but nothing is worked out: every event keeps its position, revision, hash and texts,
 * checked for order as it comes (LogLoadChecks). Events given as objects are written as log rows
 * first; each log row becomes a COPY row by copying its bytes (its instant texts left out, the
 * transaction id added). The rows go in one COPY for the whole log, each page's sent as it comes,
 * so PostgreSQL parses one page while the next is read.
 */
export async function loadLogIntoEmptyStore(
  pool: Pool,
  pages: Iterable<LoggedEvent[] | LogRows> | AsyncIterable<LoggedEvent[] | LogRows>,
  options: LoadLogOptions,
): Promise<ImportResult> {
  const client = await pool.connect();
  let broken = false;
  try {
    await client.query('begin');
    let copy: CopyStreamQuery | undefined;
    try {
      const { transactionId } = await beginFirstLoad(client, 'loadLog');
      const transaction = Buffer.alloc(12);
      transaction.writeInt32BE(8, 0);
      transaction.writeBigInt64BE(BigInt(transactionId), 4);
      const checks = new LogLoadChecks();
      const writer = new LogRowsWriter();
      const fields = new Int32Array(2 * LOG_ROW_FIELDS);
      const rows = client.query(copyFrom(`copy tip_events (${LOAD_COLUMNS}) from stdin (format binary)`));
      copy = rows;
      const copied = finished(rows);
      copied.catch(() => undefined);
      // A failed COPY emits 'error', which ends the wait for 'drain' too.
      const send = async (piece: Buffer) => {
        if (!rows.write(piece)) await once(rows, 'drain');
      };
      await send(BINARY_HEADER);
      for await (const page of pages) {
        let logRows: LogRows;
        if (Array.isArray(page)) {
          for (let index = 0; index < page.length; index++) writer.add(page[index], checks.count + index);
          logRows = writer.take();
        } else logRows = page;
        const { bytes, count } = logRows;
        // Each row loses its two instant texts (at least 8 bytes) and gains the transaction id (12).
        const out = Buffer.allocUnsafe(bytes.length + 4 * count);
        let to = 0;
        let at = 0;
        for (let row = 0; row < count; row++) {
          const end = logRowFields(bytes, at, fields);
          const start = (field: number) => fields[2 * field];
          const position = readInt64(bytes, start(LogRowField.position));
          const streamAt = start(LogRowField.streamId);
          const streamId = bytes.toString('utf8', streamAt, streamAt + fields[2 * LogRowField.streamId + 1]);
          const revision = readInt64(bytes, start(LogRowField.revision));
          const hashAt = start(LogRowField.hash);
          if (fields[2 * LogRowField.hash + 1] !== 32)
            throw new InvalidAppendError(`log[${checks.count}].hash`, 'must be a SHA-256 hash (32 bytes)');
          checks.checkOrder(position, streamId, revision, bytes.toString('hex', hashAt, hashAt + 32));
          out.writeInt16BE(LOAD_COLUMN_COUNT, to);
          to += 2;
          // position … recorded_time as they are, then data, metadata and hash, then the transaction.
          to += bytes.copy(out, to, start(LogRowField.position) - 4, start(LogRowField.recordedMicros) + 8);
          to += bytes.copy(out, to, start(LogRowField.data) - 4, end);
          to += transaction.copy(out, to);
          at = end;
        }
        await send(out.subarray(0, to));
        options.onProgress?.(checks.count);
      }
      rows.end(TRAILER);
      await copied;
      copy = undefined;
      await options.beforeCommit?.();
      await endFirstLoad(client, checks.heads, checks.count, checks.lastPosition);
      await client.query('commit');
      return { eventsImported: checks.count, lastPosition: checks.lastPosition };
    } catch (error) {
      // A COPY still open is failed (CopyFail), so the rollback can follow.
      if (copy && !copy.destroyed) {
        copy.destroy(new Error('loadLog refused the log'));
        await finished(copy).catch(() => undefined);
      }
      await client.query('rollback').catch(() => (broken = true));
      throw duplicateKeyError(error) ?? error;
    }
  } finally {
    client.release(broken);
  }
}

/** tip_reserve_import's checks and answers, against the heads of what this load has written. */
function reserveInMemory(
  chunk: EncodedImport,
  heads: Map<string, LoadedHead>,
  transactionId: string,
  firstPosition: number,
): Reservation {
  const startRevisions: string[] = [];
  const startHashes: (Buffer | null)[] = [];
  for (const stream of chunk.streams) {
    const head = heads.get(stream.streamId);
    const actual = head?.revision ?? -1;
    const count = stream.eventIds.length;
    const expected = stream.expected;
    const refused = () => new WrongExpectedRevisionError(stream.streamId, expectedRevisionOf(expected), actual);
    if (count === 0) {
      const holds =
        expected === -1 ||
        (expected === NO_STREAM && actual === -1) ||
        (expected === -3 && actual >= 0) ||
        expected === actual;
      if (!holds) throw refused();
      startRevisions.push(String(actual));
      startHashes.push(null);
      continue;
    }
    if (head && expected !== NO_STREAM && (expected === -1 || expected === -3 || expected === head.revision)) {
      startRevisions.push(String(head.revision));
      startHashes.push(Buffer.from(head.hash, 'hex'));
      head.prior = head.hash;
      head.revision += count;
      continue;
    }
    if (!head && (expected === -1 || expected === NO_STREAM)) {
      if (expected === NO_STREAM && !stream.last) throw new Error('a no_stream append must give the head hash');
      startRevisions.push('-1');
      startHashes.push(GENESIS_HASH);
      heads.set(stream.streamId, {
        revision: count - 1,
        hash: stream.last ?? GENESIS_HASH_HEX,
        prior: GENESIS_HASH_HEX,
      });
      continue;
    }
    throw refused();
  }
  return {
    transaction_id: transactionId,
    first_position: String(firstPosition),
    start_revisions: startRevisions,
    start_hashes: startHashes,
  };
}

function expectedRevisionOf(code: number): ExpectedRevision {
  return code === -1 ? 'any' : code === NO_STREAM ? 'no_stream' : code === -3 ? 'stream_exists' : code;
}

const copyText = (value: string) =>
  value.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
