import { canonicalJson, canonicalJsonOfEventData } from './canonical-json';

describe('canonicalJson', () => {
  it('encodes objects with sorted keys at every depth, so key order never changes a hash', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: 'x' } })).toBe('{"a":{"c":"x","d":[3,{"y":2,"z":1}]},"b":1}');
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
