import { IANAZone, Zone } from 'luxon';

/**
 * Local dates as day numbers (days since 1970-01-01 in the proleptic Gregorian calendar), and the
 * conversions between instants and local wall-clock times in an IANA zone.
 *
 * The rule for wall-clock times that do not exist or exist twice (DST changes), as in Temporal's
 * and java.time's default: a time in a spring-forward gap moves forward by the gap (02:30 on the
 * night clocks jump from 02:00 to 03:00 becomes 03:30), and a time that occurs twice on a
 * fall-back night is its earlier occurrence (still on summer time).
 */

export const MS_PER_DAY = 86_400_000;
export const MS_PER_MINUTE = 60_000;

/** Days since 1970-01-01 of a civil date (Howard Hinnant's days_from_civil). */
export function dayNumber(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const mp = (month + 9) % 12;
  const doy = Math.floor((153 * mp + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

export interface CivilDate {
  year: number;
  month: number;
  day: number;
}

/** The civil date of a day number (Howard Hinnant's civil_from_days). */
export function civilDate(days: number): CivilDate {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

/** ISO weekday of a day number: 1 = Monday … 7 = Sunday (1970-01-01 was a Thursday). */
export function isoWeekday(days: number): number {
  return (((((days | 0) + 3) % 7) + 7) % 7) + 1; // int32 `%` (days are whole and within ±2^31)
}

/** `YYYY-MM-DD` → day number. The string must already be a valid ISO date. */
export function parseIsoDate(date: string): number {
  return dayNumber(Number(date.slice(0, 4)), Number(date.slice(5, 7)), Number(date.slice(8, 10)));
}

export function formatIsoDate(days: number): string {
  const { year, month, day } = civilDate(days);
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** `HH:mm` → minutes after local midnight (24:00 → 1440). */
export function parseTimeOfDay(hhmm: string): number {
  return Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
}

const HOUR_MS = 3_600_000;
/** How many grid cells a CachedZone keeps at hand (a power of two). */
const CELLS = 8;

/**
 * The years the OffsetTable is known to answer exactly (every zone's changes at least a grid step
 * apart, checked from 1900 to 2150); outside them an hour asks Intl itself.
 */
const TABLE_FROM = Date.UTC(1900, 0, 1);
const TABLE_TO = Date.UTC(2150, 0, 1);

/**
 * An IANA zone whose UTC offsets are remembered. luxon asks Intl for every offset (a
 * formatToParts call, microseconds each), and scheduling asks several times per job. From 1900 to
 * 2150 the zone's OffsetTable answers (Intl once per four days, each change found to the
 * millisecond), its last cells kept at hand; outside, an hour is cached only when its offset is
 * the same throughout (Intl at both its ends), so an hour holding a transition is always worked
 * out afresh.
 * Module-level through `zoneOf` (one per zone name, shared by every engine): bounded at 100,000
 * hours and 200,000 grid points per zone, and it never changes an answer (test/core/time/zone-cache.test.ts
 * compares it with luxon's uncached offsets around DST changes in several zones).
 */
export class CachedZone extends Zone {
  private readonly hours = new Map<number, number>();
  private offsetTable: OffsetTable | undefined;
  /**
   * The OffsetTable's answers for the last grid cells asked (direct-mapped by cell index, 8 of
   * them): a cell's change time and offsets before and after it, so an offset from 1900 to 2150
   * is two array reads instead of a Map lookup per hour (a due time asks five). Same answers as
   * the table, which they are copied from; fixed size.
   */
  private readonly cellIndex = new Float64Array(CELLS).fill(Number.NaN);
  private readonly cellChange = new Float64Array(CELLS);
  private readonly cellBefore = new Float64Array(CELLS);
  private readonly cellAfter = new Float64Array(CELLS);

  constructor(private readonly inner: IANAZone) {
    super();
  }

  /** The zone's offsets on a weekly grid, for walks over years (see OffsetTable). */
  get table(): OffsetTable {
    this.offsetTable ??= new OffsetTable(this.inner);
    return this.offsetTable;
  }

  override get type(): string {
    return this.inner.type;
  }
  override get name(): string {
    return this.inner.name;
  }
  override get isUniversal(): boolean {
    return this.inner.isUniversal;
  }
  override get isValid(): boolean {
    return this.inner.isValid;
  }
  override offsetName(ts: number, opts: Parameters<Zone['offsetName']>[1]): string | null {
    return this.inner.offsetName(ts, opts);
  }
  override formatOffset(ts: number, format: Parameters<Zone['formatOffset']>[1]): string {
    return this.inner.formatOffset(ts, format);
  }
  override equals(other: Zone): boolean {
    return this.inner.equals(other) || (other instanceof CachedZone && other.name === this.name);
  }

  override offset(ts: number): number {
    if (ts >= TABLE_FROM && ts < TABLE_TO) {
      const i = Math.floor(ts / OFFSET_GRID_MS);
      const k = i & (CELLS - 1);
      if (this.cellIndex[k] !== i) {
        const c = this.table.cell(i);
        this.cellIndex[k] = i;
        this.cellChange[k] = c.at;
        this.cellBefore[k] = c.before;
        this.cellAfter[k] = c.after;
      }
      return ts < this.cellChange[k]! ? this.cellBefore[k]! : this.cellAfter[k]!;
    }
    const hour = Math.floor(ts / HOUR_MS);
    const hit = this.hours.get(hour);
    if (hit !== undefined) return hit;
    if (this.hours.size >= 100_000) this.hours.clear();
    const from = hour * HOUR_MS;
    if (from >= TABLE_FROM && from < TABLE_TO) {
      // A new hour is answered from the weekly table (Intl once per grid step), not by two Intl
      // calls of its own: a simulated year visits every hour of it.
      const table = this.table;
      const o = table.offset(ts);
      if (table.constantBetween(from, from + HOUR_MS - 1)) this.hours.set(hour, o);
      return o;
    }
    const start = this.inner.offset(hour * HOUR_MS);
    if (start !== this.inner.offset(hour * HOUR_MS + HOUR_MS - 1)) return this.inner.offset(ts);
    this.hours.set(hour, start);
    return start;
  }
}

/**
 * The grid step of an OffsetTable: four days, well under the closest two offset changes of any
 * zone (6 days 23 hours: Recife's week of DST in October 2000, Gaza's predicted Ramadan weeks).
 */
export const OFFSET_GRID_MS = 4 * MS_PER_DAY;

/** An offset change between two grid points, found to the millisecond. */
interface OffsetChange {
  at: number;
  before: number;
  after: number;
}

/**
 * A zone's UTC offsets for walks over years: Intl is asked once per grid step (four days), and
 * where two grid points differ, the change between them is found to the millisecond by bisection;
 * every other instant is answered from those without asking Intl (per-hour caching asks twice an
 * hour, ~4 µs each). It takes a zone to change its offset at most once within a grid step. Every
 * zone in the IANA database keeps changes at least 6 days 23 hours apart from 1900 to 2150 (a
 * scan of all of them every 6 hours; docs/time.md); the business walks that use the table are
 * checked against the hour-cached offsets by a property test.
 */
export class OffsetTable {
  private readonly grid = new Map<number, number>();
  private readonly changes = new Map<number, OffsetChange | null>();

  constructor(private readonly inner: IANAZone) {}

  private at(i: number): number {
    let o = this.grid.get(i);
    if (o === undefined) {
      o = this.inner.offset(i * OFFSET_GRID_MS);
      if (this.grid.size >= 200_000) this.grid.clear();
      this.grid.set(i, o);
    }
    return o;
  }

  /** The change between grid points `i` and `i + 1`, or null when they agree. */
  private change(i: number): OffsetChange | null {
    let c = this.changes.get(i);
    if (c === undefined) {
      const before = this.at(i);
      const after = this.at(i + 1);
      if (before === after) c = null;
      else {
        // The first millisecond with the new offset: whole seconds first (changes fall on them),
        // then milliseconds should one not.
        let lo = i * OFFSET_GRID_MS;
        let hi = lo + OFFSET_GRID_MS;
        for (let step = 1000; step >= 1; step /= 1000) {
          while (hi - lo > step) {
            const mid = lo + Math.floor((hi - lo) / 2 / step) * step;
            if (this.inner.offset(mid) === before) lo = mid;
            else hi = mid;
          }
          if (this.inner.offset(hi - 1) === before) break;
          lo = hi - step;
        }
        c = { at: hi, before, after };
      }
      if (this.changes.size >= 200_000) this.changes.clear();
      this.changes.set(i, c);
    }
    return c;
  }

  /** Grid cell `i` (from grid point `i` to `i + 1`): its change, or one at +Infinity when there is none. */
  cell(i: number): OffsetChange {
    const c = this.change(i);
    if (c !== null) return c;
    const o = this.at(i);
    return { at: Number.POSITIVE_INFINITY, before: o, after: o };
  }

  /** The UTC offset in minutes at `ms`. */
  offset(ms: number): number {
    const i = Math.floor(ms / OFFSET_GRID_MS);
    const c = this.change(i);
    return c === null ? this.at(i) : ms < c.at ? c.before : c.after;
  }

  /** Whether the offset is the same over `[from, to]`. */
  constantBetween(from: number, to: number): boolean {
    const last = Math.floor(to / OFFSET_GRID_MS);
    for (let i = Math.floor(from / OFFSET_GRID_MS); i <= last; i++) {
      const c = this.change(i);
      if (c !== null && c.at > from && c.at <= to) return false;
    }
    return true;
  }
}

/** One CachedZone per zone name, module-level and shared by every engine: each keeps its offsets per hour (bounded at 100,000 hours). */
const zones = new Map<string, CachedZone>();

/** The zone last asked for, by the name it was asked by (module-level, beside `zones`): most calls in a row name the same zone. */
let lastName: string | undefined;
let lastZone: CachedZone | undefined;

export function zoneOf(name: string): CachedZone {
  if (name === lastName) return lastZone!;
  let z = zones.get(name);
  if (!z) {
    const inner = IANAZone.create(name);
    if (!inner.isValid) throw new RangeError(`unknown timezone "${name}"`);
    z = new CachedZone(inner);
    zones.set(name, z);
  }
  lastName = name;
  lastZone = z;
  return z;
}

/** Where an instant falls in a zone: its local day number and the milliseconds since local midnight. */
export interface LocalPosition {
  day: number;
  msOfDay: number;
}

export function localPosition(ms: number, zone: string): LocalPosition {
  const local = ms + zoneOf(zone).offset(ms) * MS_PER_MINUTE;
  const day = Math.floor(local / MS_PER_DAY);
  return { day, msOfDay: local - day * MS_PER_DAY };
}

/** The local day number an instant falls on in a zone. */
export function localDay(ms: number, zone: string): number {
  return localPosition(ms, zone).day;
}

/**
 * The instant of a local wall-clock time: day number plus milliseconds after midnight (up to a
 * whole day, so 24:00 is the next midnight). Gaps and overlaps follow the rule at the top.
 */
export function localToInstant(day: number, msOfDay: number, zone: string): number {
  return localToInstantIn(zoneOf(zone), day, msOfDay);
}

/** localToInstant with the offsets of `z`: a CachedZone, or its OffsetTable for long walks. */
export function localToInstantIn(z: { offset(ms: number): number }, day: number, msOfDay: number): number {
  const local = day * MS_PER_DAY + msOfDay;
  // The offsets in force around that wall time (they differ only near a transition), and the
  // instants the wall time would be under each; a candidate counts if its own offset agrees.
  // Cheaper than luxon's fromObject, and the same answers (tested against it).
  const before = z.offset(local - OFFSET_WINDOW);
  const after = z.offset(local + OFFSET_WINDOW);
  const early = local - before * MS_PER_MINUTE;
  const late = local - after * MS_PER_MINUTE;
  const earlyOk = z.offset(early) === before;
  const lateOk = z.offset(late) === after;
  if (earlyOk && lateOk) return Math.min(early, late); // an overlap (or no change): the earlier
  if (earlyOk) return early;
  if (lateOk) return late;
  // A spring-forward gap: read with the offset from before the change, i.e. forward by the gap.
  return early;
}

/** Wider than any UTC offset plus any DST shift, narrower than the time between two transitions. */
const OFFSET_WINDOW = 18 * 3_600_000;

export function isValidZone(zone: string): boolean {
  return IANAZone.isValidZone(zone);
}
