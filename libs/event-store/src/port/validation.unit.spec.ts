import { InvalidAppendError } from './errors';
import { canonicalJsonOfEventData } from './canonical-json';
import { NewEvent } from './event';
import { validateExpectedRevision, validateNewEvent, validateStreamId } from './validation';

function catchError(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

describe('event store input rules', () => {
  it('accepts plain JSON data and serialises it canonically, leaving out undefined members', () => {
    expect(
      canonicalJsonOfEventData(
        { name: '王芳', hours: 2.5, points: ['A1', 'B2'], nested: { ok: true, none: null }, gone: undefined },
        'data',
      ),
    ).toBe('{"hours":2.5,"name":"王芳","nested":{"none":null,"ok":true},"points":["A1","B2"]}');
  });

  it.each([
    ['undefined in an array', { a: [1, undefined] }, 'data.a[1]'],
    ['Infinity', { a: Infinity }, 'data.a'],
    ['a Map', { a: new Map() }, 'data.a'],
    ['a symbol', { a: Symbol('s') }, 'data.a'],
    ['a nested buffer', { a: [{ b: Buffer.from('x') }] }, 'data.a[0].b'],
  ])('refuses %s and names where it is', (_label, value, field) => {
    const error = catchError(() => canonicalJsonOfEventData(value, 'data'));
    expect(error).toBeInstanceOf(InvalidAppendError);
    expect((error as InvalidAppendError).field).toBe(field);
  });

  it('allows the same object twice when it is not circular', () => {
    const shared = { a: 1 };
    expect(canonicalJsonOfEventData({ x: shared, y: shared }, 'data')).toBe('{"x":{"a":1},"y":{"a":1}}');
  });

  it('checks stream ids and expected revisions', () => {
    expect(validateStreamId('teacher-T-0001')).toBe('teacher-T-0001');
    expect(() => validateStreamId('a\nb')).toThrow(/control characters/);
    expect(() => validateStreamId('school-\ud800')).toThrow(/lone surrogates/);
    expect(validateStreamId('school-\ud83d\ude00')).toBe('school-\ud83d\ude00');
    expect(() => validateStreamId('x'.repeat(201))).toThrow(/at most 200/);
    // Characters, not UTF-16 units: 200 × 𠮷 is 200 characters (400 units), 201 is one too many.
    expect(validateStreamId('𠮷'.repeat(200))).toBe('𠮷'.repeat(200));
    expect(() => validateStreamId('𠮷'.repeat(201))).toThrow(/at most 200/);
    expect(validateExpectedRevision(3, 'expectedRevision')).toBe(3);
    expect(() => validateExpectedRevision(1.5, 'expectedRevision')).toThrow(/revision ≥ 0/);
  });

  const eventWith = (eventId: unknown, businessTime: unknown): NewEvent =>
    ({
      type: 'Tested',
      data: {},
      metadata: {
        eventId,
        businessTime,
        actor: { sub: 's', role: 'r' },
        commandId: 'c',
        correlationId: 'c',
        causationId: 'c',
      },
    }) as unknown as NewEvent;

  it('takes as event id exactly what the UUID pattern took (checked by hand now), naming the field otherwise', () => {
    const pattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
    const good = '0f8fad5b-d9cb-469f-a165-70867728950e';
    const candidates: unknown[] = [
      good,
      good.toUpperCase(),
      `${good}\n`,
      ` ${good}`,
      good.slice(1),
      `${good}0`,
      42,
      undefined,
    ];
    for (let index = 0; index < 36; index++)
      for (const character of ['-', 'g', 'G', '0', 'F', '/', ':', '@', '`', '\u0660'])
        candidates.push(good.slice(0, index) + character + good.slice(index + 1));
    for (const eventId of candidates) {
      const takes = typeof eventId === 'string' && pattern.test(eventId);
      const error = takes
        ? undefined
        : catchError(() => validateNewEvent(eventWith(eventId, '2020-11-20T08:00:00Z'), 'e'));
      if (takes) expect(() => validateNewEvent(eventWith(eventId, '2020-11-20T08:00:00Z'), 'e')).not.toThrow();
      else expect((error as InvalidAppendError).field).toBe('e.metadata.eventId');
    }
  });

  it('gives the business time as read, and refuses one that is not an instant after one that was', () => {
    const good = '0f8fad5b-d9cb-469f-a165-70867728950e';
    // 2000-01-01T00:00:01.5+01:00 is 3,598.5 s before PostgreSQL's epoch.
    expect(validateNewEvent(eventWith(good, '2000-01-01T00:00:01.5+01:00'), 'e')).toEqual({
      seconds: -3599,
      microseconds: 500_000,
    });
    expect(validateNewEvent(eventWith(good, '2000-01-01T00:00:01.5+01:00'), 'e')).toEqual({
      seconds: -3599,
      microseconds: 500_000,
    });
    for (const businessTime of ['2021-02-29T00:00:00Z', 20, undefined])
      expect((catchError(() => validateNewEvent(eventWith(good, businessTime), 'e')) as InvalidAppendError).field).toBe(
        'e.metadata.businessTime',
      );
  });
});
