import { addDuration } from '../core/schedule.js';
import { BUSINESS_UNITS, DurationSchema, type Duration } from '../model/duration.js';
import { DealflowError, issuesFromZod } from '../model/errors.js';
import { ms, scopeOf, shownColumns } from './scope.js';
import type { Column, Report, ReportData, ReportOptions } from './types.js';
import { describeValue } from '../model/input.js';

/** Options of the `stale` report: how long idle counts as stale, and what counts as activity. */
export interface StaleOptions extends ReportOptions {
  /**
   * Idle at least this long: calendar time in the pipeline's timezone (`{ days: 14 }`), or working
   * time by its calendar (`{ businessDays: 3 }`, needs `data.addTime`, which `engine.report` gives).
   */
  idleFor: Duration;
  /** What counts as activity: any change to the deal (`change`, default) or only a stage move (`stage`). */
  since?: 'change' | 'stage';
}

/** One idle open deal in the `stale` report. */
export interface StaleRow {
  group: string;
  pipelineId: string;
  dealId: string;
  title: string;
  ownerId: string;
  stageId: string;
  stage: string;
  amount: number;
  idleSince: string;
  idleMs: number;
}

const COLUMNS: Column<StaleRow>[] = [
  { key: 'group', label: 'Group', format: 'text' },
  { key: 'pipelineId', label: 'Pipeline', format: 'text' },
  { key: 'dealId', label: 'Deal', format: 'text' },
  { key: 'title', label: 'Title', format: 'text' },
  { key: 'ownerId', label: 'Owner', format: 'text' },
  { key: 'stage', label: 'Stage', format: 'text' },
  { key: 'amount', label: 'Amount', format: 'money' },
  { key: 'idleSince', label: 'Idle since', format: 'instant' },
  { key: 'idleMs', label: 'Idle for', format: 'duration' },
];

/**
 * Open deals with no activity for at least `idleFor` at `asOf`, oldest first. Activity is the
 * deal's last change (`updatedAt`) or, with `since: 'stage'`, its last stage move. A period
 * limits the list to deals created in it.
 */
export function stale(data: ReportData, options: StaleOptions): Report<StaleRow> {
  const idle = DurationSchema.safeParse(options?.idleFor);
  if (!idle.success)
    throw new DealflowError('INVALID_INPUT', 'stale needs idleFor, a duration such as { days: 14 }', { issues: issuesFromZod(idle.error, ['idleFor']) });
  const since = options.since ?? 'change';
  if (since !== 'change' && since !== 'stage') throw new DealflowError('INVALID_INPUT', `since must be "change" or "stage", not ${describeValue(since)}`);
  const business = BUSINESS_UNITS.some((u) => idle.data[u] !== undefined);
  if (business && !data.addTime)
    throw new DealflowError('INVALID_INPUT', 'idleFor in business units needs the calendars; run it with engine.report, or pass data.addTime');
  const scope = scopeOf(data, options);
  // Calendar days are 23–25 h across DST; only deals near the line need the zone arithmetic.
  const nominal = business ? null : nominalMs(idle.data);
  const asOfMs = Date.parse(data.asOf);
  const idleLongEnough = (at: string, pipelineId: string, zone: string): boolean => {
    if (nominal !== null) {
      const gap = asOfMs - Date.parse(at) - nominal;
      if (gap > SLACK_MS) return true;
      if (gap < -SLACK_MS) return false;
    }
    const until = data.addTime ? data.addTime(at, idle.data, pipelineId) : addDuration(at, idle.data, zone);
    return until <= data.asOf;
  };
  const rows: StaleRow[] = [];
  for (const deal of scope.deals) {
    if (deal.closedAt !== null || !scope.inPeriod(deal.createdAt)) continue;
    const info = scope.pipelines.get(deal.pipelineId);
    const at = since === 'stage' ? deal.stageEnteredAt : deal.updatedAt;
    if (!idleLongEnough(at, deal.pipelineId, info?.pipeline.timezone ?? 'UTC')) continue;
    rows.push({
      group: scope.groupOf(deal),
      pipelineId: deal.pipelineId,
      dealId: deal.id,
      title: deal.title,
      ownerId: deal.ownerId,
      stageId: deal.stageId,
      stage: info?.stage.get(deal.stageId)?.name ?? deal.stageId,
      amount: deal.amount,
      idleSince: at,
      idleMs: ms(at, data.asOf),
    });
  }
  rows.sort((a, b) => b.idleMs - a.idleMs || (a.dealId < b.dealId ? -1 : 1));
  return {
    name: 'stale',
    title: 'Stale deals',
    columns: shownColumns(COLUMNS, rows, scope.groupBy),
    rows,
    notes: [`${rows.length} open deal(s) idle at least ${describe(idle.data)}`],
  };
}

const SLACK_MS = 3 * 3_600_000;

function nominalMs(d: Duration): number {
  return ((d.weeks ?? 0) * 7 * 24 * 60 + (d.days ?? 0) * 24 * 60 + (d.hours ?? 0) * 60 + (d.minutes ?? 0)) * 60_000;
}

function describe(d: Duration): string {
  return Object.entries(d)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${v} ${k}`)
    .join(' ');
}
