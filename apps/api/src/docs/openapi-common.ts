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
