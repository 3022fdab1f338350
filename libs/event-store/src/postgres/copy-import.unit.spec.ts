import { randomUUID } from 'node:crypto';
import { NewEvent } from '../port/event';
import { StreamAppend } from '../port/event-store';
import { EventSchemaRegistry } from '../port/upcasting';
import { ChunkLimits, EncodedImport, encodeForImport, withoutStreams } from './copy-import';

const context = {
  recordedTime: '2026-11-23T02:00:00.000Z',
  schemas: new EventSchemaRegistry(),
  maxEventBytes: 1 << 20,
  maxEventsPerAppend: Number.MAX_SAFE_INTEGER,
};

function event(text: string): NewEvent {
  const commandId = randomUUID();
  return {
    type: 'HistoryImported',
    data: { text },
    metadata: {
      eventId: randomUUID(),
      businessTime: '2020-11-20T08:00:00.000Z',
      actor: { sub: 'importer', role: 'system' },
      commandId,
      correlationId: commandId,
      causationId: commandId,
    },
  };
}

function stream(streamId: string, ...texts: string[]): StreamAppend {
  return { streamId, expectedRevision: 'no_stream', events: texts.map(event) };
}

async function encode(appends: StreamAppend[], limits: ChunkLimits): Promise<EncodedImport[]> {
  const chunks: EncodedImport[] = [];
  for await (const item of encodeForImport(appends, limits, () => context)) chunks.push(...item);
  return chunks;
}

describe('encodeForImport', () => {
  it('closes a chunk at its event limit, or earlier once it holds its byte budget', async () => {
    const appends = [
      stream('s-0', 'a'),
      stream('s-1', 'b'),
      stream('s-2', 'c'.repeat(5000)),
      stream('s-3', 'd'),
      stream('s-4', 'e'),
      stream('s-5', 'f'),
    ];
    const byEvents = await encode(appends, { events: 4, bytes: Number.MAX_SAFE_INTEGER });
    expect(byEvents.map((chunk) => chunk.streams.map((each) => each.streamId))).toEqual([
      ['s-0', 's-1', 's-2', 's-3'],
      ['s-4', 's-5'],
    ]);
    const byBytes = await encode(appends, { events: 4, bytes: 4000 });
    expect(byBytes.map((chunk) => chunk.streams.map((each) => each.streamId))).toEqual([
      ['s-0', 's-1', 's-2'],
      ['s-3', 's-4', 's-5'],
    ]);
  });

  it('keeps a guard that follows a full chunk in that chunk: a chunk of guards alone would append nothing', async () => {
    const guard: StreamAppend = { streamId: 'closure-school-1', expectedRevision: 'any', events: [] };
    const chunks = await encode([stream('s-0', 'a'.repeat(5000)), guard], { events: 100, bytes: 4000 });
    expect(chunks.map((chunk) => chunk.streams.map((each) => each.streamId))).toEqual([['s-0', 'closure-school-1']]);
  });

  it('keeps a large row in memory at its size, not at the worst case of UTF-8 it was written for', async () => {
    const [chunk] = await encode([stream('s-0', 'x'.repeat(400_000))], { events: 100, bytes: Number.MAX_SAFE_INTEGER });
    const held = chunk.pieces.reduce((total, piece) => total + piece.buffer.byteLength, 0);
    // One ordinary piece (the header's) and the row itself; the buffer it was written in was three times its size.
    expect(held).toBeLessThan(262_144 + 2 * 400_000);
  });
});

describe('withoutStreams', () => {
  it('leaves exactly the rows of the other streams, as if they had been encoded alone', async () => {
    // Rows of 150-200 KB end pieces of 256 KB early, so kept rows come from several pieces.
    const kept = [
      stream('s-0', 'a', 'b', 'c'),
      stream('s-2', 'x'.repeat(150_000), 'y'.repeat(150_000)),
      stream('s-3', 'z'),
    ];
    const dropped = stream('s-1', 'w'.repeat(200_000));
    const [whole] = await encode([kept[0], dropped, kept[1], kept[2]], { events: 100, bytes: Number.MAX_SAFE_INTEGER });
    expect(whole.pieces.length).toBeGreaterThan(1);

    const rest = withoutStreams(whole, new Set(['s-1']));
    const [alone] = await encode(kept, { events: 100, bytes: Number.MAX_SAFE_INTEGER });
    expect(rest.streams.map((each) => each.streamId)).toEqual(['s-0', 's-2', 's-3']);
    expect(rest.eventCount).toBe(6);
    expect(Buffer.concat(rest.pieces).equals(Buffer.concat(alone.pieces))).toBe(true);
    // Every row starts where the chunk says: at its column count.
    for (let row = 0; row < rest.eventCount; row++)
      expect(rest.pieces[rest.rowPiece[row]].readInt16BE(rest.rowOffset[row])).toBe(12);
  });

  it('leaves only the header and trailer when every stream is stored', async () => {
    const [whole] = await encode([stream('s-0', 'a'), stream('s-1', 'b')], {
      events: 100,
      bytes: Number.MAX_SAFE_INTEGER,
    });
    const rest = withoutStreams(whole, new Set(['s-0', 's-1']));
    expect(rest.eventCount).toBe(0);
    expect(rest.streams).toEqual([]);
    expect(Buffer.concat(rest.pieces).subarray(-2).readInt16BE(0)).toBe(-1);
  });
});
