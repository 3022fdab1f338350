/** Numbers and dates as the notices print them: percents with one decimal, dates and times in Beijing time. */

export function percent(value: number | null | undefined): string {
  return value === null || value === undefined || Number.isNaN(value) ? '—' : `${value.toFixed(1)}%`;
}

export function count(value: number | null | undefined): string {
  return value === null || value === undefined ? '—' : String(Math.round(value * 100) / 100);
}

const SHANGHAI = 'Asia/Shanghai';

export function dateTime(instant: string | null | undefined): string {
  if (!instant) return '—';
  const ms = Date.parse(instant);
  if (Number.isNaN(ms)) return instant;
  return new Intl.DateTimeFormat('zh-CN', {
    timeZone: SHANGHAI,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hour12: false,
  }).format(ms);
}

export function date(instant: string | null | undefined): string {
  if (!instant) return '—';
  if (/^\d{4}-\d{2}-\d{2}$/.test(instant)) return instant;
  const ms = Date.parse(instant);
  if (Number.isNaN(ms)) return instant;
  return new Intl.DateTimeFormat('sv-SE', { timeZone: SHANGHAI }).format(ms);
}

/** Days and hours until a deadline (negative parts never shown: past is past). */
export function timeLeft(deadline: string, nowMs: number): { days: number; hours: number } | 'passed' {
  const left = Date.parse(deadline) - nowMs;
  if (Number.isNaN(left) || left <= 0) return 'passed';
  const hours = Math.floor(left / 3_600_000);
  return { days: Math.floor(hours / 24), hours: hours % 24 };
}
