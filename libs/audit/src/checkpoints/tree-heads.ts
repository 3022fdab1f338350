import type { Pool } from 'pg';
import type { EventStoreLogger } from '@tip/event-store';
import type { CheckpointSigner } from '../keys/checkpoint-signer';
import { EMPTY_TREE_ROOT } from '../merkle/merkle-tree';
import { MerkleTreeStore } from '../tree/merkle-tree-store';
import { CHUNK_SIZE } from '../tree/tree-schema';
import { Checkpoint, CHECKPOINT_FORMAT, HeadReason, treeHeadData } from './checkpoint';
import { shanghaiIsoWeekOf, weekEndAtOrBefore } from './shanghai-week';

export interface SignedTreeHead {
  id: number;
  treeSize: number;
  rootHash: Buffer;
  timestamp: number;
  lastPosition: number;
  keyId: string;
  publicKey: Buffer;
  signature: Buffer;
  reason: HeadReason;
  week?: string;
}

/** Any number; the same for every process signing heads over this database. */
const SIGNING_LOCK = 7_461_240;

interface HeadRow {
  id: string;
  tree_size: string;
  root_hash: Buffer;
  timestamp_ms: string;
  last_position: string;
  key_id: string;
  public_key: Buffer;
  signature: Buffer;
  reason: HeadReason;
  week: string | null;
}

const HEAD_COLUMNS =
  'id, tree_size, root_hash, timestamp_ms, last_position, key_id, public_key, signature, reason, week';

function toHead(row: HeadRow): SignedTreeHead {
  return {
    id: Number(row.id),
    treeSize: Number(row.tree_size),
    rootHash: row.root_hash,
    timestamp: Number(row.timestamp_ms),
    lastPosition: Number(row.last_position),
    keyId: row.key_id,
    publicKey: row.public_key,
    signature: row.signature,
    reason: row.reason,
    ...(row.week ? { week: row.week } : {}),
  };
}

export function toCheckpoint(head: SignedTreeHead): Checkpoint {
  return {
    format: CHECKPOINT_FORMAT,
    keyId: head.keyId,
    publicKey: head.publicKey.toString('base64'),
    treeSize: head.treeSize,
    rootHash: head.rootHash.toString('hex'),
    timestamp: head.timestamp,
    signedAt: new Date(head.timestamp).toISOString(),
    lastPosition: head.lastPosition,
    reason: head.reason,
    ...(head.week ? { week: head.week } : {}),
    signature: head.signature.toString('base64'),
  };
}

/**
 * Signed tree heads: the tree is brought up to the log, its head signed and kept. Heads are
 * append-only (a trigger refuses changes); their trust comes from the signature, not the table.
 */
export class TreeHeads {
  constructor(
    private readonly pool: Pool,
    readonly tree: MerkleTreeStore,
    readonly signer: CheckpointSigner,
    private readonly now: () => Date,
  ) {}

  /**
   * Brings the tree up to the log and signs its head: 'week-end' once per week, the others only
   * if the tree grew since the last head. Otherwise the head that stands is returned.
   */
  async sign(reason: HeadReason, week?: string): Promise<SignedTreeHead> {
    await this.tree.catchUp();
    const client = await this.pool.connect();
    let broken = true;
    try {
      await client.query('begin');
      // One signer at a time, so two processes do not sign the same minute twice.
      await client.query('select pg_advisory_xact_lock($1)', [SIGNING_LOCK]);
      const state = await this.tree.state(client);
      const latest = await this.latest(client);
      const standing =
        reason === 'week-end'
          ? await this.forWeek(week ?? '', client)
          : latest && latest.treeSize >= state.size
            ? latest
            : undefined;
      if (standing) {
        await client.query('commit');
        broken = false;
        return standing;
      }
      const timestamp = this.now().getTime();
      const signature = await this.signer.sign(treeHeadData(timestamp, state.size, state.root));
      const { rows } = await client.query<HeadRow>(
        `insert into tip_tree_heads (tree_size, root_hash, timestamp_ms, last_position, key_id, public_key, signature, reason, week)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9) returning ${HEAD_COLUMNS}`,
        [
          state.size,
          state.root,
          timestamp,
          state.lastPosition,
          this.signer.keyId,
          this.signer.publicKey,
          signature,
          reason,
          week ?? null,
        ],
      );
      await client.query('commit');
      broken = false;
      return toHead(rows[0]);
    } finally {
      client.release(broken);
    }
  }

  /**
   * A signed head of exactly the log's events up to `position` (a read model's position, whose
   * figures came from those events): the one already signed for that prefix, else a new one.
   * The tree is brought up to the log first; a position it cannot reach yet is refused.
   */
  async headOfPrefix(position: number): Promise<SignedTreeHead> {
    const state = await this.tree.catchUp();
    if (position > state.lastPosition) {
      throw new Error(`The Merkle tree reaches position ${state.lastPosition}, not yet ${position}`);
    }
    const size = await this.tree.sizeAt(position);
    const { rows } = await this.pool.query<HeadRow>(
      `select ${HEAD_COLUMNS} from tip_tree_heads where tree_size = $1 and key_id = $2 order by id limit 1`,
      [size, this.signer.keyId],
    );
    if (rows[0]) return toHead(rows[0]);
    const [root] = size > 0 ? await this.tree.subtreeRoots([[0, size]], state.size) : [EMPTY_TREE_ROOT];
    const lastPosition =
      size > 0
        ? ((await this.tree.chunks([Math.floor((size - 1) / CHUNK_SIZE)]))[0]?.positions[(size - 1) % CHUNK_SIZE] ?? 0)
        : 0;
    const timestamp = this.now().getTime();
    const signature = await this.signer.sign(treeHeadData(timestamp, size, root));
    const inserted = await this.pool.query<HeadRow>(
      `insert into tip_tree_heads (tree_size, root_hash, timestamp_ms, last_position, key_id, public_key, signature, reason)
       values ($1, $2, $3, $4, $5, $6, $7, 'request') returning ${HEAD_COLUMNS}`,
      [size, root, timestamp, lastPosition, this.signer.keyId, this.signer.publicKey, signature],
    );
    return toHead(inserted.rows[0]);
  }

  /** The head of the largest tree (the newest of equals). */
  async latest(client: Pick<Pool, 'query'> = this.pool): Promise<SignedTreeHead | undefined> {
    const { rows } = await client.query<HeadRow>(
      `select ${HEAD_COLUMNS} from tip_tree_heads order by tree_size desc, id desc limit 1`,
    );
    return rows[0] && toHead(rows[0]);
  }

  async forWeek(week: string, client: Pick<Pool, 'query'> = this.pool): Promise<SignedTreeHead | undefined> {
    const { rows } = await client.query<HeadRow>(
      `select ${HEAD_COLUMNS} from tip_tree_heads where week = $1 order by id limit 1`,
      [week],
    );
    return rows[0] && toHead(rows[0]);
  }

  /** The smallest signed head whose tree reaches `position` (a read model's position, say). */
  async covering(position: number): Promise<SignedTreeHead | undefined> {
    const { rows } = await this.pool.query<HeadRow>(
      `select ${HEAD_COLUMNS} from tip_tree_heads where last_position >= $1 order by tree_size, id limit 1`,
      [position],
    );
    return rows[0] && toHead(rows[0]);
  }

  /** Heads newest first, `limit` at a time, before the head `beforeId` when paging. */
  async list(options: { limit: number; beforeId?: number }): Promise<SignedTreeHead[]> {
    const { rows } = await this.pool.query<HeadRow>(
      `select ${HEAD_COLUMNS} from tip_tree_heads where ($1::bigint is null or id < $1) order by id desc limit $2`,
      [options.beforeId ?? null, options.limit],
    );
    return rows.map(toHead);
  }
}

export interface CheckpointScheduleOptions {
  /** A head at least this often while the tree grows (default one minute). */
  intervalMs?: number;
  /** How often the schedule looks (default every second). */
  tickMs?: number;
  logger?: EventStoreLogger;
}

/**
 * When heads are signed: the tree follows the log on every tick, a head is signed once a minute
 * has passed since the last one and the tree has grown, and one at each ISO week's end in
 * Asia/Shanghai (Sunday 24:00), signed on the first tick after it. Time comes from the clock
 * given, so tests move it and call tick() instead of waiting.
 */
export class CheckpointSchedule {
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private readonly intervalMs: number;

  constructor(
    private readonly heads: TreeHeads,
    private readonly now: () => Date,
    private readonly options: CheckpointScheduleOptions = {},
  ) {
    this.intervalMs = options.intervalMs ?? 60_000;
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      this.ticking ??= this.tick()
        .catch((error: unknown) =>
          this.options.logger?.error('Signing tree heads failed; trying again', { error: String(error) }),
        )
        .finally(() => (this.ticking = undefined));
    }, this.options.tickMs ?? 1000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.ticking;
  }

  /** One look at the clock: follow the log, then sign what is due. */
  async tick(): Promise<void> {
    const state = await this.heads.tree.catchUp();
    const now = this.now().getTime();
    const weekEnd = weekEndAtOrBefore(now);
    const week = shanghaiIsoWeekOf(weekEnd - 1);
    const latest = await this.heads.latest();
    // A week that ended before TIP signed its first head has no history to show; after a
    // restart across a week's end, the missed head is signed late (its timestamp says so).
    if (latest && latest.timestamp < weekEnd && !(await this.heads.forWeek(week))) {
      const head = await this.heads.sign('week-end', week);
      this.options.logger?.info(`Signed the tree head at the end of ${week}`, { treeSize: head.treeSize });
      return;
    }
    if (state.size > (latest?.treeSize ?? 0) && (!latest || now - latest.timestamp >= this.intervalMs)) {
      await this.heads.sign('interval');
    }
  }
}
