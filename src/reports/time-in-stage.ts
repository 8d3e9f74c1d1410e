import { stageVisits } from './history.js';
import { ms, scopeOf, shownColumns, sortedKeys } from './scope.js';
import { median, percentile } from './stats.js';
import type { Column, Report, ReportData, ReportOptions } from './types.js';

/** One stage's row of the `timeInStage` report: median and 90th percentile of the stays, per group and pipeline. */
export interface TimeInStageRow {
  group: string;
  pipelineId: string;
  stageId: string;
  stage: string;
  /** Completed stays in this stage that ended in the period. */
  stays: number;
  medianMs: number | null;
  p90Ms: number | null;
  /** The same in working time by the pipeline's calendar; null without a business-time function. */
  businessMedianMs: number | null;
  businessP90Ms: number | null;
}

const COLUMNS: Column<TimeInStageRow>[] = [
  { key: 'group', label: 'Group', format: 'text' },
  { key: 'pipelineId', label: 'Pipeline', format: 'text' },
  { key: 'stage', label: 'Stage', format: 'text' },
  { key: 'stays', label: 'Stays', format: 'int' },
  { key: 'medianMs', label: 'Median', format: 'duration' },
  { key: 'p90Ms', label: 'P90', format: 'duration' },
  { key: 'businessMedianMs', label: 'Median (working)', format: 'duration' },
  { key: 'businessP90Ms', label: 'P90 (working)', format: 'duration' },
];

/**
 * How long deals stay in each stage: median and 90th percentile (nearest rank) of the stays
 * that ended in the period — calendar time, and working time when `data.businessTime` is given.
 * A deal that enters a stage twice counts two stays. Rows per group, pipeline and open stage.
 */
export function timeInStage(data: ReportData, options: ReportOptions = {}): Report<TimeInStageRow> {
  const scope = scopeOf(data, options);
  const visits = stageVisits(scope.byId, data.log);
  const acc = new Map<string, { calendar: number[]; business: number[] }>();
  for (const deal of scope.deals) {
    const group = scope.groupOf(deal);
    for (const v of visits.get(deal.id)!) {
      if (v.leftAt === null || !scope.inPeriod(v.leftAt)) continue;
      const key = `${group}\u0000${deal.pipelineId}\u0000${v.stageId}`;
      let a = acc.get(key);
      if (!a) acc.set(key, (a = { calendar: [], business: [] }));
      a.calendar.push(ms(v.enteredAt, v.leftAt));
      if (data.businessTime) a.business.push(data.businessTime(v.enteredAt, v.leftAt, deal.pipelineId));
    }
  }
  // Rows for each group and pipeline that has stays, every open stage of that pipeline listed.
  const combos = new Map<string, Set<string>>();
  for (const key of acc.keys()) {
    const [group, pipelineId] = key.split('\u0000') as [string, string];
    if (!combos.has(group)) combos.set(group, new Set());
    combos.get(group)!.add(pipelineId);
  }
  const rows: TimeInStageRow[] = [];
  for (const group of sortedKeys(combos.keys())) {
    for (const pipelineId of [...combos.get(group)!].sort()) {
      const info = scope.pipelines.get(pipelineId);
      if (!info) continue;
      for (const s of info.pipeline.stages) {
        if (s.kind !== 'open' && s.kind !== 'inbox') continue;
        const a = acc.get(`${group}\u0000${pipelineId}\u0000${s.id}`) ?? { calendar: [], business: [] };
        const business = data.businessTime !== undefined;
        rows.push({
          group,
          pipelineId,
          stageId: s.id,
          stage: s.name,
          stays: a.calendar.length,
          medianMs: median(a.calendar),
          p90Ms: percentile(a.calendar, 90),
          businessMedianMs: business ? median(a.business) : null,
          businessP90Ms: business ? percentile(a.business, 90) : null,
        });
      }
    }
  }
  const columns = shownColumns(COLUMNS, rows, scope.groupBy).filter((c) => data.businessTime !== undefined || !c.key.startsWith('business'));
  return { name: 'timeInStage', title: 'Time in stage', columns, rows, notes: [] };
}
