import type { z } from 'zod';
import { DealflowError, issuesFromZod } from '../model/errors.js';

/** Parses a request body with a schema; bad input is INVALID_INPUT listing each problem with its path. */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown, what: string): z.output<S> {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const issues = issuesFromZod(parsed.error);
  throw new DealflowError('INVALID_INPUT', `${what} is invalid: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, { issues });
}
