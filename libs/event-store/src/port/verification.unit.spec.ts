import { EventMetadata } from './event';
import { canonicalJson } from './canonical-json';
import { chainHash, contentHash, contentHashOfCanonical, GENESIS_HASH } from './hash-chain';
import { StoredEvent, verifyStreamChain } from './verification';

const metadata = (index: number): EventMetadata => ({
  eventId: `00000000-0000-4000-8000-${String(index).padStart(12, '0')}`,
  businessTime: '2021-01-01T00:00:00.000Z',
  recordedTime: '2021-01-01T00:00:00.000Z',
  actor: { sub: 'a', role: 'system' },
  commandId: 'c',
  correlationId: 'c',
  causationId: 'c',
  schemaVersion: 1,
});

/** A correctly chained stream of `count` events, as the store would write it. */
function chainedStream(count: number): StoredEvent[] {
  let previous: Buffer = GENESIS_HASH;
  return Array.from({ length: count }, (_, revision) => {
    const event = { streamId: 's', type: 'E', data: { revision }, metadata: metadata(revision) };
    previous = chainHash(previous, contentHash(event));
    return { ...event, revision, position: 10 + revision, eventId: event.metadata.eventId, hash: previous };
  });
}

const headOf = (events: StoredEvent[]) => ({ revision: events.length - 1, lastHash: events[events.length - 1].hash });

describe('verifyStreamChain', () => {
  it('accepts an untouched stream', () => {
    const events = chainedStream(4);
    expect(verifyStreamChain('s', events, headOf(events))).toEqual([]);
  });

  it('names an altered event even when its key order changed in storage', () => {
    const events = chainedStream(3);
    const head = headOf(events);
    events[1] = { ...events[1], data: { revision: 99 } };
    expect(verifyStreamChain('s', events, head)).toEqual([
      expect.objectContaining({ kind: 'altered', revision: 1, position: 11 }),
    ]);

    const reordered = chainedStream(2);
    reordered[0] = {
      ...reordered[0],
      metadata: Object.fromEntries(Object.entries(reordered[0].metadata).reverse()) as unknown as EventMetadata,
    };
    expect(verifyStreamChain('s', reordered, headOf(reordered))).toEqual([]);
  });

  it('names the gap a deleted event leaves', () => {
    const events = chainedStream(4);
    const head = headOf(events);
    events.splice(1, 1);
    expect(verifyStreamChain('s', events, head)).toEqual([
      expect.objectContaining({ kind: 'missing', revision: 1, position: 12 }),
    ]);
  });

  it('names a deleted tail from the store’s record of the stream', () => {
    const events = chainedStream(3);
    const head = headOf(events);
    expect(verifyStreamChain('s', events.slice(0, 2), head)).toEqual([
      expect.objectContaining({ kind: 'missing', revision: 2 }),
    ]);
  });

  it('names an event slipped into the chain', () => {
    const events = chainedStream(3);
    const head = headOf(events);
    const forged: StoredEvent = { ...events[1], data: { forged: true }, eventId: 'forged', position: 99 };
    const tampered = [
      events[0],
      { ...forged, revision: 1 },
      { ...events[1], revision: 2 },
      { ...events[2], revision: 3 },
    ];
    expect(verifyStreamChain('s', tampered, head)).toEqual([
      expect.objectContaining({ kind: 'inserted', revision: 1, eventId: 'forged' }),
    ]);
  });

  it('names events the store never wrote, and streams whose events all vanished', () => {
    const events = chainedStream(2);
    expect(verifyStreamChain('s', events, undefined)).toEqual([
      expect.objectContaining({ kind: 'inserted', revision: 0 }),
    ]);
    expect(verifyStreamChain('s', [], headOf(events))).toEqual([
      expect.objectContaining({ kind: 'missing', revision: 0 }),
    ]);
  });
});

describe('contentHash', () => {
  it('is the same whether computed from objects or from their canonical encoding', () => {
    const event = { streamId: 's', type: 'E', data: { b: 1, a: [2] }, metadata: metadata(1) };
    expect(
      contentHashOfCanonical('s', 'E', canonicalJson(event.data), canonicalJson(event.metadata)).equals(
        contentHash(event),
      ),
    ).toBe(true);
  });
});
