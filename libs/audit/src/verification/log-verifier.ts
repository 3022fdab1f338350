import { hash } from 'node:crypto';
import * as eventStore from '@tip/event-store';
import type { LoggedEvent, LogInstants, LogScanItem } from '@tip/event-store';
import { Checkpoint, checkpointSignatureProblem } from '../checkpoints/checkpoint';
import { eventLeafHash } from '../merkle/event-leaf';
import { HASH_BYTES, MerkleFrontier } from '../merkle/merkle-tree';
import { CHUNK_SIZE } from '../tree/tree-schema';
import type { StoredLeafChunk } from '../tree/merkle-tree-store';
import { defaultHashWorkers, HashedRows, RowHashers } from './row-hashers';
import { ROW_RESULT_BYTES } from './row-hashes';

export type LogProblemKind =
  /** The event's content is not what its chain or its recorded leaf says. */
  | 'altered'
  /** An event its chain or the tree never held. */
  | 'inserted'
  /** An event its chain or the tree held is gone. */
  | 'missing'
  /** The event stands at another position than the tree recorded. */
  | 'moved'
  /** A stream's revisions are not in global order. */
  | 'out-of-order'
  /** The event's columns disagree with its own metadata. */
  | 'inconsistent'
  /** The log's tree does not match a signed head or a kept checkpoint. */
  | 'tree'
  /** A head or checkpoint that is not genuine. */
  | 'signature';

/** Which check named the problem. */
export type LogCheck = 'hash-chain' | 'tree-leaves' | 'signed-head' | 'checkpoint' | 'event-fields';

export interface LogProblem {
  kind: LogProblemKind;
  check: LogCheck;
  message: string;
  position?: number;
  streamId?: string;
  revision?: number;
  eventId?: string;
}

/**
 * A tree size and root an auditor holds: a checkpoint kept whole (its signature is checked too),
 * or just the size and root of one (what a URL can carry).
 */
export type KeptTreeHead = Checkpoint | { treeSize: number; rootHash: string; signedAt?: string };

/** A tree size and root the log must reproduce: a signed head from the database, or one an auditor kept. */
interface Anchor {
  source: 'signed head' | 'kept checkpoint';
  treeSize: number;
  rootHash: string;
  signedAt: string;
  lastPosition?: number;
  reason?: string;
  /** The whole checkpoint, whose signature can be checked; absent for a bare size and root. */
  signed?: Checkpoint;
  /** One of the heads stored last: its signature is checked even when its root matches. */
  recent?: boolean;
}

/**
 * Signatures checked even when the root matches: a head forged into the table over an altered
 * log would match it. Every signature would cost more than the rest of the walk for a year of
 * minutes, so it is the heads stored last, and each week's, the newest and any that mismatch.
 */
const RECENT_HEADS_CHECKED = 100;

function isCheckpoint(kept: KeptTreeHead): kept is Checkpoint {
  return 'signature' in kept && 'format' in kept;
}

function anchorOf(source: Anchor['source'], kept: KeptTreeHead): Anchor {
  const signed = isCheckpoint(kept) ? kept : undefined;
  return {
    source,
    treeSize: kept.treeSize,
    rootHash: kept.rootHash,
    signedAt: kept.signedAt ?? 'an unknown time',
    lastPosition: signed?.lastPosition,
    reason: signed?.reason,
    signed,
  };
}

export interface AnchorResult {
  source: Anchor['source'];
  treeSize: number;
  rootHash: string;
  signedAt: string;
  /** The log's tree at that size has this root; absent when it was not reached. */
  matches?: boolean;
  signatureOk: boolean;
  signatureChecked?: boolean;
}

export interface LogVerificationReport {
  ok: boolean;
  eventsChecked: number;
  streamsChecked: number;
  /** The tree over the log's safe prefix, as recomputed from the events. */
  tree: { size: number; rootHash: string; lastPosition: number };
  /** The newest signed head and how the log fares against it. */
  latestHead?: AnchorResult;
  /** Every kept checkpoint given, in the order given. */
  checkpoints: AnchorResult[];
  /** Signed heads whose root was compared with the log's. */
  headsChecked: number;
  /** Events after the newest signed head: covered by the hash chains only, until the next head. */
  eventsAfterLatestHead: number;
  /** Every problem found, up to the limit, in the order found. */
  problems: LogProblem[];
  problemCount: number;
  firstProblem?: LogProblem;
}

export interface VerifyLogInput {
  scan: AsyncIterable<LogScanItem>;
  /** The tree as the builder stored it, for naming the events that differ (optional). */
  storedLeaves?: (fromChunk: number) => Promise<StoredLeafChunk[]>;
  /** Signed heads from the database, with the order they were stored in. */
  heads: (Checkpoint & { id?: number })[];
  /** Tree heads an auditor kept. */
  kept: KeptTreeHead[];
  /** The only key heads may be signed with (an auditor's pinned key); else each head's own. */
  trustedKey?: Buffer;
  maxProblems?: number;
  onProgress?(eventsChecked: number): void;
  /**
   * Worker threads that hash pages of log rows (scanLog({ rows: true })) while this thread
   * chains the ones before; 0 hashes them here. By default every core but two, up to four (one
   * on two cores), for a log of at least `hashWorkersFrom` events (10,000): starting a thread
   * costs more than hashing a small log.
   */
  hashWorkers?: number;
  hashWorkersFrom?: number;
}

// Bound once: a name imported from a package's index is a getter, read again at every use.
const { canonicalInstant, contentHashOfCanonical, decodeLogRow, readInt64, uuidText } = eventStore;

/** Where a log row's position lies: after the row's 16-bit field count and the value's 32-bit length. */
const POSITION_AT = 2 + 4;

/** Pages being hashed at once, per worker thread. */
const PAGES_IN_FLIGHT_PER_WORKER = 3;

/**
 * Hashes in the chain as binary strings (one character a byte): what crypto's hash gives without
 * allocating a Buffer, compared and kept at no cost. A stored hash that is no SHA-256 is ''.
 */
type BinaryHash = string;
const GENESIS_BINARY: BinaryHash = '\0'.repeat(32);
const NOT_A_HASH: BinaryHash = '';

/** Both halves of one chain step, reused. */
const linkInput = Buffer.alloc(64);

/** SHA-256(previous ‖ content) as a binary string (chainHash); NOT_A_HASH when `previous` is none. */
function linkHash(previous: BinaryHash, content: Buffer, contentAt: number): BinaryHash {
  if (previous.length !== 32) return NOT_A_HASH;
  for (let index = 0; index < 32; index++) {
    linkInput[index] = previous.charCodeAt(index);
    linkInput[32 + index] = content[contentAt + index];
  }
  return hash('sha256', linkInput, 'binary');
}

/** Whether `binary` is the hash stored at `stored[storedAt]` (none matches NOT_A_HASH or a stored non-hash). */
function isStored(binary: BinaryHash, stored: Buffer | undefined, storedAt: number): boolean {
  if (!stored || binary.length !== 32) return false;
  for (let index = 0; index < 32; index++) if (binary.charCodeAt(index) !== stored[storedAt + index]) return false;
  return true;
}

const binaryOf = (stored: Buffer | undefined, storedAt: number): BinaryHash =>
  stored ? stored.toString('latin1', storedAt, storedAt + 32) : NOT_A_HASH;

/** A decoded event's stored hash as bytes, when it is one (64 lower-case hex digits). */
function storedHashOf(event: LoggedEvent): Buffer | undefined {
  return /^[0-9a-f]{64}$/.test(event.hash) ? Buffer.from(event.hash, 'hex') : undefined;
}

interface StreamChain {
  revision: number;
  /** Stored hash of the stream's last event: the next one chains from it. */
  hash: BinaryHash;
  position: number;
  /** An event whose hash did not chain: altered, unless the next one chains past it (inserted). */
  suspect?: { event: LoggedEvent; chainedFrom: BinaryHash };
  headSeen?: boolean;
}

interface RecordedLeaf {
  index: number;
  position: number;
  leaf: Buffer;
}

/**
 * Stored leaves read ahead: a run of one chunk's leaves, compared where they lie in its columns
 * (an object and a Buffer a leaf were most of what the stored tree cost verify).
 */
interface RecordedRun {
  /** The tree index of the chunk's first leaf. */
  firstIndex: number;
  positions: Buffer;
  leaves: Buffer;
  /** The run's next leaf, and the one past its last, by their place in the chunk. */
  at: number;
  end: number;
}

/** No stored leaf is at hand (all positions compare below it, none equals it). */
const NO_RECORDED = Number.POSITIVE_INFINITY;

/** The position stored for a chunk's leaf `at` (uint64 big-endian), read as the chunk store decodes it. */
const recordedPositionAt = (positions: Buffer, at: number): number =>
  positions.readUInt32BE(at * 8) * 0x1_0000_0000 + positions.readUInt32BE(at * 8 + 4);

/** A stored leaf as an object of its own, for a problem to name (leaf `at` of its run's chunk). */
function recordedLeafOf(run: RecordedRun, at: number): RecordedLeaf {
  return {
    index: run.firstIndex + at,
    position: recordedPositionAt(run.positions, at),
    leaf: Buffer.from(run.leaves.subarray(at * HASH_BYTES, (at + 1) * HASH_BYTES)),
  };
}

/** Whether the stored leaf at `storedAt` is the 32 bytes at `leafAt` (a short one at the column's end is not). */
function sameLeaf(stored: Buffer, storedAt: number, leaf: Buffer, leafAt: number): boolean {
  if (storedAt + HASH_BYTES > stored.length) return false;
  for (let index = 0; index < HASH_BYTES; index++) if (stored[storedAt + index] !== leaf[leafAt + index]) return false;
  return true;
}

/**
 * Checks the whole log in one pass in global order: each stream's hash chain, each event's
 * columns against its metadata, the Merkle tree over the safe prefix against every signed head
 * and kept checkpoint, and, when the stored leaves are genuine (they hash to a signed root),
 * which positions hold another event than the tree recorded. It goes on past every problem and
 * reports each (up to `maxProblems`).
 */
export async function verifyLog(input: VerifyLogInput): Promise<LogVerificationReport> {
  const run = new Verification(input);
  let hashers = new RowHashers(0);
  // Pages of rows being hashed, taken in the order they came.
  const hashing: Promise<HashedRows>[] = [];
  const drain = async (leave: number) => {
    while (hashing.length > leave) {
      const page = await (hashing.shift() as Promise<HashedRows>);
      await run.rows(page);
      page.release?.();
    }
  };
  try {
    for await (const item of input.scan) {
      switch (item.kind) {
        case 'start': {
          run.start(item.safePosition);
          const workers = input.hashWorkers ?? defaultHashWorkers();
          if (workers > 0 && item.safePosition >= (input.hashWorkersFrom ?? 10_000)) hashers = new RowHashers(workers);
          break;
        }
        case 'rows': {
          const page = hashers.hash(item.rows);
          // A page that fails is reported when its turn comes, not before the ones ahead of it.
          page.catch(() => undefined);
          hashing.push(page);
          await drain(Math.max(0, hashers.threads * PAGES_IN_FLIGHT_PER_WORKER - 1));
          break;
        }
        case 'events':
          await drain(0);
          await run.events(item.events);
          break;
        case 'heads':
          await drain(0);
          run.heads(item.heads);
          break;
      }
    }
    await drain(0);
  } finally {
    await hashers.close();
  }
  return run.finish();
}

class Verification {
  private readonly problems: LogProblem[] = [];
  private problemCount = 0;
  private readonly maxProblems: number;
  private safePosition = 0;
  private eventsChecked = 0;
  private readonly chains = new Map<string, StreamChain>();
  private readonly frontier = MerkleFrontier.empty();
  private lastTreePosition = 0;
  private sawHeads = false;
  // Anchors by tree size, checked as the tree reaches each size.
  private readonly anchors: { anchor: Anchor; result: AnchorResult }[];
  private readonly kept: Anchor[];
  private nextAnchor = 0;
  // The stored tree, read ahead of the events, and a tree of its own leaves to check them.
  private recordedRuns: RecordedRun[] = [];
  private runAt = 0;
  /** The position of the next stored leaf at hand (NO_RECORDED when none is). */
  private nextRecorded = NO_RECORDED;
  /** The position of the last stored leaf read (undefined before one is). */
  private lastRecorded: number | undefined;
  private nextChunk = 0;
  private recordedDone: boolean;
  /**
   * The tree of the stored leaves; undefined while they are the computed leaves, leaf for leaf, so
   * `frontier` is theirs too (hashing them into a second tree was a hash an event on the thread that
   * chains). Made, from `frontier` as it stood, where the two first part.
   */
  private recordedFrontier: MerkleFrontier | undefined;
  private readonly leafMismatches: { event: LoggedEvent; recorded: RecordedLeaf }[] = [];
  private readonly unexpected: { event: LoggedEvent }[] = [];
  private readonly vanished: RecordedLeaf[] = [];
  /** Whether the stored leaves hash to every signed root they reach (else they cannot name events). */
  private recordedGenuine = true;
  private nextRecordedAnchor = 0;
  /** How many stored leaves a signed root vouches for. */
  private confirmedLeaves = 0;

  constructor(private readonly input: VerifyLogInput) {
    this.maxProblems = input.maxProblems ?? 1000;
    this.recordedDone = !input.storedLeaves;
    const recent = new Set([...input.heads].sort((a, b) => (b.id ?? 0) - (a.id ?? 0)).slice(0, RECENT_HEADS_CHECKED));
    const anchors: Anchor[] = [
      ...input.heads.map((head) => ({ ...anchorOf('signed head', head), recent: recent.has(head) })),
      ...input.kept.map((kept) => anchorOf('kept checkpoint', kept)),
    ];
    this.kept = anchors.filter((anchor) => anchor.source === 'kept checkpoint');
    this.anchors = anchors
      .map((anchor) => ({
        anchor,
        result: {
          source: anchor.source,
          treeSize: anchor.treeSize,
          rootHash: anchor.rootHash,
          signedAt: anchor.signedAt,
          signatureOk: true,
        },
      }))
      .sort((a, b) => a.anchor.treeSize - b.anchor.treeSize);
  }

  private report(problem: LogProblem): void {
    this.problemCount += 1;
    if (this.problems.length < this.maxProblems) this.problems.push(problem);
  }

  start(safePosition: number): void {
    this.safePosition = safePosition;
    // A head or checkpoint of the empty tree is checked at once.
    this.reachAnchors();
  }

  async events(events: LoggedEvent[]): Promise<void> {
    const last = events[events.length - 1];
    if (last) await this.readRecordedUpTo(Math.min(last.position, this.safePosition));
    for (const event of events) this.checkEvent(event);
    this.input.onProgress?.(this.eventsChecked);
  }

  /** One event, decoded: every check worked out here. */
  private checkEvent(event: LoggedEvent): void {
    this.eventsChecked += 1;
    this.checkFields(event);
    const content = contentHashOfCanonical(event.streamId, event.type, event.data, event.metadata);
    this.checkChain(event, content, 0, storedHashOf(event), 0);
    if (event.position <= this.safePosition) this.addLeaf(event, eventLeafHash(event), 0);
  }

  private readonly rowInstants = new eventStore.LogInstants();

  /**
   * A page of log rows whose content hashes, leaves and field checks were worked out already
   * (row-hashes.ts): what is left here is each stream's chain and the tree, in log order. A row
   * whose columns disagree with its metadata is decoded and checked as an event.
   */
  async rows({ rows, results }: HashedRows): Promise<void> {
    const { bytes, count } = rows;
    if (count === 0) return;
    const rowEnd = (row: number) => results.readUInt32BE(row * ROW_RESULT_BYTES + 65);
    const last = count > 1 ? rowEnd(count - 2) : 0;
    await this.readRecordedUpTo(Math.min(readInt64(bytes, last + POSITION_AT), this.safePosition));
    let at = 0;
    // One event object for the whole page, pointed at each row in turn: what outlives the row is decoded first.
    const event = new RowEvent(bytes, this.rowInstants);
    for (let row = 0; row < count; row++) {
      const rowAt = at;
      const result = row * ROW_RESULT_BYTES;
      at = rowEnd(row);
      if (results[result + 64] !== 0) {
        this.checkEvent(decodeLogRow(bytes, rowAt, this.rowInstants));
        continue;
      }
      this.eventsChecked += 1;
      event.pointAt(rowAt);
      // The hash is the row's last field (row-hashes.ts flags a row where it is not 32 bytes).
      this.checkChain(event, results, result, bytes, at - 32);
      if (event.position <= this.safePosition) this.addLeaf(event, results, result + 32);
    }
    this.input.onProgress?.(this.eventsChecked);
  }

  /** Stored leaves up to `position`, and the ones recorded at positions no event holds any more. */
  private async readRecordedUpTo(position: number): Promise<void> {
    while (!this.recordedDone && (this.lastRecorded === undefined || this.lastRecorded < position)) {
      const chunks = (await this.input.storedLeaves?.(this.nextChunk)) ?? [];
      if (chunks.length === 0) {
        this.recordedDone = true;
        break;
      }
      for (const chunk of chunks) {
        if (chunk.chunk !== this.nextChunk) {
          this.report({
            kind: 'missing',
            check: 'tree-leaves',
            message: `the stored tree lacks leaf chunk ${this.nextChunk} (it was deleted from tip_merkle_chunks)`,
          });
          this.recordedGenuine = false;
        }
        this.keepRecorded(chunk);
        this.nextChunk = chunk.chunk + 1;
      }
    }
    if (this.nextRecorded === NO_RECORDED) this.settleRecorded();
  }

  /**
   * A chunk's leaves as runs of the ones kept: every leaf with a position (a trailing part of one
   * is a leaf too, and matches none), but those the builder added after this scan began, which
   * belong to events it cannot see.
   */
  private keepRecorded({ chunk, positions, leaves }: StoredLeafChunk): void {
    const count = Math.ceil(leaves.length / HASH_BYTES);
    const withPositions = Math.min(count, Math.floor(positions.length / 8));
    let run: RecordedRun | undefined;
    for (let at = 0; at < withPositions; at++) {
      const position = recordedPositionAt(positions, at);
      if (position > this.safePosition) {
        run = undefined;
        continue;
      }
      if (run) run.end = at + 1;
      else {
        run = { firstIndex: chunk * CHUNK_SIZE, positions, leaves, at, end: at + 1 };
        this.recordedRuns.push(run);
      }
      this.lastRecorded = position;
    }
  }

  /** Points `nextRecorded` at the first stored leaf not yet taken; runs all taken are let go. */
  private settleRecorded(): void {
    const runs = this.recordedRuns;
    while (this.runAt < runs.length && runs[this.runAt].at >= runs[this.runAt].end) this.runAt += 1;
    if (this.runAt === runs.length) {
      runs.length = 0;
      this.runAt = 0;
      this.nextRecorded = NO_RECORDED;
      return;
    }
    const run = runs[this.runAt];
    this.nextRecorded = recordedPositionAt(run.positions, run.at);
  }

  /** The next stored leaf, taken: its run moves on. */
  private takeRecorded(): RecordedRun {
    const run = this.recordedRuns[this.runAt];
    run.at += 1;
    if (run.at < run.end) this.nextRecorded = recordedPositionAt(run.positions, run.at);
    else this.settleRecorded();
    return run;
  }

  private takeRecordedBefore(position: number): void {
    // Leaves recorded at positions below this event's whose events are gone.
    while (this.nextRecorded < position) {
      const run = this.takeRecorded();
      const at = run.at - 1;
      this.vanished.push(recordedLeafOf(run, at));
      this.trackRecorded(run, at);
    }
  }

  /** The stored leaves' own tree takes their leaf `at` of `run`. */
  private trackRecorded(run: RecordedRun, at: number): void {
    const recordedFrontier = this.partFromComputed();
    if (run.firstIndex + at !== recordedFrontier.size) {
      this.recordedGenuine = false;
      return;
    }
    const leafAt = at * HASH_BYTES;
    if (leafAt + HASH_BYTES > run.leaves.length) {
      // The column cut short: no hash, so no tree a signed root could vouch for (reported at the end).
      this.recordedGenuine = false;
      return;
    }
    recordedFrontier.appendAt(run.leaves, leafAt);
    this.reachRecordedAnchors(recordedFrontier);
  }

  /** The stored leaves' own tree from here on (the computed one so far, while they were the same). */
  private partFromComputed(): MerkleFrontier {
    this.recordedFrontier ??= this.frontier.clone();
    return this.recordedFrontier;
  }

  private reachRecordedAnchors(recordedFrontier: MerkleFrontier): void {
    // The stored leaves name events only as far as a signed root vouches for them.
    while (this.nextRecordedAnchor < this.anchors.length) {
      const { anchor } = this.anchors[this.nextRecordedAnchor];
      if (anchor.treeSize > recordedFrontier.size) break;
      this.nextRecordedAnchor += 1;
      if (anchor.treeSize !== recordedFrontier.size) continue;
      if (recordedFrontier.root().toString('hex') === anchor.rootHash) this.confirmedLeaves = anchor.treeSize;
      else this.recordedGenuine = false;
    }
  }

  /** The event's leaf hash, held in `leaf` at `leafAt`. */
  private addLeaf(event: LoggedEvent, leaf: Buffer, leafAt: number): void {
    this.lastTreePosition = event.position;
    if (this.nextRecorded < event.position) this.takeRecordedBefore(event.position);
    if (this.nextRecorded === event.position) {
      const run = this.takeRecorded();
      const at = run.at - 1;
      const same = sameLeaf(run.leaves, at * HASH_BYTES, leaf, leafAt);
      if (!same) this.leafMismatches.push({ event: decoded(event), recorded: recordedLeafOf(run, at) });
      if (this.recordedFrontier === undefined && same && run.firstIndex + at === this.frontier.size) {
        this.frontier.appendAt(leaf, leafAt);
        this.reachRecordedAnchors(this.frontier);
      } else {
        this.trackRecorded(run, at);
        this.frontier.appendAt(leaf, leafAt);
      }
    } else {
      // The stored leaves do not have this one: their tree goes on without it.
      this.partFromComputed();
      this.frontier.appendAt(leaf, leafAt);
      // Within the stored tree (a recorded leaf lies beyond it): a position the tree never had.
      if (!this.recordedDone || this.nextRecorded !== NO_RECORDED) this.unexpected.push({ event: decoded(event) });
    }
    this.reachAnchors();
  }

  /** Compares the tree with every anchor of the size it has reached. */
  private reachAnchors(): void {
    while (
      this.nextAnchor < this.anchors.length &&
      this.anchors[this.nextAnchor].anchor.treeSize <= this.frontier.size
    ) {
      const { anchor, result } = this.anchors[this.nextAnchor++];
      if (anchor.treeSize !== this.frontier.size) continue;
      this.compareAnchor(anchor, result);
    }
  }

  private compareAnchor(anchor: Anchor, result: AnchorResult): void {
    const root = this.frontier.root().toString('hex');
    result.matches = root === anchor.rootHash;
    // Checking every minute's signature would cost more than the rest of the walk: a head is
    // checked when its root does not match, when it closes a week, and the newest one (finish()).
    if (!result.matches || anchor.source === 'kept checkpoint' || anchor.reason === 'week-end')
      this.checkSignature(anchor, result);
    if (!result.matches) {
      this.report({
        kind: 'tree',
        check: anchor.source === 'kept checkpoint' ? 'checkpoint' : 'signed-head',
        message:
          `the first ${anchor.treeSize} events of the log no longer hash to the root of the ${anchor.source} ` +
          `signed at ${anchor.signedAt} (${anchor.rootHash.slice(0, 16)}…, now ${root.slice(0, 16)}…): ` +
          'history it covers was changed',
      });
    }
  }

  private checkSignature(anchor: Anchor, result: AnchorResult): void {
    if (result.signatureChecked || !anchor.signed) return;
    result.signatureChecked = true;
    const problem = checkpointSignatureProblem(anchor.signed, this.input.trustedKey);
    result.signatureOk = problem === undefined;
    if (problem) {
      this.report({
        kind: 'signature',
        check: anchor.source === 'kept checkpoint' ? 'checkpoint' : 'signed-head',
        message: `the ${anchor.source} of ${anchor.treeSize} events signed at ${anchor.signedAt} is not genuine: ${problem}`,
      });
    }
  }

  private checkFields(event: LoggedEvent): void {
    const differences: string[] = [];
    const { metadata } = event;
    if (!metadata.includes(`"eventId":"${event.eventId}"`))
      differences.push('event_id differs from the metadata’s eventId');
    if (!metadata.includes(`"schemaVersion":${event.schemaVersion}`))
      differences.push('schema_version differs from the metadata’s schemaVersion');
    for (const [slot, name, column, stored] of [
      [0, 'businessTime', 'business_time', event.businessTime],
      [1, 'recordedTime', 'recorded_time', event.recordedTime],
    ] as const) {
      const inMetadata = stringMember(metadata, name);
      if (inMetadata === undefined || this.canonicalInstant(inMetadata, slot) !== stored) {
        differences.push(`${column} (${stored}) differs from the metadata’s ${name} (${inMetadata ?? 'none'})`);
      }
    }
    if (differences.length > 0) {
      this.report({
        kind: 'inconsistent',
        check: 'event-fields',
        ...where(event),
        message: `event at position ${event.position} (stream "${event.streamId}", revision ${event.revision}): ${differences.join('; ')}`,
      });
    }
  }

  /** The events of a command, and of an append, share their times: each slot's last instant is not read again. */
  private readonly lastInstants: [{ text: string; canonical?: string }, { text: string; canonical?: string }] = [
    { text: '' },
    { text: '' },
  ];

  private canonicalInstant(text: string, slot: 0 | 1): string | undefined {
    const last = this.lastInstants[slot];
    if (text !== last.text) {
      last.text = text;
      last.canonical = canonicalInstant(text);
    }
    return last.canonical;
  }

  /**
   * One event's link in its stream's chain: `content` (its content hash, at `contentAt`) chained
   * from the stream's last hash must give the hash stored for it (`stored` at `storedAt`).
   */
  private checkChain(
    event: LoggedEvent,
    content: Buffer,
    contentAt: number,
    stored: Buffer | undefined,
    storedAt: number,
  ): void {
    // Most events follow one of their own stream's (an append's, an import's run): its chain is at hand.
    const chain = event.streamId === this.lastStreamId ? this.lastChain : this.chains.get(event.streamId);
    const expected = chain ? chain.revision + 1 : 0;
    if (chain?.suspect) this.settleSuspect(chain, event, content, contentAt, stored, storedAt);
    if (event.revision < expected) {
      this.report({
        kind: 'out-of-order',
        check: 'hash-chain',
        ...where(event),
        message:
          `revision ${event.revision} of stream "${event.streamId}" stands at position ${event.position}, after revision ` +
          `${chain?.revision} at position ${chain?.position}: the stream's events are not in global order`,
      });
      return;
    }
    if (event.revision > expected) {
      this.report({
        kind: 'missing',
        check: 'hash-chain',
        ...where(event),
        revision: expected,
        message: `revisions ${expected}..${event.revision - 1} of stream "${event.streamId}" are missing before position ${event.position}`,
      });
      this.keepChain(event.streamId, {
        revision: event.revision,
        hash: binaryOf(stored, storedAt),
        position: event.position,
        headSeen: chain?.headSeen,
      });
      return;
    }
    const previous = chain?.hash ?? GENESIS_BINARY;
    const linked = linkHash(previous, content, contentAt);
    // Linked, the computed hash is the stored one: kept without reading the stored bytes again.
    const intact = isStored(linked, stored, storedAt);
    const hash = intact ? linked : binaryOf(stored, storedAt);
    const suspect = intact ? undefined : { event: decoded(event), chainedFrom: previous };
    if (chain) {
      // Changed in place: a new object an event is garbage a few events later.
      chain.revision = event.revision;
      chain.hash = hash;
      chain.position = event.position;
      chain.suspect = suspect;
      this.lastStreamId = event.streamId;
      this.lastChain = chain;
    } else {
      this.keepChain(event.streamId, { revision: event.revision, hash, position: event.position, suspect });
    }
  }

  /** The chain looked up or stored last, and its stream: always the map's entry for that stream. */
  private lastStreamId: string | undefined;
  private lastChain: StreamChain | undefined;

  private keepChain(streamId: string, chain: StreamChain): void {
    this.chains.set(streamId, chain);
    this.lastStreamId = streamId;
    this.lastChain = chain;
  }

  /** A suspect followed by an event that chains from what came before it was inserted; otherwise it was altered. */
  private settleSuspect(
    chain: StreamChain,
    next: LoggedEvent,
    nextContent: Buffer,
    nextContentAt: number,
    nextStored: Buffer | undefined,
    nextStoredAt: number,
  ): void {
    const suspect = chain.suspect;
    if (!suspect) return;
    chain.suspect = undefined;
    const skipped =
      next.revision === suspect.event.revision + 1 &&
      isStored(linkHash(suspect.chainedFrom, nextContent, nextContentAt), nextStored, nextStoredAt);
    this.reportSuspect(suspect.event, skipped);
    if (skipped) {
      // Carry on as if the intruder were not there: the next event chains from what preceded it.
      chain.revision = next.revision - 1;
      chain.hash = suspect.chainedFrom;
    }
  }

  private reportSuspect(event: LoggedEvent, inserted: boolean): void {
    this.report({
      kind: inserted ? 'inserted' : 'altered',
      check: 'hash-chain',
      ...where(event),
      message: inserted
        ? `event at revision ${event.revision} of stream "${event.streamId}" (position ${event.position}) is not part of its chain`
        : `event at revision ${event.revision} of stream "${event.streamId}" (position ${event.position}) does not match its hash`,
    });
  }

  heads(heads: { streamId: string; revision: number; lastHash: string }[]): void {
    this.sawHeads = true;
    this.settleAllSuspects();
    for (const head of heads) {
      const chain = this.chains.get(head.streamId);
      if (!chain) {
        this.report({
          kind: 'missing',
          check: 'hash-chain',
          streamId: head.streamId,
          revision: 0,
          message: `stream "${head.streamId}" has no events, but the store recorded it up to revision ${head.revision}: every event was deleted`,
        });
        continue;
      }
      chain.headSeen = true;
      if (head.revision > chain.revision) {
        this.report({
          kind: 'missing',
          check: 'hash-chain',
          streamId: head.streamId,
          revision: chain.revision + 1,
          message: `revisions ${chain.revision + 1}..${head.revision} of stream "${head.streamId}" are missing at its end`,
        });
      } else if (
        head.revision < chain.revision ||
        head.lastHash !== Buffer.from(chain.hash, 'latin1').toString('hex')
      ) {
        this.report({
          kind: head.revision < chain.revision ? 'inserted' : 'altered',
          check: 'hash-chain',
          streamId: head.streamId,
          revision: chain.revision,
          position: chain.position,
          message: `the end of stream "${head.streamId}" differs from the store's record (revision ${head.revision})`,
        });
      }
    }
  }

  private settleAllSuspects(): void {
    for (const chain of this.chains.values()) {
      if (chain.suspect) {
        this.reportSuspect(chain.suspect.event, false);
        chain.suspect = undefined;
      }
    }
  }

  finish(): LogVerificationReport {
    this.settleAllSuspects();
    if (this.sawHeads) {
      for (const [streamId, chain] of this.chains) {
        if (chain.headSeen) continue;
        this.report({
          kind: 'inserted',
          check: 'hash-chain',
          streamId,
          revision: 0,
          message: `stream "${streamId}" has events but the store never created it`,
        });
      }
    }
    this.finishTree();
    this.problems.sort(byPosition);
    const latest = this.latestHead();
    return {
      ok: this.problemCount === 0,
      eventsChecked: this.eventsChecked,
      streamsChecked: this.chains.size,
      tree: {
        size: this.frontier.size,
        rootHash: this.frontier.root().toString('hex'),
        lastPosition: this.lastTreePosition,
      },
      latestHead: latest?.result,
      checkpoints: this.kept.map(
        (kept) => this.anchors.find((each) => each.anchor === kept)?.result ?? notReached(kept),
      ),
      headsChecked: this.anchors.filter(
        (each) => each.anchor.source === 'signed head' && each.result.matches !== undefined,
      ).length,
      eventsAfterLatestHead: Math.max(0, this.frontier.size - (latest?.anchor.treeSize ?? 0)),
      problems: this.problems,
      problemCount: this.problemCount,
      firstProblem: this.problems[0],
    };
  }

  /** The largest signed head the walk reached (one signed after the scan began cannot be). */
  private latestHead(): { anchor: Anchor; result: AnchorResult } | undefined {
    let latest: { anchor: Anchor; result: AnchorResult } | undefined;
    for (const each of this.anchors) {
      if (each.anchor.source === 'signed head' && each.result.matches !== undefined) latest = each;
    }
    return latest;
  }

  private finishTree(): void {
    // Recorded leaves left over lie past the last event: their events are gone.
    this.takeRecordedBefore(Number.MAX_SAFE_INTEGER);
    for (let at = this.nextAnchor; at < this.anchors.length; at++) {
      const { anchor } = this.anchors[at];
      // A head signed after this scan began may cover events it cannot see.
      if (anchor.source === 'signed head' && (anchor.lastPosition ?? 0) > this.safePosition) continue;
      this.report({
        kind: 'missing',
        check: anchor.source === 'kept checkpoint' ? 'checkpoint' : 'signed-head',
        message:
          `the ${anchor.source} signed at ${anchor.signedAt} covers ${anchor.treeSize} events, ` +
          `but the log now holds only ${this.frontier.size} up to position ${this.safePosition}: events it covered were deleted`,
      });
    }
    const latest = this.latestHead();
    if (latest && latest.result.matches !== undefined) this.checkSignature(latest.anchor, latest.result);
    for (const { anchor, result } of this.anchors)
      if (anchor.recent && result.matches !== undefined) this.checkSignature(anchor, result);
    this.nameLeafProblems();
  }

  /** With genuine stored leaves, the positions where the log differs from what the tree recorded. */
  private nameLeafProblems(): void {
    if (!this.recordedGenuine) {
      this.report({
        kind: 'tree',
        check: 'tree-leaves',
        message:
          'the stored Merkle leaves (tip_merkle_chunks) do not hash to the signed heads: they were rewritten, ' +
          'so they cannot name the events that differ',
      });
      return;
    }
    if (this.leafMismatches.length + this.unexpected.length + this.vanished.length === 0) return;
    // An event found at another recorded position was moved there (two events swapped, say).
    const candidates = [...this.leafMismatches.map((each) => each.recorded), ...this.vanished].slice(0, 2000);
    const moved = new Set<LoggedEvent>();
    const claimed = new Set<RecordedLeaf>();
    for (const { event } of [...this.leafMismatches, ...this.unexpected].slice(0, 2000)) {
      for (const recorded of candidates) {
        if (recorded.position === event.position || claimed.has(recorded)) continue;
        if (eventLeafHash({ ...event, position: recorded.position }).equals(recorded.leaf)) {
          moved.add(event);
          claimed.add(recorded);
          this.report({
            kind: 'moved',
            check: 'tree-leaves',
            ...where(event),
            message:
              `event ${event.eventId} (stream "${event.streamId}", revision ${event.revision}) stands at position ${event.position}, ` +
              `but the tree recorded it at position ${recorded.position}`,
          });
          break;
        }
      }
    }
    for (const { event, recorded } of this.leafMismatches) {
      if (moved.has(event)) continue;
      const vouched = recorded.index < this.confirmedLeaves;
      this.report({
        kind: 'altered',
        check: 'tree-leaves',
        ...where(event),
        message:
          `the event at position ${event.position} (stream "${event.streamId}", revision ${event.revision}) is not the one the tree recorded there` +
          (vouched ? '' : ' (no signed head covers it yet: the event or the stored leaf was changed)'),
      });
    }
    for (const { event } of this.unexpected) {
      if (moved.has(event)) continue;
      this.report({
        kind: 'inserted',
        check: 'tree-leaves',
        ...where(event),
        message: `the event at position ${event.position} (stream "${event.streamId}", revision ${event.revision}) was not in the log when the tree recorded it`,
      });
    }
    for (const recorded of this.vanished) {
      if (claimed.has(recorded)) continue;
      this.report({
        kind: 'missing',
        check: 'tree-leaves',
        position: recorded.position,
        message:
          `the event the tree recorded at position ${recorded.position} (leaf ${recorded.index}) is gone` +
          (recorded.index < this.confirmedLeaves
            ? ''
            : ' (no signed head covers it yet: the event or the stored leaf was changed)'),
      });
    }
  }
}

/**
 * An event of a page of log rows, of which only what every event needs is decoded (position,
 * stream, revision, hash); the rest is decoded when asked for, as long as its page is at hand.
 */
class RowEvent implements LoggedEvent {
  position = 0;
  streamId = '';
  revision = 0;
  private at = 0;
  private eventIdAt = 0;
  private whole: LoggedEvent | undefined;

  constructor(
    private readonly bytes: Buffer,
    private readonly instants: LogInstants,
  ) {}

  /**
   * The row at `at`, one row-hashes.ts flagged 0: position, stream id, revision and event id come
   * first, each after its 32-bit length, the fixed-size ones of their size.
   */
  pointAt(at: number): void {
    const bytes = this.bytes;
    const streamIdLength = bytes.readInt32BE(at + POSITION_AT + 8);
    const streamIdAt = at + POSITION_AT + 8 + 4;
    this.at = at;
    this.whole = undefined;
    this.position = readInt64(bytes, at + POSITION_AT);
    // The row before mostly belongs to the same stream: its text is kept when the bytes are the same.
    if (!this.sameStreamIdAs(streamIdAt, streamIdLength))
      this.streamId = bytes.toString('utf8', streamIdAt, streamIdAt + streamIdLength);
    this.streamIdAt = streamIdAt;
    this.streamIdLength = streamIdLength;
    this.revision = readInt64(bytes, streamIdAt + streamIdLength + 4);
    this.eventIdAt = streamIdAt + streamIdLength + 4 + 8 + 4;
  }

  private streamIdAt = -1;
  private streamIdLength = -1;

  private sameStreamIdAs(at: number, length: number): boolean {
    if (length !== this.streamIdLength || this.streamIdAt < 0) return false;
    const bytes = this.bytes;
    const before = this.streamIdAt;
    for (let index = 0; index < length; index++) if (bytes[at + index] !== bytes[before + index]) return false;
    return true;
  }

  decode(): LoggedEvent {
    return (this.whole ??= decodeLogRow(this.bytes, this.at, this.instants));
  }

  get eventId(): string {
    return uuidText(this.bytes, this.eventIdAt);
  }
  get hash(): string {
    return this.decode().hash;
  }
  get type(): string {
    return this.decode().type;
  }
  get schemaVersion(): number {
    return this.decode().schemaVersion;
  }
  get businessTime(): string {
    return this.decode().businessTime;
  }
  get recordedTime(): string {
    return this.decode().recordedTime;
  }
  get data(): string {
    return this.decode().data;
  }
  get metadata(): string {
    return this.decode().metadata;
  }
}

/** The event as a plain object of its own: keeps no page of rows alive, spreads like any other, is not pointed elsewhere. */
function decoded(event: LoggedEvent): LoggedEvent {
  return event instanceof RowEvent ? { ...event.decode() } : event;
}

function notReached(anchor: Anchor): AnchorResult {
  return {
    source: anchor.source,
    treeSize: anchor.treeSize,
    rootHash: anchor.rootHash,
    signedAt: anchor.signedAt,
    signatureOk: true,
  };
}

function where(event: LoggedEvent): Pick<LogProblem, 'position' | 'streamId' | 'revision' | 'eventId'> {
  return { position: event.position, streamId: event.streamId, revision: event.revision, eventId: event.eventId };
}

/** The value of a top-level string member of canonical JSON, found without parsing it. */
function stringMember(json: string, name: string): string | undefined {
  const key = `"${name}":"`;
  const at = json.indexOf(key);
  if (at < 0) return undefined;
  const end = json.indexOf('"', at + key.length);
  return end < 0 ? undefined : json.slice(at + key.length, end);
}

function byPosition(a: LogProblem, b: LogProblem): number {
  return (a.position ?? Number.MAX_SAFE_INTEGER) - (b.position ?? Number.MAX_SAFE_INTEGER);
}
