import { z } from 'zod';

/**
 * Caller-chosen identifiers (320700, T-0001, 赣榆区, 新海实验中学(东校区)): letters in any script,
 * digits, "_", ".", "-" and parentheses. Never ":" — stream ids join several identifiers with it.
 */
export const identifier = z
  .string()
  .regex(/^[\p{L}\p{N}_.()（）-]{1,64}$/u, 'must be 1 to 64 letters, digits, "_", ".", "-" or parentheses');
