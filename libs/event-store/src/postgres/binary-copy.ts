/** PostgreSQL's binary COPY signature; the flags and the header extension's length follow it. */
const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
const HEADER_BYTES = SIGNATURE.length + 8;

/**
 * How long the binary COPY header at the start of `buffer`'s first `filled` bytes is, or undefined
 * while they do not hold all of it; throws when they begin otherwise (not a binary COPY of `what`).
 */
export function binaryCopyHeaderLength(buffer: Buffer, filled: number, what: string): number | undefined {
  if (filled < HEADER_BYTES) return undefined;
  if (!buffer.subarray(0, SIGNATURE.length).equals(SIGNATURE)) throw new Error(`not a binary COPY of ${what}`);
  const length = HEADER_BYTES + buffer.readUInt32BE(SIGNATURE.length + 4);
  return filled < length ? undefined : length;
}
