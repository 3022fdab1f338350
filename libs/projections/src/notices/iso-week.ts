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
