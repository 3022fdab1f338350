import { canonicalJson } from '../port/canonical-json';
import { InvalidAppendError } from '../port/errors';
import { NewEvent, NewEventMetadata } from '../port/event';
import { chainHash, contentHash, GENESIS_HASH } from '../port/hash-chain';
import { EventSchemaRegistry } from '../port/upcasting';
import { appendArguments, chainFrom, prepareAppend, StreamHeads } from './append-payload';

const recordedTime = '2026-11-22T20:00:00.000Z';
const context = { recordedTime, schemas: new EventSchemaRegistry(), maxEventBytes: 1 << 20, maxEventsPerAppend: 1000 };
const baseMetadata: NewEventMetadata = {
  eventId: '0190C5A0-0000-7000-8000-00000000000A',
  businessTime: '2020-11-20T08:00:00.000Z',
  actor: { sub: 'course-platform', role: 'system' },
  commandId: 'c-1',
  correlationId: 'c-1',
  causationId: 'c-1',
};

function prepared(metadata: NewEventMetadata, data: Record<string, unknown> = { b: 1, a: '王芳' }) {
  return prepareAppend(
    [{ streamId: 'teacher-T-1', expectedRevision: 'any', events: [{ type: 'OnlineHoursRecorded', data, metadata }] }],
    context,
  ).streams[0].events[0];
}

describe('prepareAppend', () => {
  it.each<[string, NewEventMetadata]>([
    ['the usual fields', baseMetadata],
    [
      'the optional ones too',
      {
        ...baseMetadata,
        importedBy: { sub: 'admin', role: 'system', unitId: 'JS' },
        traceparent: '00-abc-def-01',
        schemaVersion: 3,
      },
    ],
    ['optional fields left undefined', { ...baseMetadata, importedBy: undefined, traceparent: undefined }],
    ['fields TIP does not know', { ...baseMetadata, extra: { z: 1, y: [2] } } as NewEventMetadata],
    [
      'keys in any order and escapes',
      {
        causationId: 'a"b\\c',
        actor: { role: 'r', sub: '王\n芳', unitId: 'U' },
        commandId: '😀',
        correlationId: 'x',
        eventId: baseMetadata.eventId,
        businessTime: baseMetadata.businessTime,
      },
    ],
    ['a class instance', Object.assign(Object.create({ inherited: 1 }) as NewEventMetadata, baseMetadata)],
    ['an actor without a unit', { ...baseMetadata, actor: { sub: 's', role: 'r' } }],
    ['an actor whose unit is left undefined', { ...baseMetadata, actor: { sub: 's', role: 'r', unitId: undefined } }],
    [
      'an actor whose unit is not enumerable',
      {
        ...baseMetadata,
        actor: Object.defineProperty({ sub: 's', role: 'r' }, 'unitId', { value: 'U', enumerable: false }),
      },
    ],
    [
      'an actor with more to say',
      {
        ...baseMetadata,
        actor: { sub: 's', role: 'r', unitId: 'U', delegatedBy: { sub: 'x' } } as NewEventMetadata['actor'],
      },
    ],
  ])(
    'stores metadata with %s exactly as the canonical encoding of the completed metadata, and hashes what it stores',
    (_label, metadata) => {
      const event = prepared(metadata);
      const stored = {
        ...metadata,
        eventId: metadata.eventId.toLowerCase(),
        schemaVersion: metadata.schemaVersion ?? 1,
        recordedTime,
      };
      expect(event.metadataJson).toBe(canonicalJson(stored));
      expect(event.dataJson).toBe(canonicalJson({ a: '王芳', b: 1 }));
      expect(event.contentHash).toEqual(
        contentHash({
          streamId: 'teacher-T-1',
          type: 'OnlineHoursRecorded',
          data: { b: 1, a: '王芳' },
          metadata: stored,
        }),
      );
      expect(event.contentHashHex).toBe(event.contentHash.toString('hex'));
    },
  );

  it("writes each event's own metadata when the events of an append share some members and differ in others", () => {
    const id = (n: number) => `0190c5a0-0000-7000-8000-0000000000${String(n).padStart(2, '0')}`;
    const variants: NewEventMetadata[] = [
      { ...baseMetadata, eventId: id(1) },
      { ...baseMetadata, eventId: id(2) },
      { ...baseMetadata, eventId: id(3), actor: { sub: 'course-platform', role: 'system', unitId: 'JS' } },
      { ...baseMetadata, eventId: id(4), actor: { sub: 'course-platform', role: 'admin', unitId: 'JS' } },
      { ...baseMetadata, eventId: id(5), actor: { sub: 'course-platform', role: 'admin' } },
      { ...baseMetadata, eventId: id(6), businessTime: '2020-11-21T08:00:00.000+08:00' },
      { ...baseMetadata, eventId: id(7), commandId: 'c-2', correlationId: 'c-1', causationId: 'c-2' },
      { ...baseMetadata, eventId: id(8), commandId: 'c-3', correlationId: 'c-4', causationId: 'c-4' },
      { ...baseMetadata, eventId: id(9), actor: { sub: 'x', role: 'y', extra: 1 } as NewEventMetadata['actor'] },
      { ...baseMetadata, eventId: id(10) },
    ];
    const events = variants.map((metadata, index): NewEvent => ({
      type: 'OnlineHoursRecorded',
      data: { index },
      metadata,
    }));
    const stored = prepareAppend([{ streamId: 'teacher-T-1', expectedRevision: 'any', events }], context).streams[0]
      .events;
    expect(stored.map((event) => event.metadataJson)).toEqual(
      variants.map((metadata) => canonicalJson({ ...metadata, schemaVersion: 1, recordedTime })),
    );
  });

  it('refuses a bad value in a later event of an append whose earlier events it resembles', () => {
    const good: NewEvent = { type: 'OnlineHoursRecorded', data: {}, metadata: baseMetadata };
    const bad: NewEvent = {
      type: 'OnlineHoursRecorded',
      data: {},
      metadata: { ...baseMetadata, eventId: '0190c5a0-0000-7000-8000-0000000000ff', correlationId: 'c-1\u0000' },
    };
    expect(() =>
      prepareAppend([{ streamId: 'teacher-T-1', expectedRevision: 'any', events: [good, bad] }], context),
    ).toThrow(expect.objectContaining({ field: 'events[1].metadata.correlationId' }));
  });

  it.each<[string, NewEventMetadata, string]>([
    ['a lone surrogate in a command id', { ...baseMetadata, commandId: '\ud800' }, 'events[0].metadata.commandId'],
    ['U+0000 in the actor', { ...baseMetadata, actor: { sub: 'a\u0000', role: 'r' } }, 'events[0].metadata.actor.sub'],
    [
      "a lone surrogate in the actor's unit",
      { ...baseMetadata, actor: { sub: 's', role: 'r', unitId: '\udc00' } },
      'events[0].metadata.actor.unitId',
    ],
    [
      'an actor of a class',
      {
        ...baseMetadata,
        actor: Object.assign(Object.create({ inherited: 1 }) as NewEventMetadata['actor'], { sub: 's', role: 'r' }),
      },
      'events[0].metadata.actor',
    ],
    [
      'a date in importedBy',
      { ...baseMetadata, importedBy: { sub: 'a', role: 'r', at: new Date() } as NewEventMetadata['actor'] },
      'events[0].metadata.importedBy.at',
    ],
    [
      'a number for traceparent that is not finite',
      { ...baseMetadata, traceparent: Infinity as unknown as string },
      'events[0].metadata.traceparent',
    ],
  ])('refuses %s and names where it is', (_label, metadata, field) => {
    let error: unknown;
    try {
      prepared(metadata);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(InvalidAppendError);
    expect((error as InvalidAppendError).field).toBe(field);
  });
});

describe('appendArguments', () => {
  const events = (count: number): NewEvent[] =>
    Array.from({ length: count }, (_, index) => ({
      type: 'E',
      data: { index },
      metadata: { ...baseMetadata, eventId: `0190c5a0-0000-7000-8000-${String(index).padStart(12, '0')}` },
    }));

  it('hashes the chain of a new stream from the genesis hash, and of a known one from its head, as the port does', () => {
    const append = prepareAppend(
      [
        { streamId: 'new', expectedRevision: 'no_stream', events: events(2) },
        {
          streamId: 'known',
          expectedRevision: 'any',
          events: events(3).map((event) => ({
            ...event,
            metadata: { ...event.metadata, eventId: event.metadata.eventId.replace('0190', '0191') },
          })),
        },
        {
          streamId: 'unknown',
          expectedRevision: 4,
          events: events(1).map((event) => ({
            ...event,
            metadata: { ...event.metadata, eventId: event.metadata.eventId.replace('0190', '0192') },
          })),
        },
      ],
      context,
    );
    const head = Buffer.alloc(32, 7);
    const heads = new StreamHeads();
    heads.advance('known', { revision: 9, hash: head.toString('hex') });
    heads.advance('unknown', { revision: 2, hash: head.toString('hex') });
    const [
      streamsJson,
      streamOf,
      eventIds,
      versions,
      types,
      times,
      businessTimeOf,
      recordedTimeOf,
      ,
      ,
      hashes,
      contentHashes,
    ] = appendArguments([append], heads);
    const streams = JSON.parse(streamsJson as string) as { streamId: string; last?: string; headRevision?: number }[];
    expect(streamOf).toBe('{0,0,1,1,1,2}');
    expect(eventIds).toBe(`{${append.streams.flatMap((stream) => stream.eventIds).join(',')}}`);
    expect(versions).toBe('{1,1,1,1,1,1}');
    expect((types as string).split('\u001e')).toEqual(['E', 'E', 'E', 'E', 'E', 'E']);
    // Each distinct instant is sent once; events refer to it by index.
    expect((times as string).split('\u001e')).toEqual([baseMetadata.businessTime, context.recordedTime]);
    expect(businessTimeOf).toBe('{1,1,1,1,1,1}');
    expect(recordedTimeOf).toBe('{2,2,2,2,2,2}');
    const chained = (start: Buffer, contents: Buffer[]) =>
      contents.map((content) => (start = chainHash(start, content)));
    const [fresh, known, unknown] = append.streams.map((stream) => stream.events.map((event) => event.contentHash));
    const expected = [...chained(GENESIS_HASH, fresh), ...chained(head, known), Buffer.alloc(32)];
    expect((hashes as Buffer).toString('hex')).toBe(Buffer.concat(expected).toString('hex'));
    expect((contentHashes as Buffer).toString('hex')).toBe(
      Buffer.concat([...fresh, ...known, ...unknown]).toString('hex'),
    );
    expect(streams[0]).toMatchObject({ streamId: 'new', last: expected[1].toString('hex') });
    expect(streams[1]).toMatchObject({ streamId: 'known', last: expected[4].toString('hex'), headRevision: 9 });
    // The head says revision 2, the caller expects 4: the database decides, from the content hashes.
    expect(streams[2]).not.toHaveProperty('last');
    expect(chainFrom(GENESIS_HASH.toString('hex'), append.streams[0].events)).toEqual(
      expected.slice(0, 2).map((hash) => hash.toString('hex')),
    );
  });

  it('never moves a stream head back when appends finish out of order', () => {
    const heads = new StreamHeads(2);
    heads.advance('a', { revision: 5, hash: 'five' });
    heads.advance('a', { revision: 3, hash: 'three' });
    expect(heads.get('a')).toEqual({ revision: 5, hash: 'five' });
    heads.advance('b', { revision: 0, hash: 'b' });
    heads.advance('c', { revision: 0, hash: 'c' });
    // At capacity, the stream appended to longest ago is forgotten first.
    expect(heads.get('a')).toBeUndefined();
    expect(heads.get('c')).toEqual({ revision: 0, hash: 'c' });
  });
});
