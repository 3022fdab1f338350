import { unstorableText } from './text';

describe('unstorableText', () => {
  it('finds nothing in a body every event could hold, however deep', () => {
    expect(unstorableText({ teacherId: 'T-1', hours: 0.5, records: [{ note: '学时', tags: ['a', null] }] })).toEqual(
      [],
    );
  });

  it('names each string that holds U+0000 or a lone surrogate by its path, values and keys alike', () => {
    expect(
      unstorableText({
        ok: 'fine',
        records: [{ note: 'fine' }, { note: 'a\u0000b' }],
        rulebook: { steps: [{ name: '\ud800' }] },
        ['bad\u0000key']: 1,
      }),
    ).toEqual([
      { field: 'records.1.note', rule: 'must not contain the character U+0000' },
      { field: 'rulebook.steps.0.name', rule: 'must be well-formed Unicode (no lone surrogates)' },
      { field: 'body', rule: 'field names must be well-formed Unicode without U+0000' },
    ]);
    expect(unstorableText('\u0000')).toEqual([{ field: 'body', rule: 'must not contain the character U+0000' }]);
  });
});
