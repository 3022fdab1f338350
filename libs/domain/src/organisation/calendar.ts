/**
 * Calendar helpers for the organisation context. Dates are China local dates (YYYY-MM-DD);
 * business time is an ISO-8601 instant, read in China Standard Time (UTC+8, no daylight saving
 * since 1991), because every date in the notices is a local date.
 */
const CHINA_UTC_OFFSET_MS = 8 * 60 * 60 * 1000;

/** True for a real calendar date written YYYY-MM-DD (2021-02-29 is false). */
export function isCalendarDate(value: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (month < 1 || month > 12 || day < 1) return false;
  return day <= daysInMonth(year, month);
}

/** The China local date of an ISO-8601 instant. */
export function localDateOf(instant: string): string {
  const ms = Date.parse(instant);
  if (Number.isNaN(ms)) throw new Error(`Not an ISO-8601 instant: ${instant}`);
  return new Date(ms + CHINA_UTC_OFFSET_MS).toISOString().slice(0, 10);
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}
