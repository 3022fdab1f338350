import { isoWeekOf, parseIsoWeek, previousIsoWeek, shanghaiDayOf } from './iso-week';

describe('ISO weeks in Asia/Shanghai', () => {
  it.each([
    ['2021-01-18T00:00:00+08:00', '2021-W03'],
    ['2021-01-17T23:59:59+08:00', '2021-W02'],
    // Sunday 16:30 UTC is already Monday in Shanghai.
    ['2021-01-17T16:30:00Z', '2021-W03'],
    ['2021-01-01T12:00:00+08:00', '2020-W53'],
    ['2019-12-30T08:00:00+08:00', '2020-W01'],
    ['2022-01-02T10:00:00+08:00', '2021-W52'],
  ])('%s falls in %s', (instant, week) => {
    expect(isoWeekOf(instant)).toBe(week);
  });

  it('gives a week its Monday-to-Sunday bounds, half-open at the next Monday 00:00 Shanghai time', () => {
    expect(parseIsoWeek('2021-W03')).toEqual({
      week: '2021-W03',
      startsOn: '2021-01-18',
      endsOn: '2021-01-24',
      fromMs: Date.parse('2021-01-18T00:00:00+08:00'),
      untilMs: Date.parse('2021-01-25T00:00:00+08:00'),
    });
  });

  it('knows which years have a 53rd week and refuses weeks that do not exist', () => {
    expect(parseIsoWeek('2020-W53')?.startsOn).toBe('2020-12-28');
    expect(parseIsoWeek('2021-W53')).toBeUndefined();
    expect(parseIsoWeek('2021-W00')).toBeUndefined();
    expect(parseIsoWeek('2021-3')).toBeUndefined();
  });

  it('steps back across a year boundary', () => {
    const week = parseIsoWeek('2021-W01');
    expect(week && previousIsoWeek(week)).toBe('2020-W53');
  });

  it('agrees with itself: every day of a week maps back to that week', () => {
    for (let year = 2014; year <= 2030; year++) {
      for (let weekNumber = 1; weekNumber <= 53; weekNumber++) {
        const week = parseIsoWeek(`${year}-W${String(weekNumber).padStart(2, '0')}`);
        if (!week) continue;
        for (let day = 0; day < 7; day++) expect(isoWeekOf(week.fromMs + day * 86_400_000 + 1)).toBe(week.week);
      }
    }
  });
});

describe('the Shanghai date of an instant (shanghaiDayOf)', () => {
  const byDateParse = (instant: string) => Math.floor((Date.parse(instant) + 8 * 3600_000) / 86_400_000);

  it('reads UTC instants digit by digit as Date.parse reads them, every seventh hour from 1999 to 2031', () => {
    for (let ms = Date.UTC(1999, 0, 1); ms < Date.UTC(2031, 0, 1); ms += 7 * 3600_000 + 61_001) {
      const withMilliseconds = new Date(ms).toISOString();
      const withoutThem = `${withMilliseconds.slice(0, 19)}Z`;
      expect(shanghaiDayOf(withMilliseconds)).toBe(byDateParse(withMilliseconds));
      expect(shanghaiDayOf(withoutThem)).toBe(byDateParse(withoutThem));
    }
  });

  it.each([
    '2021-01-17T15:59:59.999Z',
    '2021-01-17T16:00:00.000Z',
    '2020-02-29T23:00:00Z',
    '2021-02-30T00:00:00Z',
    '2021-04-31T20:00:00.000Z',
    '2000-03-01T00:00:00Z',
    '1900-02-28T16:00:00Z',
    '0000-01-01T00:00:00Z',
    '2021-01-01T24:00:00Z',
    '2021-01-01T10:60:00Z',
    '2021-01-01T10:00:60Z',
    '2021-00-10T10:00:00Z',
    '2021-13-10T10:00:00Z',
    '2021-01-00T10:00:00Z',
    '2021-01-32T10:00:00Z',
    '2021-01-01T10:00:00.1Z',
    '2021-01-01T10:00:00.a00Z',
    '2021-01-01T10:00:00z',
    '2021-01-01 10:00:00Z',
    '2021-01-01T10:00:00.000+08:00',
    '2021-01-01T10:00:00+08:00',
    '+002021-01-01T10:00:00Z',
    'not an instant at all',
    '',
  ])('takes %j as Date.parse does', (instant) => {
    expect(shanghaiDayOf(instant)).toBe(byDateParse(instant));
  });
});
