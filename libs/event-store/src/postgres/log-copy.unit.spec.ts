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

/** A protocol message: its code, its length word (itself included) and `body`. */
function message(code: string, body: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.write(code, 'latin1');
  head.writeUInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}

/**
 * What a connection reads during a CopyOut of `copy`: CopyOutResponse, the data in CopyData messages of
 * `sizes` bytes in turn (PostgreSQL sends one a row; the protocol allows any), a notice and a parameter
 * status among them, CopyDone, then what is pg's again (CommandComplete, ReadyForQuery).
 */
function copyOutOf(copy: Buffer, sizes: number[]): { bytes: Buffer; after: Buffer } {
  const parts = [message('H', Buffer.from([1, 0, 13, ...new Array<number>(26).fill(0).map((_, i) => i % 2)]))];
  for (let at = 0, turn = 0; at < copy.length; turn++) {
    const size = sizes[turn % sizes.length];
    parts.push(message('d', copy.subarray(at, at + size)));
    if (turn === 3) parts.push(message('N', Buffer.from('SNOTICE\0\0', 'latin1')));
    if (turn === 5) parts.push(message('S', Buffer.from('TimeZone\0UTC\0', 'latin1')));
    at += size;
  }
  parts.push(message('c', Buffer.alloc(0)));
  const after = Buffer.concat([message('C', Buffer.from('COPY 57\0', 'latin1')), message('Z', Buffer.from('I'))]);
  return { bytes: Buffer.concat([...parts, after]), after };
}

/** The pages of the CopyOut `bytes` read in `chunks`, and the bytes handed back after its end. */
function pagesOfMessages(bytes: Buffer, cuts: number[], pageSize: number) {
  const pages = new LogRowPages(256); // small, so that it grows too (and thousands of them cost little)
  const taken: { count: number; bytes: Buffer }[] = [];
  const take = () => {
    const rows = pages.take();
    if (rows) taken.push({ count: rows.count, bytes: Buffer.from(rows.bytes) });
  };
  let handedBack: Buffer | undefined;
  const bounds = [0, ...cuts, bytes.length];
  for (let i = 0; i + 1 < bounds.length; i++) {
    const chunk = bytes.subarray(bounds[i], bounds[i + 1]);
    if (handedBack) {
      handedBack = Buffer.concat([handedBack, chunk]);
      continue;
    }
    const end = pages.pushMessages(chunk);
    if (end >= 0) handedBack = chunk.subarray(end);
    if (pages.count >= pageSize) take();
  }
  expect(pages.done).toBe(true);
  pages.end();
  take();
  return { pages: taken, handedBack };
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

  describe('read off the connection, CopyData messages and all', () => {
    const rows = 23;
    const width = 11;
    const copy = copyOf(rows, width);
    const rowBytes = 2 + 13 * (4 + width);
    const expected = copy.subarray(19, 19 + rows * rowBytes);
    // Compared with Buffer.equals: jest's toEqual walks a Buffer byte by byte, too slow for thousands of cuts.
    const check = ({ pages, handedBack }: ReturnType<typeof pagesOfMessages>, after: Buffer, pageSize: number) => {
      const counts = pages.map((page) => page.count);
      const whole = pages.every((page) => page.bytes.length === page.count * rowBytes);
      const full = counts.slice(0, -1).every((count) => count >= pageSize);
      const same = Buffer.concat(pages.map((page) => page.bytes)).equals(expected);
      const back = handedBack?.equals(after) ?? false;
      if (counts.reduce((sum, count) => sum + count, 0) !== rows || !whole || !full || !same || !back) {
        expect({ counts, whole, full, same, back }).toEqual({
          counts,
          whole: true,
          full: true,
          same: true,
          back: true,
        });
        expect(counts.reduce((sum, count) => sum + count, 0)).toBe(rows);
      }
    };

    it.each([
      ['one message a row, as PostgreSQL sends', [19, ...new Array<number>(rows).fill(rowBytes), 2]],
      ['messages cutting rows anywhere', [7, 300, 1, 64, 2, 1000]],
    ])('gives every row once, in order, cut into two chunks at every byte (%s)', (_, sizes) => {
      const { bytes, after } = copyOutOf(copy, sizes);
      for (let cut = 0; cut <= bytes.length; cut++) check(pagesOfMessages(bytes, [cut], 5), after, 5);
    });

    it.each([1, 2, 3, 4, 5, 6, 7, 13, 300, 4096])('gives every row once whatever the chunks (%i bytes)', (chunk) => {
      const { bytes, after } = copyOutOf(copy, [19, ...new Array<number>(rows).fill(rowBytes), 2]);
      const cuts: number[] = [];
      for (let at = chunk; at < bytes.length; at += chunk) cuts.push(at);
      check(pagesOfMessages(bytes, cuts, 7), after, 7);
    });

    it("stops at a message that is not the COPY's (an ErrorResponse) and hands it back from its first byte", () => {
      const error = message('E', Buffer.from('SERROR\0Mcanceled\0\0', 'latin1'));
      const { bytes } = copyOutOf(copy, [19, rowBytes, rowBytes]);
      const cutAt = 34 + (5 + 19) + (5 + rowBytes); // CopyOutResponse, the header, the first row
      const pages = new LogRowPages();
      const broken = Buffer.concat([bytes.subarray(0, cutAt), error]);
      expect(pages.pushMessages(broken)).toBe(cutAt);
      expect(pages.done).toBe(false);
      expect(pages.take()?.bytes).toEqual(expected.subarray(0, rowBytes));
      expect(() => pages.end()).toThrow(/ended in the middle of a row/);
    });

    it('refuses data after the trailer, and a length word under four', () => {
      const trailing = new LogRowPages();
      const { bytes } = copyOutOf(Buffer.concat([copy, Buffer.from([0])]), [19, rowBytes]);
      expect(() => trailing.pushMessages(bytes)).toThrow(/bytes after the end/);
      const short = Buffer.from([0x64, 0, 0, 0, 3]);
      expect(() => new LogRowPages().pushMessages(short)).toThrow(/shorter than its length word/);
    });
  });
});
