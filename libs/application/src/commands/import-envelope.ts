import { Actor, ROLES } from '@tip/domain';
import { z } from 'zod';
import { Clock } from '../ports/clock';
import { CommandRequest } from './command-result';
import { CommandValidationFailed, Forbidden } from './errors';
import { problemsOf } from './problems';
import { identifier } from '../slices/identifiers';
import { instant, text, unstorableText } from '../slices/text';

/** Who acts and when: the caller now, or (sent by `system` importing history) the original actor at the original time. */
export interface Envelope {
  /** The command's own fields, without `at` and `actor`. */
  fields: Record<string, unknown>;
  actor: Actor;
  /** Business time, ISO-8601. */
  now: string;
  /** `system`, when it imports history on behalf of `actor`. */
  importedBy?: Actor;
  traceparent?: string;
}

/** `at` and `actor` beside a command's own fields; the OpenAPI document shows them from this very schema. */
export const importEnvelope = z
  .object({
    at: instant.optional(),
    actor: z
      .object({ sub: text(200), role: z.enum(ROLES), unitId: identifier.optional() })
      .strict()
      .optional(),
  })
  .passthrough();

/** Only a well-formed W3C trace context travels on (version-traceid-parentid-flags). */
const TRACEPARENT = /^[\da-f]{2}-[\da-f]{32}-[\da-f]{16}-[\da-f]{2}$/;

/** Separates `at`/`actor` (honoured for `system` only) from the command's own fields. */
export function openEnvelope(request: CommandRequest, clock: Clock): Envelope {
  const body = request.body;
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new CommandValidationFailed([{ field: 'body', rule: 'must be a JSON object' }]);
  }
  // What no event can hold, anywhere in the body, is refused here under the caller's field name.
  const unstorable = unstorableText(body);
  if (unstorable.length > 0) throw new CommandValidationFailed(unstorable);
  // Most bodies carry neither (every record of the hour feed): nothing for the schema to check.
  const envelope =
    Object.hasOwn(body, 'at') || Object.hasOwn(body, 'actor')
      ? importEnvelope.safeParse(body)
      : { success: true as const, data: { ...(body as Record<string, unknown>), at: undefined, actor: undefined } };
  if (!envelope.success) throw new CommandValidationFailed(problemsOf(envelope.error));
  const { at, actor: onBehalfOf, ...fields } = envelope.data;
  if ((at !== undefined || onBehalfOf !== undefined) && request.caller.role !== 'system') {
    throw new Forbidden('Only system may set "at" and "actor" (importing history)');
  }
  return {
    fields,
    actor: onBehalfOf ?? request.caller,
    now: at === undefined ? clock.now().toISOString() : new Date(at).toISOString(),
    importedBy: onBehalfOf ? request.caller : undefined,
    traceparent: request.traceparent && TRACEPARENT.test(request.traceparent) ? request.traceparent : undefined,
  };
}
