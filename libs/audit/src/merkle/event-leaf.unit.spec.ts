import { createHash } from 'node:crypto';
import { eventLeafHash, eventLeafInput, LeafFields } from './event-leaf';

const event: LeafFields = {
  position: 2 ** 40 + 7,
  streamId: 'teacher-王芳',
  revision: 3,
  eventId: '0f8e0b7c-2a4e-4c2e-9b7a-5d4c3b2a1f00',
  type: 'OnlineHoursRecorded',
  schemaVersion: 2,
  businessTime: '2021-01-04T02:00:00.123456Z',
  recordedTime: '2021-01-04T02:00:01.000000Z',
  data: '{"hours":4.5,"note":"线上 \\"课\\""}',
  metadata: '{"eventId":"0f8e0b7c-2a4e-4c2e-9b7a-5d4c3b2a1f00"}',
};

/** Written out field by field, as the format says, independently of the encoder. */
function expectedInput(fields: LeafFields): Buffer {
  const text = (value: string, bytes: number) => {
    const utf8 = Buffer.from(value, 'utf8');
    const length = Buffer.alloc(bytes);
    length.writeUIntBE(utf8.length, 0, bytes);
    return Buffer.concat([length, utf8]);
  };
  const uint64 = (value: number) => {
    const out = Buffer.alloc(8);
    out.writeBigUInt64BE(BigInt(value));
    return out;
  };
  const uint32 = Buffer.alloc(4);
  uint32.writeUInt32BE(fields.schemaVersion);
  return Buffer.concat([
    Buffer.from([1]),
    uint64(fields.position),
    text(fields.streamId, 2),
    uint64(fields.revision),
    text(fields.eventId, 1),
    text(fields.type, 2),
    uint32,
    text(fields.businessTime, 1),
    text(fields.recordedTime, 1),
    text(fields.data, 4),
    text(fields.metadata, 4),
  ]);
}

describe('An event’s Merkle leaf', () => {
  it('commits to every stored field in one binary layout, texts as stored in UTF-8', () => {
    expect(eventLeafInput(event).equals(expectedInput(event))).toBe(true);
    const leaf = createHash('sha256')
      .update(Buffer.concat([Buffer.from([0]), expectedInput(event)]))
      .digest();
    expect(eventLeafHash(event).equals(leaf)).toBe(true);
  });

  it('changes with any one field, position and both times included', () => {
    const base = eventLeafHash(event).toString('hex');
    const changes: Partial<LeafFields>[] = [
      { position: event.position + 1 },
      { streamId: 'teacher-王芳2' },
      { revision: 4 },
      { eventId: '0f8e0b7c-2a4e-4c2e-9b7a-5d4c3b2a1f01' },
      { type: 'OfflineHoursRecorded' },
      { schemaVersion: 1 },
      { businessTime: '2021-01-04T02:00:00.123457Z' },
      { recordedTime: '2021-01-04T02:00:01.000001Z' },
      { data: '{"hours":4.6,"note":"线上 \\"课\\""}' },
      { metadata: '{"eventId":"0f8e0b7c-2a4e-4c2e-9b7a-5d4c3b2a1f01"}' },
    ];
    for (const change of changes) expect(eventLeafHash({ ...event, ...change }).toString('hex')).not.toBe(base);
  });

  it('keeps fields apart: text moved from one field to the next makes another leaf', () => {
    const a = eventLeafHash({ ...event, data: '{}', metadata: '{"a":1}' });
    const b = eventLeafHash({ ...event, data: '{}{"a":1}', metadata: '' });
    expect(a.equals(b)).toBe(false);
  });

  it('refuses what its length fields cannot hold', () => {
    expect(() => eventLeafHash({ ...event, eventId: 'x'.repeat(256) })).toThrow(/eventId is 256 bytes/);
    expect(() => eventLeafHash({ ...event, position: -1 })).toThrow(/position -1/);
  });
});
