import { groupBy, isLost, isWon, ms, scopeOf, shownColumns, sortedKeys } from './scope.js';
import { mean, median, share } from './stats.js';
import type { Column, Report, ReportData, ReportOptions } from './types.js';

/** One group's row of the `velocity` report: cycle length, win rate, average won amount and pipeline velocity. */
export interface VelocityRow {
  group: string;
  /** Deals won in the period. */
  won: number;
  /** Deals lost in the period. */
  lost: number;
  /** won ÷ (won + lost). */
  winRate: number | null;
  /** Mean amount of the deals won in the period. */
  averageWonAmount: number | null;
  /** Mean and median created → won time of the deals won in the period, ms. */
  averageCycleMs: number | null;
  medianCycleMs: number | null;
  /** Deals open at `asOf`. */
  openDeals: number;
  /** openDeals × winRate × averageWonAmount ÷ average cycle in days: expected amount won per day. */
  velocityPerDay: number | null;
}

const COLUMNS: Column<VelocityRow>[] = [
  { key: 'group', label: 'Group', format: 'text' },
  { key: 'won', label: 'Won', format: 'int' },
  { key: 'lost', label: 'Lost', format: 'int' },
  { key: 'winRate', label: 'Win rate', format: 'percent' },
  { key: 'averageWonAmount', label: 'Avg won amount', format: 'money' },
  { key: 'averageCycleMs', label: 'Avg cycle', format: 'duration' },
  { key: 'medianCycleMs', label: 'Median cycle', format: 'duration' },
  { key: 'openDeals', label: 'Open deals', format: 'int' },
  { key: 'velocityPerDay', label: 'Velocity / day', format: 'money' },
];

const DAY_MS = 86_400_000;

/**
 * Sales-cycle length (created → won), win rate and average won amount of the deals closed in the
 * period, and pipeline velocity: open deals × win rate × average won amount ÷ cycle length in
 * days. Amounts are added as they are, whatever their currency.
 */
export function velocity(data: ReportData, options: ReportOptions = {}): Report<VelocityRow> {
  const scope = scopeOf(data, options);
  const groups = groupBy(scope.deals, scope.groupOf);
  const rows: VelocityRow[] = [];
  for (const group of sortedKeys(groups.keys())) {
    const deals = groups.get(group)!;
    const closed = deals.filter((d) => d.closedAt !== null && scope.inPeriod(d.closedAt));
    const won = closed.filter((d) => isWon(scope, d));
    const lost = closed.filter((d) => isLost(scope, d)).length;
    const cycles = won.map((d) => ms(d.createdAt, d.closedAt!));
    const winRate = share(won.length, won.length + lost);
    const averageWonAmount = mean(won.map((d) => d.amount));
    const averageCycleMs = mean(cycles);
    const openDeals = deals.filter((d) => d.closedAt === null).length;
    const velocityPerDay =
      winRate === null || averageWonAmount === null || averageCycleMs === null || averageCycleMs === 0
        ? null
        : (openDeals * winRate * averageWonAmount) / (averageCycleMs / DAY_MS);
    rows.push({ group, won: won.length, lost, winRate, averageWonAmount, averageCycleMs, medianCycleMs: median(cycles), openDeals, velocityPerDay });
  }
  return { name: 'velocity', title: 'Sales velocity', columns: shownColumns(COLUMNS, rows, scope.groupBy), rows, notes: [] };
}
