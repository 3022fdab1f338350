/** An instant as whole seconds since 2000-01-01T00:00:00Z (PostgreSQL's epoch) and microseconds. */
export interface ParsedInstant {
  seconds: number;
  microseconds: number;
}

/** Days from 1970-01-01 to 2000-01-01. */
const POSTGRES_EPOCH_DAYS = 10_957;
const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * Reads an ISO-8601 instant the way PostgreSQL reads it into a timestamptz: date, time (seconds
 * and up to six fractional digits optional), and Z or an offset up to ±15:59; 24:00 is the next
 * day's midnight. Anything else, including dates that do not exist, gives undefined. Written out
 * by hand because Date.parse takes 30 February as 1 March and keeps only milliseconds.
 */
export function parseIsoInstant(text: string): ParsedInstant | undefined {
  const length = text.length;
  if (
    length < 17 ||
    text.charCodeAt(4) !== DASH ||
    text.charCodeAt(7) !== DASH ||
    text.charCodeAt(10) !== LETTER_T ||
    text.charCodeAt(13) !== COLON
  ) {
    return undefined;
  }
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 2);
  const day = digits(text, 8, 2);
  const hour = digits(text, 11, 2);
  const minute = digits(text, 14, 2);
  if (
    year < 1000 ||
    month < 1 ||
    month > 12 ||
    day < 1 ||
    day > DAYS_IN_MONTH[month - 1] ||
    hour < 0 ||
    hour > 24 ||
    minute < 0 ||
    minute > 59
  ) {
    return undefined;
  }
  if (month === 2 && day === 29 && !isLeapYear(year)) return undefined;
  let at = 16;
  let second = 0;
  let microseconds = 0;
  if (text.charCodeAt(at) === COLON) {
    second = digits(text, at + 1, 2);
    if (second < 0 || second > 59) return undefined;
    at += 3;
    if (text.charCodeAt(at) === DOT) {
      at += 1;
      let fractionDigits = 0;
      for (; at < length && isDigit(text.charCodeAt(at)); at++) {
        if (++fractionDigits > 6) return undefined;
        microseconds = microseconds * 10 + (text.charCodeAt(at) - ZERO);
      }
      if (fractionDigits === 0) return undefined;
      microseconds *= 10 ** (6 - fractionDigits);
    }
  }
  if (hour === 24 && (minute !== 0 || second !== 0 || microseconds !== 0)) return undefined;
  let offsetSeconds = 0;
  const zone = text.charCodeAt(at);
  if (zone === LETTER_Z) {
    at += 1;
  } else if (zone === PLUS || zone === MINUS) {
    const offsetHours = digits(text, at + 1, 2);
    const offsetMinutes = digits(text, at + 4, 2);
    if (
      text.charCodeAt(at + 3) !== COLON ||
      offsetHours < 0 ||
      offsetHours > 15 ||
      offsetMinutes < 0 ||
      offsetMinutes > 59
    )
      return undefined;
    offsetSeconds = (zone === PLUS ? 1 : -1) * (offsetHours * 3600 + offsetMinutes * 60);
    at += 6;
  } else {
    return undefined;
  }
  if (at !== length) return undefined;
  const days = daysSinceUnixEpoch(year, month, day) - POSTGRES_EPOCH_DAYS;
  return { seconds: days * 86_400 + hour * 3600 + minute * 60 + second - offsetSeconds, microseconds };
}

/**
 * The instant in the one form the audit log writes every stored time in: UTC, microseconds,
 * `2021-01-04T02:00:00.000000Z`; undefined for text that is no instant.
 */
export function canonicalInstant(text: string): string | undefined {
  const parsed = parseIsoInstant(text);
  return parsed && formatInstant(parsed);
}

export function formatInstant({ seconds, microseconds }: ParsedInstant): string {
  const days = Math.floor(seconds / 86_400);
  const secondOfDay = seconds - days * 86_400;
  // A whole log is formatted when it is verified: the day's date is worked out once per day met.
  if (days !== lastDay.days) {
    lastDay.days = days;
    lastDay.date = new Date((days + POSTGRES_EPOCH_DAYS) * 86_400_000).toISOString().slice(0, 10);
  }
  const fraction = microseconds === 0 ? '000000' : String(microseconds).padStart(6, '0');
  return `${lastDay.date}T${TWO_DIGITS[Math.floor(secondOfDay / 3600)]}:${TWO_DIGITS[Math.floor((secondOfDay % 3600) / 60)]}:${TWO_DIGITS[secondOfDay % 60]}.${fraction}Z`;
}

const TWO_DIGITS = Array.from({ length: 100 }, (_, value) => String(value).padStart(2, '0'));
const lastDay = { days: Number.NaN, date: '' };

/** The events of one command or append share their business time: the last instant read is not parsed again. */
let lastInstant: { text: string; instant: ParsedInstant } | undefined;

/** parseIsoInstant, remembering the last instant it read. */
export function readIsoInstant(text: string): ParsedInstant | undefined {
  if (lastInstant?.text === text) return lastInstant.instant;
  const instant = parseIsoInstant(text);
  if (instant !== undefined) lastInstant = { text, instant };
  return instant;
}

const ZERO = 48;
const DASH = 45;
const COLON = 58;
const DOT = 46;
const PLUS = 43;
const MINUS = 45;
const LETTER_T = 84;
const LETTER_Z = 90;

const isDigit = (code: number) => code >= ZERO && code <= ZERO + 9;

/** The number in `count` decimal digits from `from`, or -1. */
function digits(text: string, from: number, count: number): number {
  let value = 0;
  for (let index = from; index < from + count; index++) {
    const code = text.charCodeAt(index);
    if (!isDigit(code)) return -1;
    value = value * 10 + (code - ZERO);
  }
  return value;
}

function isLeapYear(year: number): boolean {
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
}

/** Days from 1970-01-01 in the proleptic Gregorian calendar (H. Hinnant's days_from_civil). */
function daysSinceUnixEpoch(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}
