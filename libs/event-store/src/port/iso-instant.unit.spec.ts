import { canonicalInstant, parseIsoInstant, readIsoInstant } from './iso-instant';

const POSTGRES_EPOCH_MS = Date.UTC(2000, 0, 1);

describe('ISO-8601 instants', () => {
  it.each([
    ['2020-11-20T08:00:00.000Z', true],
    ['2020-11-20T08:00Z', true],
    ['2020-11-20T08:00:00.123456+08:00', true],
    ['2024-02-29T00:00:00Z', true],
    ['2000-02-29T00:00:00Z', true],
    ['2020-11-20T24:00:00Z', true],
    ['2020-11-20T08:00:00-15:59', true],
    ['2020-11-20', false],
    ['2020-11-20T08:00:00', false],
    ['2020-11-20T08:00:00.Z', false],
    ['2020-11-20T08:00:00.1234567Z', false],
    ['2020-11-31T00:00:00Z', false],
    ['2020-13-01T00:00:00Z', false],
    ['2023-02-29T00:00:00Z', false],
    ['1900-02-29T00:00:00Z', false],
    ['2020-11-20T24:00:01Z', false],
    ['2020-11-20T23:60:00Z', false],
    ['2020-11-20T23:59:60Z', false],
    ['2020-11-20T08:00:00+16:00', false],
    ['2020-11-20T08:00:00+0800', false],
    ['0999-01-01T00:00:00Z', false],
    ['Nov 20 2020 08:00', false],
    ['2020-11-20T08:00:00.000Z\n', false],
    ['2020-11-20t08:00:00.000z', false],
  ])('takes %j as an instant: %s', (text, expected) => {
    expect(readIsoInstant(text) !== undefined).toBe(expected);
  });

  it.each([
    '2020-11-20T08:00:00.000Z',
    '2020-11-20T16:00:00.123+08:00',
    '1969-12-31T23:59:59.999Z',
    '1900-01-01T00:00:00.5-05:30',
    '2000-01-01T00:00Z',
    '2400-02-29T12:00:00Z',
    '1600-03-01T00:00:00Z',
    '9999-12-31T23:59:59Z',
    '2020-11-20T24:00:00Z',
  ])('reads %s as the instant Date.parse does, to the millisecond', (text) => {
    const parsed = parseIsoInstant(text) ?? { seconds: NaN, microseconds: NaN };
    expect(parsed.seconds * 1000 + parsed.microseconds / 1000).toBe(Date.parse(text) - POSTGRES_EPOCH_MS);
  });

  it('keeps microseconds, counting forward within the second', () => {
    expect(parseIsoInstant('2020-11-20T08:00:00.123456Z')?.microseconds).toBe(123_456);
    expect(parseIsoInstant('2020-11-20T08:00:00.00001Z')?.microseconds).toBe(10);
    expect(parseIsoInstant('1969-12-31T23:59:59.9995Z')).toEqual({
      seconds: Date.UTC(1969, 11, 31, 23, 59, 59) / 1000 - 946_684_800,
      microseconds: 999_500,
    });
  });
});

describe('canonicalInstant', () => {
  it('writes an instant in the log’s one form: UTC, microseconds, whatever day came before', () => {
    // Days alternate, as the events of a log do: each is written from its own day, not the last one met.
    expect(
      [
        '2021-01-04T02:00:00Z',
        '2021-01-03T23:59:59.5+08:00',
        '2021-01-04T10:00:00.000001+08:00',
        '2024-02-29T24:00:00Z',
        '1999-12-31T23:59:59.999999Z',
        '2021-01-04T02:00:00.120Z',
        'not an instant',
      ].map(canonicalInstant),
    ).toEqual([
      '2021-01-04T02:00:00.000000Z',
      '2021-01-03T15:59:59.500000Z',
      '2021-01-04T02:00:00.000001Z',
      '2024-03-01T00:00:00.000000Z',
      '1999-12-31T23:59:59.999999Z',
      '2021-01-04T02:00:00.120000Z',
      undefined,
    ]);
  });
});
