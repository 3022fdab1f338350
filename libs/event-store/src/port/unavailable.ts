/**
 * Tells a database that is away (down, restarting, unreachable, out of connections) from every
 * other failure. Callers answer the first with 503 UNAVAILABLE and wait it out; a projector never
 * parks an event for it, because the same event will go through once the database is back.
 */

/** Node's socket errors on the way to the server. */
const SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/**
 * SQLSTATEs of a server that is going away or cannot take us now: connection exceptions (08),
 * too many connections (53300), shutdown and start-up (57P01-57P03), crash recovery (57P04
 * is not used; a backend killed by a crashing sibling reports 57P02 "crash shutdown").
 */
function isUnavailableSqlState(code: string): boolean {
  return code.startsWith('08') || code === '53300' || code === '57P01' || code === '57P02' || code === '57P03';
}

/** node-postgres and its pool say these in words only. */
const MESSAGES = [
  /^Connection terminated/,
  /^timeout exceeded when trying to connect/,
  /Client has encountered a connection error and is not queryable/,
  /^Client was closed and is not queryable/,
  /^Connection closed/,
  /the database system is (starting up|shutting down|in recovery mode|not yet accepting connections)/,
];

/** KurrentDB's client: the server cannot be reached, or did not answer in time. */
const KURRENT_TYPES = new Set(['unavailable', 'deadline-exceeded', 'timeout']);

export function isDatabaseUnavailable(error: unknown): boolean {
  const seen = new Set<unknown>();
  const pending: unknown[] = [error];
  while (pending.length > 0) {
    const current = pending.pop();
    if (current === null || typeof current !== 'object' || seen.has(current)) continue;
    seen.add(current);
    const { code, type, message, cause, driverError, errors } = current as {
      code?: unknown;
      type?: unknown;
      message?: unknown;
      cause?: unknown;
      driverError?: unknown;
      errors?: unknown;
    };
    if (
      typeof code === 'string' &&
      (SOCKET_CODES.has(code) || (/^[0-9A-Z]{5}$/.test(code) && isUnavailableSqlState(code)))
    )
      return true;
    if (typeof type === 'string' && KURRENT_TYPES.has(type)) return true;
    if (typeof message === 'string' && MESSAGES.some((pattern) => pattern.test(message))) return true;
    pending.push(cause, driverError);
    if (Array.isArray(errors)) pending.push(...errors);
  }
  return false;
}
