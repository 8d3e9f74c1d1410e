import { DateTime } from 'luxon';
import type { Pipeline } from '../model/pipeline.js';
import {
  DEFAULT_FLAG_THRESHOLD,
  type ExceptionRow,
  type FlagShareRow,
  type FunnelReport,
  type Report,
  type ReportOptions,
  type SlaComplianceRow,
  type StaleRow,
  type TimeInStageRow,
  type VelocityRow,
} from '../reports/index.js';
import type { ApiContext } from './context.js';
import type { ChartSeries, ChartView, NumberFormat } from './views.js';

/** SLA runs that started in one period (a day, a week or a month), and how they ended. */
export interface SlaPeriod {
  /** The period's first day, local to the pipeline. */
  start: string;
  met: number;
  breached: number;
}

/** A report as the engine gave it, with what its charts need besides. */
export type ReportResults =
  | { name: 'funnel'; report: FunnelReport; byOwner: FunnelReport }
  | { name: 'slaCompliance'; report: Report<SlaComplianceRow>; overTime: SlaPeriod[] }
  | { name: 'exceptions'; report: Report<ExceptionRow> }
  | { name: 'flagShare'; report: Report<FlagShareRow> }
  | { name: 'timeInStage'; report: Report<TimeInStageRow> }
  | { name: 'stale'; report: Report<StaleRow>; idleDays: number }
  | { name: 'velocity'; report: Report<VelocityRow> };

/** At most this many periods on the "over time" chart. */
const MAX_PERIODS = 60;

/**
 * SLA runs met and missed per period: a day when the period is a month or less, else a week, else
 * a month. The period runs from the filter's start (else the first deal's creation) to its end
 * (else now); each period is the SLA compliance report over it, so the bars add up to the table.
 */
export async function slaOverTime(c: ApiContext, pipeline: Pipeline, options: ReportOptions): Promise<SlaPeriod[]> {
  const zone = pipeline.timezone ?? 'UTC';
  const now = c.engine.clock.now().toISOString();
  let from = options.period?.from as string | undefined;
  if (from === undefined) {
    const deals = await c.engine.listDeals({ pipelineId: pipeline.id }, { actor: c.actor });
    from = deals.reduce<string | undefined>((min, d) => (min === undefined || d.createdAt < min ? d.createdAt : min), undefined);
    if (from === undefined) return [];
  }
  const to = (options.period?.to as string | undefined) ?? now;
  const start = DateTime.fromISO(from, { zone });
  const end = DateTime.fromISO(to, { zone });
  const days = end.diff(start, 'days').days;
  const unit = days <= 31 ? 'day' : days <= 26 * 7 ? 'week' : 'month';
  const periods: Array<{ from: DateTime; to: DateTime }> = [];
  for (let at = start.startOf(unit); at < end && periods.length < MAX_PERIODS; at = at.plus({ [`${unit}s`]: 1 })) {
    periods.push({ from: at, to: at.plus({ [`${unit}s`]: 1 }) });
  }
  return Promise.all(
    periods.map(async (p) => {
      const period = { from: p.from.toUTC().toISO()!, to: p.to.toUTC().toISO()! };
      const report = await c.engine.report('slaCompliance', { ...options, period, actor: c.actor });
      return {
        start: p.from.toISODate()!,
        met: report.rows.reduce((n, r) => n + r.met, 0),
        breached: report.rows.reduce((n, r) => n + r.breached, 0),
      };
    }),
  );
}

const series = (label: string, values: Array<number | null>, format: NumberFormat, tone: ChartSeries['tone'] = 'info'): ChartSeries => ({
  label,
  values,
  format,
  tone,
});

function chart(c: Partial<ChartView> & Pick<ChartView, 'id' | 'title' | 'x' | 'xLabel' | 'series'>): ChartView {
  // Nothing to plot: no categories, no values, or counts that are all zero (a 0% share is a finding; zero counts are not).
  const empty = c.x.length === 0 || c.series.every((s) => s.values.every((v) => v === null || (v === 0 && s.format === 'int')));
  return { kind: 'bars', marked: [], markedLabel: null, line: null, ...c, empty: empty ? (c.empty ?? 'Nothing to show for this period.') : null };
}

/** The charts of a report: each plots exactly the numbers its table shows. */
export function chartsOf(results: ReportResults, pipeline: Pipeline, name: (userId: string) => string): ChartView[] {
  const stages = pipeline.stages.filter((s) => s.kind === 'open' || s.kind === 'inbox');
  const byStage = <R extends { stageId: string }>(rows: R[], value: (r: R) => number | null) =>
    stages.map((s) => {
      const row = rows.find((r) => r.stageId === s.id);
      return row ? value(row) : null;
    });
  switch (results.name) {
    case 'funnel': {
      const rows = results.report.rows.filter((r) => r.pipelineId === pipeline.id);
      const summary = results.report.summary.find((s) => s.pipelineId === pipeline.id);
      const bottleneck = summary?.lowestConversionStage ?? null;
      const at = stages.findIndex((s) => s.id === bottleneck);
      const row = rows.find((r) => r.stageId === bottleneck);
      const owners = [...new Set(results.byOwner.rows.map((r) => r.group))].sort();
      return [
        chart({
          id: 'funnel',
          title: 'Deals per stage',
          x: stages.map((s) => s.name),
          xLabel: 'Stage',
          series: [
            series(
              'Entered',
              byStage(rows, (r) => r.entered),
              'int',
            ),
            series(
              'Moved on',
              byStage(rows, (r) => r.movedOn),
              'int',
              'good',
            ),
            series(
              'Lost',
              byStage(rows, (r) => r.lost),
              'int',
              'bad',
            ),
          ],
          marked: at >= 0 ? [at] : [],
          markedLabel:
            at >= 0 && row ? `Bottleneck: ${row.stage}, the lowest conversion (${row.conversion === null ? '–' : pct(row.conversion)} move on)` : null,
          empty: 'No deals were created in this period.',
        }),
        chart({
          id: 'funnel-owners',
          title: 'Conversion per stage and owner',
          kind: 'lines',
          x: stages.map((s) => s.name),
          xLabel: 'Stage',
          series: owners.map((owner) =>
            series(
              name(owner),
              byStage(
                results.byOwner.rows.filter((r) => r.group === owner && r.pipelineId === pipeline.id),
                (r) => r.conversion,
              ),
              'percent',
            ),
          ),
          empty: 'No deals were created in this period.',
        }),
      ];
    }
    case 'slaCompliance': {
      const rows = results.report.rows;
      return [
        chart({
          id: 'sla-over-time',
          title: 'Deadlines met and missed over time (by the day they started)',
          x: results.overTime.map((p) => p.start),
          xLabel: 'Period from',
          series: [
            series(
              'Met',
              results.overTime.map((p) => p.met),
              'int',
              'good',
            ),
            series(
              'Missed',
              results.overTime.map((p) => p.breached),
              'int',
              'bad',
            ),
          ],
          empty: 'No deadline was met or missed in this period.',
        }),
        chart({
          id: 'sla-compliance',
          title: 'Met on time, per deadline',
          x: rows.map((r) => r.slaId),
          xLabel: 'Deadline',
          series: [
            series(
              'Compliance',
              rows.map((r) => r.compliance),
              'percent',
              'good',
            ),
          ],
        }),
      ];
    }
    case 'exceptions': {
      const rows = results.report.rows;
      const reasons = [...new Set(rows.map((r) => r.reason ?? '(free text)'))].sort();
      const count = (test: (r: ExceptionRow) => boolean) =>
        reasons.map((reason) => rows.filter((r) => (r.reason ?? '(free text)') === reason && test(r)).length);
      return [
        chart({
          id: 'exceptions',
          title: 'Exceptions by reason, and how they were decided',
          x: reasons,
          xLabel: 'Reason',
          series: [
            series(
              'Marked',
              count(() => true),
              'int',
              'warn',
            ),
            series(
              'Approved',
              count((r) => r.approval === 'approved'),
              'int',
              'good',
            ),
            series(
              'Rejected',
              count((r) => r.approval === 'rejected'),
              'int',
              'bad',
            ),
            series(
              'Pending',
              count((r) => r.approval === 'pending'),
              'int',
              'muted',
            ),
          ],
          empty: 'No exceptions in this period.',
        }),
      ];
    }
    case 'flagShare': {
      const rows = results.report.rows;
      return [
        chart({
          id: 'flag-share',
          title: `${results.report.title}, per rep`,
          x: rows.map((r) => name(r.group)),
          xLabel: 'Owner',
          series: [
            series(
              'Share flagged',
              rows.map((r) => r.share),
              'percent',
              'warn',
            ),
          ],
          marked: rows.flatMap((r, i) => (r.atOrOverThreshold ? [i] : [])),
          markedLabel: rows.some((r) => r.atOrOverThreshold) ? `At or over ${pct(DEFAULT_FLAG_THRESHOLD)}` : null,
          line: { value: DEFAULT_FLAG_THRESHOLD, label: `${pct(DEFAULT_FLAG_THRESHOLD)} line` },
          empty: 'No deals were created in this period.',
        }),
      ];
    }
    case 'timeInStage': {
      const rows = results.report.rows.filter((r) => r.pipelineId === pipeline.id);
      return [
        chart({
          id: 'time-in-stage',
          title: 'Time in stage (stays that ended in the period)',
          x: stages.map((s) => s.name),
          xLabel: 'Stage',
          series: [
            series(
              'Median',
              byStage(rows, (r) => r.medianMs),
              'duration',
            ),
            series(
              '90th percentile',
              byStage(rows, (r) => r.p90Ms),
              'duration',
              'warn',
            ),
          ],
          empty: 'No stays ended in this period.',
        }),
      ];
    }
    case 'stale': {
      const rows = results.report.rows;
      return [
        chart({
          id: 'stale',
          title: `Stale deals (no change for ${results.idleDays} days or more) per stage`,
          x: stages.map((s) => s.name),
          xLabel: 'Stage',
          series: [
            series(
              'Stale deals',
              stages.map((s) => rows.filter((r) => r.stageId === s.id).length),
              'int',
              'warn',
            ),
          ],
          empty: `No open deal has been idle for ${results.idleDays} days.`,
        }),
      ];
    }
    case 'velocity': {
      const rows = results.report.rows;
      const owners = rows.map((r) => name(r.group));
      return [
        chart({
          id: 'velocity',
          title: 'Pipeline velocity per day, per owner',
          x: owners,
          xLabel: 'Owner',
          series: [
            series(
              'Velocity / day',
              rows.map((r) => r.velocityPerDay),
              'money',
              'good',
            ),
          ],
          empty: 'No deal was won in this period.',
        }),
        chart({
          id: 'win-rate',
          title: 'Win rate per owner (deals closed in the period)',
          x: owners,
          xLabel: 'Owner',
          series: [
            series(
              'Win rate',
              rows.map((r) => r.winRate),
              'percent',
            ),
          ],
          empty: 'No deal was closed in this period.',
        }),
      ];
    }
  }
}

function pct(share: number): string {
  return `${Math.round(share * 1000) / 10}%`;
}
