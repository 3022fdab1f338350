import type { Pool } from 'pg';
import { EventStore, EventStoreLogger, migrateAs } from '@tip/event-store';
import { Checkpoint } from './checkpoints/checkpoint';
import { CheckpointSchedule, toCheckpoint, TreeHeads } from './checkpoints/tree-heads';
import type { CheckpointSigner } from './keys/checkpoint-signer';
import { AuditProofs } from './proofs/audit-proofs';
import { MerkleTreeStore } from './tree/merkle-tree-store';
import { AUDIT_MIGRATIONS_TABLE, auditGrants, auditMigrations } from './tree/tree-schema';
import { KeptTreeHead, LogVerificationReport, verifyLog } from './verification/log-verifier';

/**
 * Creates or updates the audit tables as the database's owner, like the event store's
 * migrations, and grants the application's role (the pool's) what it needs; without an owner's
 * URL the pool's role migrates itself.
 */
export function migrateAuditTables(pool: Pool, ownerConnectionString?: string): Promise<void> {
  return migrateAs(ownerConnectionString, pool, auditMigrations, AUDIT_MIGRATIONS_TABLE, auditGrants);
}

export interface AuditLogOptions {
  /** PostgreSQL holding the tree and the heads (with KurrentDB too: the events may live elsewhere). */
  pool: Pool;
  store: EventStore;
  signer: CheckpointSigner;
  /** The wall clock heads are signed by; tests pass their own. */
  now?: () => Date;
  logger?: EventStoreLogger;
  /** How often a head is signed while the log grows (default a minute). */
  intervalMs?: number;
}

export interface VerifyOptions {
  /** Tree heads an auditor kept earlier. */
  against?: KeptTreeHead[];
  /** The only key heads may be signed with; by default this deployment's. */
  trustedKey?: Buffer;
  maxProblems?: number;
  onProgress?(eventsChecked: number): void;
  /** Worker threads hashing the log's rows (see VerifyLogInput). */
  hashWorkers?: number;
  hashWorkersFrom?: number;
}

/** A signed head as stored: a checkpoint and the order it was stored in. */
export type StoredCheckpoint = Checkpoint & { id: number };

/**
 * Every signed head of the database, oldest first, as checkpoints. Paged, so that a long
 * history does not come in one result.
 */
export async function storedCheckpoints(heads: Pick<TreeHeads, 'list'>): Promise<StoredCheckpoint[]> {
  const checkpoints: StoredCheckpoint[] = [];
  let beforeId: number | undefined;
  for (;;) {
    const page = await heads.list({ limit: 10_000, beforeId });
    if (page.length === 0) break;
    checkpoints.push(...page.map((head) => ({ id: head.id, ...toCheckpoint(head) })));
    beforeId = page[page.length - 1].id;
  }
  return checkpoints.sort((a, b) => a.treeSize - b.treeSize || a.timestamp - b.timestamp);
}

/**
 * The whole log against its tree, every signed head and the heads an auditor kept. Needs no
 * signing key: `tip verify` runs it with the public key only.
 */
export async function verifyAuditLog(
  sources: { store: EventStore; tree: MerkleTreeStore; heads: Pick<TreeHeads, 'list'> },
  options: VerifyOptions = {},
): Promise<LogVerificationReport> {
  return verifyLog({
    scan: sources.store.scanLog({ rows: true }),
    storedLeaves: (fromChunk) => sources.tree.storedChunksFrom(fromChunk, 64),
    heads: await storedCheckpoints(sources.heads),
    kept: options.against ?? [],
    trustedKey: options.trustedKey,
    maxProblems: options.maxProblems,
    onProgress: options.onProgress,
    hashWorkers: options.hashWorkers,
    hashWorkersFrom: options.hashWorkersFrom,
  });
}

/**
 * History an outsider can verify: the Merkle tree over the whole log in global order, its
 * signed heads, proofs, and the check of the log against them. Works over any event store
 * adapter (it reads the log through the port); the tree and heads live in PostgreSQL.
 */
export class AuditLog {
  readonly tree: MerkleTreeStore;
  readonly heads: TreeHeads;
  readonly proofs: AuditProofs;
  readonly schedule: CheckpointSchedule;

  constructor(private readonly options: AuditLogOptions) {
    const now = options.now ?? (() => new Date());
    this.tree = new MerkleTreeStore(options.pool, options.store, { logger: options.logger });
    this.heads = new TreeHeads(options.pool, this.tree, options.signer, now);
    this.proofs = new AuditProofs(this.tree, options.store);
    this.schedule = new CheckpointSchedule(this.heads, now, { intervalMs: options.intervalMs, logger: options.logger });
  }

  get signer(): CheckpointSigner {
    return this.options.signer;
  }

  /** Follows the log and signs heads on schedule until stop(). */
  start(): void {
    this.schedule.start();
  }

  stop(): Promise<void> {
    return this.schedule.stop();
  }

  /** The whole log against its tree, every signed head and the heads given. */
  verify(options: VerifyOptions = {}): Promise<LogVerificationReport> {
    return verifyAuditLog(
      { store: this.options.store, tree: this.tree, heads: this.heads },
      { ...options, trustedKey: options.trustedKey ?? this.options.signer.publicKey },
    );
  }
}
