/**
 * Week ends in Asia/Shanghai (UTC+8 all year since 1991): an ISO week ends on Sunday at 24:00
 * local time, Monday 00:00, which is Sunday 16:00 UTC.
 */
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const WEEK_MS = 7 * DAY_MS;
const SHANGHAI_OFFSET_MS = 8 * HOUR_MS;
/** 1970-01-05, the first Monday after the epoch (a Thursday), in local days. */
const FIRST_MONDAY_MS = 4 * DAY_MS;

/** The latest week end (Monday 00:00 Shanghai) at or before the instant, in ms since 1970. */
export function weekEndAtOrBefore(instantMs: number): number {
  const local = instantMs + SHANGHAI_OFFSET_MS;
  const monday = Math.floor((local - FIRST_MONDAY_MS) / WEEK_MS) * WEEK_MS + FIRST_MONDAY_MS;
  return monday - SHANGHAI_OFFSET_MS;
}

/** The ISO week (e.g. 2021-W03) an instant falls in, in Shanghai time. */
export function shanghaiIsoWeekOf(instantMs: number): string {
  const local = new Date(instantMs + SHANGHAI_OFFSET_MS);
  const midnight = Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate());
  const thursday = new Date(midnight + (3 - ((local.getUTCDay() + 6) % 7)) * DAY_MS);
  const year = thursday.getUTCFullYear();
  const week = 1 + Math.floor((thursday.getTime() - Date.UTC(year, 0, 1)) / DAY_MS / 7);
  return `${year}-W${String(week).padStart(2, '0')}`;
}
