import { decodeLogRows, type EventStore } from '@tip/event-store';
import { storedCheckpoints } from '../audit-log';
import { Checkpoint } from '../checkpoints/checkpoint';
import { toCheckpoint, TreeHeads } from '../checkpoints/tree-heads';
import { MerkleTreeStore } from '../tree/merkle-tree-store';

export const LOG_EXPORT_FORMAT = 'tip-log/1';

/**
 * The log as an auditor takes it away, one JSON document per line (NDJSON), for verifiers that
 * do not run TIP's code (tools/verify-log.py), in an order that lets them check it in one pass:
 *
 *     {"kind":"header","format":"tip-log/1","exportedAt":…,"head":<the newest checkpoint, or null>}
 *     {"kind":"head",…}             every signed head (a checkpoint), smallest tree first
 *     {"kind":"start","safePosition":…}   the tree may cover the events up to here
 *     {"kind":"leaves","chunk":…,"positions":[…],"leaves":[…]}   the stored tree's leaves (to name what
 *                                   differs), each chunk before the events it covers
 *     {"kind":"event",…}            each event as stored (LoggedEvent), in global order
 *     {"kind":"streamHead",…}       the store's record of each stream's end, where it keeps one
 *     {"kind":"end","events":…}
 *
 * Data and metadata are the stored JSON texts as strings, so the bytes a leaf commits to are
 * the bytes in the file, whatever JSON library reads it.
 */
export async function exportAuditLog(
  sources: { store: EventStore; tree: MerkleTreeStore; heads: TreeHeads; canSign: boolean },
  write: (line: string) => void | Promise<void>,
  now: () => Date = () => new Date(),
): Promise<{ events: number; head?: Checkpoint }> {
  // A fresh head covering what there is to export, when this process holds the key.
  const head = sources.canSign ? await sources.heads.sign('request') : await sources.heads.latest();
  const checkpoint = head && toCheckpoint(head);
  await write(
    JSON.stringify({
      kind: 'header',
      format: LOG_EXPORT_FORMAT,
      exportedAt: now().toISOString(),
      head: checkpoint ?? null,
    }),
  );
  for (const each of await storedCheckpoints(sources.heads)) await write(JSON.stringify({ kind: 'head', ...each }));
  const leaves = new LeafLines(sources.tree, write);
  let events = 0;
  for await (const item of sources.store.scanLog()) {
    switch (item.kind) {
      case 'start':
        await write(JSON.stringify({ kind: 'start', safePosition: item.safePosition }));
        break;
      case 'events':
      case 'rows': {
        // Rows come only when asked for; decoded, they are the same events.
        const page = item.kind === 'events' ? item.events : decodeLogRows(item.rows);
        const last = page[page.length - 1];
        if (last) await leaves.writeUpTo(last.position);
        for (const event of page) await write(JSON.stringify({ kind: 'event', ...event }));
        events += page.length;
        break;
      }
      case 'heads':
        await leaves.writeUpTo(Number.MAX_SAFE_INTEGER);
        for (const stream of item.heads) await write(JSON.stringify({ kind: 'streamHead', ...stream }));
        break;
    }
  }
  await leaves.writeUpTo(Number.MAX_SAFE_INTEGER);
  await write(JSON.stringify({ kind: 'end', events }));
  return { events, head: checkpoint };
}

/** The stored leaf chunks, written as far as the events about to be written need them. */
class LeafLines {
  private nextChunk = 0;
  private lastPosition = -1;
  private done = false;

  constructor(
    private readonly tree: MerkleTreeStore,
    private readonly write: (line: string) => void | Promise<void>,
  ) {}

  async writeUpTo(position: number): Promise<void> {
    while (!this.done && this.lastPosition < position) {
      const chunks = await this.tree.chunksFrom(this.nextChunk, 64);
      if (chunks.length === 0) {
        this.done = true;
        return;
      }
      for (const each of chunks) {
        await this.write(
          JSON.stringify({
            kind: 'leaves',
            chunk: each.chunk,
            positions: each.positions,
            leaves: each.leaves.map((leaf) => leaf.toString('hex')),
          }),
        );
        this.lastPosition = each.positions[each.positions.length - 1] ?? this.lastPosition;
      }
      this.nextChunk = chunks[chunks.length - 1].chunk + 1;
    }
  }
}
