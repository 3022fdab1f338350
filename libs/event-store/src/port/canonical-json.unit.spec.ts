import { canonicalJson, canonicalJsonOfEventData } from './canonical-json';

describe('canonicalJson', () => {
  it('encodes objects with sorted keys at every depth, so key order never changes a hash', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: 'x' } })).toBe(
      '{"a":{"c":"x","d":[3,{"y":2,"z":1}]},"b":1}',
    );
    expect(canonicalJson({ a: 1, b: 2 })).toBe(canonicalJson({ b: 2, a: 1 }));
  });

  it('drops undefined members as JSON does, and keeps Chinese text as is', () => {
    expect(canonicalJson({ name: '王芳', missing: undefined })).toBe('{"name":"王芳"}');
    expect(canonicalJson([undefined, null])).toBe('[null,null]');
  });
});

describe('canonicalJsonOfEventData', () => {
  it('gives exactly the canonical encoding for valid data', () => {
    const data = { z: [1, { b: true, a: null }], a: '王芳', m: { y: 2.5, x: 'x' } };
    expect(canonicalJsonOfEventData(data, 'data')).toBe(canonicalJson(data));
  });
});

describe('canonicalJsonOfEventData against canonicalJson', () => {
  /** A small deterministic generator (mulberry32), so a failure can be replayed. */
  function random(seed: number): () => number {
    let state = seed;
    return () => {
      state = (state + 0x6d2b79f5) | 0;
      let t = Math.imul(state ^ (state >>> 15), 1 | state);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }
  const keyPool = [
    'a',
    'b',
    'B',
    'é',
    '王',
    '_',
    '$x',
    '10',
    '9',
    '01',
    '-1',
    '1.5',
    'a b',
    'a"b',
    'a\\b',
    'a\nb',
    '😀',
    'zz',
    'z',
    '',
    '__proto__',
    'toString',
  ];
  const stringPool = [
    '',
    'x',
    '王芳',
    'a"b',
    'back\\slash',
    'tab\there',
    'line\nbreak',
    '\u2028',
    '😀',
    '\u007f',
    '\u0001',
  ];
  const numberPool = [0, -0, 1, -1, 1.5, 1e21, 1e-7, 123456789012, Number.MAX_SAFE_INTEGER, 0.1 + 0.2];

  function value(next: () => number, depth: number): unknown {
    const kind = Math.floor(next() * (depth > 3 ? 4 : 7));
    switch (kind) {
      case 0:
        return stringPool[Math.floor(next() * stringPool.length)];
      case 1:
        return numberPool[Math.floor(next() * numberPool.length)];
      case 2:
        return next() < 0.5;
      case 3:
        return null;
      case 4:
        return Array.from({ length: Math.floor(next() * 4) }, () => value(next, depth + 1));
      default: {
        const record: Record<string, unknown> = next() < 0.1 ? Object.create(null) : {};
        const size = Math.floor(next() * 6);
        for (let index = 0; index < size; index++) {
          const key = keyPool[Math.floor(next() * keyPool.length)];
          const member = next() < 0.1 ? undefined : value(next, depth + 1);
          // defineProperty, so that "__proto__" becomes an own key as JSON.parse would make it.
          Object.defineProperty(record, key, { value: member, enumerable: true, writable: true, configurable: true });
        }
        return record;
      }
    }
  }

  it('gives the same text for thousands of random values, whatever their key order', () => {
    const next = random(20_201_120);
    for (let round = 0; round < 5000; round++) {
      const data = { root: value(next, 0) };
      expect(canonicalJsonOfEventData(data, 'data')).toBe(canonicalJson(data));
    }
  });

  it('sorts large objects too, with their nested objects', () => {
    const data: Record<string, unknown> = {};
    for (let index = 99; index >= 0; index--)
      data[`k${(index * 37) % 100}`] = index % 3 === 0 ? { z: index, a: [index, { y: 1, x: 2 }] } : index;
    expect(canonicalJsonOfEventData(data, 'data')).toBe(canonicalJson(data));
  });

  it('leaves the caller’s objects as they were', () => {
    const data = { z: { y: 1, x: [{ b: 1, a: 2 }] }, a: 1 };
    const before = JSON.stringify(data);
    expect(canonicalJsonOfEventData(data, 'data')).toBe('{"a":1,"z":{"x":[{"a":2,"b":1}],"y":1}}');
    expect(JSON.stringify(data)).toBe(before);
  });

  it('ignores a toJSON someone put on Object.prototype, as the canonical encoding does', () => {
    const prototype = Object.prototype as { toJSON?: () => string };
    prototype.toJSON = () => 'hooked';
    try {
      expect(canonicalJsonOfEventData({ b: { d: 1, c: 2 }, a: [1] }, 'data')).toBe('{"a":[1],"b":{"c":2,"d":1}}');
    } finally {
      delete prototype.toJSON;
    }
  });
});
