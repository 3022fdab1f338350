import { isDatabaseUnavailable, RecordedEvent } from '@tip/event-store';

/**
 * How a projector tells an event it can never handle (parked: a row in `parked_events`, the
 * checkpoint moves on, health and the views say `degraded`) from trouble that passes (waited
 * out, never parked):
 *
 * - the projector itself throws: it is a pure function of the event and the rows loaded in the
 *   same transaction, so the same again fails the same way — parked at once;
 * - the database refuses the rows with an error about the data (SQLSTATE classes 22 data
 *   exception, 23 integrity, 42 rule or schema, 54 a limit) — the same rows are refused again:
 *   parked at once;
 * - the database is away, or the transaction lost a race (40 rollback, 55P03 lock, 57014
 *   cancelled, 53 resources, 58 I/O) — passing: retried with backoff for as long as it takes;
 * - anything else — parked when the same error came back three times in a row.
 */

export interface ParkedEvent {
  event: RecordedEvent;
  error: string;
}

const REPEATING_CLASSES = ['22', '23', '42', '54'];
const PASSING_CLASSES = ['40', '53', '58'];
const PASSING_CODES = ['55P03', '57014'];

function sqlStateOf(error: unknown): string | undefined {
  const candidate = (error as { driverError?: { code?: unknown }; code?: unknown } | null) ?? {};
  const code = candidate.driverError?.code ?? candidate.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/** Trouble that passes by itself: never a reason to park an event. */
export function isPassingTrouble(error: unknown): boolean {
  if (isDatabaseUnavailable(error)) return true;
  const state = sqlStateOf(error);
  return state !== undefined && (PASSING_CLASSES.includes(state.slice(0, 2)) || PASSING_CODES.includes(state));
}

/** A refusal the database will repeat for the same rows. */
export function failsTheSameWayAgain(error: unknown): boolean {
  const state = sqlStateOf(error);
  return state !== undefined && REPEATING_CLASSES.includes(state.slice(0, 2));
}

/** The error as a parked event keeps it: the message, and the SQLSTATE when the database refused. */
export function describeFailure(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const state = sqlStateOf(error);
  const described = state ? `the database refused the rows (SQLSTATE ${state}): ${message}` : message;
  return described.length > 2000 ? `${described.slice(0, 2000)}…` : described;
}
