import { DealflowError } from '../model/errors.js';
import { groupBy, scopeOf, shownColumns } from './scope.js';
import { share } from './stats.js';
import type { Column, Report, ReportData, ReportOptions } from './types.js';

/** Options of the `flagShare` report: the flag to count and the share at which a group is marked. */
export interface FlagShareOptions extends ReportOptions {
  /** The deal flag to count, e.g. `complex`. */
  flag: string;
  /** A share at or over this (0..1) is marked. Default 0.4: the seed's "40% or more is suspicious". */
  threshold?: number;
}

/** One group's row of the `flagShare` report: deals, flagged deals, their share and whether it is at or over the threshold. */
export interface FlagShareRow {
  group: string;
  deals: number;
  flagged: number;
  /** flagged ÷ deals. */
  share: number | null;
  atOrOverThreshold: boolean;
  flaggedDeals: string[];
}

const COLUMNS: Column<FlagShareRow>[] = [
  { key: 'group', label: 'Owner', format: 'text' },
  { key: 'deals', label: 'Deals', format: 'int' },
  { key: 'flagged', label: 'Flagged', format: 'int' },
  { key: 'share', label: 'Share', format: 'percent' },
  { key: 'atOrOverThreshold', label: 'At/over threshold', format: 'flag' },
];

/** The default `flagShare` threshold: a share of 40% or more is marked. */
export const DEFAULT_FLAG_THRESHOLD = 0.4;

/**
 * Per owner (by default; or per team/pipeline with `groupBy`), the share of the deals created in
 * the period that carry `flag` now, with those at or over the threshold marked — the seed's
 * abuse signal for reps who tick "complex" to excuse delays. Highest share first.
 */
export function flagShare(data: ReportData, options: FlagShareOptions): Report<FlagShareRow> {
  if (typeof options?.flag !== 'string' || options.flag === '')
    throw new DealflowError('INVALID_INPUT', 'flagShare needs the flag to count, e.g. { flag: "complex" }');
  const threshold = options.threshold ?? DEFAULT_FLAG_THRESHOLD;
  if (!(threshold >= 0 && threshold <= 1)) throw new DealflowError('INVALID_INPUT', `threshold is a share between 0 and 1 (0.4 = 40%), not ${threshold}`);
  const grouping = options.groupBy ?? 'owner';
  const scope = scopeOf(data, { ...options, groupBy: grouping });
  const cohort = scope.createdInPeriod();
  const rows: FlagShareRow[] = [];
  for (const [group, deals] of groupBy(cohort, scope.groupOf)) {
    const flaggedDeals = deals
      .filter((d) => d.flags[options.flag] === true)
      .map((d) => d.id)
      .sort();
    const s = share(flaggedDeals.length, deals.length);
    rows.push({ group, deals: deals.length, flagged: flaggedDeals.length, share: s, atOrOverThreshold: s !== null && s >= threshold, flaggedDeals });
  }
  rows.sort((a, b) => (b.share ?? 0) - (a.share ?? 0) || (a.group < b.group ? -1 : a.group > b.group ? 1 : 0));
  const marked = rows.filter((r) => r.atOrOverThreshold).map((r) => r.group);
  const columns = shownColumns(COLUMNS, rows, grouping).map((c) =>
    c.key === 'group' ? { ...c, label: grouping === 'owner' ? 'Owner' : grouping === 'team' ? 'Team' : 'Pipeline' } : c,
  );
  return {
    name: 'flagShare',
    title: `Share of deals flagged "${options.flag}"`,
    columns,
    rows,
    notes: [`at or over ${Math.round(threshold * 1000) / 10}%: ${marked.length > 0 ? marked.join(', ') : 'none'}`],
  };
}
