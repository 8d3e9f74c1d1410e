import { z } from 'zod';
import { describeValue } from './input.js';
import { DealflowError } from './errors.js';

/**
 * ISO 8601 instants as callers pass them: a date-time with `Z` or an offset, whose date exists
 * (no 30 February) and whose offset is a real one, hours 00–23 and minutes 00–59. Date.parse and
 * luxon are lenient where this is not: Date.parse rolls 30 February over into March, and luxon
 * reads `+25:00` and even `+99:99` as offsets.
 */
export const InstantSchema = z.iso.datetime({ offset: true }).refine((s) => offsetProblem(s) === undefined && !Number.isNaN(Date.parse(s)), {
  message: 'expected an ISO instant with a real offset (hours 00–23, minutes 00–59), such as 2026-03-16T10:00:00+01:00',
});

const OFFSET = /T[\d:.,]+([+-])(\d{2})(?::?(\d{2}))?$/;

/** Why a date-time's UTC offset is not a real one (`+25:00`, `+10:75`), or undefined. */
export function offsetProblem(text: string): string | undefined {
  const m = OFFSET.exec(text);
  if (!m) return undefined;
  const hours = Number(m[2]);
  const minutes = m[3] === undefined ? 0 : Number(m[3]);
  if (hours > 23 || minutes > 59) return `the offset ${m[1]}${m[2]}${m[3] === undefined ? '' : `:${m[3]}`} is not one: hours go to 23 and minutes to 59`;
  return undefined;
}

/** `toISOString()`'s own form, which most instants passed in are: accepted when it round-trips, without the schema. */
const CANONICAL = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** An instant passed to a function directly, as epoch milliseconds; INVALID_INPUT when it is not one. */
export function parseInstant(input: unknown, what = 'the instant'): number {
  if (typeof input === 'string' && CANONICAL.test(input)) {
    const ms = Date.parse(input);
    // Date.parse rolls 30 February over into March; the day of the month tells.
    if (!Number.isNaN(ms) && new Date(ms).getUTCDate() === Number(input.slice(8, 10))) return ms;
  }
  if (typeof input !== 'string' || !InstantSchema.safeParse(input).success) {
    throw new DealflowError(
      'INVALID_INPUT',
      `${what} must be an ISO 8601 instant with Z or an offset, such as 2026-03-16T10:00:00+01:00, not ${describeValue(input)}`,
      {
        issues: [{ path: '$', message: 'expected an ISO instant' }],
      },
    );
  }
  return Date.parse(input);
}
