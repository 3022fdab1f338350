/**
 * Calendar arithmetic shared by every context. Dates in the notices are China local dates
 * (YYYY-MM-DD); business time is an ISO-8601 instant, read in China Standard Time (UTC+8, no
 * daylight saving since 1991). Windows are half-open instants [from, until).
 */
const CHINA_UTC_OFFSET_MS = 8 * 60 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;

/** True for a real calendar date written YYYY-MM-DD (2021-02-29 is false). */
export function isCalendarDate(value: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (month < 1 || month > 12 || day < 1) return false;
  return day <= daysInMonth(year, month);
}

/** Milliseconds of an ISO-8601 instant; throws on anything else (business time is the application's). */
export function instantMs(instant: string): number {
  const ms = Date.parse(instant);
  if (Number.isNaN(ms)) throw new Error(`Not an ISO-8601 instant: ${instant}`);
  return ms;
}

/** The China local date of an instant. */
export function localDateOf(instant: string): string {
  return new Date(instantMs(instant) + CHINA_UTC_OFFSET_MS).toISOString().slice(0, 10);
}

/** 00:00 China time of a local date. */
export function startOfLocalDay(date: string): number {
  return Date.parse(`${date}T00:00:00.000Z`) - CHINA_UTC_OFFSET_MS;
}

/** 00:00 China time of the day after a local date: the exclusive end of an inclusive date range. */
export function endOfLocalDay(date: string): number {
  return startOfLocalDay(date) + DAY_MS;
}

/**
 * Adds calendar days or months in China local time. A month from 31 January is the last day of
 * February (the day is clamped), as people count "one month".
 */
export function addToInstant(ms: number, amount: number, unit: 'days' | 'months' | 'years'): number {
  if (unit === 'days') return ms + amount * DAY_MS;
  const local = new Date(ms + CHINA_UTC_OFFSET_MS);
  const months = unit === 'months' ? amount : amount * 12;
  const totalMonths = local.getUTCFullYear() * 12 + local.getUTCMonth() + months;
  const year = Math.floor(totalMonths / 12);
  const month = totalMonths - year * 12;
  const day = Math.min(local.getUTCDate(), daysInMonth(year, month + 1));
  const shifted = Date.UTC(
    year,
    month,
    day,
    local.getUTCHours(),
    local.getUTCMinutes(),
    local.getUTCSeconds(),
    local.getUTCMilliseconds(),
  );
  return shifted - CHINA_UTC_OFFSET_MS;
}

/** Adds whole years to a local date (29 February becomes 28 February in a common year). */
export function addYearsToDate(date: string, years: number): string {
  return new Date(addToInstant(startOfLocalDay(date), years, 'years') + CHINA_UTC_OFFSET_MS).toISOString().slice(0, 10);
}

export function isoOf(ms: number): string {
  return new Date(ms).toISOString();
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}
