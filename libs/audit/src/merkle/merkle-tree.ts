import { hash } from 'node:crypto';

/**
 * The Merkle tree of RFC 9162 (Certificate Transparency v2), section 2.1, with SHA-256:
 * MTH({}) = SHA-256(), a leaf is SHA-256(0x00 ‖ d), an inner node SHA-256(0x01 ‖ left ‖ right),
 * and a tree of n > 1 leaves splits at k, the largest power of two below n. Sizes and indexes are
 * plain numbers (exact up to 2^53), so bit operations are written as arithmetic.
 */

export const HASH_BYTES = 32;

/**
 * SHA-256 as a Buffer. Node's own Buffer output gives each hash a backing store of its own, which
 * cost more than hashing a 65-byte node (0.94 µs against 0.47 through a binary (latin1) string, whose
 * Buffer comes from the shared pool): a verify of the whole log makes two or three a event.
 */
export function sha256(data: string | Uint8Array): Buffer {
  return Buffer.from(hash('sha256', data, 'binary'), 'binary');
}

export const EMPTY_TREE_ROOT: Buffer = sha256(Buffer.alloc(0));

/** [start, end) of leaf indexes: a subtree whose MTH a proof carries. */
export type LeafRange = readonly [start: number, end: number];

/** SHA-256(0x00 ‖ leafInput). */
export function leafHash(leafInput: Uint8Array): Buffer {
  const prefixed = Buffer.allocUnsafe(leafInput.length + 1);
  prefixed[0] = 0;
  prefixed.set(leafInput, 1);
  return sha256(prefixed);
}

/** Both children of one node, reused: a node hash allocates nothing but its result. */
const nodeInput = Buffer.alloc(1 + 2 * HASH_BYTES, 1);

/** SHA-256(0x01 ‖ left ‖ right). */
export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  if (left.length !== HASH_BYTES || right.length !== HASH_BYTES) {
    throw new TypeError(`a Merkle node joins two ${HASH_BYTES}-byte hashes`);
  }
  nodeInput.set(left, 1);
  nodeInput.set(right, 1 + HASH_BYTES);
  return sha256(nodeInput);
}

/** The largest power of two strictly below n (n ≥ 2). */
export function splitPoint(n: number): number {
  if (!(n >= 2)) throw new RangeError(`a tree of ${n} leaves does not split`);
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

export function isPowerOfTwo(n: number): boolean {
  if (!(n >= 1) || !Number.isSafeInteger(n)) return false;
  let k = 1;
  while (k < n) k *= 2;
  return k === n;
}

/** MTH(D[start:end]) over leaf hashes held in memory. */
export function rootOf(leaves: readonly Uint8Array[], start = 0, end = leaves.length): Buffer {
  const n = end - start;
  if (n === 0) return EMPTY_TREE_ROOT;
  if (n === 1) return Buffer.from(leaves[start]);
  const k = splitPoint(n);
  return nodeHash(rootOf(leaves, start, start + k), rootOf(leaves, start + k, end));
}

/**
 * The subtrees whose roots make PATH(index, D[size]), the inclusion proof of RFC 9162
 * 2.1.3.1, in proof order (the leaf's sibling first).
 */
export function inclusionRanges(index: number, size: number): LeafRange[] {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) {
    throw new RangeError(`leaf ${index} is not in a tree of ${size} leaves`);
  }
  const ranges: LeafRange[] = [];
  let start = 0;
  let end = size;
  // Walks from the root down; the RFC's path lists the siblings from the bottom up.
  while (end - start > 1) {
    const k = splitPoint(end - start);
    if (index < start + k) {
      ranges.push([start + k, end]);
      end = start + k;
    } else {
      ranges.push([start, start + k]);
      start += k;
    }
  }
  return ranges.reverse();
}

/**
 * The subtrees whose roots make PROOF(from, D[to]), the consistency proof of RFC 9162 2.1.4.1,
 * in proof order. Empty when from is 0 or equals to (nothing to prove).
 */
export function consistencyRanges(from: number, to: number): LeafRange[] {
  if (!Number.isSafeInteger(from) || !Number.isSafeInteger(to) || from < 0 || from > to) {
    throw new RangeError(`a tree of ${from} leaves cannot be a prefix of one of ${to}`);
  }
  if (from === 0 || from === to) return [];
  const ranges: LeafRange[] = [];
  let start = 0;
  let end = to;
  let m = from;
  let whole = true;
  // SUBPROOF(m, D[start:end], whole), unrolled; siblings are collected top-down and reversed.
  while (m !== end - start) {
    const k = splitPoint(end - start);
    if (m <= k) {
      ranges.push([start + k, end]);
      end = start + k;
    } else {
      ranges.push([start, start + k]);
      m -= k;
      start += k;
      whole = false;
    }
  }
  if (!whole) ranges.push([start, end]);
  return ranges.reverse();
}

const odd = (n: number) => n % 2 === 1;
const half = (n: number) => Math.floor(n / 2);

/**
 * RFC 9162 2.1.3.2: whether `path` proves that `leaf` is leaf `index` of the tree of `size`
 * leaves whose root is `root`. Every step is checked, and a path one element too long or too
 * short fails (the lesson of immudb's GHSA-672p-m5jq-mrh8).
 */
export function verifyInclusion(
  leaf: Uint8Array,
  index: number,
  size: number,
  path: readonly Uint8Array[],
  root: Uint8Array,
): boolean {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) return false;
  if (leaf.length !== HASH_BYTES || root.length !== HASH_BYTES) return false;
  let fn = index;
  let sn = size - 1;
  let r: Buffer = Buffer.from(leaf);
  for (const p of path) {
    if (p.length !== HASH_BYTES) return false;
    if (sn === 0) return false;
    if (odd(fn) || fn === sn) {
      r = nodeHash(p, r);
      if (!odd(fn)) {
        while (!odd(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 && r.equals(root);
}

/**
 * RFC 9162 2.1.4.2: whether `path` proves that the tree of `from` leaves with root `fromRoot`
 * is a prefix of the tree of `to` leaves with root `toRoot`. Equal sizes need an empty path and
 * equal roots; any tree extends the empty one.
 */
export function verifyConsistency(
  from: number,
  to: number,
  fromRoot: Uint8Array,
  toRoot: Uint8Array,
  path: readonly Uint8Array[],
): boolean {
  if (!Number.isSafeInteger(from) || !Number.isSafeInteger(to) || from < 0 || from > to) return false;
  if (fromRoot.length !== HASH_BYTES || toRoot.length !== HASH_BYTES) return false;
  if (path.some((element) => element.length !== HASH_BYTES)) return false;
  if (from === 0) return path.length === 0 && Buffer.from(fromRoot).equals(EMPTY_TREE_ROOT);
  if (from === to) return path.length === 0 && Buffer.from(fromRoot).equals(toRoot);
  if (path.length === 0) return false;
  const proof = isPowerOfTwo(from) ? [fromRoot, ...path] : [...path];
  let fn = from - 1;
  let sn = to - 1;
  while (odd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  let fr: Buffer = Buffer.from(proof[0]);
  let sr: Buffer = Buffer.from(proof[0]);
  for (const c of proof.slice(1)) {
    if (sn === 0) return false;
    if (odd(fn) || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if (!odd(fn)) {
        while (!odd(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 && fr.equals(fromRoot) && sr.equals(toRoot);
}

/** One node of the frontier, reused: SHA-256(0x01 ‖ left ‖ right) of two binary strings. */
const frontierNodeInput = Buffer.alloc(1 + 2 * HASH_BYTES, 1);

function nodeHashBinary(left: string, right: string): string {
  for (let index = 0; index < HASH_BYTES; index++) {
    frontierNodeInput[1 + index] = left.charCodeAt(index);
    frontierNodeInput[1 + HASH_BYTES + index] = right.charCodeAt(index);
  }
  return hash('sha256', frontierNodeInput, 'binary');
}

const binary = (bytes: Uint8Array): string =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1');

/**
 * The right edge of a tree growing one leaf at a time (a compact range from 0): for each set
 * bit of the size, the root of that complete subtree, largest first. Appending costs one node
 * hash per carry, about one per leaf; the root folds at most log2(size) of them. Hashes are held
 * as binary strings (one character a byte): a verify appends millions of leaves, and a string
 * costs nothing to keep or hand over where a Buffer is an allocation.
 */
export class MerkleFrontier {
  private constructor(
    private sizeValue: number,
    private readonly subtrees: string[],
  ) {}

  static empty(): MerkleFrontier {
    return new MerkleFrontier(0, []);
  }

  /** A frontier saved with `hashes()`. */
  static restore(size: number, hashes: readonly Uint8Array[]): MerkleFrontier {
    let bits = 0;
    for (let rest = size; rest > 0; rest = half(rest)) if (odd(rest)) bits += 1;
    if (!Number.isSafeInteger(size) || size < 0 || hashes.length !== bits) {
      throw new RangeError(`a frontier of ${size} leaves holds ${bits} subtree roots, not ${hashes.length}`);
    }
    if (hashes.some((each) => each.length !== HASH_BYTES)) throw new TypeError(`a subtree root is ${HASH_BYTES} bytes`);
    return new MerkleFrontier(size, hashes.map(binary));
  }

  get size(): number {
    return this.sizeValue;
  }

  hashes(): Buffer[] {
    return this.subtrees.map((each) => Buffer.from(each, 'latin1'));
  }

  /**
   * Adds one leaf hash. `onComplete` hears of every complete subtree of at least `minLevel`
   * levels that the leaf finishes (level L covers 2^L leaves; index = its start / 2^L).
   */
  append(leaf: Uint8Array, onComplete?: (level: number, index: number, root: Buffer) => void, minLevel = 0): void {
    if (leaf.length !== HASH_BYTES) throw new TypeError(`a Merkle node joins two ${HASH_BYTES}-byte hashes`);
    this.appendBinary(binary(leaf), onComplete, minLevel);
  }

  /** Adds the leaf hash held in `bytes` at `at`. */
  appendAt(bytes: Buffer, at: number): void {
    if (at < 0 || at + HASH_BYTES > bytes.length) throw new RangeError(`no ${HASH_BYTES}-byte leaf hash at ${at}`);
    this.appendBinary(bytes.toString('latin1', at, at + HASH_BYTES));
  }

  private appendBinary(
    leaf: string,
    onComplete?: (level: number, index: number, root: Buffer) => void,
    minLevel = 0,
  ): void {
    let node = leaf;
    let level = 0;
    let size = this.sizeValue;
    const newSize = size + 1;
    if (onComplete && minLevel === 0) onComplete(0, newSize - 1, Buffer.from(node, 'latin1'));
    while (odd(size)) {
      const left = this.subtrees.pop();
      if (left === undefined) throw new Error('Merkle frontier is inconsistent with its size');
      node = nodeHashBinary(left, node);
      level += 1;
      size = half(size);
      if (onComplete && level >= minLevel) onComplete(level, newSize / 2 ** level - 1, Buffer.from(node, 'latin1'));
    }
    this.subtrees.push(node);
    this.sizeValue = newSize;
  }

  root(): Buffer {
    if (this.subtrees.length === 0) return EMPTY_TREE_ROOT;
    let root = this.subtrees[this.subtrees.length - 1];
    for (let index = this.subtrees.length - 2; index >= 0; index--) root = nodeHashBinary(this.subtrees[index], root);
    return Buffer.from(root, 'latin1');
  }

  clone(): MerkleFrontier {
    return new MerkleFrontier(this.sizeValue, [...this.subtrees]);
  }
}
