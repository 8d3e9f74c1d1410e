import type { CalendarChoice, CalendarInput, CalendarRefInput } from '../../model/calendar.js';
import type { Deal } from '../../model/deal.js';
import { DealflowError } from '../../model/errors.js';
import type { Pipeline } from '../../model/pipeline.js';
import type { User } from '../../model/user.js';
import { compileCalendar, DEFAULT_CALENDAR, type BusinessCalendar } from './calendar.js';

/** The calendar a rule's timing uses for one deal, and where it came from (for the deal's history). */
export interface ResolvedCalendar {
  calendar: BusinessCalendar;
  /** `pipeline`, `owner:<userId>` or `calendar:<name>`. */
  source: string;
  /** Set when `owner` was asked for but could not be used, saying why; the pipeline's was used. */
  fallback?: string;
}

/** What the core knows about the users it may need (the deal's owner), loaded by the engine. */
export type UserTimes = Readonly<Record<string, Pick<User, 'id' | 'timezone' | 'calendar'>>>;

/**
 * The calendars of one engine: the named ones from `createEngine({ calendars })`, each pipeline's,
 * and owners' (from their Directory record). Compiled once and memoised by definition and zone,
 * so an owner's calendar costs one compile per distinct definition. Pure: no I/O.
 */
export class CalendarBook {
  private readonly namedDefs: ReadonlyMap<string, CalendarInput>;
  private readonly pipelineDefs = new Map<string, { def: CalendarInput; zone: string }>();
  private readonly memo = new Map<string, BusinessCalendar>();
  private readonly byDefinition = new WeakMap<CalendarInput, Map<string, BusinessCalendar>>();
  /** Each configured pipeline's compiled calendar, by pipeline id (the definitions never change). */
  private readonly pipelineCalendars = new Map<string, BusinessCalendar>();

  constructor(named: Readonly<Record<string, CalendarInput>> = {}, pipelines: ReadonlyArray<Pipeline> = []) {
    this.namedDefs = new Map(Object.entries(named));
    for (const [name, def] of this.namedDefs) this.compile(def, 'UTC', ['calendars', name], `calendar "${name}"`);
    pipelines.forEach((p, i) => {
      const def = this.definitionOf(p.calendar, ['pipelines', i, 'calendar'], `pipeline "${p.id}"`);
      this.compile(def, p.timezone, ['pipelines', i, 'calendar'], `the calendar of pipeline "${p.id}"`);
      this.pipelineDefs.set(p.id, { def, zone: p.timezone });
    });
  }

  /** Names of the calendars rules may choose. */
  names(): string[] {
    return [...this.namedDefs.keys()];
  }

  /** A named calendar; without a timezone of its own it takes `zone` (the deal pipeline's). */
  named(name: string, zone = 'UTC'): BusinessCalendar {
    const def = this.namedDefs.get(name);
    if (!def) throw new DealflowError('INVALID_CONFIG', `unknown calendar "${name}"; pass it in createEngine({ calendars })`);
    return this.compile(def, zone, ['calendars', name], `calendar "${name}"`);
  }

  /** The pipeline's calendar (Monday–Friday 09:00–18:00 in the pipeline's timezone when it names none). */
  pipeline(pipelineId: string, fallbackZone = 'UTC'): BusinessCalendar {
    // Asked for by every transition that schedules: a configured pipeline's calendar is kept by
    // id (pipelineCalendars), found without building the compile's path and label.
    const known = this.pipelineCalendars.get(pipelineId);
    if (known) return known;
    const p = this.pipelineDefs.get(pipelineId);
    if (!p) return this.compile(DEFAULT_CALENDAR, fallbackZone, [], 'the default calendar');
    const calendar = this.compile(p.def, p.zone, [], `the calendar of pipeline "${pipelineId}"`);
    this.pipelineCalendars.set(pipelineId, calendar);
    return calendar;
  }

  /**
   * The calendar a rule or action follows for a deal. `owner` reads the owner's Directory record:
   * their calendar (inline or named; default the pipeline's) in their timezone when they have one.
   * An owner who is unknown or whose calendar is unusable falls back to the pipeline's, with the
   * reason in `fallback` — bad directory data should not make a deal's commands fail.
   */
  resolve(
    choice: CalendarChoice | undefined,
    deal: Pick<Deal, 'pipelineId' | 'ownerId'>,
    users: UserTimes | undefined,
    pipelineZone = 'UTC',
  ): ResolvedCalendar {
    if (choice === undefined || choice === 'pipeline') return { calendar: this.pipeline(deal.pipelineId, pipelineZone), source: 'pipeline' };
    const pipeline = () => this.pipeline(deal.pipelineId, pipelineZone);
    if (choice !== 'owner') return { calendar: this.named(choice, this.pipelineDefs.get(deal.pipelineId)?.zone ?? pipelineZone), source: `calendar:${choice}` };
    const user = users?.[deal.ownerId];
    const source = `owner:${deal.ownerId}`;
    if (!user) return { calendar: pipeline(), source: 'pipeline', fallback: `owner "${deal.ownerId}" is not in the directory` };
    try {
      const base = this.pipelineDefs.get(deal.pipelineId);
      const def =
        user.calendar === undefined ? (base?.def ?? DEFAULT_CALENDAR) : this.definitionOf(user.calendar, ['users', user.id, 'calendar'], `user "${user.id}"`);
      // The owner's timezone wins: an owner calendar is working hours in the owner's local time.
      const zone = user.timezone ?? def.timezone ?? base?.zone ?? pipelineZone;
      const own = user.timezone ? { ...def, timezone: user.timezone } : def;
      return { calendar: this.compile(own, zone, ['users', user.id, 'calendar'], `the calendar of user "${user.id}"`), source };
    } catch (e) {
      return { calendar: pipeline(), source: 'pipeline', fallback: `owner "${user.id}" has an unusable calendar: ${(e as Error).message}` };
    }
  }

  private definitionOf(ref: CalendarRefInput | undefined, path: PropertyKey[], label: string): CalendarInput {
    if (ref === undefined) return DEFAULT_CALENDAR;
    if (typeof ref !== 'string') return ref;
    const def = this.namedDefs.get(ref);
    if (!def) {
      const known = this.namedDefs.size > 0 ? `; named calendars: ${[...this.namedDefs.keys()].join(', ')}` : '; pass it in createEngine({ calendars })';
      const issue = { path: `$.${path.map(String).join('.')}`, message: `unknown calendar "${ref}"${known}` };
      throw new DealflowError('INVALID_CONFIG', `${label} names ${issue.message}`, { issues: [issue] });
    }
    return def;
  }

  private compile(def: CalendarInput, zone: string, path: PropertyKey[], label: string): BusinessCalendar {
    // The configured definitions are the same objects every time: found by identity first, so the
    // calendar of every scheduled action costs no JSON.stringify of its definition.
    let zones = this.byDefinition.get(def);
    const known = zones?.get(zone);
    if (known) return known;
    const key = `${zone}|${JSON.stringify(def)}`;
    let cal = this.memo.get(key);
    if (!cal) {
      cal = compileCalendar(def, { timezone: zone, path, label });
      if (this.memo.size >= 1000) this.memo.clear();
      this.memo.set(key, cal);
    }
    if (!zones) this.byDefinition.set(def, (zones = new Map()));
    zones.set(zone, cal);
    return cal;
  }
}
