import { z } from 'zod';

/** A schema's complaints, each naming the caller's field and the rule. */
export function problemsOf(error: z.ZodError): { field: string; rule: string }[] {
  return error.issues.map((issue) => ({
    field: issue.path.length > 0 ? issue.path.join('.') : 'body',
    rule: issue.code === 'unrecognized_keys' ? `unknown field(s): ${issue.keys.join(', ')}` : issue.message,
  }));
}
