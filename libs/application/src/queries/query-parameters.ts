import { z } from 'zod';
import { CommandValidationFailed } from '../commands/errors';

/** Query strings checked like command bodies: 400 naming each bad parameter (or `field`) and its rule. */
export function parseQuery<S extends z.ZodTypeAny>(schema: S, query: unknown, field?: string): z.infer<S> {
  const parsed = schema.safeParse(query);
  if (parsed.success) return parsed.data;
  throw new CommandValidationFailed(
    parsed.error.issues.map((issue) => ({ field: field ?? (issue.path.join('.') || 'query'), rule: issue.message })),
    'query',
  );
}

// Query strings arrive as text (an array when repeated): anything else is the caller's 400.
export const wholeNumber = z
  .string()
  .regex(/^\d{1,15}$/, 'must be a whole number, 0 or more')
  .transform(Number);

/** Read your writes: the position a view must have reached before it answers. */
export const minPosition = wholeNumber.optional();
