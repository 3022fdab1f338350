import { RecordedEvent as KurrentRecordedEvent } from '@kurrent/kurrentdb-client';
import { InvalidAppendError } from '../port/errors';
import { chainHash, contentHash, GENESIS_HASH } from '../port/hash-chain';
import {
  actualRevisionOf,
  approximateEventBytes,
  decodeRecorded,
  describeForeign,
  exactStateOf,
  HASH_KEY,
  METADATA_KEY,
  numberToPosition,
  positionToNumber,
  refuseSystemStream,
  revisionToNumber,
  satisfies,
  streamStateOf,
  toEventData,
} from './kurrentdb-mapping';

const metadata = {
  eventId: '0190f5b4-3c1e-7a2b-8c3d-4e5f60718293',
  businessTime: '2021-01-04T02:00:00.000Z',
  actor: { sub: 'admin-1', role: 'school-admin', unitId: '320703001' },
  commandId: 'c-1',
  correlationId: 'c-1',
  causationId: 'c-1',
  schemaVersion: 2,
  recordedTime: '2021-01-04T02:00:01.000Z',
};
const outgoing = {
  eventId: metadata.eventId,
  type: 'TeacherEnrolled',
  dataJson: '{"periodId":"P1","teacherId":"T-1"}',
  metadataJson: JSON.stringify(metadata),
};
const position = { commit: BigInt(4096), prepare: BigInt(4096) };

/** What the client hands back for a stored JSON event (the RecordedEvent shape of its types). */
function recorded(overrides: Partial<Record<keyof KurrentRecordedEvent, unknown>> = {}): KurrentRecordedEvent {
  const data = toEventData(outgoing, Buffer.alloc(32, 7));
  return {
    streamId: 'enrollment-B1-T-1',
    id: outgoing.eventId,
    revision: BigInt(3),
    type: data.type,
    data: data.data,
    metadata: data.metadata,
    isJson: true,
    created: new Date(),
    position,
    ...overrides,
  } as KurrentRecordedEvent;
}

describe('KurrentDB event mapping', () => {
  it('writes the event id, type and data as they are, and TIP metadata and hash as string metadata', () => {
    const hash = chainHash(GENESIS_HASH, Buffer.alloc(32, 1));
    const data = toEventData(outgoing, hash);
    expect(data).toMatchObject({
      id: outgoing.eventId,
      type: 'TeacherEnrolled',
      contentType: 'application/json',
      data: { periodId: 'P1', teacherId: 'T-1' },
    });
    // Only string values: what KurrentDB's atomic multi-stream appends accept as metadata.
    expect(data.metadata).toEqual({ [METADATA_KEY]: outgoing.metadataJson, [HASH_KEY]: hash.toString('hex') });
  });

  it('reads back exactly what was written, with revision, position and hash', () => {
    const decoded = decodeRecorded(recorded());
    if (!decoded.ok) throw new Error(decoded.foreign.reason);
    expect(decoded.event.recorded).toEqual({
      type: 'TeacherEnrolled',
      data: { periodId: 'P1', teacherId: 'T-1' },
      metadata,
      streamId: 'enrollment-B1-T-1',
      revision: 3,
      position: 4096,
    });
    expect(decoded.event.hash).toEqual(Buffer.alloc(32, 7));
    expect(decoded.event.eventId).toBe(outgoing.eventId);
    expect(decoded.event.exactPosition).toEqual(position);
    // The hash covers what comes back: content read from KurrentDB hashes like the content written.
    expect(contentHash(decoded.event.recorded)).toEqual(
      contentHash({
        streamId: 'enrollment-B1-T-1',
        type: 'TeacherEnrolled',
        data: JSON.parse(outgoing.dataJson),
        metadata,
      }),
    );
  });

  it('ignores the properties KurrentDB adds to records appended atomically ($schema.*)', () => {
    const data = toEventData(outgoing, Buffer.alloc(32, 7));
    const decoded = decodeRecorded(
      recorded({
        metadata: {
          ...(data.metadata as Record<string, string>),
          '$schema.format': 'Json',
          '$schema.name': 'TeacherEnrolled',
        },
      }),
    );
    expect(decoded.ok && decoded.event.recorded.metadata).toEqual(metadata);
  });

  it.each([
    ['binary data', { isJson: false, data: new Uint8Array([1]) }, 'not a JSON object'],
    ['no metadata', { metadata: undefined }, 'no JSON metadata'],
    ['metadata of another writer', { metadata: { $correlationId: 'x' } }, `lacks ${METADATA_KEY}`],
    [
      'a malformed hash',
      { metadata: { [METADATA_KEY]: outgoing.metadataJson, [HASH_KEY]: 'xyz' } },
      `lacks ${METADATA_KEY}`,
    ],
    ['metadata that is not JSON', { metadata: { [METADATA_KEY]: '{', [HASH_KEY]: '00'.repeat(32) } }, 'not JSON'],
    [
      'metadata without TIP fields',
      { metadata: { [METADATA_KEY]: '{"a":1}', [HASH_KEY]: '00'.repeat(32) } },
      'not TIP event metadata',
    ],
  ])('names an event TIP did not write: %s', (_label, overrides, reason) => {
    const decoded = decodeRecorded(recorded(overrides));
    expect(decoded.ok).toBe(false);
    if (decoded.ok) return;
    expect(decoded.foreign).toMatchObject({
      streamId: 'enrollment-B1-T-1',
      revision: 3,
      position: 4096,
      eventId: outgoing.eventId,
    });
    expect(decoded.foreign.reason).toContain(reason);
    expect(describeForeign(decoded.foreign)).toMatch(/not written by TIP.*dedicated to TIP/);
  });

  it('refuses a TIP event without its $all position (servers before 22.6)', () => {
    expect(() => decodeRecorded(recorded({ position: undefined }))).toThrow(/22\.6/);
  });

  it('sizes an event near enough to split imports under the append limit', () => {
    const bytes = approximateEventBytes(outgoing);
    const actual = Buffer.byteLength(JSON.stringify(toEventData(outgoing, Buffer.alloc(32))));
    expect(bytes).toBeGreaterThanOrEqual(actual);
    expect(bytes).toBeLessThan(actual + 500);
  });
});

describe('KurrentDB positions', () => {
  it('uses the commit position as TIP position, exactly, up to 2^53', () => {
    expect(positionToNumber({ commit: BigInt(123456789), prepare: BigInt(123456789) })).toBe(123456789);
    expect(positionToNumber({ commit: BigInt(Number.MAX_SAFE_INTEGER), prepare: BigInt(0) })).toBe(
      Number.MAX_SAFE_INTEGER,
    );
    expect(() => positionToNumber({ commit: BigInt(Number.MAX_SAFE_INTEGER) + BigInt(1), prepare: BigInt(0) })).toThrow(
      /2\^53/,
    );
  });

  it('turns a TIP position back into a KurrentDB position with commit = prepare', () => {
    expect(numberToPosition(4096)).toEqual({ commit: BigInt(4096), prepare: BigInt(4096) });
    expect(() => numberToPosition(-1)).toThrow(RangeError);
    expect(() => numberToPosition(1.5)).toThrow(RangeError);
  });
});

describe('KurrentDB revisions', () => {
  it('counts a missing, deleted (-5) or tombstoned (-6) stream as -1', () => {
    expect(actualRevisionOf('no_stream')).toBe(-1);
    expect(actualRevisionOf(BigInt(-5))).toBe(-1);
    expect(actualRevisionOf(BigInt(-6))).toBe(-1);
    expect(actualRevisionOf(BigInt(0))).toBe(0);
    expect(actualRevisionOf(BigInt(41))).toBe(41);
    expect(revisionToNumber(BigInt(7))).toBe(7);
    expect(() => revisionToNumber(BigInt(2) ** BigInt(60))).toThrow(/2\^53/);
  });

  it('appends at the exact revision the chain was read from', () => {
    expect(exactStateOf(-1)).toBe('no_stream');
    expect(exactStateOf(0)).toBe(BigInt(0));
    expect(exactStateOf(12)).toBe(BigInt(12));
  });

  it('checks guards as the caller said', () => {
    expect(streamStateOf('any')).toBe('any');
    expect(streamStateOf('no_stream')).toBe('no_stream');
    expect(streamStateOf('stream_exists')).toBe('stream_exists');
    expect(streamStateOf(3)).toBe(BigInt(3));
  });

  it.each([
    ['any', -1, true],
    ['any', 5, true],
    ['no_stream', -1, true],
    ['no_stream', 0, false],
    ['stream_exists', -1, false],
    ['stream_exists', 0, true],
    [2, 2, true],
    [2, 3, false],
    [0, -1, false],
  ] as const)('expected %p with the stream at %p: %p', (expected, actual, ok) => {
    expect(satisfies(expected, actual)).toBe(ok);
  });

  it('refuses stream ids KurrentDB keeps for itself', () => {
    expect(() => refuseSystemStream('$settings', 'streamId')).toThrow(InvalidAppendError);
    expect(() => refuseSystemStream('$settings', 'appends[1].streamId')).toThrow(
      /appends\[1\]\.streamId: must not start with "\$"/,
    );
    expect(() => refuseSystemStream('teacher-$1', 'streamId')).not.toThrow();
  });
});
