import type { BusinessCalendar } from '../core/time/calendar.js';
import type { CalendarBook } from '../core/time/calendars.js';
import { addDurationIn, workingTimeBetweenMs } from '../core/time/business.js';
import type { StoredRecord } from '../core/types.js';
import type { Deal } from '../model/deal.js';
import { DealflowError } from '../model/errors.js';
import type { Pipeline } from '../model/pipeline.js';
import type { Actor } from '../ports/access.js';
import type { Clock } from '../ports/clock.js';
import type { Storage } from '../ports/storage.js';
import { REPORT_INPUTS, REPORTS, type ReportKinds, type ReportName } from '../reports/index.js';
import type { ReportData, ReportOptions } from '../reports/types.js';
import type { AccessGuard, AccessOptions } from './access.js';

/** What the engine lends the report loader. */
export interface ReportHost {
  storage: Storage;
  clock: Clock;
  access: AccessGuard;
  pipelines: Pipeline[];
  /** Working time between two instants by a pipeline's calendar, when business time is configured. */
  businessTime?: ReportData['businessTime'];
  /** Adds a (calendar or business) duration by a pipeline's calendar. */
  addTime?: ReportData['addTime'];
}

/**
 * Time by each pipeline's business calendar (docs/time.md), for the business-time columns of
 * reports and the board, and for business-unit durations (`stale` idle for `{ businessDays: 3 }`).
 * Each pipeline's calendar is compiled once.
 */
export function calendarTime(calendars: CalendarBook, pipelines: ReadonlyArray<Pipeline>): Pick<ReportHost, 'businessTime' | 'addTime'> {
  const compiled = new Map<string, BusinessCalendar>();
  const calendarOf = (pipelineId: string) => {
    let cal = compiled.get(pipelineId);
    if (!cal) {
      const zone = pipelines.find((p) => p.id === pipelineId)?.timezone ?? 'UTC';
      compiled.set(pipelineId, (cal = calendars.pipeline(pipelineId, zone)));
    }
    return cal;
  };
  return {
    businessTime: (fromIso, toIso, pipelineId) => workingTimeBetweenMs(calendarOf(pipelineId), Date.parse(fromIso), Date.parse(toIso)),
    addTime: (fromIso, duration, pipelineId) => addDurationIn(calendarOf(pipelineId), fromIso, duration),
  };
}

export interface LoadOptions {
  actor?: Actor | undefined;
  /** Load only these pipelines' deals. */
  pipelineId?: string | ReadonlyArray<string> | undefined;
  log?: ReadonlyArray<string>;
  records?: ReadonlyArray<string>;
}

/**
 * Loads what reports read from storage in one transaction — deals, the log entries of the given
 * types, records of the given kinds — scoped to the deals the actor may read (all for a system
 * call), with owners' teams from the Directory. Everything comes from storage, so the figures
 * are the same after a restart and on every store.
 */
export async function loadReportData(host: ReportHost, options: LoadOptions = {}): Promise<ReportData> {
  const asOf = host.clock.now().toISOString();
  const pipelineIds = options.pipelineId === undefined ? undefined : typeof options.pipelineId === 'string' ? [options.pipelineId] : [...options.pipelineId];
  const { deals, log, records } = await host.storage.transaction(async (tx) => {
    const deals: Deal[] = pipelineIds?.length === 1 ? await tx.listDeals({ pipelineId: pipelineIds[0]! }) : await tx.listDeals();
    const log = options.log && options.log.length > 0 ? await tx.readLog({ types: [...options.log] }) : [];
    const records: Record<string, StoredRecord[]> = {};
    for (const kind of options.records ?? []) records[kind] = await tx.listRecords(kind);
    return { deals, log, records };
  });
  const wanted = pipelineIds ? new Set(pipelineIds) : undefined;
  const inPipelines = wanted ? deals.filter((d) => wanted.has(d.pipelineId)) : deals;
  const visible = await host.access.readable(options.actor, inPipelines);
  const teams = new Map<string, string | null>();
  for (const d of visible) if (!teams.has(d.ownerId)) teams.set(d.ownerId, await host.access.teamOf(d.ownerId));
  const data: ReportData = {
    deals: visible,
    log,
    records,
    pipelines: host.pipelines,
    teamOf: (ownerId) => teams.get(ownerId) ?? null,
    asOf,
  };
  if (host.businessTime) data.businessTime = host.businessTime;
  if (host.addTime) data.addTime = host.addTime;
  return data;
}

/** Options may be left out for reports whose options are all optional (not `flagShare`, `stale`). */
export type ReportArgs<N extends ReportName> =
  Partial<ReportKinds[N]['options']> extends ReportKinds[N]['options']
    ? [options?: ReportKinds[N]['options'] & AccessOptions]
    : [options: ReportKinds[N]['options'] & AccessOptions];

/**
 * Runs a report by name for an actor: `report.read` is checked, and the report sees only the
 * deals the actor may read (a seller's funnel shows their deals only).
 */
export async function runReport<N extends ReportName>(
  host: ReportHost,
  name: N,
  options?: ReportKinds[N]['options'] & AccessOptions,
): Promise<ReportKinds[N]['result']> {
  const run = REPORTS[name] as unknown as ((data: ReportData, options: unknown) => ReportKinds[N]['result']) | undefined;
  if (typeof run !== 'function' || !Object.hasOwn(REPORTS, name)) {
    throw new DealflowError('INVALID_INPUT', `no report named "${String(name)}"; reports are ${Object.keys(REPORTS).join(', ')}`);
  }
  const { actor, ...reportOptions } = options ?? ({} as AccessOptions);
  await host.access.require(actor, 'report.read', { type: 'report', name });
  const inputs = REPORT_INPUTS[name];
  const data = await loadReportData(host, {
    actor,
    pipelineId: (reportOptions as ReportOptions).filter?.pipelineId,
    log: inputs.log,
    records: inputs.records,
  });
  return run(data, reportOptions);
}
