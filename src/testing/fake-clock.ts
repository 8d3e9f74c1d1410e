import { DateTime } from 'luxon';
import { z } from 'zod';
import { describeValue } from '../model/input.js';
import { DealflowError, issuesFromZod } from '../model/errors.js';
import { MAX_DURATION } from '../model/duration.js';
import type { Clock } from '../ports/clock.js';

/**
 * How far to move a fake clock, as a Luxon-style duration object (`{ days: 5 }`,
 * `{ hours: 1, minutes: 30 }`). Units add up; the total must not be negative: the clock never goes back.
 */
export type ClockDuration = { milliseconds?: number; seconds?: number; minutes?: number; hours?: number; days?: number; weeks?: number };

/** Each unit finite and within the duration bound (100 years in that unit). */
const unit = (max: number) => z.number().finite().min(-max).max(max).optional();
const ClockDurationSchema = z
  .object({
    milliseconds: unit(MAX_DURATION.minutes * 60_000),
    seconds: unit(MAX_DURATION.minutes * 60),
    minutes: unit(MAX_DURATION.minutes),
    hours: unit(MAX_DURATION.hours),
    days: unit(MAX_DURATION.days),
    weeks: unit(MAX_DURATION.weeks),
  })
  .strict();

/** A clock that moves only when told to, and never backwards. */
export class FakeClock implements Clock {
  private ms: number;

  constructor(start: Date | string = '2026-01-05T09:00:00.000Z') {
    this.ms = toMs(start);
  }

  now(): Date {
    return new Date(this.ms);
  }

  /** Moves to an instant at or after the current one; earlier throws CLOCK_BACKWARDS. */
  set(to: Date | string): void {
    const ms = toMs(to);
    if (ms < this.ms) {
      throw new DealflowError('CLOCK_BACKWARDS', `FakeClock cannot go back from ${new Date(this.ms).toISOString()} to ${new Date(ms).toISOString()}`);
    }
    this.ms = ms;
  }

  /** Moves forward by a duration. Days and weeks are 24 h and 7 × 24 h in UTC. */
  advance(d: ClockDuration): void {
    this.set(new Date(this.target(d)));
  }

  /** The instant `advance(d)` would move to, without moving. */
  target(d: ClockDuration): number {
    if (d === null || typeof d !== 'object' || Array.isArray(d)) {
      throw new DealflowError('INVALID_INPUT', `FakeClock.advance needs a duration such as { days: 1 }, not ${describeValue(d)}`);
    }
    const parsed = ClockDurationSchema.safeParse(d);
    if (!parsed.success) {
      const issues = issuesFromZod(parsed.error);
      throw new DealflowError(
        'INVALID_INPUT',
        `FakeClock.advance needs a duration such as { days: 1 }: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
        { issues },
      );
    }
    const to = DateTime.fromMillis(this.ms, { zone: 'UTC' }).plus(parsed.data).toMillis();
    if (Number.isNaN(to)) throw new DealflowError('INVALID_INPUT', 'FakeClock.advance would move past the last instant a Date can hold');
    if (to < this.ms) throw new DealflowError('CLOCK_BACKWARDS', 'FakeClock.advance needs a positive duration');
    return to;
  }
}

function toMs(v: Date | string): number {
  const ms = typeof v === 'string' ? Date.parse(v) : v instanceof Date ? v.getTime() : Number.NaN;
  if (Number.isNaN(ms)) throw new DealflowError('INVALID_INPUT', `not a valid instant: ${describeValue(v)}; pass a Date or an ISO 8601 string`);
  return ms;
}
