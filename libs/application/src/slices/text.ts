import { z, ZodTypeDef } from 'zod';

/**
 * Schema building blocks for what callers type: every rule the event store would apply later is
 * applied here, so a refusal names the caller's field (`name`), never an internal one
 * (`events[0].data.name`). Lengths count characters (code points, as JSON Schema's maxLength
 * does), not UTF-16 units: 𠮷 is one character.
 */

/** How a block shows in the OpenAPI document, where zod's own rendering would say less (a refine) or wrong (a \p pattern). */
export const jsonSchemaHints = new WeakMap<ZodTypeDef, Record<string, unknown>>();

export function hinted<T extends z.ZodTypeAny>(schema: T, hint: Record<string, unknown>): T {
  jsonSchemaHints.set(schema._def, hint);
  return schema;
}

/** What the OpenAPI document adds to zod's own rendering of a block: a relation a refine checks (`oneOf`, …). */
export const jsonSchemaExtras = new WeakMap<ZodTypeDef, Record<string, unknown>>();

export function withJsonSchema<T extends z.ZodTypeAny>(schema: T, extra: Record<string, unknown>): T {
  jsonSchemaExtras.set(schema._def, extra);
  return schema;
}

export const characterCount = (value: string): number => {
  let count = 0;
  for (const _ of value) count += 1;
  return count;
};

// eslint-disable-next-line no-control-regex
const CONTROL_EXCEPT_LINE_BREAKS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

/**
 * Text as people write it (names, reasons, notes): trimmed; tabs and line breaks allowed, other
 * control characters (U+0000 among them) and lone surrogates not; `min` to `max` characters.
 */
export function text(max: number, { min = 1 }: { min?: number } = {}) {
  return hinted(
    z
      .string()
      .trim()
      .superRefine((value, context) => {
        if (CONTROL_EXCEPT_LINE_BREAKS.test(value))
          context.addIssue({
            code: 'custom',
            message: 'must not contain control characters (U+0000 to U+001F) other than tabs and line breaks',
          });
        if (!value.isWellFormed())
          context.addIssue({ code: 'custom', message: 'must be well-formed Unicode (no lone surrogates)' });
        const length = characterCount(value);
        if (length < min || length > max)
          context.addIssue({
            code: 'custom',
            message: min === 0 ? `must be at most ${max} characters` : `must be ${min} to ${max} characters`,
          });
      }),
    {
      type: 'string',
      minLength: min,
      maxLength: max,
      // The same rules as a pattern both ECMA-262 (without the u flag) and other dialects read alike.
      pattern: `^${min > 0 ? '(?=[\\s\\S]*[^\\s\\uFEFF])' : ''}[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F]*$`,
      description: `${min === 0 ? 'Up to' : `${min} to`} ${max} characters (code points); no control characters but tabs and line breaks`,
    },
  );
}

// eslint-disable-next-line no-control-regex
const CONTROL_OR_ANGLE = /[\u0000-\u001f\u007f-\u009f<>]/;

/** How `printable(max)` shows in the OpenAPI document. */
export const printableJsonSchema = (max: number) => ({
  type: 'string',
  minLength: 1,
  maxLength: max,
  pattern: '^(?=[\\s\\S]*[^\\s\\uFEFF])[^\\u0000-\\u001F\\u007F-\\u009F<>]*$',
  description: `1 to ${max} characters (code points); no control characters, < or >`,
});

/**
 * Text printed as given on a notice (an issuing office, a 文号): trimmed, 1 to `max` characters, no
 * control characters (C0, DEL, C1) and no < or > (it goes into HTML).
 */
export function printable(max: number) {
  return hinted(
    z
      .string()
      .trim()
      .superRefine((value, context) => {
        if (CONTROL_OR_ANGLE.test(value))
          context.addIssue({ code: 'custom', message: 'must be printable text without < or >' });
        if (!value.isWellFormed())
          context.addIssue({ code: 'custom', message: 'must be well-formed Unicode (no lone surrogates)' });
        const length = characterCount(value);
        if (length < 1 || length > max) context.addIssue({ code: 'custom', message: `must be 1 to ${max} characters` });
      }),
    printableJsonSchema(max),
  );
}

/** No event can hold U+0000, so a command refuses it in any string (unstorableText); the document says so. */
export const WITHOUT_NUL = '^[^\\u0000]*$';

/** Any string of `min` to `max` characters but U+0000, counted as JSON Schema counts them (code points, not UTF-16 units). */
export function characters(min: number, max: number) {
  return hinted(
    z.string().refine((value) => {
      const length = characterCount(value);
      return length >= min && length <= max;
    }, `must be ${min} to ${max} characters`),
    { type: 'string', minLength: min, maxLength: max, pattern: WITHOUT_NUL },
  );
}

/** A certificate's public code, as TIP draws them (TIP-XXXXXXXXXXXX): letters, digits and "-", up to 40. */
export const CERTIFICATE_CODE = /^[A-Za-z0-9-]{1,40}$/;
export const certificateCode = hinted(
  z.string().regex(CERTIFICATE_CODE, 'must be 1 to 40 letters (A-Z, a-z), digits or "-"'),
  { type: 'string', pattern: CERTIFICATE_CODE.source, minLength: 1, maxLength: 40 },
);

const EARLIEST = Date.UTC(1000, 0, 1);
const LATEST = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/**
 * A business time: an ISO-8601 instant with its offset, that exists (no 30 February, offsets
 * within ±23:59) and lies in years 1000 to 9999 once in UTC, as the event store keeps it.
 */
export const instant = hinted(
  z
    .string()
    .datetime({ offset: true })
    .refine((value) => {
      const at = Date.parse(value);
      return !Number.isNaN(at) && at >= EARLIEST && at <= LATEST;
    }, 'must be a real instant (offsets up to ±23:59) from 1000-01-01T00:00:00Z to 9999-12-31T23:59:59Z'),
  {
    type: 'string',
    format: 'date-time',
    // What a pattern can say of "years 1000 to 9999 in UTC": four digits from 1000, and on the range's
    // first and last day no offset that could carry the instant outside it. Whatever matches is accepted.
    pattern: '^(?!1000-01-01T.*\\+(?!00:00$))(?!9999-12-31T.*-(?!00:00$))[1-9][0-9]{3}-',
    description:
      'ISO-8601 instant with its offset (2020-11-03T08:00:00+08:00), a date that exists, offsets up to ±23:59, years 1000 to 9999 in UTC',
  },
);

/**
 * Strings anywhere in a body (values and keys, however deep: a rulebook) that no event can hold:
 * U+0000 and lone surrogates. Named by their path in the body.
 */
export function unstorableText(value: unknown, path = ''): { field: string; rule: string }[] {
  // Nearly every body is storable: looked at without building a path for each field (that was a
  // string and two lists per field of every record of the hour feed).
  if (path === '' && storable(value)) return [];
  const here = path || 'body';
  if (typeof value === 'string') {
    if (value.includes('\u0000')) return [{ field: here, rule: 'must not contain the character U+0000' }];
    if (!value.isWellFormed()) return [{ field: here, rule: 'must be well-formed Unicode (no lone surrogates)' }];
    return [];
  }
  if (value === null || typeof value !== 'object') return [];
  if (Array.isArray(value))
    return value.flatMap((item, index) => unstorableText(item, path ? `${path}.${index}` : `${index}`));
  return Object.entries(value).flatMap(([key, item]) => {
    const field = path ? `${path}.${key}` : key;
    if (key.includes('\u0000') || !key.isWellFormed())
      return [{ field: path || 'body', rule: 'field names must be well-formed Unicode without U+0000' }];
    return unstorableText(item, field);
  });
}

/** Whether every string and key in `value`, however deep, could be stored (see unstorableText). */
function storable(value: unknown): boolean {
  if (typeof value === 'string') return !value.includes('\u0000') && value.isWellFormed();
  if (value === null || typeof value !== 'object') return true;
  if (Array.isArray(value)) {
    for (const item of value) if (!storable(item)) return false;
    return true;
  }
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    if (!storable(key) || !storable((value as Record<string, unknown>)[key])) return false;
  }
  return true;
}
