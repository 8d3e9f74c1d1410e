import { DateTime, IANAZone } from 'luxon';
import { z } from 'zod';
import { compileCalendar, DEFAULT_CALENDAR } from './time/calendar.js';
import { CronSchedule } from './time/cron.js';
import { CalendarSchema } from '../model/calendar.js';
import { DurationSchema, type Duration } from '../model/duration.js';
import { DealflowError, issuesFromZod } from '../model/errors.js';

/** When a digest goes out. Times of day are read in a timezone (see `DigestPolicy.timezone`). */
export type DigestSchedule =
  | { type: 'daily'; hour: number; minute: number }
  | { type: 'hourly' }
  | { type: 'count'; items: number; maxWait: Duration | null }
  | { type: 'cron'; cron: CronSchedule };

/** A digest policy: how notifications for one recipient are collected and sent as one message. */
export interface DigestPolicy {
  /** The name a notification's `digest` param uses: a spec such as `daily at 09:00`, or a configured name. */
  name: string;
  schedule: DigestSchedule;
  /** Overrides the recipient's timezone for `daily`, `hourly` and `cron`. */
  timezone: string | null;
  /** The digest message's template id. Default `digest`. */
  template: string;
  /** The digest message's subject; `{{count}}` is replaced by the number of items. */
  subject: string | null;
}

const HHMM = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a time of day as HH:mm, e.g. "09:00"');
const Zone = z.string().refine((z) => IANAZone.isValidZone(z), { message: 'an IANA timezone such as "Europe/Berlin"' });
const Common = {
  timezone: Zone.optional().describe('Overrides the recipient’s timezone for daily, hourly and cron.'),
  template: z.string().min(1).optional().describe('The digest message’s template id. Default digest.'),
  subject: z.string().optional().describe('The digest message’s subject; {{count}} is the number of items.'),
};

/** A named policy in `createEngine({ digests })`: a spec string, or an object with options. */
export const DigestPolicyConfigSchema = z
  .union([
    z.string().describe('A spec: "daily at HH:mm", "hourly" or "every N items".'),
    z.object({ daily: HHMM.describe('Send once a day at this local time, HH:mm.'), ...Common }).strict(),
    z.object({ hourly: z.literal(true).describe('Send at every full hour.'), ...Common }).strict(),
    z
      .object({
        every: z.number().int().min(1).describe('Send as soon as this many items are held.'),
        maxWait: DurationSchema.optional().describe('Send a partial batch once the first item has waited this long.'),
        ...Common,
      })
      .strict(),
    z
      .object({
        cron: z.string().describe('Five-field cron read in the timezone: "0 9 * * MON" (Mondays 09:00), "0 17 L * *" (last day of the month).'),
        workingDaysOnly: z.boolean().optional().describe('Skip runs on days off of the calendar.'),
        lastWorkingDayOfMonth: z.boolean().optional().describe('Run on the last working day of each month only; the cron gives the time ("0 17 * * *").'),
        calendar: CalendarSchema.optional().describe('Whose working days count; default Monday to Friday, no holidays.'),
        ...Common,
      })
      .strict(),
  ])
  .describe('A digest policy: a spec string, or { daily | hourly | every | cron, timezone?, template?, subject? }.');
/** What a named policy in `createEngine({ digests })` may be: see DigestPolicyConfigSchema. */
export type DigestPolicyConfig = z.input<typeof DigestPolicyConfigSchema>;

const SPECS: Array<[RegExp, (m: RegExpMatchArray) => DigestSchedule]> = [
  [/^daily at ([01]\d|2[0-3]):([0-5]\d)$/i, (m) => ({ type: 'daily', hour: Number(m[1]), minute: Number(m[2]) })],
  [/^hourly$/i, () => ({ type: 'hourly' })],
  [/^every ([1-9]\d*) items?$/i, (m) => ({ type: 'count', items: Number(m[1]), maxWait: null })],
];

/** Parses `daily at 09:00`, `hourly` or `every 10 items`; undefined when the text is none of them. */
export function parseDigestSpec(spec: string): DigestSchedule | undefined {
  if (typeof spec !== 'string') return undefined;
  const text = spec.trim().replace(/\s+/g, ' ');
  for (const [re, build] of SPECS) {
    const m = text.match(re);
    if (m) return build(m);
  }
  return undefined;
}

const SPEC_HELP = 'use "daily at HH:mm", "hourly", "every N items" or a policy named in createEngine({ digests })';

/** Builds the named policies of the engine config; bad entries throw INVALID_CONFIG with their paths. */
export function buildDigestPolicies(config: Record<string, unknown> | undefined): Map<string, DigestPolicy> {
  const out = new Map<string, DigestPolicy>();
  for (const [name, raw] of Object.entries(config ?? {})) {
    const parsed = DigestPolicyConfigSchema.safeParse(raw);
    if (!parsed.success) {
      throw new DealflowError('INVALID_CONFIG', `digest policy "${name}" is invalid`, { issues: issuesFromZod(parsed.error, ['digests', name]) });
    }
    const c = parsed.data;
    let schedule: DigestSchedule | undefined;
    if (typeof c === 'string') schedule = parseDigestSpec(c);
    else if ('daily' in c) schedule = { type: 'daily', hour: Number(c.daily.slice(0, 2)), minute: Number(c.daily.slice(3)) };
    else if ('hourly' in c) schedule = { type: 'hourly' };
    else if ('cron' in c) {
      const working = c.workingDaysOnly || c.lastWorkingDayOfMonth;
      const calendar = working
        ? compileCalendar(c.calendar ?? DEFAULT_CALENDAR, { path: ['digests', name, 'calendar'], label: `digest policy "${name}"'s calendar` })
        : null;
      schedule = { type: 'cron', cron: CronSchedule.compile({ ...c, calendar }, ['digests', name]) };
    } else schedule = { type: 'count', items: c.every, maxWait: c.maxWait ?? null };
    if (!schedule) {
      throw new DealflowError('INVALID_CONFIG', `digest policy "${name}" is "${String(c)}"; ${SPEC_HELP}`, {
        issues: [{ path: `$.digests[${JSON.stringify(name)}]`, message: SPEC_HELP }],
      });
    }
    const options: { timezone?: string; template?: string; subject?: string } = typeof c === 'string' ? {} : c;
    out.set(name, { name, schedule, timezone: options.timezone ?? null, template: options.template ?? 'digest', subject: options.subject ?? null });
  }
  return out;
}

/** The policy a notification's `digest` names: a configured one first, else a spec string. */
export function resolveDigestPolicy(name: string, named: ReadonlyMap<string, DigestPolicy>): DigestPolicy | undefined {
  const configured = named.get(name);
  if (configured) return configured;
  const schedule = parseDigestSpec(name);
  return schedule ? { name, schedule, timezone: null, template: 'digest', subject: null } : undefined;
}

/** The error text for a digest name that is neither a spec nor a configured policy. */
export function unknownDigestMessage(name: string): string {
  return `unknown digest policy "${name}"; ${SPEC_HELP}`;
}

/**
 * When a digest collecting from `now` goes out: the next HH:mm (daily) or the next full hour
 * (hourly) or cron run strictly after `now` in `zone`; for `every N items`, `now + maxWait`, or
 * null when only the count sends it.
 */
export function digestSendAt(schedule: DigestSchedule, now: string, zone: string): string | null {
  const t = DateTime.fromISO(now, { zone });
  switch (schedule.type) {
    case 'daily': {
      const at = (d: DateTime) => d.set({ hour: schedule.hour, minute: schedule.minute, second: 0, millisecond: 0 });
      let next = at(t);
      if (next <= t) next = at(t.plus({ days: 1 }));
      return next.toUTC().toISO()!;
    }
    case 'hourly':
      return t.startOf('hour').plus({ hours: 1 }).toUTC().toISO()!;
    case 'count':
      return schedule.maxWait ? t.plus(schedule.maxWait).toUTC().toISO()! : null;
    case 'cron': {
      const next = schedule.cron.next(t.toMillis(), zone);
      return next === null ? null : new Date(next).toISOString();
    }
  }
}
