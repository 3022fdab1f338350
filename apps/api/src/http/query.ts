import { z } from 'zod';
import { CommandValidationFailed } from '@tip/application';

/** Query strings checked like command bodies: 400 naming each bad parameter and its rule. */
export function parseQuery<S extends z.ZodTypeAny>(schema: S, query: unknown): z.infer<S> {
  const parsed = schema.safeParse(query);
  if (!parsed.success) {
    throw new CommandValidationFailed(
      parsed.error.issues.map((issue) => ({ field: issue.path.join('.') || 'query', rule: issue.message })),
      'query',
    );
  }
  return parsed.data;
}

/** Read your writes: the position a view must have reached before it answers. */
export const minPosition = z.coerce.number({ invalid_type_error: 'must be a whole number' }).int('must be a whole number').min(0, 'must be 0 or more').optional();
