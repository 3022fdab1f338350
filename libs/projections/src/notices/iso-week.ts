/**
 * ISO-8601 weeks (Monday to Sunday, week 1 holds the year's first Thursday) in Asia/Shanghai,
 * which keeps UTC+8 all year (no daylight saving since 1991).
 */
const SHANGHAI_OFFSET_MS = 8 * 60 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;
const WEEK_PATTERN = /^(\d{4})-W(\d{2})$/;

export interface IsoWeek {
  /** e.g. 2021-W03 */
  week: string;
  /** Monday and Sunday, local dates. */
  startsOn: string;
  endsOn: string;
  /** [from, until) as instants: Monday 00:00 to the next Monday 00:00, Shanghai time. */
  fromMs: number;
  untilMs: number;
}

/** The ISO week an instant falls in, read in Shanghai time. */
export function isoWeekOf(instant: string | number): string {
  const ms = typeof instant === 'number' ? instant : Date.parse(instant);
  if (Number.isNaN(ms)) throw new Error(`Not an instant: ${String(instant)}`);
  const local = new Date(ms + SHANGHAI_OFFSET_MS);
  const midnight = Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate());
  const thursday = new Date(midnight + (3 - ((local.getUTCDay() + 6) % 7)) * DAY_MS);
  const year = thursday.getUTCFullYear();
  const week = 1 + Math.floor((thursday.getTime() - Date.UTC(year, 0, 1)) / DAY_MS / 7);
  return formatWeek(year, week);
}

/**
 * The local date (Shanghai) of an instant, as days since 1970-01-01; NaN for what Date.parse
 * refuses. A UTC instant as TIP writes them (YYYY-MM-DDTHH:MM:SS[.sss]Z) is read digit by digit:
 * a rebuild asks for every event it projects, and Date.parse was 3 % of its main thread.
 */
export function shanghaiDayOf(instant: string): number {
  const length = instant.length;
  if ((length === 20 || length === 24) && instant.charCodeAt(length - 1) === 0x5a) {
    const year = digits(instant, 0, 4);
    const month = digits(instant, 5, 2);
    const day = digits(instant, 8, 2);
    const hour = digits(instant, 11, 2);
    const minute = digits(instant, 14, 2);
    const second = digits(instant, 17, 2);
    const separated =
      instant.charCodeAt(4) === 0x2d &&
      instant.charCodeAt(7) === 0x2d &&
      instant.charCodeAt(10) === 0x54 &&
      instant.charCodeAt(13) === 0x3a &&
      instant.charCodeAt(16) === 0x3a &&
      (length === 20 || (instant.charCodeAt(19) === 0x2e && digits(instant, 20, 3) >= 0));
    // Ranges as Date.parse takes them (a day past the month's end runs on into the next month).
    if (
      separated &&
      year >= 0 &&
      month >= 1 &&
      month <= 12 &&
      day >= 1 &&
      day <= 31 &&
      hour >= 0 &&
      hour <= 23 &&
      minute >= 0 &&
      minute <= 59 &&
      second >= 0 &&
      second <= 59
    )
      return daysFromCivil(year, month, day) + (hour >= 16 ? 1 : 0);
  }
  return Math.floor((Date.parse(instant) + SHANGHAI_OFFSET_MS) / DAY_MS);
}

/** The number the `count` decimal digits at `at` spell, or -1 if one is not a digit. */
function digits(text: string, at: number, count: number): number {
  let value = 0;
  for (let index = at; index < at + count; index++) {
    const digit = text.charCodeAt(index) - 0x30;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146097 + dayOfEra - 719468;
}

/** The week's bounds, or undefined when the text is not a real ISO week (2021-W53 is not). */
export function parseIsoWeek(text: string): IsoWeek | undefined {
  const match = WEEK_PATTERN.exec(text);
  if (!match) return undefined;
  const [year, week] = [Number(match[1]), Number(match[2])];
  if (week < 1 || week > weeksIn(year)) return undefined;
  const monday = mondayOfWeekOne(year) + (week - 1) * 7 * DAY_MS;
  return {
    week: text,
    startsOn: new Date(monday).toISOString().slice(0, 10),
    endsOn: new Date(monday + 6 * DAY_MS).toISOString().slice(0, 10),
    fromMs: monday - SHANGHAI_OFFSET_MS,
    untilMs: monday + 7 * DAY_MS - SHANGHAI_OFFSET_MS,
  };
}

export function previousIsoWeek(week: IsoWeek): string {
  return isoWeekOf(week.fromMs - 1);
}

/** A year has 53 ISO weeks when 28 December falls in week 53. */
function weeksIn(year: number): number {
  return isoWeekOf(Date.UTC(year, 11, 28, 12) - SHANGHAI_OFFSET_MS) === formatWeek(year, 53) ? 53 : 52;
}

/** Monday of week 1 as UTC midnight of that local date: the week that holds 4 January. */
function mondayOfWeekOne(year: number): number {
  const january4 = Date.UTC(year, 0, 4);
  return january4 - ((new Date(january4).getUTCDay() + 6) % 7) * DAY_MS;
}

function formatWeek(year: number, week: number): string {
  return `${year}-W${String(week).padStart(2, '0')}`;
}
