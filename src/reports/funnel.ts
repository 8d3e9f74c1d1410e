import { stageVisits } from './history.js';
import { groupBy, isLost, isWon, ms, scopeOf, shownColumns, sortedKeys } from './scope.js';
import { median, share } from './stats.js';
import type { Column, Report, ReportData, ReportOptions } from './types.js';

/** One stage's row of the `funnel` report, per group and pipeline. */
export interface FunnelRow {
  group: string;
  pipelineId: string;
  stageId: string;
  stage: string;
  /** Deals of the cohort that were ever in this stage. */
  entered: number;
  /** …that went on to a later stage (or won) after entering it, whether or not they came back since. */
  movedOn: number;
  /** …that were lost with this as the furthest stage they reached. */
  lost: number;
  /** …that are in this stage now and never went past it. */
  stillThere: number;
  /** …that went back to an earlier stage and are still open there. */
  movedBack: number;
  /** movedOn ÷ entered: the conversion from this stage to the next. */
  conversion: number | null;
  /** Median calendar time of completed stays in this stage, ms. */
  medianTimeMs: number | null;
}

/** The `funnel` report's totals per group and pipeline: deals, won, lost, open, overall conversion and the bottleneck stages. */
export interface FunnelSummary {
  group: string;
  pipelineId: string;
  deals: number;
  won: number;
  lost: number;
  open: number;
  /** won ÷ deals. */
  conversion: number | null;
  /** The stage with the lowest conversion (first in stage order on a tie). */
  lowestConversionStage: string | null;
  /** The stage with the longest median time. */
  slowestStage: string | null;
}

/** The `funnel` report: per-stage rows plus a summary per group and pipeline. */
export type FunnelReport = Report<FunnelRow> & { summary: FunnelSummary[] };

const COLUMNS: Column<FunnelRow>[] = [
  { key: 'group', label: 'Group', format: 'text' },
  { key: 'pipelineId', label: 'Pipeline', format: 'text' },
  { key: 'stage', label: 'Stage', format: 'text' },
  { key: 'entered', label: 'Entered', format: 'int' },
  { key: 'movedOn', label: 'Moved on', format: 'int' },
  { key: 'lost', label: 'Lost', format: 'int' },
  { key: 'stillThere', label: 'Still there', format: 'int' },
  { key: 'movedBack', label: 'Moved back', format: 'int' },
  { key: 'conversion', label: 'Conversion', format: 'percent' },
  { key: 'medianTimeMs', label: 'Median time', format: 'duration' },
];

/**
 * The funnel of the deals created in the period (the cohort), followed to `asOf`: per stage
 * (inbox and open stages, in pipeline order) how many entered, moved on, were lost, are still
 * there; the conversion to the next stage and overall; the bottleneck named by lowest
 * conversion and by longest median time. Rows per group and pipeline.
 */
export function funnel(data: ReportData, options: ReportOptions = {}): FunnelReport {
  const scope = scopeOf(data, options);
  const cohort = scope.createdInPeriod();
  const visits = stageVisits(new Map(cohort.map((d) => [d.id, d])), data.log);
  const rows: FunnelRow[] = [];
  const summary: FunnelSummary[] = [];
  const groups = groupBy(cohort, (d) => `${scope.groupOf(d)}\u0000${d.pipelineId}`);
  const keys = sortedKeys(groups.keys());
  for (const key of keys) {
    const deals = groups.get(key)!;
    const [group, pipelineId] = key.split('\u0000') as [string, string];
    const info = scope.pipelines.get(pipelineId);
    if (!info) continue;
    const stages = info.pipeline.stages.filter((s) => s.kind === 'open' || s.kind === 'inbox');
    const counts = new Map(stages.map((s) => [s.id, { entered: 0, movedOn: 0, lost: 0, stillThere: 0, movedBack: 0, times: [] as number[] }]));
    for (const deal of deals) {
      const path = visits.get(deal.id)!;
      const lost = isLost(scope, deal);
      const seen = new Set<string>();
      path.forEach((visit, i) => {
        const c = counts.get(visit.stageId);
        if (!c) return;
        if (visit.leftAt !== null) c.times.push(ms(visit.enteredAt, visit.leftAt));
        if (seen.has(visit.stageId)) return;
        seen.add(visit.stageId);
        c.entered++;
        const here = info.position.get(visit.stageId)!;
        const progressed = path.some((later, j) => j > i && info.stage.get(later.stageId)?.kind !== 'lost' && (info.position.get(later.stageId) ?? -1) > here);
        // One column per deal, in this order, so the four split `entered`: a deal that reached a
        // later stage moved on from this one, even if it has come back since.
        if (progressed) c.movedOn++;
        else if (deal.stageId === visit.stageId) c.stillThere++;
        else if (lost) c.lost++;
        else c.movedBack++;
      });
    }
    const groupRows: FunnelRow[] = stages.map((s) => {
      const c = counts.get(s.id)!;
      return {
        group,
        pipelineId,
        stageId: s.id,
        stage: s.name,
        entered: c.entered,
        movedOn: c.movedOn,
        lost: c.lost,
        stillThere: c.stillThere,
        movedBack: c.movedBack,
        conversion: share(c.movedOn, c.entered),
        medianTimeMs: median(c.times),
      };
    });
    rows.push(...groupRows);
    const won = deals.filter((d) => isWon(scope, d)).length;
    const lostCount = deals.filter((d) => isLost(scope, d)).length;
    summary.push({
      group,
      pipelineId,
      deals: deals.length,
      won,
      lost: lostCount,
      open: deals.length - won - lostCount,
      conversion: share(won, deals.length),
      lowestConversionStage: extreme(
        groupRows,
        (r) => r.conversion,
        (a, b) => a < b,
      ),
      slowestStage: extreme(
        groupRows,
        (r) => r.medianTimeMs,
        (a, b) => a > b,
      ),
    });
  }
  const notes = summary.map((s) => {
    const name = (id: string | null) => (id === null ? 'none' : (scope.pipelines.get(s.pipelineId)?.stage.get(id)?.name ?? id));
    const prefix = options.groupBy && options.groupBy !== 'none' ? `${s.group}: ` : '';
    const pct = s.conversion === null ? '–' : `${(s.conversion * 100).toFixed(1)}%`;
    return `${prefix}${s.won} of ${s.deals} deals won (${pct}); bottleneck: ${name(s.lowestConversionStage)} (lowest conversion), ${name(s.slowestStage)} (longest median time)`;
  });
  return { name: 'funnel', title: 'Funnel', columns: shownColumns(COLUMNS, rows, scope.groupBy), rows, notes, summary };
}

function extreme(rows: FunnelRow[], value: (r: FunnelRow) => number | null, better: (a: number, b: number) => boolean): string | null {
  let best: FunnelRow | null = null;
  for (const r of rows) {
    const v = value(r);
    if (v === null) continue;
    if (best === null || better(v, value(best)!)) best = r;
  }
  return best?.stageId ?? null;
}
