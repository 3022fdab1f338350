import { InvalidAppendError } from './errors';
import { canonicalJsonOfEventData } from './canonical-json';
import { validateExpectedRevision, validateStreamId } from './validation';

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
});
