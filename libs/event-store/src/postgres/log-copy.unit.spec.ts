import { LogRowPages } from './log-copy';

/** A binary COPY of rows of 13 fields, each field `row` repeated `width` times. */
function copyOf(rows: number, width: number): Buffer {
  const parts: Buffer[] = [Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1'), Buffer.alloc(8)];
  for (let row = 0; row < rows; row++) {
    const head = Buffer.alloc(2);
    head.writeInt16BE(13);
    parts.push(head);
    for (let field = 0; field < 13; field++) {
      const length = Buffer.alloc(4);
      length.writeInt32BE(width);
      parts.push(length, Buffer.alloc(width, row % 251));
    }
  }
  parts.push(Buffer.from([0xff, 0xff]));
  return Buffer.concat(parts);
}

/** The pages of `copy` cut into chunks of `chunk` bytes, each page copied as it is taken (the buffer is reused). */
function pagesOf(copy: Buffer, chunk: number, pageSize: number): { count: number; bytes: Buffer }[] {
  const pages = new LogRowPages();
  const taken: { count: number; bytes: Buffer }[] = [];
  const take = () => {
    const rows = pages.take();
    if (rows) taken.push({ count: rows.count, bytes: Buffer.from(rows.bytes) });
  };
  for (let at = 0; at < copy.length; at += chunk) {
    pages.push(copy.subarray(at, at + chunk));
    if (pages.count >= pageSize) take();
  }
  pages.end();
  take();
  return taken;
}

describe('pages of log rows from a binary COPY', () => {
  it.each([
    [1, 3],
    [7, 5],
    [300, 5],
    [100_000, 5],
  ])('gives every row once, whole, in order, whatever the chunks (%i bytes) and pages', (chunk, pageSize) => {
    const rows = 57;
    const width = 11;
    const copy = copyOf(rows, width);
    const pages = pagesOf(copy, chunk, pageSize);
    expect(pages.reduce((sum, page) => sum + page.count, 0)).toBe(rows);
    const rowBytes = 2 + 13 * (4 + width);
    expect(Buffer.concat(pages.map((page) => page.bytes))).toEqual(copy.subarray(19, 19 + rows * rowBytes));
    for (const page of pages) expect(page.bytes.length).toBe(page.count * rowBytes);
    if (chunk < 100_000) expect(pages.slice(0, -1).every((page) => page.count >= pageSize)).toBe(true);
  });

  it('refuses a COPY cut in the middle of a row, and bytes after its end', () => {
    const copy = copyOf(3, 4);
    const cut = new LogRowPages();
    cut.push(copy.subarray(0, copy.length - 10));
    expect(() => cut.end()).toThrow(/ended in the middle of a row/);
    const trailing = new LogRowPages();
    expect(() => trailing.push(Buffer.concat([copy, Buffer.from([0])]))).toThrow(/bytes after the end/);
  });
});
