/** Pieces every route description shares. */
export const errorBody = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: { code: { type: 'string' }, message: { type: 'string' }, details: {} },
    },
  },
};

export const json = (schema: object) => ({ content: { 'application/json': { schema } } });
export const refused = (description: string) => ({ description, ...json(errorBody) });

/** An identifier as the commands check it: OpenAPI 3.0 patterns have no \\p{L}, so a format of TIP's own with the lengths. */
export const identifierSchema = {
  type: 'string',
  format: 'identifier',
  minLength: 1,
  maxLength: 64,
  description: 'An identifier: 1 to 64 letters in any script, digits, "_", ".", "-" or parentheses (never ":")',
};

/** 503: the database is away (UNAVAILABLE, with Retry-After), never a 500. */
export const unavailable = refused(
  'UNAVAILABLE: the database is not reachable at the moment; retry after Retry-After seconds',
);
