import { EventSchemaRegistry } from '../port/upcasting';
import { RecordedEvent } from '../port/event';
import { EventCopyDecoder } from './event-copy';

/** A binary COPY of EVENT_COPY_COLUMNS, as PostgreSQL sends it. */
function copyOf(rows: { position: number; streamId: string; type: string; data: string; metadata: string }[]): Buffer {
  const int16 = (value: number) => Buffer.from([(value >> 8) & 0xff, value & 0xff]);
  const int32 = (value: number) => {
    const bytes = Buffer.alloc(4);
    bytes.writeInt32BE(value);
    return bytes;
  };
  const int64 = (value: number) => {
    const bytes = Buffer.alloc(8);
    bytes.writeBigInt64BE(BigInt(value));
    return bytes;
  };
  const field = (bytes: Buffer) => Buffer.concat([int32(bytes.length), bytes]);
  const text = (value: string) => field(Buffer.from(value, 'utf8'));
  return Buffer.concat([
    Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1'),
    int32(0),
    int32(0),
    ...rows.map((row, index) =>
      Buffer.concat([
        int16(7),
        field(int64(row.position)),
        text(row.streamId),
        field(int64(index)),
        text(row.type),
        text(row.data),
        text(row.metadata),
        field(int32(1)),
      ]),
    ),
    int16(-1),
  ]);
}

describe('EventCopyDecoder', () => {
  const rows = Array.from({ length: 40 }, (_, index) => ({
    position: 2 ** 40 + index,
    streamId: `teacher-${index}`,
    type: 'TeacherRegistered',
    // Rows of every length, texts in any script, one longer than the decoder's first look ahead.
    data: JSON.stringify({ name: '王芳'.repeat(index), notes: 'x'.repeat(index === 7 ? 10_000 : index * 37) }),
    // As stored (the actor first, then the business time: read from the bytes when lazy), or not.
    metadata:
      index % 2 === 0
        ? `{"actor":{"role":"教师","sub":"t-${'\\"}\\\\'.repeat(index % 3)}"},"businessTime":"2021-03-01T00:00:${String(index).padStart(2, '0')}.000Z","eventId":"e-${index}","schemaVersion":1}`
        : JSON.stringify({ eventId: `e-${index}`, businessTime: '2021-03-01T00:00:00.000000Z', schemaVersion: 1 }),
  }));
  const copy = copyOf(rows);

  it.each([1, 2, 3, 7, 100, 4096, 5000, copy.length])('reads rows cut anywhere, in chunks of %i bytes', (size) => {
    for (const lazy of [false, true]) {
      const decoder = new EventCopyDecoder(new EventSchemaRegistry(), lazy);
      const events: RecordedEvent[] = [];
      for (let at = 0; at < copy.length; at += size) decoder.push(copy.subarray(at, at + size), events);
      decoder.end();
      expect(events.map((event) => event.metadata.businessTime)).toEqual(
        rows.map((row) => (JSON.parse(row.metadata) as { businessTime: string }).businessTime),
      );
      expect(JSON.parse(JSON.stringify(events))).toEqual(
        rows.map((row, index) => ({
          type: row.type,
          data: JSON.parse(row.data) as unknown,
          metadata: JSON.parse(row.metadata) as unknown,
          streamId: row.streamId,
          revision: index,
          position: row.position,
        })),
      );
    }
  });

  it("reads each event's type whatever the types before it (types of one length and last byte, beyond ASCII, empty)", () => {
    const types = [
      'TeacherEnrolled',
      'XeacherEnrolled',
      'TeacherEnrolled',
      '王Enrolled',
      '王Xnrolled',
      '',
      'd',
      'TeacherEnrolled',
    ];
    const typed = copyOf(
      [...types, ...types].map((type, index) => ({
        position: index + 1,
        streamId: 's',
        type,
        data: '{}',
        metadata: '{}',
      })),
    );
    const decoder = new EventCopyDecoder(new EventSchemaRegistry(), true);
    const events: RecordedEvent[] = [];
    decoder.push(typed, events);
    decoder.end();
    expect(events.map((event) => event.type)).toEqual([...types, ...types]);
  });

  it('refuses a COPY cut short', () => {
    const decoder = new EventCopyDecoder(new EventSchemaRegistry(), false);
    decoder.push(copy.subarray(0, copy.length - 5), []);
    expect(() => decoder.end()).toThrow(/ended in the middle of a row/);
  });
});
