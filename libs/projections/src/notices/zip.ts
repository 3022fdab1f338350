import { gzipSync } from 'node:zlib';

/** A file of a zip archive: its path inside, and its bytes (text is written as UTF-8). */
export interface ZipEntry {
  name: string;
  data: Buffer | string;
}

/** A gzip member as Node writes it: a 10-byte header without a name, the deflate stream, CRC-32 and size. */
const GZIP_HEADER = 10;
const GZIP_TRAILER = 8;

/**
 * A zip archive (PKZIP 2.0, deflated, UTF-8 names) of the entries, for an XLSX package. Each entry
 * is deflated by zlib's gzip, which also gives its CRC-32: the deflate stream and checksum a zip
 * entry needs, in native code. Entries are under 4 GB, so no ZIP64.
 */
export function zipEntries(entries: readonly ZipEntry[], level = 1): Buffer {
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  const [time, date] = dosDateTime(new Date());
  for (const entry of entries) {
    const data = typeof entry.data === 'string' ? Buffer.from(entry.data, 'utf8') : entry.data;
    const gzip = gzipSync(data, { level });
    if (gzip[3] !== 0) throw new Error('zlib wrote a gzip header with optional fields');
    const deflated = gzip.subarray(GZIP_HEADER, gzip.length - GZIP_TRAILER);
    const crc = gzip.readUInt32LE(gzip.length - GZIP_TRAILER);
    const name = Buffer.from(entry.name, 'utf8');
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed: 2.0
    local.writeUInt16LE(0x0800, 6); // names in UTF-8
    local.writeUInt16LE(8, 8); // deflate
    local.writeUInt16LE(time, 10);
    local.writeUInt16LE(date, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(deflated.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    const header = Buffer.alloc(46);
    header.writeUInt32LE(0x02014b50, 0);
    header.writeUInt16LE(20, 4); // made by 2.0
    header.writeUInt16LE(20, 6);
    local.copy(header, 8, 6, 28); // flags to name length, as in the local header
    header.writeUInt32LE(offset, 42);
    central.push(header, name);
    parts.push(local, name, deflated);
    offset += local.length + name.length + deflated.length;
  }
  const directory = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...parts, directory, end]);
}

/** MS-DOS time and date fields (local time, two-second resolution), as zip entries carry them. */
function dosDateTime(at: Date): [number, number] {
  const time = (at.getHours() << 11) | (at.getMinutes() << 5) | (at.getSeconds() >> 1);
  const date = ((at.getFullYear() - 1980) << 9) | ((at.getMonth() + 1) << 5) | at.getDate();
  return [time, date];
}
