import type { LoggedEvent } from '@tip/event-store';
import { consistencyRanges, EMPTY_TREE_ROOT, inclusionRanges, LeafRange } from '../merkle/merkle-tree';
import { LogReader, MerkleTreeStore } from '../tree/merkle-tree-store';

/** A proof that cannot be given: the caller asked for something the tree does not hold. */
export class ProofRequestError extends Error {
  constructor(
    readonly field: string,
    readonly rule: string,
    readonly notFound = false,
  ) {
    super(`${field}: ${rule}`);
  }
}

export interface InclusionProof {
  /** The event as stored, from which anyone recomputes its leaf hash. */
  event: LoggedEvent;
  position: number;
  leafIndex: number;
  treeSize: number;
  leafHash: string;
  /** MTH of the tree of `treeSize` leaves. */
  rootHash: string;
  /** RFC 9162 2.1.3.1 PATH(leafIndex, D[treeSize]), the leaf's sibling first. */
  auditPath: string[];
}

export interface ConsistencyProof {
  from: number;
  to: number;
  fromRootHash: string;
  toRootHash: string;
  /** RFC 9162 2.1.4.1 PROOF(from, D[to]). */
  consistencyPath: string[];
}

/** Proofs over the stored tree; clients check them against heads they hold (verifyInclusion, verifyConsistency). */
export class AuditProofs {
  constructor(
    private readonly tree: MerkleTreeStore,
    private readonly log: LogReader,
  ) {}

  async inclusion(position: number, treeSize: number): Promise<InclusionProof> {
    checkWhole('position', position, 1);
    const state = await this.tree.state();
    checkSize('treeSize', treeSize, 1, state.size, 'the tree so far');
    const found = await this.tree.leafAt(position);
    if (!found) throw new ProofRequestError('position', `no event at position ${position} is in the tree`, true);
    if (found.index >= treeSize) {
      throw new ProofRequestError(
        'position',
        `the event at position ${position} is leaf ${found.index}, outside a tree of ${treeSize} leaves`,
      );
    }
    const [event] = await this.log.readLog({ fromPosition: position, maxCount: 1 });
    if (!event || event.position !== position) {
      throw new ProofRequestError('position', `the event at position ${position} is no longer in the log`, true);
    }
    const roots = await this.tree.subtreeRoots([...inclusionRanges(found.index, treeSize), [0, treeSize]], treeSize);
    const rootHash = roots.pop() ?? EMPTY_TREE_ROOT;
    return {
      event,
      position,
      leafIndex: found.index,
      treeSize,
      leafHash: found.leaf.toString('hex'),
      rootHash: rootHash.toString('hex'),
      auditPath: roots.map((root) => root.toString('hex')),
    };
  }

  async consistency(from: number, to: number): Promise<ConsistencyProof> {
    checkWhole('from', from, 0);
    checkWhole('to', to, 0);
    const state = await this.tree.state();
    checkSize('to', to, 0, state.size, 'the tree so far');
    checkSize('from', from, 0, to, 'to');
    const ranges: LeafRange[] = consistencyRanges(from, to);
    if (to > 0) ranges.push([0, to]);
    if (from > 0) ranges.push([0, from]);
    const roots = await this.tree.subtreeRoots(ranges, to);
    const fromRoot = from > 0 ? roots.pop() : EMPTY_TREE_ROOT;
    const toRoot = to > 0 ? roots.pop() : EMPTY_TREE_ROOT;
    return {
      from,
      to,
      fromRootHash: (fromRoot ?? EMPTY_TREE_ROOT).toString('hex'),
      toRootHash: (toRoot ?? EMPTY_TREE_ROOT).toString('hex'),
      consistencyPath: roots.map((root) => root.toString('hex')),
    };
  }
}

function checkWhole(field: string, value: number, minimum: number): void {
  if (!Number.isSafeInteger(value) || value < minimum) {
    throw new ProofRequestError(field, `must be a whole number ≥ ${minimum}`);
  }
}

function checkSize(field: string, size: number, minimum: number, limit: number, limitName: string): void {
  checkWhole(field, size, minimum);
  if (size > limit) throw new ProofRequestError(field, `must be at most ${limit} (${limitName})`);
}
