import { DateTime } from 'luxon';
import { DealflowError } from '../model/errors.js';
import type { Clock } from '../ports/clock.js';

/**
 * How far to move a fake clock, as a Luxon-style duration object (`{ days: 5 }`,
 * `{ hours: 1, minutes: 30 }`). Units add up; the total must not be negative: the clock never goes back.
 */
export type ClockDuration = { milliseconds?: number; seconds?: number; minutes?: number; hours?: number; days?: number; weeks?: number };

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
    const to = DateTime.fromMillis(this.ms, { zone: 'UTC' }).plus(d).toMillis();
    if (to < this.ms) throw new DealflowError('CLOCK_BACKWARDS', 'FakeClock.advance needs a positive duration');
    return to;
  }
}

function toMs(v: Date | string): number {
  const ms = typeof v === 'string' ? Date.parse(v) : v.getTime();
  if (Number.isNaN(ms)) throw new DealflowError('INVALID_INPUT', `not a valid instant: ${String(v)}`);
  return ms;
}
