import { z } from 'zod';
import { jsonSchemaHints } from './text';

/**
 * Caller-chosen identifiers (320700, T-0001, 赣榆区, 新海实验中学(东校区)): letters in any script,
 * digits, "_", ".", "-" and parentheses. Never ":" — stream ids join several identifiers with it.
 */
export const identifier = z
  .string()
  .regex(/^[\p{L}\p{N}_.()（）-]{1,64}$/u, 'must be 1 to 64 letters, digits, "_", ".", "-" or parentheses');

// OpenAPI 3.0 patterns are ECMA-262 without the u flag, which has no \p{L}: a format of TIP's own, with the lengths.
jsonSchemaHints.set(identifier._def, {
  type: 'string',
  format: 'identifier',
  minLength: 1,
  maxLength: 64,
  description: 'An identifier: 1 to 64 letters in any script, digits, "_", ".", "-" or parentheses (never ":")',
});
