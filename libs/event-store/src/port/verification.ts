import { EventMetadata } from './event';
import { chainHash, contentHash, GENESIS_HASH } from './hash-chain';

export type IntegrityProblemKind = 'altered' | 'inserted' | 'missing';

export interface IntegrityProblem {
  kind: IntegrityProblemKind;
  streamId: string;
  revision: number;
  /** Global position of the event concerned, or of the first event after a gap. */
  position?: number;
  eventId?: string;
  message: string;
}

export interface VerificationReport {
  ok: boolean;
  streamsChecked: number;
  eventsChecked: number;
  /** The earliest problem in global order. */
  firstProblem?: IntegrityProblem;
  /** Every problem found, at most one run of them per stream, earliest first (capped). */
  problems: IntegrityProblem[];
}

export interface StoredEvent {
  streamId: string;
  revision: number;
  position: number;
  eventId: string;
  type: string;
  data: unknown;
  metadata: EventMetadata;
  hash: Buffer;
}

/** What the store keeps about a stream's end, to detect a deleted or added tail. */
export interface StoredStreamHead {
  revision: number;
  lastHash: Buffer;
}

/**
 * Checks one stream's hash chain. Events come in revision order, as stored; `head` is the
 * store's own record of the stream's last revision and hash (undefined when it has none).
 */
export function verifyStreamChain(
  streamId: string,
  events: StoredEvent[],
  head: StoredStreamHead | undefined,
): IntegrityProblem[] {
  const problems: IntegrityProblem[] = [];
  let previous: Buffer = GENESIS_HASH;
  let expectedRevision = 0;
  let inserted = 0;
  for (let index = 0; index < events.length; index++) {
    const event = events[index];
    const at = { streamId, revision: event.revision, position: event.position, eventId: event.eventId };
    if (event.revision !== expectedRevision) {
      problems.push({
        kind: 'missing',
        ...at,
        revision: expectedRevision,
        message: `revisions ${expectedRevision}..${event.revision - 1} of stream "${streamId}" are missing before position ${event.position}`,
      });
      previous = event.hash;
      expectedRevision = event.revision + 1;
      continue;
    }
    if (chainHash(previous, contentHash(event)).equals(event.hash)) {
      previous = event.hash;
      expectedRevision += 1;
      continue;
    }
    const next = events[index + 1];
    const nextFollowsPrevious =
      next !== undefined &&
      next.revision === event.revision + 1 &&
      chainHash(previous, contentHash(next)).equals(next.hash);
    if (nextFollowsPrevious) {
      problems.push({
        kind: 'inserted',
        ...at,
        message: `event at revision ${event.revision} of stream "${streamId}" is not part of its chain`,
      });
      // The next event chains from `previous`: skip the intruder and carry on from there.
      inserted += 1;
      expectedRevision = event.revision + 1;
      continue;
    }
    problems.push({
      kind: 'altered',
      ...at,
      message: `event at revision ${event.revision} of stream "${streamId}" does not match its hash`,
    });
    previous = event.hash;
    expectedRevision += 1;
  }
  const lastRevision = expectedRevision - 1 - inserted;
  if (head === undefined) {
    if (events.length > 0) {
      const first = events[0];
      problems.push({
        kind: 'inserted',
        streamId,
        revision: first.revision,
        position: first.position,
        eventId: first.eventId,
        message: `stream "${streamId}" has events but the store never created it`,
      });
    }
  } else if (head.revision > lastRevision) {
    problems.push({
      kind: 'missing',
      streamId,
      revision: lastRevision + 1,
      message: `revisions ${lastRevision + 1}..${head.revision} of stream "${streamId}" are missing at its end`,
    });
  } else if (head.revision < lastRevision || !head.lastHash.equals(previous)) {
    const extra = events.find((event) => event.revision === head.revision + 1) ?? events[events.length - 1];
    problems.push({
      kind: head.revision < lastRevision ? 'inserted' : 'altered',
      streamId,
      revision: extra.revision,
      position: extra.position,
      eventId: extra.eventId,
      message: `the end of stream "${streamId}" differs from the store's record (revision ${head.revision})`,
    });
  }
  return problems;
}

/** Orders problems by where they occur in the global log; a problem without a position sorts last. */
export function byGlobalOrder(a: IntegrityProblem, b: IntegrityProblem): number {
  return (a.position ?? Number.MAX_SAFE_INTEGER) - (b.position ?? Number.MAX_SAFE_INTEGER);
}
