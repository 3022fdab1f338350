import { canonicalInstant, contentHashOfCanonical, decodeLogRows, LoggedEvent } from '@tip/event-store';
import { eventLeafHash } from '../merkle/event-leaf';
import { hashLogRows, ROW_RESULT_BYTES } from './row-hashes';
import { HashedRows, RowHashers } from './row-hashers';

/** Microseconds since 2000-01-01 UTC (a timestamptz) of an ISO instant. */
function microsOf(iso: string): number {
  const canonical = canonicalInstant(iso);
  if (!canonical) throw new Error(`not an instant: ${iso}`);
  const millis = Date.parse(`${canonical.slice(0, 23)}Z`) - Date.UTC(2000, 0, 1);
  return millis * 1000 + Number(canonical.slice(23, 26));
}

interface RowInput {
  position: number;
  streamId: string;
  revision: number;
  eventId: string;
  type: string;
  schemaVersion: number;
  businessMicros: number;
  recordedMicros: number;
  /** Text PostgreSQL sends for an instant outside 1900–2199 (else null: formatted by the reader). */
  businessText?: string;
  data: string;
  metadata: string;
}

/** A bare event's row in stream `s`, at the given instants: what the field checks look at is set by each test. */
function bareRow(position: number, businessMicros: number, recordedMicros: number, metadata = '{}'): RowInput {
  return {
    position,
    streamId: 's',
    revision: 0,
    eventId: ID,
    type: 't',
    schemaVersion: 1,
    businessMicros,
    recordedMicros,
    data: '{}',
    metadata,
  };
}

/** A row as PostgreSQL's binary COPY of the log's columns writes it (LogRows). */
function row(input: RowInput): Buffer {
  const parts: Buffer[] = [];
  const field = (bytes: Buffer | null) => {
    const length = Buffer.alloc(4);
    length.writeInt32BE(bytes ? bytes.length : -1);
    parts.push(length);
    if (bytes) parts.push(bytes);
  };
  const int64 = (value: number) => {
    const bytes = Buffer.alloc(8);
    bytes.writeBigInt64BE(BigInt(value));
    return bytes;
  };
  const count = Buffer.alloc(2);
  count.writeInt16BE(13);
  parts.push(count);
  field(int64(input.position));
  field(Buffer.from(input.streamId));
  field(int64(input.revision));
  field(Buffer.from(input.eventId.replace(/-/g, ''), 'hex'));
  field(Buffer.from(input.type));
  const schema = Buffer.alloc(4);
  schema.writeInt32BE(input.schemaVersion);
  field(schema);
  field(int64(input.businessMicros));
  field(int64(input.recordedMicros));
  field(input.businessText === undefined ? null : Buffer.from(input.businessText));
  field(null);
  field(Buffer.from(input.data));
  field(Buffer.from(input.metadata));
  field(Buffer.alloc(32, 7));
  return Buffer.concat(parts);
}

function metadataOf(eventId: string, businessTime: string, recordedTime: string, schemaVersion = 1): string {
  return (
    `{"actor":{"role":"teacher","sub":"t-1"},"businessTime":"${businessTime}","causationId":"c","commandId":"c",` +
    `"correlationId":"c","eventId":"${eventId}","recordedTime":"${recordedTime}","schemaVersion":${schemaVersion}}`
  );
}

/** What the verifier's slow path (checkFields) says of a decoded event: true when its columns agree with its metadata. */
function fieldsAgree(event: LoggedEvent): boolean {
  const member = (name: string) => {
    const key = `"${name}":"`;
    const at = event.metadata.indexOf(key);
    const end = at < 0 ? -1 : event.metadata.indexOf('"', at + key.length);
    return end < 0 ? undefined : event.metadata.slice(at + key.length, end);
  };
  const time = (name: string) => {
    const text = member(name);
    return text === undefined ? undefined : canonicalInstant(text);
  };
  return (
    event.metadata.includes(`"eventId":"${event.eventId}"`) &&
    event.metadata.includes(`"schemaVersion":${event.schemaVersion}`) &&
    time('businessTime') === event.businessTime &&
    time('recordedTime') === event.recordedTime
  );
}

const ID = '0f8fad5b-d9cb-469f-a165-70867728950e';

describe('hashing log rows as stored', () => {
  const cases: [string, Partial<RowInput> & { businessTime: string; recordedTime: string }][] = [
    [
      'milliseconds, as TIP writes',
      { businessTime: '2021-01-04T02:00:00.123Z', recordedTime: '2026-12-07T02:01:35.543Z' },
    ],
    ['no fraction', { businessTime: '2024-02-29T23:59:59Z', recordedTime: '2000-01-01T00:00:00Z' }],
    ['six digits', { businessTime: '1900-01-01T00:00:00.000001Z', recordedTime: '2199-12-31T23:59:59.999999Z' }],
    ['one digit', { businessTime: '1999-12-31T23:59:59.5Z', recordedTime: '2100-03-01T12:30:00.25Z' }],
    ['an offset', { businessTime: '2021-01-04T10:00:00+08:00', recordedTime: '2021-01-04T02:00:00.000Z' }],
    ['no seconds', { businessTime: '2021-01-04T02:00Z', recordedTime: '2021-01-04T02:00:00.000Z' }],
    [
      'a stream id and type JSON escapes',
      {
        businessTime: '2021-06-30T00:00:00.000Z',
        recordedTime: '2021-06-30T00:00:00.000Z',
        streamId: 'a"b\\c\u0001',
        type: 'Tab\tbed',
      },
    ],
    [
      'a backslash alone',
      {
        businessTime: '2021-06-30T00:00:00.000Z',
        recordedTime: '2021-06-30T00:00:00.000Z',
        streamId: 'a\\b',
        type: 'c\u007f',
      },
    ],
    [
      'non-ASCII text',
      {
        businessTime: '2021-06-30T00:00:00.000Z',
        recordedTime: '2021-06-30T00:00:00.000Z',
        streamId: 'teacher-连云港-😀',
        type: '记录',
      },
    ],
  ];

  it.each(cases)('gives the content hash and leaf of the decoded event, and agreeing fields, with %s', (_, input) => {
    const event: RowInput = {
      position: 123_456_789_012,
      streamId: input.streamId ?? 'teacher-1',
      revision: 41,
      eventId: ID,
      type: input.type ?? 'OnlineHoursRecorded',
      schemaVersion: 3,
      businessMicros: microsOf(input.businessTime),
      recordedMicros: microsOf(input.recordedTime),
      data: '{"hours":2.5,"note":"é"}',
      metadata: metadataOf(ID, input.businessTime, input.recordedTime, 3),
    };
    const bytes = row(event);
    const out = Buffer.alloc(ROW_RESULT_BYTES);
    hashLogRows(bytes, 1, out);
    const [decoded] = decodeLogRows({ bytes, count: 1 });
    expect(decoded.businessTime).toBe(canonicalInstant(input.businessTime));
    expect(out.subarray(0, 32)).toEqual(
      contentHashOfCanonical(decoded.streamId, decoded.type, decoded.data, decoded.metadata),
    );
    expect(out.subarray(32, 64)).toEqual(eventLeafHash(decoded));
    expect(fieldsAgree(decoded)).toBe(true);
    expect(out[64]).toBe(0);
  });

  it('formats days all through 1900–2199 as the decoder does (the leaf commits to the text)', () => {
    const rows: Buffer[] = [];
    const first = microsOf('1900-01-01T00:00:00.000Z');
    const day = 86_400_000_000;
    // Every 29th day, at a time of day that wanders, and the days around each century's February.
    const instants = Array.from(
      { length: (300 * 366) / 13 },
      (_, index) => first + index * 13 * day + ((index * 7_919_000_003) % day),
    );
    for (const year of [1900, 2000, 2100])
      for (const date of ['02-28', '02-29', '03-01', '12-31'].map((each) => `${year}-${each}T23:59:59.999999Z`))
        if (canonicalInstant(date)) instants.push(microsOf(date));
    for (const micros of instants) {
      rows.push(row(bareRow(rows.length, micros, micros + 1)));
    }
    const bytes = Buffer.concat(rows);
    const out = Buffer.alloc(rows.length * ROW_RESULT_BYTES);
    hashLogRows(bytes, rows.length, out);
    decodeLogRows({ bytes, count: rows.length }).forEach((event, index) => {
      if (!out.subarray(index * ROW_RESULT_BYTES + 32, index * ROW_RESULT_BYTES + 64).equals(eventLeafHash(event)))
        throw new Error(`the leaf of ${event.businessTime} / ${event.recordedTime} differs`);
    });
  });

  it.each([
    [
      'another event id',
      metadataOf('00000000-0000-0000-0000-000000000000', '2021-01-04T02:00:00.000Z', '2021-01-04T02:00:00.000Z'),
    ],
    ['another schema version', metadataOf(ID, '2021-01-04T02:00:00.000Z', '2021-01-04T02:00:00.000Z', 2)],
    ['another business time', metadataOf(ID, '2021-01-04T02:00:00.001Z', '2021-01-04T02:00:00.000Z')],
    ['another recorded time digit', metadataOf(ID, '2021-01-04T02:00:00.000Z', '2021-01-04T02:00:00.0001Z')],
    [
      'an earlier businessTime member',
      `{"actor":{"businessTime":"2020-01-01T00:00:00Z"},${metadataOf(ID, '2021-01-04T02:00:00.000Z', '2021-01-04T02:00:00.000Z').slice(1)}`,
    ],
    ['no recorded time', '{"businessTime":"2021-01-04T02:00:00.000Z","eventId":"' + ID + '","schemaVersion":1}'],
  ])('flags a row whose metadata disagrees with its columns (%s), as the slow check does', (_, metadata) => {
    const micros = microsOf('2021-01-04T02:00:00.000Z');
    const bytes = row(bareRow(1, micros, micros, metadata));
    const out = Buffer.alloc(ROW_RESULT_BYTES);
    hashLogRows(bytes, 1, out);
    expect(fieldsAgree(decodeLogRows({ bytes, count: 1 })[0])).toBe(false);
    expect(out[64]).toBe(1);
  });

  it('flags exactly the rows the slow check would, whatever the row before left behind (guesses, times kept)', () => {
    const [t1, t2] = ['2021-01-04T02:00:00.000Z', '2021-01-04T02:00:00.123Z'];
    const ID2 = '11111111-2222-4333-8444-555555555555';
    const shapes: [string, string, string][] = [
      // [metadata, the row's business time, its recorded time]
      [metadataOf(ID, t1, t2), t1, t2],
      [`{"businessTime":"${t1}","eventId":"${ID}","recordedTime":"${t2}","schemaVersion":1}`, t1, t2],
      [`{"TT":"T T","a":{"Time":"xTime\\"},${metadataOf(ID, t1, t2).slice(1)}`, t1, t2],
      [`{"recordedTime":"${t2}","schemaVersion":1,"eventId":"${ID}","businessTime":"${t1}"}`, t1, t2],
      [`{"actor":{"recordedTime":"${t1}"},${metadataOf(ID, t1, t2).slice(1)}`, t1, t2],
      [`{"actor":{"recordedTime":"${t2}"},${metadataOf(ID, t1, t1).slice(1)}`, t1, t1],
      [metadataOf(ID2, t1, t2), t1, t2],
      [metadataOf(`${ID.slice(0, -1)}f`, t1, t2), t1, t2],
      [`{"eventId":"${ID2}","x":"${'y'.repeat(40)}",${metadataOf(ID, t1, t2).slice(1)}`, t1, t2],
      [`{"eventId":"${ID}x",${metadataOf(ID2, t1, t2).slice(1)}`, t1, t2],
      [metadataOf(ID, t2, t1), t1, t2],
      [`{"businessTime":"${t1}","eventId":"${ID}","recordedTime`, t1, t2],
      [`{"eventId":"${ID}","schemaVersion":1,"businessTime":"${t1}"}`, t1, t2],
    ];
    const agreeing = shapes.filter(([metadata, business, recorded]) => {
      const bytes = row(bareRow(0, microsOf(business), microsOf(recorded), metadata));
      return fieldsAgree(decodeLogRows({ bytes, count: 1 })[0]);
    });
    expect(agreeing.length).toBeGreaterThan(3);
    expect(agreeing.length).toBeLessThan(shapes.length - 3);
    // Every shape after every other, so each one meets whatever guess the row before it left.
    const rows: Buffer[] = [];
    for (const before of shapes)
      for (const after of [...shapes, before])
        for (const [metadata, business, recorded] of [before, after])
          rows.push(row({ ...bareRow(rows.length, microsOf(business), microsOf(recorded), metadata), eventId: ID }));
    const bytes = Buffer.concat(rows);
    const out = Buffer.alloc(rows.length * ROW_RESULT_BYTES);
    hashLogRows(bytes, rows.length, out);
    decodeLogRows({ bytes, count: rows.length }).forEach((decoded, index) => {
      const at = index * ROW_RESULT_BYTES;
      if (out[at + 64] !== (fieldsAgree(decoded) ? 0 : 1))
        throw new Error(`row ${index} (${decoded.metadata}) flagged ${out[at + 64]}, the slow check disagrees`);
      if (out[at + 64] === 0 && !out.subarray(at + 32, at + 64).equals(eventLeafHash(decoded)))
        throw new Error(`row ${index} (${decoded.metadata}): its leaf differs`);
    });
  });

  it('leaves an instant PostgreSQL formatted (outside 1900–2199) as sent, and hashes it the same', () => {
    const metadata = metadataOf(ID, '2500-01-01T00:00:00Z', '2021-01-04T02:00:00.000Z');
    const bytes = row({
      ...bareRow(9, 0, microsOf('2021-01-04T02:00:00.000Z'), metadata),
      businessText: '2500-01-01T00:00:00.000000Z',
    });
    const out = Buffer.alloc(ROW_RESULT_BYTES);
    hashLogRows(bytes, 1, out);
    const [decoded] = decodeLogRows({ bytes, count: 1 });
    expect(out.subarray(32, 64)).toEqual(eventLeafHash(decoded));
    expect(out[64]).toBe(0);
  });

  it('formats the day again after an instant PostgreSQL formatted, even the day formatted before it', () => {
    const day = '2021-01-04T02:00:00.000Z';
    const rows = [
      row(bareRow(1, microsOf(day), microsOf(day), metadataOf(ID, day, day))),
      row({
        ...bareRow(2, 0, microsOf(day), metadataOf(ID, '2500-01-01T00:00:00Z', day)),
        businessText: '2500-01-01T00:00:00.000000Z',
      }),
      row(bareRow(3, microsOf(day), microsOf(day), metadataOf(ID, day, day))),
    ];
    const bytes = Buffer.concat(rows);
    const out = Buffer.alloc(3 * ROW_RESULT_BYTES);
    hashLogRows(bytes, 3, out);
    decodeLogRows({ bytes, count: 3 }).forEach((decoded, index) => {
      const at = index * ROW_RESULT_BYTES;
      expect(out.subarray(at + 32, at + 64)).toEqual(eventLeafHash(decoded));
      expect(out[at + 64]).toBe(0);
    });
  });
});

describe('hashing pages of log rows in a worker thread', () => {
  /** A page of `count` rows, each event's data of its own length. */
  function page(first: number, count: number): { bytes: Buffer; count: number } {
    const micros = microsOf('2021-01-04T02:00:00.000Z');
    const metadata = metadataOf(ID, '2021-01-04T02:00:00.000Z', '2021-01-04T02:00:00.000Z');
    const rows = Array.from({ length: count }, (_, index) =>
      row({ ...bareRow(first + index, micros, micros, metadata), data: `{"n":"${'x'.repeat(first + index)}"}` }),
    );
    return { bytes: Buffer.concat(rows), count };
  }

  it('hashes pages on the calling thread until a worker has started, then in the worker, the same', async () => {
    const hashers = new RowHashers(1);
    try {
      const first = page(1, 20);
      const expected = Buffer.alloc(20 * ROW_RESULT_BYTES);
      hashLogRows(first.bytes, 20, expected);
      expect(hashers.threadsReady).toBe(0);
      const meanwhile = await hashers.hash(first);
      expect(meanwhile.results.equals(expected)).toBe(true);
      meanwhile.release?.();
      while (hashers.threadsReady === 0) await new Promise((resolve) => setTimeout(resolve, 10));
      const inWorker = await hashers.hash(first);
      expect(inWorker.rows.bytes.equals(first.bytes)).toBe(true);
      expect(inWorker.results.equals(expected)).toBe(true);
    } finally {
      await hashers.close();
    }
  });

  it('gives each page what this thread works out, its buffers used again for later pages, larger or smaller', async () => {
    const hashers = new RowHashers(1);
    try {
      while (hashers.threadsReady === 0) await new Promise((resolve) => setTimeout(resolve, 10));
      // Two pages in flight, as the verifier keeps them; each checked, then handed back, before the next is sent.
      const sizes = [3, 40, 7, 60, 5, 80, 2, 90];
      const pages = sizes.map((count, index) => page(index * 100 + 1, count));
      const inFlight: Promise<HashedRows>[] = [hashers.hash(pages[0])];
      for (let index = 0; index < pages.length; index++) {
        if (index + 1 < pages.length) inFlight.push(hashers.hash(pages[index + 1]));
        const hashed = await (inFlight.shift() as Promise<HashedRows>);
        const expected = Buffer.alloc(pages[index].count * ROW_RESULT_BYTES);
        hashLogRows(pages[index].bytes, pages[index].count, expected);
        expect(hashed.rows.count).toBe(pages[index].count);
        expect(hashed.rows.bytes.equals(pages[index].bytes)).toBe(true);
        expect(hashed.results.equals(expected)).toBe(true);
        hashed.release?.();
      }
    } finally {
      await hashers.close();
    }
  });
});
