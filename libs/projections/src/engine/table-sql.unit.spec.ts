import { escapeLiteral } from 'pg';
import { inlined } from './table-sql';

describe('statements written out as one text', () => {
  it("quote strings exactly as pg's escapeLiteral does: quotes doubled, backslashes doubled under E''", () => {
    for (const text of [
      '',
      'plain',
      "O'Brien",
      "''",
      'back\\slash',
      "both ' and \\ and \\' together",
      '{"name":"王芳","note":"a \\"quoted\\" word","path":"C:\\\\x"}',
      '\n\t$1 stays as it is',
    ])
      expect(inlined({ text: 'select $1', values: [text] })).toBe(`select ${escapeLiteral(text)}`);
  });

  it('write numbers, booleans and null as SQL, and refuse what has no literal', () => {
    expect(inlined({ text: 'select $1, $2, $3, $4', values: [42, 2.5, true, null] })).toBe(
      'select 42, 2.5, true, null',
    );
    expect(() => inlined({ text: 'select $1', values: [Number.NaN] })).toThrow('Cannot write NaN into a statement');
    expect(() => inlined({ text: 'select $1', values: [{}] })).toThrow('Cannot write a object into a statement');
  });
});
