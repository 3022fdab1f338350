import { isCalendarDate } from '../shared/calendar';

/**
 * Mainland resident ID numbers (公民身份号码, GB 11643-1999): 6-digit region code, 8-digit date of
 * birth YYYYMMDD, 3-digit sequence (odd for men, even for women), and a check character computed
 * with ISO 7064 MOD 11-2 over the first 17 digits ('X' stands for 10).
 *
 * The plain number is personal data: never put it in an event, a message or error details.
 */

/** Weight of position i (0-based, left to right) is 2^(17-i) mod 11. */
const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
/** Check character for (weighted sum mod 11): makes the full weighted sum ≡ 1 (mod 11). */
const CHECK_CHARACTERS = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];

export type IdNumberProblem = 'format' | 'birth-date' | 'check-digit';

/** The check character the first 17 digits call for. */
export function idNumberCheckCharacter(first17Digits: string): string {
  if (!/^\d{17}$/.test(first17Digits)) throw new Error('Expected 17 digits');
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17Digits[i]) * WEIGHTS[i];
  return CHECK_CHARACTERS[sum % 11];
}

/** Why a string is not a valid ID number, or undefined when it is. A lowercase 'x' is accepted. */
export function idNumberProblem(value: string): IdNumberProblem | undefined {
  const candidate = value.toUpperCase();
  if (!/^\d{17}[\dX]$/.test(candidate)) return 'format';
  if (birthDateOf(candidate) === undefined) return 'birth-date';
  if (idNumberCheckCharacter(candidate.slice(0, 17)) !== candidate[17]) return 'check-digit';
  return undefined;
}

export function isValidIdNumber(value: string): boolean {
  return idNumberProblem(value) === undefined;
}

/**
 * The date of birth an 18-character ID number carries (YYYY-MM-DD), or undefined when those
 * digits are not a real date. Does not check the check digit.
 */
export function birthDateOf(value: string): string | undefined {
  if (!/^\d{17}[\dXx]$/.test(value)) return undefined;
  const date = `${value.slice(6, 10)}-${value.slice(10, 12)}-${value.slice(12, 14)}`;
  return isCalendarDate(date) ? date : undefined;
}

/**
 * What may be shown: first 6 + 8 asterisks + last 4 (`320707********123X`). Note that this hides
 * exactly the date of birth, so a masked number next to a plain birth date is the whole number.
 * Anything not 18 characters long is masked completely rather than partly leaked.
 */
export function maskIdNumber(value: string): string {
  if (value.length !== 18) return '*'.repeat(value.length);
  return `${value.slice(0, 6)}********${value.slice(14).toUpperCase()}`;
}
