import { createHash } from 'node:crypto';
import { uuidFrom } from './uuid-from';

/** RFC 9562's version 8 over SHA-256, byte by byte: what event ids have always been. */
function byBytes(name: string): string {
  const bytes = createHash('sha256').update(name).digest().subarray(0, 16);
  bytes[6] = (bytes[6] & 0x0f) | 0x80;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

describe('A UUID derived from a name', () => {
  it('is the same id, for every name, as set byte by byte (stored event ids must repeat on retry)', () => {
    const names = Array.from(
      { length: 2000 },
      (_, index) => `command-${index}\nenrollment-JS-1:T${index % 37}\n${index % 3}`,
    );
    names.push('', '学时记录', 'x'.repeat(10_000));
    for (const name of names) expect(uuidFrom(name)).toBe(byBytes(name));
    expect(uuidFrom('a')).toMatch(/^[\da-f]{8}-[\da-f]{4}-8[\da-f]{3}-[89ab][\da-f]{3}-[\da-f]{12}$/);
  });
});
