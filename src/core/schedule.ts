import { DateTime } from 'luxon';
import type { ActionSpec } from '../model/action.js';
import type { Deal } from '../model/deal.js';
import type { Duration } from '../model/duration.js';
import { readDealPath } from '../model/deal-path.js';

/** Adds a calendar duration in a timezone: days keep the wall-clock time across DST, hours do not. */
export function addDuration(instant: string, duration: Duration, zone: string): string {
  return DateTime.fromISO(instant, { zone }).plus(duration).toUTC().toISO()!;
}

/** Reads a deal date field as an instant. A date-only value means the start of that day in `zone`. */
export function readInstant(deal: Deal, field: string, zone: string): string | undefined {
  const raw = readDealPath(deal, field);
  if (typeof raw !== 'string' || raw === '') return undefined;
  const dt = DateTime.fromISO(raw, { zone });
  return dt.isValid ? dt.toUTC().toISO()! : undefined;
}

export type DueTime = { dueAt: string } | { skip: string };

/** When a scheduled action is due, or why it cannot be scheduled. */
export function computeDueAt(spec: ActionSpec, deal: Deal | null, now: string, zone: string): DueTime {
  if (spec.after) return { dueAt: addDuration(now, spec.after, zone) };
  if (spec.at) {
    if (!deal) return { skip: 'no deal to read the anchor field from' };
    const anchor = readInstant(deal, spec.at.field, zone);
    if (anchor === undefined) return { skip: `anchor field ${spec.at.field} is not set to a date` };
    return { dueAt: spec.at.offset ? addDuration(anchor, spec.at.offset, zone) : anchor };
  }
  return { dueAt: now };
}

export function isScheduled(spec: ActionSpec): boolean {
  return spec.after !== undefined || spec.at !== undefined;
}
