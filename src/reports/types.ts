import type { AnyHistoryEntry, StoredRecord } from '../core/types.js';
import type { Deal } from '../model/deal.js';
import type { Duration } from '../model/duration.js';
import type { Pipeline } from '../model/pipeline.js';

/**
 * Everything a report reads. Reports are pure functions of this: the same data gives the same
 * rows on every store and after every restart. `engine.report()` loads it from storage.
 */
export interface ReportData {
  /** The deals in scope (already narrowed to what the asking actor may read). Deleted deals are not here. */
  deals: ReadonlyArray<Deal>;
  /**
   * Log entries in append (time) order. Entries of deals not in `deals` are ignored, so a store's
   * whole log can be passed. Reports read `deal.created`, `stage.changed` and, for deadlines kept
   * by plain rules, `job.scheduled`/`job.ran`/`job.cancelled`.
   */
  log: ReadonlyArray<AnyHistoryEntry>;
  /** Records by kind: `sla`, `violation`, `exception`, `approval`, `task`. Missing kinds read as none. */
  records: Readonly<Record<string, ReadonlyArray<StoredRecord>>>;
  pipelines: ReadonlyArray<Pipeline>;
  /** The team of an owner (the Directory user's `teamId`), for team filters and grouping. */
  teamOf?: (ownerId: string) => string | null | undefined;
  /**
   * Working time between two instants in milliseconds, by the pipeline's business calendar.
   * When absent, business-time columns are null.
   */
  businessTime?: (fromIso: string, toIso: string, pipelineId: string) => number;
  /**
   * Adds a duration (calendar or business units) to an instant by the pipeline's calendar. When
   * absent, calendar units are added in the pipeline's timezone and business units are refused.
   */
  addTime?: (fromIso: string, duration: Duration, pipelineId: string) => string;
  /** "Now": what is still open, idle or pending is judged at this instant (ISO UTC). */
  asOf: string;
}

/** A half-open period [from, to) of ISO UTC instants; either end may be left open. */
export interface Period {
  from?: string | Date;
  to?: string | Date;
}

/** How a report groups its rows: not at all, or by deal owner, owner's team, or pipeline. */
export type GroupBy = 'none' | 'owner' | 'team' | 'pipeline';

/** Narrows the deals a report looks at. Each field takes one id or a list. */
export interface ReportFilter {
  pipelineId?: string | ReadonlyArray<string>;
  ownerId?: string | ReadonlyArray<string>;
  teamId?: string | ReadonlyArray<string>;
}

/** Options every report takes: the period, a filter on deals, and the grouping. */
export interface ReportOptions {
  period?: Period;
  filter?: ReportFilter;
  groupBy?: GroupBy;
}

/** How a renderer should show a column's values. Durations are milliseconds; shares are 0..1. */
export type ColumnFormat = 'text' | 'int' | 'number' | 'money' | 'percent' | 'duration' | 'instant' | 'list' | 'flag';

/** A column of a report: the row key it shows, its label and how to format it. */
export interface Column<Row> {
  key: Extract<keyof Row, string>;
  label: string;
  format: ColumnFormat;
}

/** A cell value: plain data, ready for a table, a chart or JSON. */
export type Cell = string | number | boolean | null | ReadonlyArray<string>;

/** What every report returns: its rows, the columns to show them with, and a few summary lines. */
export interface Report<Row extends { [K in keyof Row]: Cell } = Record<string, Cell>> {
  name: string;
  title: string;
  columns: ReadonlyArray<Column<Row>>;
  rows: Row[];
  /** One-line findings ("bottleneck: Proposal (32% move on)"), printed under a table. */
  notes: string[];
}

/** Group key used when `groupBy` is 'none'. */
export const ALL = 'all';
