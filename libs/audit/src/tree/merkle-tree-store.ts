import { escapeLiteral, type Pool, type PoolClient } from 'pg';
import type { EventStoreLogger, LoggedEvent } from '@tip/event-store';
import { eventLeafHash } from '../merkle/event-leaf';
import { HASH_BYTES, LeafRange, MerkleFrontier, nodeHash, rootOf, splitPoint } from '../merkle/merkle-tree';
import { CHUNK_LEVEL, CHUNK_SIZE } from './tree-schema';

/** Where the tree stands: its size, the position of its last leaf's event, its root. */
export interface TreeState {
  size: number;
  lastPosition: number;
  root: Buffer;
}

/** What the builder reads: the log as stored, in order, only what can no longer change. */
export interface LogReader {
  readLog(options: { fromPosition: number; maxCount: number }): Promise<LoggedEvent[]>;
}

/** One chunk of leaves as stored: the positions of their events and their hashes. */
export interface LeafChunk {
  chunk: number;
  positions: number[];
  leaves: Buffer[];
}

/** One chunk as its columns hold it: positions uint64 big-endian per leaf, leaves 32 bytes per leaf. */
export interface StoredLeafChunk {
  chunk: number;
  positions: Buffer;
  leaves: Buffer;
}

interface Cursor {
  state: TreeState;
  frontier: MerkleFrontier;
  /** The chunk being filled (size % CHUNK_SIZE leaves of it so far). */
  open: LeafChunk;
}

export interface MerkleTreeStoreOptions {
  /** Events read and added per transaction. */
  pageSize?: number;
  logger?: EventStoreLogger;
}

/**
 * The Merkle tree over the whole log, kept in PostgreSQL and grown after commit: a builder
 * follows the log in position order, as a projection would, so no Merkle work sits in an append.
 * It reads only what readLog gives, the prefix no open transaction can still change. Several
 * processes may build at once: each transaction extends the tree only from the size it read,
 * and a builder that lost the race reloads and goes on.
 */
export class MerkleTreeStore {
  private cursor: Cursor | undefined;
  private building: Promise<TreeState> | undefined;
  private readonly pageSize: number;

  constructor(
    readonly pool: Pool,
    private readonly log: LogReader,
    private readonly options: MerkleTreeStoreOptions = {},
  ) {
    this.pageSize = options.pageSize ?? 5000;
  }

  /** The tree as stored now. */
  async state(client: Pool | PoolClient = this.pool): Promise<TreeState> {
    const { rows } = await client.query<{ size: string; last_position: string; root: Buffer }>(
      'select size, last_position, root from tip_merkle_tree',
    );
    return { size: Number(rows[0].size), lastPosition: Number(rows[0].last_position), root: rows[0].root };
  }

  /**
   * Adds every event readLog holds beyond the tree. Calls made while a build runs wait for it
   * and then build again, so each covers what was committed before it was made. What commits
   * while it writes waits for the next call (the next tick): chasing the log's head page after
   * page rewrote the open chunk (up to 10 kB) for every few events while commands came in.
   */
  catchUp(): Promise<TreeState> {
    const previous = this.building ?? Promise.resolve(undefined);
    const next = previous.catch(() => undefined).then(() => this.build());
    this.building = next;
    return next.finally(() => {
      if (this.building === next) this.building = undefined;
    });
  }

  private async build(): Promise<TreeState> {
    let cursor = this.cursor ?? (await this.load());
    for (;;) {
      const events = await this.log.readLog({ fromPosition: cursor.state.lastPosition + 1, maxCount: this.pageSize });
      if (events.length === 0) {
        this.cursor = cursor;
        return cursor.state;
      }
      const grown = extend(cursor, events);
      if (await this.write(cursor.state.size, grown)) {
        cursor = grown.cursor;
        // A page that is not full held all there was when it was read.
        if (events.length < this.pageSize) {
          this.cursor = cursor;
          return cursor.state;
        }
      } else {
        this.options.logger?.info('Another process grew the Merkle tree; going on from where it is');
        cursor = await this.load();
      }
      this.cursor = cursor;
    }
  }

  private async load(): Promise<Cursor> {
    const { rows } = await this.pool.query<{ size: string; last_position: string; root: Buffer; frontier: Buffer }>(
      'select size, last_position, root, frontier from tip_merkle_tree',
    );
    if (rows.length === 0) throw new Error('tip_merkle_tree has no row: the audit migrations did not run');
    const size = Number(rows[0].size);
    const frontier = MerkleFrontier.restore(size, splitHashes(rows[0].frontier));
    const chunk = Math.floor(size / CHUNK_SIZE);
    const open: LeafChunk = { chunk, positions: [], leaves: [] };
    if (size % CHUNK_SIZE !== 0) {
      const [stored] = await this.chunks([chunk]);
      if (!stored || stored.leaves.length < size % CHUNK_SIZE) {
        throw new Error(`tip_merkle_chunks lacks the leaves of chunk ${chunk} that a tree of ${size} leaves needs`);
      }
      open.positions = stored.positions.slice(0, size % CHUNK_SIZE);
      open.leaves = stored.leaves.slice(0, size % CHUNK_SIZE);
    }
    return {
      state: { size, lastPosition: Number(rows[0].last_position), root: rows[0].root },
      frontier,
      open,
    };
  }

  /**
   * One transaction, sent as one text (one round trip): the new state (only if the tree is still
   * where this builder found it, else the text stops at a failed cast and is rolled back), its
   * chunks and nodes.
   */
  private async write(fromSize: number, grown: Grown): Promise<boolean> {
    const { state, frontier } = grown.cursor;
    const chunks = grown.chunks;
    const statements = [
      `with moved as (
         update tip_merkle_tree set size = ${state.size}, last_position = ${state.lastPosition},
           root = ${bytea(state.root)}, frontier = ${bytea(Buffer.concat(frontier.hashes()))}, updated_at = now()
         where size = ${fromSize} returning 1)
       select (${escapeLiteral(TREE_MOVED)} || count(*))::int from moved having count(*) <> 1`,
      `insert into tip_merkle_chunks (chunk, first_position, last_position, positions, leaves)
       select * from unnest(${bigints(chunks.map((chunk) => chunk.chunk))}, ${bigints(
         chunks.map((chunk) => chunk.positions[0]),
       )}, ${bigints(chunks.map((chunk) => chunk.positions[chunk.positions.length - 1]))}, ${byteas(
         chunks.map((chunk) => packPositions(chunk.positions)),
       )}, ${byteas(chunks.map((chunk) => Buffer.concat(chunk.leaves)))})
       on conflict (chunk) do update
         set last_position = excluded.last_position, positions = excluded.positions, leaves = excluded.leaves`,
    ];
    if (grown.nodes.length > 0)
      statements.push(
        `insert into tip_merkle_nodes (level, index, hash)
         select * from unnest(${bigints(grown.nodes.map((node) => node.level))}::smallint[], ${bigints(
           grown.nodes.map((node) => node.index),
         )}, ${byteas(grown.nodes.map((node) => node.hash))}) on conflict do nothing`,
      );
    const client = await this.pool.connect();
    let broken = true;
    try {
      try {
        await client.query(`begin; ${statements.join(';\n')}; commit`);
      } catch (error) {
        // A connection that cannot roll back is broken: released as such, with the first error.
        await client.query('rollback').catch(() => {
          throw error;
        });
        if (error instanceof Error && error.message.includes(TREE_MOVED)) {
          broken = false;
          return false;
        }
        throw error;
      }
      broken = false;
      return true;
    } finally {
      client.release(broken);
    }
  }

  /** Stored chunks by number (absent ones left out), in the order asked. */
  async chunks(numbers: number[], client: Pool | PoolClient = this.pool): Promise<LeafChunk[]> {
    if (numbers.length === 0) return [];
    const { rows } = await client.query<{ chunk: string; positions: Buffer; leaves: Buffer }>(
      'select chunk, positions, leaves from tip_merkle_chunks where chunk = any($1::bigint[]) order by chunk',
      [numbers],
    );
    return rows.map(decodeChunk);
  }

  /** Chunks from `fromChunk` on, in order, a page at a time (the export writes them beside the events). */
  async chunksFrom(fromChunk: number, limit: number, client: Pool | PoolClient = this.pool): Promise<LeafChunk[]> {
    return (await this.storedChunksFrom(fromChunk, limit, client)).map(decodeChunk);
  }

  /**
   * The same, their columns as stored: verification walks them beside the events and compares
   * each leaf where it lies (an object and a Buffer a leaf were most of what the stored tree cost it).
   */
  async storedChunksFrom(
    fromChunk: number,
    limit: number,
    client: Pool | PoolClient = this.pool,
  ): Promise<StoredLeafChunk[]> {
    const { rows } = await client.query<{ chunk: string; positions: Buffer; leaves: Buffer }>(
      'select chunk, positions, leaves from tip_merkle_chunks where chunk >= $1 order by chunk limit $2',
      [fromChunk, limit],
    );
    return rows.map((row) => ({ chunk: Number(row.chunk), positions: row.positions, leaves: row.leaves }));
  }

  /** How many leaves of the tree are events at or before `position` (the tree holds every such event it reached). */
  async sizeAt(position: number, client: Pool | PoolClient = this.pool): Promise<number> {
    const { rows } = await client.query<{ chunk: string; positions: Buffer; leaves: Buffer }>(
      `select chunk, positions, leaves from tip_merkle_chunks
       where first_position <= $1 order by first_position desc limit 1`,
      [position],
    );
    if (rows.length === 0) return 0;
    const chunk = decodeChunk(rows[0]);
    return chunk.chunk * CHUNK_SIZE + chunk.positions.filter((each) => each <= position).length;
  }

  /** The leaf index and hash of the event at `position`, if the tree holds it. */
  async leafAt(
    position: number,
    client: Pool | PoolClient = this.pool,
  ): Promise<{ index: number; leaf: Buffer } | undefined> {
    const { rows } = await client.query<{ chunk: string; positions: Buffer; leaves: Buffer }>(
      `select chunk, positions, leaves from tip_merkle_chunks
       where first_position <= $1 order by first_position desc limit 1`,
      [position],
    );
    if (rows.length === 0) return undefined;
    const chunk = decodeChunk(rows[0]);
    const at = chunk.positions.indexOf(position);
    if (at < 0) return undefined;
    return { index: chunk.chunk * CHUNK_SIZE + at, leaf: chunk.leaves[at] };
  }

  /**
   * MTH(D[start:end]) of each range, for ranges within a tree of `treeSize` leaves that this
   * store has built: complete subtrees of a chunk or more come from the stored nodes, smaller
   * ones from the chunks' leaves, two queries in all.
   */
  async subtreeRoots(
    ranges: readonly LeafRange[],
    treeSize: number,
    client: Pool | PoolClient = this.pool,
  ): Promise<Buffer[]> {
    const wantedNodes = new Map<string, [number, number]>();
    const wantedChunks = new Set<number>();
    const plans = ranges.map(([start, end]) => {
      if (start < 0 || end > treeSize || start >= end)
        throw new RangeError(`[${start}, ${end}) is not a subtree of a tree of ${treeSize} leaves`);
      return plan(start, end, wantedNodes, wantedChunks);
    });
    const nodes = new Map<string, Buffer>();
    if (wantedNodes.size > 0) {
      const keys = [...wantedNodes.values()];
      const { rows } = await client.query<{ level: number; index: string; hash: Buffer }>(
        `select level, index, hash from tip_merkle_nodes
         where (level, index) in (select * from unnest($1::smallint[], $2::bigint[]))`,
        [keys.map(([level]) => level), keys.map(([, index]) => index)],
      );
      for (const row of rows) nodes.set(`${row.level}:${row.index}`, row.hash);
    }
    const chunks = new Map((await this.chunks([...wantedChunks], client)).map((chunk) => [chunk.chunk, chunk]));
    return plans.map((each) => evaluate(each, nodes, chunks));
  }
}

/** How a subtree's root is made: a stored node, leaves of one chunk, or two halves joined. */
type Plan =
  | { kind: 'node'; key: string; level: number; index: number }
  | { kind: 'leaves'; chunk: number; from: number; to: number }
  | { kind: 'join'; left: Plan; right: Plan };

function plan(start: number, end: number, nodes: Map<string, [number, number]>, chunks: Set<number>): Plan {
  const size = end - start;
  if (size >= CHUNK_SIZE && isAlignedPowerOfTwo(start, size)) {
    const level = Math.round(Math.log2(size));
    const index = start / size;
    const key = `${level}:${index}`;
    nodes.set(key, [level, index]);
    return { kind: 'node', key, level, index };
  }
  const chunk = Math.floor(start / CHUNK_SIZE);
  if (Math.floor((end - 1) / CHUNK_SIZE) === chunk) {
    chunks.add(chunk);
    return { kind: 'leaves', chunk, from: start - chunk * CHUNK_SIZE, to: end - chunk * CHUNK_SIZE };
  }
  const k = splitPoint(size);
  return { kind: 'join', left: plan(start, start + k, nodes, chunks), right: plan(start + k, end, nodes, chunks) };
}

function evaluate(each: Plan, nodes: Map<string, Buffer>, chunks: Map<number, LeafChunk>): Buffer {
  switch (each.kind) {
    case 'node': {
      const found = nodes.get(each.key);
      if (!found)
        throw new Error(`tip_merkle_nodes lacks the subtree root at level ${each.level}, index ${each.index}`);
      return found;
    }
    case 'leaves': {
      const chunk = chunks.get(each.chunk);
      if (!chunk || chunk.leaves.length < each.to)
        throw new Error(`tip_merkle_chunks lacks leaves of chunk ${each.chunk}`);
      return rootOf(chunk.leaves, each.from, each.to);
    }
    case 'join':
      return nodeHash(evaluate(each.left, nodes, chunks), evaluate(each.right, nodes, chunks));
  }
}

function isAlignedPowerOfTwo(start: number, size: number): boolean {
  return Number.isInteger(Math.log2(size)) && start % size === 0;
}

interface Grown {
  cursor: Cursor;
  /** Chunks that changed, the open one last (with what it holds so far). */
  chunks: LeafChunk[];
  nodes: { level: number; index: number; hash: Buffer }[];
}

/** The tree with `events` added, and what must be stored for it; the cursor given is left as it was. */
function extend(cursor: Cursor, events: LoggedEvent[]): Grown {
  const frontier = cursor.frontier.clone();
  const nodes: Grown['nodes'] = [];
  const onComplete = (level: number, index: number, hash: Buffer) => nodes.push({ level, index, hash });
  const chunks: LeafChunk[] = [];
  let open: LeafChunk = {
    chunk: cursor.open.chunk,
    positions: [...cursor.open.positions],
    leaves: [...cursor.open.leaves],
  };
  let lastPosition = cursor.state.lastPosition;
  for (const event of events) {
    if (event.position <= lastPosition) {
      throw new Error(`the log gave position ${event.position} after ${lastPosition}: positions must grow`);
    }
    const leaf = eventLeafHash(event);
    frontier.append(leaf, onComplete, CHUNK_LEVEL);
    open.positions.push(event.position);
    open.leaves.push(leaf);
    lastPosition = event.position;
    if (open.leaves.length === CHUNK_SIZE) {
      chunks.push(open);
      open = { chunk: open.chunk + 1, positions: [], leaves: [] };
    }
  }
  if (open.leaves.length > 0) chunks.push(open);
  const state = { size: frontier.size, lastPosition, root: frontier.root() };
  return { cursor: { state, frontier, open }, chunks, nodes };
}

function splitHashes(bytes: Buffer): Buffer[] {
  const hashes: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += HASH_BYTES) hashes.push(bytes.subarray(at, at + HASH_BYTES));
  return hashes;
}

/** What a write fails with when another builder grew the tree first. */
const TREE_MOVED = 'tip: another builder grew the Merkle tree first, rows ';

/** Literals for a write sent as one text: whole numbers and bytes, as PostgreSQL reads them. */
const bytea = (bytes: Buffer) => `'\\x${bytes.toString('hex')}'::bytea`;
const bigints = (numbers: number[]) => `'{${numbers.map((each) => String(Math.trunc(each))).join(',')}}'::bigint[]`;
const byteas = (list: Buffer[]) => `array[${list.map(bytea).join(',')}]::bytea[]`;

function packPositions(positions: number[]): Buffer {
  const packed = Buffer.allocUnsafe(positions.length * 8);
  positions.forEach((position, index) => {
    packed.writeUInt32BE(Math.floor(position / 0x1_0000_0000), index * 8);
    packed.writeUInt32BE(position % 0x1_0000_0000, index * 8 + 4);
  });
  return packed;
}

function decodeChunk(row: { chunk: string | number; positions: Buffer; leaves: Buffer }): LeafChunk {
  const positions: number[] = [];
  for (let at = 0; at + 8 <= row.positions.length; at += 8) {
    positions.push(row.positions.readUInt32BE(at) * 0x1_0000_0000 + row.positions.readUInt32BE(at + 4));
  }
  return { chunk: Number(row.chunk), positions, leaves: splitHashes(row.leaves) };
}
