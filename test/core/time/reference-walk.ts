import { type BusinessCalendar, MAX_SCAN_DAYS } from '../../../src/core/time/calendar.js';
import { localPosition } from '../../../src/core/time/local.js';

/*
 * The business-time arithmetic as it was before it learned to jump whole weeks: a walk over every
 * local day, one working period at a time. Kept as the oracle the fast arithmetic is checked
 * against (properties.test.ts); its cost grows with the days crossed, so callers keep spans short.
 * Errors are reduced to a marker: the fast code must fail where this does.
 */

export class NoWorkingTime extends Error {}

export function walkWorkingTime(cal: BusinessCalendar, ms: number, amount: number): number {
  if (amount === 0) return ms;
  let left = Math.abs(amount);
  const first = localPosition(ms, cal.zone).day;
  let idle = 0;
  if (amount > 0) {
    for (let day = first; ; day++) {
      let worked = false;
      for (const p of cal.periods(day)) {
        if (p.end <= ms) continue;
        worked = true;
        const from = Math.max(p.start, ms);
        const avail = p.end - from;
        if (left <= avail) return from + left;
        left -= avail;
      }
      if (worked) idle = 0;
      else if (++idle > MAX_SCAN_DAYS) throw new NoWorkingTime();
    }
  }
  for (let day = first; ; day--) {
    let worked = false;
    const periods = cal.periods(day);
    for (let i = periods.length - 1; i >= 0; i--) {
      const p = periods[i]!;
      if (p.start >= ms) continue;
      worked = true;
      const to = Math.min(p.end, ms);
      const avail = to - p.start;
      if (left <= avail) return to - left;
      left -= avail;
    }
    if (worked) idle = 0;
    else if (++idle > MAX_SCAN_DAYS) throw new NoWorkingTime();
  }
}

export function walkWorkingTimeBetween(cal: BusinessCalendar, from: number, to: number): number {
  if (to < from) return -walkWorkingTimeBetween(cal, to, from);
  let total = 0;
  const last = localPosition(to, cal.zone).day;
  for (let day = localPosition(from, cal.zone).day; day <= last; day++) {
    for (const p of cal.periods(day)) {
      const a = Math.max(p.start, from);
      const b = Math.min(p.end, to);
      if (b > a) total += b - a;
    }
  }
  return total;
}

export function walkWorkingDates(cal: BusinessCalendar, day: number, n: number): number {
  const dir = n < 0 ? -1 : 1;
  let left = Math.abs(n);
  let d = day;
  let idle = 0;
  while (left > 0) {
    d += dir;
    if (cal.isWorkingDate(d)) {
      left--;
      idle = 0;
    } else if (++idle > MAX_SCAN_DAYS) {
      throw new NoWorkingTime();
    }
  }
  return d;
}
