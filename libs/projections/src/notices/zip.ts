import { ZipFile } from 'yazl';

/** A file of a zip archive: its path inside, and its bytes (text is written as UTF-8). */
export interface ZipEntry {
  name: string;
  data: Buffer | string;
}

/**
 * A zip archive of the entries, for an XLSX package. yazl deflates each entry with Node's zlib off
 * the event loop; level 1 because a province's sheets are tens of megabytes of repetitive markup,
 * which the fastest level already shrinks tenfold. Every entry carries `modified` as its time, so
 * the same notice gives the same bytes.
 */
export function zipEntries(entries: readonly ZipEntry[], modified: Date, level = 1): Promise<Buffer> {
  const zip = new ZipFile();
  for (const entry of entries) {
    const data = typeof entry.data === 'string' ? Buffer.from(entry.data, 'utf8') : entry.data;
    zip.addBuffer(data, entry.name, { mtime: modified, compressionLevel: level });
  }
  zip.end();
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    zip.outputStream
      .on('data', (chunk: Buffer) => chunks.push(chunk))
      .on('error', reject)
      .on('end', () => resolve(Buffer.concat(chunks)));
  });
}
