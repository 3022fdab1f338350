import { canonicalJson } from '../port/canonical-json';
import { EventMetadata } from '../port/event';
import { storedBusinessTime, storedBusinessTimeIn, storedMetadata, storedMetadataIn } from './stored-metadata';

const usual: EventMetadata = {
  actor: { sub: 'platform', role: 'course-platform' },
  businessTime: '2020-11-02T22:48:00.000Z',
  causationId: 'c-1',
  commandId: 'c-1',
  correlationId: 'r-1',
  eventId: '0c7a3c5e-8d8e-4b7f-9a3e-2b1c7d9e0f11',
  recordedTime: '2026-12-07T02:01:35.543Z',
  schemaVersion: 2,
};

/** Actors as odd as a caller may make them: what comes after each is the real business time. */
const actors: Record<string, unknown> = {
  'with a unit': { sub: 'gl-1', role: 'group-leader', unitId: '320101' },
  'whose strings hold braces, quotes and escapes': { sub: '}{"x":"\\\\"}', role: '{[', unitId: 'a\\"}' },
  'with a business time of its own, nested': {
    businessTime: '1999-01-01T00:00:00.000Z',
    role: 'system',
    sub: 'importer',
    trail: [{ businessTime: '1998-01-01T00:00:00.000Z' }, ']}'],
  },
};

describe('metadata read lazily from its stored text', () => {
  it.each(Object.entries(actors))('finds the business time after an actor %s', (_, actor) => {
    const metadata = { ...usual, actor } as EventMetadata;
    const text = canonicalJson(metadata);
    expect(storedBusinessTime(text)).toBe(usual.businessTime);
    const lazy = storedMetadata(text, metadata.schemaVersion);
    expect(lazy.businessTime).toBe(usual.businessTime);
    expect(lazy.actor).toEqual(actor);
    expect(JSON.parse(JSON.stringify(lazy))).toEqual(JSON.parse(text));
  });

  it('gives every field as JSON.parse does, and the whole stored object to JSON.stringify', () => {
    const full: EventMetadata = {
      ...usual,
      importedBy: { sub: 'ops', role: 'system' },
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    };
    const text = canonicalJson(full);
    const lazy = storedMetadata(text, full.schemaVersion);
    const parsed = JSON.parse(text) as EventMetadata;
    for (const field of Object.keys(parsed) as (keyof EventMetadata)[]) expect(lazy[field]).toEqual(parsed[field]);
    expect(lazy.traceparent).toBe(full.traceparent);
    expect(storedMetadata(canonicalJson(usual), 2).importedBy).toBeUndefined();
    expect(JSON.stringify(lazy)).toBe(JSON.stringify(parsed));
  });

  it('parses the text whole when the business time cannot be read apart', () => {
    const escaped = canonicalJson({ ...usual, businessTime: 'a\\b' });
    const noActor = JSON.stringify({ businessTime: usual.businessTime, eventId: 'e' });
    const actorNotObject = canonicalJson({ ...usual, actor: 'someone' });
    for (const text of [escaped, noActor, actorNotObject, '{"actor":{"sub":"x"']) {
      expect(storedBusinessTime(text)).toBeUndefined();
    }
    for (const text of [escaped, noActor, actorNotObject]) {
      const metadata = storedMetadata(text, 1);
      expect(Object.getPrototypeOf(metadata)).toBe(Object.prototype);
      expect(metadata).toEqual(JSON.parse(text));
    }
  });

  it('finds the business time of each text when actors come and go (the last actor is compared, not scanned again)', () => {
    const times = ['2020-11-02T22:48:00.000Z', '2021-03-04T05:06:07.000Z', '2021-12-31T16:00:00.000Z'];
    const texts = [
      ...Object.values(actors),
      usual.actor,
      { sub: 'platform' },
      { sub: 'platform', unitId: '3' },
    ].flatMap((actor) =>
      times.map((businessTime) => ({ text: canonicalJson({ ...usual, actor, businessTime }), businessTime })),
    );
    for (const { text, businessTime } of [
      ...texts,
      ...[...texts].reverse(),
      ...texts.filter((_, index) => index % 2 === 0),
    ])
      expect(storedBusinessTime(text)).toBe(businessTime);
    // The same actor, then no business time after it, or an escaped one.
    const text = canonicalJson(usual);
    expect(storedBusinessTime(text)).toBe(usual.businessTime);
    const actorEnd = text.indexOf(',"businessTime"');
    expect(storedBusinessTime(`${text.slice(0, actorEnd)},"causationId":"c-1"}`)).toBeUndefined();
    expect(storedBusinessTime(`${text.slice(0, actorEnd)},"businessTime":"a\\b"}`)).toBeUndefined();
    expect(storedBusinessTime(`${text.slice(0, actorEnd)},"businessTime":"2020`)).toBeUndefined();
    expect(storedBusinessTime(text.slice(0, actorEnd))).toBeUndefined();
  });

  it('reads the business time from the UTF-8 bytes as from the text, wherever they sit in a buffer', () => {
    const parseable = [
      ...Object.values(actors).map((actor) => canonicalJson({ ...usual, actor } as EventMetadata)),
      canonicalJson({ ...usual, actor: { sub: '王芳', role: '教师' } }),
      canonicalJson({ ...usual, actor: { sub: 'x"}\\', role: '{王' } }),
      // Not all ASCII, or escaped: the bytes leave it to the text.
      canonicalJson({ ...usual, businessTime: '2021-01-01T00:00:00.000Z王' }),
      canonicalJson({ ...usual, businessTime: 'a\\b' }),
      JSON.stringify({ businessTime: usual.businessTime, eventId: 'e' }),
      canonicalJson({ ...usual, actor: 'someone' }),
    ];
    const cut = ['{"actor":{"sub":"x"', '{"actor":', '{"actor":{}', '{"actor":{}}', '{"actor":{},"businessTime":"', ''];
    const before = Buffer.from('{"actor":{"a":1},"businessTime":"1999"}');
    const after = Buffer.from('"}]},"businessTime":"2000"');
    let found = 0;
    for (const text of [...parseable, ...cut]) {
      const bytes = Buffer.concat([before, Buffer.from(text), after]);
      const [start, end] = [before.length, before.length + Buffer.byteLength(text)];
      const fromBytes = storedBusinessTimeIn(bytes, start, end);
      if (fromBytes !== undefined) {
        found++;
        expect(fromBytes).toBe(storedBusinessTime(text));
      } else {
        // The text's own scan finds the same actor's end: only an instant beyond ASCII differs.
        const fromText = storedBusinessTime(text);
        if (fromText !== undefined)
          expect([...fromText].some((character) => character.charCodeAt(0) > 0x7f)).toBe(true);
      }
      if (!parseable.includes(text)) continue;
      const lazy = storedMetadataIn(text, bytes, start, end, 2);
      const asBefore = storedMetadata(text, 2);
      expect(lazy.businessTime).toBe(asBefore.businessTime);
      expect(JSON.stringify(lazy)).toBe(JSON.stringify(asBefore));
    }
    expect(found).toBe(Object.keys(actors).length + 2);
  });
});
