import { inflateRawSync } from 'node:zlib';
import { zipEntries } from './zip';

/** CRC-32 (IEEE 802.3) bit by bit, as the zip format defines it: independent of zlib's. */
function crc32(bytes: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

/** Reads an archive back by its central directory, checking each local header against it. */
function unzip(archive: Buffer): { name: string; data: Buffer; crc: number; utf8: boolean }[] {
  const end = archive.length - 22;
  expect(archive.readUInt32LE(end)).toBe(0x06054b50);
  const count = archive.readUInt16LE(end + 10);
  let at = archive.readUInt32LE(end + 16);
  const entries = [];
  for (let n = 0; n < count; n++) {
    expect(archive.readUInt32LE(at)).toBe(0x02014b50);
    const [flags, method, crc, size, length] = [
      archive.readUInt16LE(at + 8),
      archive.readUInt16LE(at + 10),
      archive.readUInt32LE(at + 16),
      archive.readUInt32LE(at + 20),
      archive.readUInt32LE(at + 24),
    ];
    const nameLength = archive.readUInt16LE(at + 28);
    const name = archive.subarray(at + 46, at + 46 + nameLength).toString('utf8');
    const local = archive.readUInt32LE(at + 42);
    expect(archive.readUInt32LE(local)).toBe(0x04034b50);
    expect(archive.subarray(local + 6, local + 28)).toEqual(archive.subarray(at + 8, at + 30));
    const start = local + 30 + archive.readUInt16LE(local + 26) + archive.readUInt16LE(local + 28);
    expect(method).toBe(8);
    const data = inflateRawSync(archive.subarray(start, start + size));
    expect(data.length).toBe(length);
    entries.push({ name, data, crc, utf8: (flags & 0x0800) !== 0 });
    at += 46 + nameLength + archive.readUInt16LE(at + 30) + archive.readUInt16LE(at + 32);
  }
  return entries;
}

describe('zipEntries', () => {
  it('writes each entry deflated with its CRC-32 and sizes, found by the central directory, names in UTF-8', async () => {
    const big = Buffer.from('<row r="1"><c r="A1"><v>12.5</v></c></row>'.repeat(20_000));
    const modified = new Date(2021, 0, 24, 16, 0, 0);
    const archive = await zipEntries(
      [
        { name: '[Content_Types].xml', data: '<Types/>' },
        { name: 'xl/worksheets/学校.xml', data: big },
        { name: 'empty', data: '' },
      ],
      modified,
    );
    const entries = unzip(archive);
    expect(entries.map((each) => each.name)).toEqual(['[Content_Types].xml', 'xl/worksheets/学校.xml', 'empty']);
    expect(entries.map((each) => each.data.toString())).toEqual(['<Types/>', big.toString(), '']);
    for (const each of entries)
      expect({ name: each.name, crc: each.crc }).toEqual({ name: each.name, crc: crc32(each.data) });
    expect(entries.every((each) => each.utf8)).toBe(true);
    // Deflated: the repetitive sheet takes a small part of its size.
    expect(archive.length).toBeLessThan(big.length / 10);
  });

  it('gives the same bytes for the same entries and time, whenever it runs', async () => {
    const entries = [{ name: 'xl/workbook.xml', data: '<workbook/>' }];
    const first = await zipEntries(entries, new Date(2021, 0, 24, 16, 0, 0));
    const again = await zipEntries(entries, new Date(2021, 0, 24, 16, 0, 0));
    const later = await zipEntries(entries, new Date(2021, 0, 31, 16, 0, 0));
    expect(again.equals(first)).toBe(true);
    expect(later.equals(first)).toBe(false);
  });
});
