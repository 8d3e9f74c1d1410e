import { DateTime } from 'luxon';
import { DealflowError } from '../../model/errors.js';
import type { Pipeline } from '../../model/pipeline.js';
import { type ReportName, type ReportOptions, toCsv } from '../../reports/index.js';
import { chartsOf, type ReportResults, slaOverTime } from '../charts.js';
import { type ApiContext, pipelineOf } from '../context.js';
import { SECURITY_HEADERS } from '../http.js';
import type { ReportView } from '../views.js';
import { describeValue } from '../../model/input.js';

/** The reports the console shows, in menu order. */
const SHOWN: ReadonlyArray<ReportName> = ['funnel', 'slaCompliance', 'exceptions', 'flagShare', 'timeInStage', 'stale', 'velocity'];

/** How many days without a change make a deal stale, unless the request says (`idle`). */
const STALE_DAYS = 3;

/** `GET api/reports`: the report names, in menu order. */
export async function listReports(): Promise<Array<{ name: string }>> {
  return SHOWN.map((name) => ({ name }));
}

/** What a report request asks for, from its query: the pipeline, the period (local dates, both days in) and an owner. */
interface ReportRequest {
  name: ReportName;
  pipeline: Pipeline;
  from: string | null;
  to: string | null;
  owner: string | null;
  options: ReportOptions;
}

function reportRequest(c: ApiContext): ReportRequest {
  const name = c.params[0]! as ReportName;
  if (!SHOWN.includes(name)) throw new DealflowError('NOT_FOUND', `no report "${name}"; the reports are ${SHOWN.join(', ')}`);
  const q = c.url.searchParams;
  const pipeline = pipelineOf(c.engine, q.get('pipeline'));
  if (!pipeline) throw new DealflowError('NOT_FOUND', `no pipeline "${q.get('pipeline') ?? ''}"`);
  const zone = pipeline.timezone ?? 'UTC';
  const from = localDate(q.get('from'), 'from');
  const to = localDate(q.get('to'), 'to');
  if (from && to && from > to) throw new DealflowError('INVALID_INPUT', `the period starts (${from}) after it ends (${to})`);
  const owner = q.get('owner') || null;
  // The period is whole local days in the pipeline's zone: from the start of `from` to the end of `to`.
  const period = {
    ...(from ? { from: DateTime.fromISO(from, { zone }).startOf('day').toUTC().toISO()! } : {}),
    ...(to ? { to: DateTime.fromISO(to, { zone }).plus({ days: 1 }).startOf('day').toUTC().toISO()! } : {}),
  };
  const options: ReportOptions = { period, filter: { pipelineId: pipeline.id, ...(owner ? { ownerId: owner } : {}) } };
  return { name, pipeline, from, to, owner, options };
}

function localDate(value: string | null, name: string): string | null {
  if (!value) return null;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || !DateTime.fromISO(value).isValid) {
    throw new DealflowError('INVALID_INPUT', `${name} must be a date such as 2026-03-02, not ${describeValue(value)}`);
  }
  return value;
}

/** Runs the report (and what its charts need besides) as the actor: the engine scopes every figure to the deals they may read. */
async function run(c: ApiContext, r: ReportRequest): Promise<ReportResults> {
  const as = { actor: c.actor };
  const o = r.options;
  switch (r.name) {
    case 'funnel': {
      const [all, byOwner] = await Promise.all([c.engine.report('funnel', { ...o, ...as }), c.engine.report('funnel', { ...o, groupBy: 'owner', ...as })]);
      return { name: 'funnel', report: all, byOwner };
    }
    case 'slaCompliance':
      return { name: 'slaCompliance', report: await c.engine.report('slaCompliance', { ...o, ...as }), overTime: await slaOverTime(c, r.pipeline, o) };
    case 'exceptions':
      return { name: 'exceptions', report: await c.engine.report('exceptions', { ...o, ...as }) };
    case 'flagShare': {
      const flag = Object.keys(c.engine.exceptions)[0] ?? 'complex';
      return { name: 'flagShare', report: await c.engine.report('flagShare', { ...o, flag, groupBy: 'owner', ...as }) };
    }
    case 'timeInStage':
      return { name: 'timeInStage', report: await c.engine.report('timeInStage', { ...o, ...as }) };
    case 'stale': {
      const idle = c.url.searchParams.get('idle');
      const days = idle === null || idle === '' ? STALE_DAYS : Number(idle);
      if (!Number.isInteger(days) || days < 1 || days > 365)
        throw new DealflowError('INVALID_INPUT', `idle is a number of days from 1 to 365, not ${describeValue(idle)}`);
      return { name: 'stale', report: await c.engine.report('stale', { ...o, idleFor: { days }, ...as }), idleDays: days };
    }
    case 'velocity':
      return { name: 'velocity', report: await c.engine.report('velocity', { ...o, groupBy: 'owner', ...as }) };
  }
}

/** `GET api/reports/:name?pipeline=&from=&to=&owner=` (and `idle=` days for `stale`): one report's table and charts, scoped to the actor. */
export async function getReport(c: ApiContext): Promise<ReportView> {
  const r = reportRequest(c);
  const results = await run(c, r);
  const deals = await c.engine.listDeals({ pipelineId: r.pipeline.id }, { actor: c.actor });
  const ownerIds = [...new Set(deals.map((d) => d.ownerId))].sort();
  await c.people.load([...ownerIds, ...ownersIn(results)]);
  const report = results.report;
  return {
    name: report.name,
    title: report.title,
    columns: report.columns.map((col) => ({ ...col })),
    rows: report.rows as unknown as Array<Record<string, unknown>>,
    notes: report.notes,
    charts: chartsOf(results, r.pipeline, (id) => c.people.known(id)),
    filter: { pipelineId: r.pipeline.id, from: r.from, to: r.to, owner: r.owner },
    owners: ownerIds.map((id) => ({ id, name: c.people.known(id) })),
  };
}

/** `GET api/reports/:name.csv?…`: the report's table as CSV (raw values: shares 0..1, durations in ms), to download. */
export async function getReportCsv(c: ApiContext): Promise<Response> {
  const r = reportRequest(c);
  const { report } = await run(c, r);
  const day = c.engine.clock.now().toISOString().slice(0, 10);
  return new Response(toCsv(report), {
    headers: {
      ...SECURITY_HEADERS,
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="${r.name}-${r.pipeline.id.replace(/[^\w.-]/g, '_')}-${day}.csv"`,
      'cache-control': 'no-store',
    },
  });
}

/** The owner ids a report's rows group by (their names label the charts). */
function ownersIn(results: ReportResults): string[] {
  const rows: Array<{ group?: unknown }> =
    results.name === 'funnel' ? results.byOwner.rows : results.name === 'flagShare' || results.name === 'velocity' ? results.report.rows : [];
  return rows.map((row) => String(row.group));
}
