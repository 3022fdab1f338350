import type { Pool } from 'pg';
import { EventStore, EventStoreLogger, runMigrations } from '@tip/event-store';
import { Checkpoint } from './checkpoints/checkpoint';
import { CheckpointSchedule, toCheckpoint, TreeHeads } from './checkpoints/tree-heads';
import type { CheckpointSigner } from './keys/checkpoint-signer';
import { AuditProofs } from './proofs/audit-proofs';
import { MerkleTreeStore } from './tree/merkle-tree-store';
import { AUDIT_MIGRATIONS_TABLE, auditMigrations } from './tree/tree-schema';
import { LogVerificationReport, verifyLog } from './verification/log-verifier';

/** Creates or updates the audit tables; run as the database's owner, like the event store's migrations. */
export function migrateAuditTables(ownerPool: Pool): Promise<number[]> {
  return runMigrations(ownerPool, auditMigrations, AUDIT_MIGRATIONS_TABLE);
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
  /** Checkpoints an auditor kept earlier. */
  against?: Checkpoint[];
  /** The only key heads may be signed with; by default this deployment's. */
  trustedKey?: Buffer;
  maxProblems?: number;
  onProgress?(eventsChecked: number): void;
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

  /** Every signed head, oldest first, as checkpoints. */
  async allCheckpoints(): Promise<Checkpoint[]> {
    const checkpoints: Checkpoint[] = [];
    // Paged by id so that a long history does not come in one result.
    let beforeId: number | undefined;
    for (;;) {
      const page = await this.heads.list({ limit: 10_000, beforeId });
      if (page.length === 0) break;
      checkpoints.push(...page.map(toCheckpoint));
      beforeId = page[page.length - 1].id;
    }
    return checkpoints.sort((a, b) => a.treeSize - b.treeSize || a.timestamp - b.timestamp);
  }

  /** The whole log against its tree, every signed head and the checkpoints given. */
  async verify(options: VerifyOptions = {}): Promise<LogVerificationReport> {
    return verifyLog({
      scan: this.options.store.scanLog(),
      storedLeaves: (fromChunk) => this.tree.chunksFrom(fromChunk, 64),
      heads: await this.allCheckpoints(),
      kept: options.against ?? [],
      trustedKey: options.trustedKey ?? this.options.signer.publicKey,
      maxProblems: options.maxProblems,
      onProgress: options.onProgress,
    });
  }
}
