import { Actor } from '@tip/domain';
import { z } from 'zod';
import { Forbidden } from '../commands/errors';
import { parseQuery, wholeNumber } from '../queries/query-parameters';

/** Who may read the log as stored: auditors, and the platform itself. */
export const AUDIT_ROLES: readonly string[] = ['auditor', 'system'];

export function authorizeAudit(actor: Actor): void {
  if (!AUDIT_ROLES.includes(actor.role))
    throw new Forbidden(`Only ${AUDIT_ROLES.join(' and ')} may read the audit log; you are ${actor.role}`);
}

export const DEFAULT_LOG_PAGE = 1_000;
export const MAX_LOG_PAGE = 10_000;

const logPage = z.object({
  fromPosition: wholeNumber.optional(),
  limit: wholeNumber
    .pipe(z.number().min(1, `must be 1 to ${MAX_LOG_PAGE}`).max(MAX_LOG_PAGE, `must be 1 to ${MAX_LOG_PAGE}`))
    .optional(),
});

const asOf = z
  .string()
  .datetime({ offset: true, message: 'must be an ISO-8601 date-time with a time zone, e.g. 2016-04-01T00:00:00+08:00' })
  .optional();

/** `fromPosition` (default 0) and `limit` (default 1,000, at most 10,000) of a page of the global log. */
export function parseLogPage(query: { fromPosition?: unknown; limit?: unknown }): {
  fromPosition: number;
  limit: number;
} {
  const page = parseQuery(logPage, { fromPosition: query.fromPosition, limit: query.limit });
  return { fromPosition: page.fromPosition ?? 0, limit: page.limit ?? DEFAULT_LOG_PAGE };
}

/** The business time to rebuild a stream's state at; undefined means every event. */
export function parseAsOf(value: unknown): string | undefined {
  return parseQuery(asOf, value, 'asOf');
}
