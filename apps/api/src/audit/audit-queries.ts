import { z } from 'zod';
import { parseQuery, wholeNumber } from '@tip/application';

/** Query parameters of the audit routes: 400 naming each bad one and its rule. */
const hex64 = z.string().regex(/^[0-9a-f]{64}$/, 'must be a SHA-256 hash in lower-case hex (64 digits)');

export function parseInclusionQuery(query: Record<string, unknown>): { position: number; treeSize: number } {
  return parseQuery(z.object({ position: wholeNumber, treeSize: wholeNumber }), {
    position: query.position,
    treeSize: query.treeSize,
  });
}

export function parseConsistencyQuery(query: Record<string, unknown>): { from: number; to: number } {
  return parseQuery(z.object({ from: wholeNumber, to: wholeNumber }), { from: query.from, to: query.to });
}

export function parseCheckpointPage(query: Record<string, unknown>): { limit: number; before?: number } {
  const page = parseQuery(
    z.object({
      limit: wholeNumber.pipe(z.number().min(1, 'must be 1 to 1000').max(1000, 'must be 1 to 1000')).optional(),
      before: wholeNumber.optional(),
    }),
    { limit: query.limit, before: query.before },
  );
  return { limit: page.limit ?? 100, before: page.before };
}

/** A kept head given by its size and root, both or neither. */
export function parseKeptHead(query: Record<string, unknown>): { treeSize: number; rootHash: string } | undefined {
  const kept = parseQuery(
    z
      .object({ treeSize: wholeNumber.optional(), rootHash: hex64.optional() })
      .refine((value) => (value.treeSize === undefined) === (value.rootHash === undefined), {
        message: 'treeSize and rootHash come together (a checkpoint you kept)',
        path: ['rootHash'],
      }),
    { treeSize: query.treeSize, rootHash: query.rootHash },
  );
  return kept.treeSize === undefined || kept.rootHash === undefined
    ? undefined
    : { treeSize: kept.treeSize, rootHash: kept.rootHash };
}
