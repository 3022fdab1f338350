import { instantMs } from './instant';

describe('instantMs', () => {
  it('reads what toISOString writes as Date.parse does, and leaves every other form to Date.parse', () => {
    const samples = [
      '2021-07-04T16:00:00.000Z',
      '1999-12-31T23:59:59.999Z',
      '2024-02-29T12:34:56.789Z',
      '0001-01-01T00:00:00.000Z',
      '2021-04-31T00:00:00.000Z', // no 31 April
      '2021-13-01T00:00:00.000Z',
      '2021-07-04T24:00:00.000Z',
      '2021-07-04T16:00:00.00xZ',
      '2021-07-04 16:00:00.000Z',
      '2021-07-04T16:00:00+08:00',
      '2021-07-04T16:00:00Z',
      '2021-07-04',
      'not a time at all, 24 Z',
    ];
    for (const text of samples) expect([text, instantMs(text)]).toEqual([text, Date.parse(text)]);
    for (let ms = Date.UTC(2019, 0, 1); ms < Date.UTC(2022, 0, 1); ms += 77_777_777.123)
      expect(instantMs(new Date(Math.floor(ms)).toISOString())).toBe(Math.floor(ms));
  });
});
