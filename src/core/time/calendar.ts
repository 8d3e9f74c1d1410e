import Holidays from 'date-holidays';
import { CalendarSchema, WEEKDAYS, type Calendar, type CalendarInput, type WorkingHours } from '../../model/calendar.js';
import { DealflowError, formatIssues, issuesFromZod, type DealflowIssue } from '../../model/errors.js';
import { checkInput } from '../../model/input.js';
import { DEFAULT_LIMITS } from '../../model/limits.js';
import { civilDate, formatIsoDate, isoWeekday, isValidZone, localToInstant, MS_PER_MINUTE, parseIsoDate, parseTimeOfDay } from './local.js';

/** A working period of one local day as instants: `[start, end)` in epoch milliseconds. */
export interface WorkingPeriod {
  start: number;
  end: number;
}

/** How far a search for a working day may look before it gives up (about ten years). */
export const MAX_SCAN_DAYS = 3700;

type MinuteRange = readonly [number, number];

const NO_PERIODS: ReadonlyArray<WorkingPeriod> = Object.freeze([]);

/**
 * A compiled business calendar: working weekdays and hours, holidays and extra working days in
 * one timezone, answering "which periods of this local day are working time" fast. Holidays from
 * date-holidays are loaded a year at a time and cached; so are each day's working periods.
 */
export class BusinessCalendar {
  readonly zone: string;
  readonly definition: Calendar;
  /** Minute ranges per ISO weekday (index 1–7; empty = day off). */
  private readonly week: ReadonlyArray<ReadonlyArray<MinuteRange>>;
  private readonly defaultHours: ReadonlyArray<MinuteRange>;
  private readonly holidays = new Map<number, string>();
  private readonly extraWorking: ReadonlySet<number>;
  private readonly library: { hd: Holidays; key: string; types: ReadonlySet<string> } | null;
  private readonly loadedYears = new Set<number>();
  private readonly periodCache = new Map<number, ReadonlyArray<WorkingPeriod>>();
  private readonly workingDateCache = new Map<number, boolean>();
  /** Working time of a regular week (every date its weekday's own hours, one UTC offset), in ms. */
  readonly weekMs: number;
  /** Working dates in a regular week. */
  readonly weekDates: number;

  /** Use `compileCalendar`, which validates first. */
  constructor(definition: Calendar, zone: string, library: Holidays | null) {
    this.definition = definition;
    this.zone = zone;
    const toRanges = (list: ReadonlyArray<WorkingHours>): MinuteRange[] =>
      list.map((r): MinuteRange => [parseTimeOfDay(r.from), parseTimeOfDay(r.to)]).sort((a, b) => a[0] - b[0]);
    this.defaultHours = toRanges(definition.hours);
    const week: MinuteRange[][] = [[]];
    WEEKDAYS.forEach((name) => {
      week.push(definition.workingDays.includes(name) ? toRanges(definition.hoursByDay?.[name] ?? definition.hours) : []);
    });
    this.week = week;
    this.weekMs = week.reduce((sum, ranges) => sum + ranges.reduce((s, [from, to]) => s + (to - from) * MS_PER_MINUTE, 0), 0);
    this.weekDates = week.filter((ranges) => ranges.length > 0).length;
    // A production calendar's days come first: a date-holidays name never replaces the decree's.
    const overlays = definition.productionCalendars ?? [];
    for (const h of [...definition.holidays, ...overlays.flatMap((o) => o.holidays)]) {
      const date = typeof h === 'string' ? h : h.date;
      this.holidays.set(parseIsoDate(date), typeof h === 'string' ? 'holiday' : (h.name ?? 'holiday'));
    }
    this.extraWorking = new Set([...definition.extraWorkingDays, ...overlays.flatMap((o) => o.workingDays)].map(parseIsoDate));
    const ph = definition.publicHolidays;
    this.library = library && ph ? { hd: library, key: `${ph.country}/${ph.state ?? ''}/${ph.region ?? ''}`, types: new Set(ph.types) } : null;
  }

  /** The holiday's name if the local date is a day off by the calendar's holidays, else undefined. */
  holiday(day: number): string | undefined {
    if (this.library) {
      const year = civilDate(day).year;
      // A holiday that starts in the previous year may run into this one.
      this.loadYear(year - 1);
      this.loadYear(year);
    }
    return this.holidays.get(day);
  }

  /** Whether a local day number (days since 1970-01-01) has any working hours, after holidays and extra working days. */
  isWorkingDate(day: number): boolean {
    let v = this.workingDateCache.get(day);
    if (v === undefined) {
      v = this.hoursOn(day).length > 0;
      if (this.workingDateCache.size >= 100_000) this.workingDateCache.clear();
      this.workingDateCache.set(day, v);
    }
    return v;
  }

  /** The local date's working periods as instants, earliest first; empty on a day off. */
  periods(day: number): ReadonlyArray<WorkingPeriod> {
    const hit = this.periodCache.get(day);
    if (hit) return hit;
    const ranges = this.hoursOn(day);
    const out =
      ranges.length === 0
        ? NO_PERIODS
        : ranges
            .map(([from, to]) => ({ start: localToInstant(day, from * MS_PER_MINUTE, this.zone), end: localToInstant(day, to * MS_PER_MINUTE, this.zone) }))
            // A period swallowed whole by a DST gap has no working time.
            .filter((p) => p.end > p.start);
    if (this.periodCache.size >= 20_000) this.periodCache.clear();
    this.periodCache.set(day, out);
    return out;
  }

  /**
   * Whether a local date keeps its weekday's own hours: no holiday takes them away and no extra
   * working day adds some. Business arithmetic jumps over weeks of such dates at once.
   */
  isRegularDate(day: number): boolean {
    return this.hoursOn(day) === this.week[isoWeekday(day)];
  }

  /** Whether the date's weekday has no working hours (in a regular week). */
  isWeekdayOff(day: number): boolean {
    return this.week[isoWeekday(day)]!.length === 0;
  }

  /** The local date's working hours as minute ranges `[from, to)`, after holidays and extra working days. */
  hours(day: number): ReadonlyArray<readonly [number, number]> {
    return this.hoursOn(day);
  }

  private hoursOn(day: number): ReadonlyArray<MinuteRange> {
    const weekday = this.week[isoWeekday(day)]!;
    if (this.extraWorking.has(day)) return weekday.length > 0 ? weekday : this.defaultHours;
    if (weekday.length === 0) return weekday;
    return this.holiday(day) === undefined ? weekday : [];
  }

  private loadYear(year: number): void {
    if (!this.library || this.loadedYears.has(year)) return;
    this.loadedYears.add(year);
    for (const h of libraryYear(this.library.key, this.library.hd, year)) {
      if (!this.library.types.has(h.type)) continue;
      for (let i = 0; i < h.days; i++) if (!this.holidays.has(h.first + i)) this.holidays.set(h.first + i, h.name);
    }
  }

  /** A readable description for messages and logs. */
  describe(): string {
    return `${this.zone}, ${this.definition.workingDays.join('/')} ${this.definition.hours.map((h) => `${h.from}–${h.to}`).join(', ')}`;
  }
}

interface LibraryHoliday {
  first: number;
  days: number;
  name: string;
  type: string;
}

/**
 * date-holidays' holidays per region and year, shared by every calendar in the process:
 * `getHolidays` costs 1–3 ms a year, and a business walk over decades would pay it per calendar.
 */
const libraryYears = new Map<string, Map<number, ReadonlyArray<LibraryHoliday>>>();

function libraryYear(key: string, hd: Holidays, year: number): ReadonlyArray<LibraryHoliday> {
  let years = libraryYears.get(key);
  if (!years) libraryYears.set(key, (years = new Map()));
  let list = years.get(year);
  if (!list) {
    // Whole local days off; a holiday from 14:00 (a `bank` half-day) counts as the whole day.
    list = hd.getHolidays(year).map((h) => ({
      first: parseIsoDate(h.date.slice(0, 10)),
      days: Math.max(1, Math.round((h.end.getTime() - h.start.getTime()) / 86_400_000)),
      name: h.name,
      type: h.type,
    }));
    if (years.size >= 2000) years.clear();
    years.set(year, list);
  }
  return list;
}

/** Options for compiling a calendar definition into a BusinessCalendar. */
export interface CompileCalendarOptions {
  /** The timezone when the definition has none (the pipeline's or the owner's). Default UTC. */
  timezone?: string;
  /** Where the definition sits in the configuration, for error paths: `['pipelines', 0, 'calendar']`. */
  path?: ReadonlyArray<PropertyKey>;
  /** A name for messages: `pipeline "sales"`, `calendar "de-office"`. */
  label?: string;
}

let holidayCatalogue: Holidays | undefined;

function checkRegion(def: Calendar, at: ReadonlyArray<PropertyKey>, issues: DealflowIssue[]): Holidays | null {
  const ph = def.publicHolidays;
  if (!ph) return null;
  holidayCatalogue ??= new Holidays();
  const path = (k: string) => issuesFromZod({ issues: [{ path: ['publicHolidays', k], message: '' }] }, at)[0]!.path;
  const countries = holidayCatalogue.getCountries();
  if (!countries[ph.country]) {
    issues.push({ path: path('country'), message: `date-holidays does not know the country "${ph.country}"; use an ISO 3166-1 code such as "DE" or "US"` });
    return null;
  }
  if (ph.state !== undefined) {
    const states = holidayCatalogue.getStates(ph.country) ?? {};
    if (!states[ph.state]) {
      issues.push({
        path: path('state'),
        message: `"${ph.state}" is not a state of ${ph.country} in date-holidays; known: ${Object.keys(states).join(', ') || 'none'}`,
      });
      return null;
    }
  }
  if (ph.region !== undefined) {
    const regions = ph.state ? (holidayCatalogue.getRegions(ph.country, ph.state) ?? {}) : {};
    if (!regions[ph.region]) {
      issues.push({ path: path('region'), message: `"${ph.region}" is not a region of ${ph.country}${ph.state ? `/${ph.state}` : ''} in date-holidays` });
      return null;
    }
  }
  return ph.state === undefined
    ? new Holidays(ph.country)
    : ph.region === undefined
      ? new Holidays(ph.country, ph.state)
      : new Holidays(ph.country, ph.state, ph.region);
}

/**
 * Validates and compiles a calendar definition. Throws a DealflowError with code INVALID_CONFIG,
 * every problem listed with its path, for a bad definition — including one with no working time
 * at all, which would otherwise make business arithmetic search forever.
 */
export function compileCalendar(input: CalendarInput | Calendar, options: CompileCalendarOptions = {}): BusinessCalendar {
  const at = options.path ?? [];
  const label = options.label ?? 'the calendar';
  // The input checks first, as for every other entry point: a 20,000-element holidays array was
  // refused only after zod had made an issue per element (226 ms; the bad-input suite's seed 1292066677).
  checkInput(input, DEFAULT_LIMITS, 'INVALID_CONFIG', label, at);
  const parsed = CalendarSchema.safeParse(input);
  if (!parsed.success) {
    const issues = issuesFromZod(parsed.error, at);
    throw new DealflowError('INVALID_CONFIG', `${label} is invalid:\n${formatIssues(issues)}`, { issues });
  }
  const def = parsed.data;
  const zone = def.timezone ?? options.timezone ?? 'UTC';
  const issues: DealflowIssue[] = [];
  if (!isValidZone(zone)) {
    issues.push({
      path: issuesFromZod({ issues: [{ path: ['timezone'], message: '' }] }, at)[0]!.path,
      message: `unknown timezone "${zone}"; use an IANA name such as "Europe/Berlin"`,
    });
  }
  const library = checkRegion(def, at, issues);
  if (issues.length > 0) throw new DealflowError('INVALID_CONFIG', `${label} is invalid:\n${formatIssues(issues)}`, { issues });
  return new BusinessCalendar(def, zone, library);
}

/** Monday to Friday, 09:00–18:00, no holidays: the calendar of a pipeline that names none. */
export const DEFAULT_CALENDAR: CalendarInput = {};

export { formatIsoDate, parseIsoDate };
