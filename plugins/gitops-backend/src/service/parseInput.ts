import { InputError } from '@backstage/errors';
import { z } from 'zod';

/**
 * Validates request input with a shared schema, or throws an InputError
 * (400) that names every bad field: `invalid <what>: limit must be … `.
 */
export function parseInput<T extends z.ZodType>(
  schema: T,
  value: unknown,
  what: string,
  wholeValue = '(root)',
): z.infer<T> {
  const r = schema.safeParse(value);
  if (!r.success) {
    throw new InputError(
      `invalid ${what}: ${r.error.issues
        .map(i => `${i.path.join('.') || wholeValue} ${i.message}`)
        .join('; ')}`,
    );
  }
  return r.data;
}
