import { createHash } from 'node:crypto';
import {
  consistencyRanges,
  EMPTY_TREE_ROOT,
  inclusionRanges,
  leafHash,
  MerkleFrontier,
  rootOf,
  verifyConsistency,
  verifyInclusion,
} from './merkle-tree';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const unhex = (text: string) => Buffer.from(text, 'hex');

// The reference tree of Certificate Transparency's test data (RFC 6962 hashing, as RFC 9162).
const CT_ENTRIES = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'];
const CT_ROOTS = [
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];
const CT_LEAVES = CT_ENTRIES.map((entry) => leafHash(unhex(entry)));

/** Subtree roots, remembered per leaf array: the exhaustive tests ask for the same ones many times. */
const subtreeRoots = new WeakMap<Buffer[], Map<string, Buffer>>();

function proofOf(leaves: Buffer[], ranges: readonly (readonly [number, number])[]): Buffer[] {
  let known = subtreeRoots.get(leaves);
  if (!known) subtreeRoots.set(leaves, (known = new Map()));
  const roots = known;
  return ranges.map(([start, end]) => {
    const key = `${start}:${end}`;
    let root = roots.get(key);
    if (!root) roots.set(key, (root = rootOf(leaves, start, end)));
    return root;
  });
}

function leavesOf(count: number): Buffer[] {
  return Array.from({ length: count }, (_, index) => leafHash(createHash('sha256').update(`leaf ${index}`).digest()));
}

/** Every way to spoil a proof by one step: each element flipped, one dropped, one added, two swapped. */
function spoiled(path: Buffer[]): Buffer[][] {
  const variants: Buffer[][] = [];
  for (let index = 0; index < path.length; index++) {
    const flipped = Buffer.from(path[index]);
    flipped[index % 32] ^= 1;
    variants.push(path.map((element, at) => (at === index ? flipped : element)));
    variants.push(path.filter((_, at) => at !== index));
    if (index + 1 < path.length && !path[index].equals(path[index + 1])) {
      variants.push(
        path.map((element, at) => (at === index ? path[index + 1] : at === index + 1 ? path[index] : element)),
      );
    }
  }
  variants.push([...path, path[0] ?? EMPTY_TREE_ROOT]);
  variants.push([EMPTY_TREE_ROOT, ...path]);
  return variants;
}

describe('Merkle tree (RFC 9162)', () => {
  describe('tree heads', () => {
    it('match the Certificate Transparency reference roots for every size 0..8', () => {
      for (let size = 0; size <= 8; size++) expect(hex(rootOf(CT_LEAVES.slice(0, size)))).toBe(CT_ROOTS[size]);
    });

    it('grow leaf by leaf in a frontier to the same roots, and survive a save and restore', () => {
      const leaves = leavesOf(300);
      let frontier = MerkleFrontier.empty();
      for (let size = 1; size <= leaves.length; size++) {
        frontier.append(leaves[size - 1]);
        expect(frontier.root().equals(rootOf(leaves.slice(0, size)))).toBe(true);
        if (size % 37 === 0) frontier = MerkleFrontier.restore(frontier.size, frontier.hashes());
      }
    });

    it('report each complete subtree as it closes, with its place', () => {
      const leaves = leavesOf(20);
      const frontier = MerkleFrontier.empty();
      const completed: [number, number, string][] = [];
      for (const leaf of leaves)
        frontier.append(leaf, (level, index, root) => completed.push([level, index, hex(root)]), 2);
      expect(completed.map(([level, index]) => [level, index])).toEqual([
        [2, 0],
        [2, 1],
        [3, 0],
        [2, 2],
        [2, 3],
        [3, 1],
        [4, 0],
        [2, 4],
      ]);
      for (const [level, index, root] of completed) {
        expect(root).toBe(hex(rootOf(leaves, index * 2 ** level, (index + 1) * 2 ** level)));
      }
    });

    it('refuse to restore a frontier whose size does not fit its hashes', () => {
      expect(() => MerkleFrontier.restore(3, [EMPTY_TREE_ROOT])).toThrow(/holds 2 subtree roots, not 1/);
    });
  });

  describe('inclusion proofs', () => {
    it('match the Certificate Transparency reference paths', () => {
      expect(proofOf(CT_LEAVES, inclusionRanges(0, 8)).map(hex)).toEqual([
        '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
        '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
        '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
      ]);
      expect(proofOf(CT_LEAVES, inclusionRanges(5, 8)).map(hex)).toEqual([
        'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
        'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
        'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
      ]);
    });

    it('verify for every leaf of every tree up to 70 leaves, and fail when any step is spoiled', () => {
      const leaves = leavesOf(70);
      for (let size = 1; size <= leaves.length; size++) {
        const root = rootOf(leaves, 0, size);
        for (let index = 0; index < size; index++) {
          const path = proofOf(leaves, inclusionRanges(index, size));
          expect(verifyInclusion(leaves[index], index, size, path, root)).toBe(true);
          if (index % 7 !== 3 && size % 9 !== 4) continue;
          const accepted = spoiled(path).filter((bad) => verifyInclusion(leaves[index], index, size, bad, root));
          expect(accepted).toEqual([]);
          expect(verifyInclusion(leaves[(index + 1) % size], index, size, path, root)).toBe(size === 1);
          if (size > 1) expect(verifyInclusion(leaves[index], (index + 1) % size, size, path, root)).toBe(false);
          expect(verifyInclusion(leaves[index], index, size, path, leaves[index])).toBe(size === 1);
        }
      }
    });

    it('refuse a leaf outside the tree', () => {
      expect(() => inclusionRanges(8, 8)).toThrow(RangeError);
      expect(verifyInclusion(CT_LEAVES[0], 8, 8, [], unhex(CT_ROOTS[8]))).toBe(false);
      expect(verifyInclusion(CT_LEAVES[0], -1, 8, [], unhex(CT_ROOTS[8]))).toBe(false);
    });
  });

  describe('consistency proofs', () => {
    it('match the Certificate Transparency reference proofs', () => {
      expect(proofOf(CT_LEAVES, consistencyRanges(1, 8)).map(hex)).toEqual([
        '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
        '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
        '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
      ]);
      expect(proofOf(CT_LEAVES, consistencyRanges(6, 8)).map(hex)).toEqual([
        '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
        'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
        'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
      ]);
      expect(proofOf(CT_LEAVES, consistencyRanges(2, 5)).map(hex)).toEqual([
        '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
        'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
      ]);
    });

    it('verify between every pair of sizes up to 70 leaves, and fail when any step is spoiled', () => {
      const leaves = leavesOf(70);
      const roots = Array.from({ length: leaves.length + 1 }, (_, size) => rootOf(leaves, 0, size));
      for (let to = 1; to <= leaves.length; to++) {
        for (let from = 0; from <= to; from++) {
          const path = proofOf(leaves, consistencyRanges(from, to));
          expect(verifyConsistency(from, to, roots[from], roots[to], path)).toBe(true);
          if (from === 0 || from === to || (to % 5 !== 2 && from % 6 !== 1)) continue;
          const accepted = spoiled(path).filter((bad) => verifyConsistency(from, to, roots[from], roots[to], bad));
          expect(accepted).toEqual([]);
          const otherOld = rootOf([...leaves.slice(0, from - 1), leafHash(Buffer.from('forged'))]);
          expect(verifyConsistency(from, to, otherOld, roots[to], path)).toBe(false);
          expect(verifyConsistency(from, to, roots[from], roots[to - 1], path)).toBe(false);
          expect(verifyConsistency(to, from, roots[to], roots[from], path)).toBe(false);
        }
      }
    });

    it('hold for equal sizes only with an empty proof and equal roots', () => {
      const root = unhex(CT_ROOTS[5]);
      expect(verifyConsistency(5, 5, root, root, [])).toBe(true);
      expect(verifyConsistency(5, 5, root, unhex(CT_ROOTS[6]), [])).toBe(false);
      expect(verifyConsistency(5, 5, root, root, [root])).toBe(false);
    });
  });
});
