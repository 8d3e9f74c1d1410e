import type { Deal } from '../model/deal.js';
import { DealflowError } from '../model/errors.js';
import type { Pipeline, Stage } from '../model/pipeline.js';
import { ALL, type GroupBy, type Period, type ReportData, type ReportFilter, type ReportOptions } from './types.js';
import { describeValue } from '../model/input.js';

/** The deals a report covers (after filters), how to group them, and their pipelines' stages. */
export interface Scope {
  deals: Deal[];
  readonly byId: Map<string, Deal>;
  groupOf: (deal: Deal) => string;
  groupBy: GroupBy;
  period: { from: string | undefined; to: string | undefined };
  inPeriod: (at: string) => boolean;
  /** The deals created in the period (all of them when the period is open at both ends). */
  createdInPeriod: () => Deal[];
  pipelines: Map<string, PipelineStages>;
}

export interface PipelineStages {
  pipeline: Pipeline;
  position: Map<string, number>;
  stage: Map<string, Stage>;
}

export function scopeOf(data: ReportData, options: ReportOptions = {}): Scope {
  const period = checkPeriod(options.period);
  const groupBy = options.groupBy ?? 'none';
  if (!['none', 'owner', 'team', 'pipeline'].includes(groupBy)) {
    throw new DealflowError('INVALID_INPUT', `groupBy must be none, owner, team or pipeline, not ${describeValue(groupBy)}`);
  }
  const teamOf = (ownerId: string) => data.teamOf?.(ownerId) ?? null;
  const keep = filterOf(options.filter, teamOf);
  // No filter: the caller's array as it is (reports never change it), to spare a pass over it.
  const deals = keep ? data.deals.filter(keep) : (data.deals as Deal[]);
  const groupOf = (d: Deal): string => {
    switch (groupBy) {
      case 'owner':
        return d.ownerId;
      case 'team':
        return teamOf(d.ownerId) ?? '(no team)';
      case 'pipeline':
        return d.pipelineId;
      default:
        return ALL;
    }
  };
  const pipelines = new Map<string, PipelineStages>();
  for (const p of data.pipelines) {
    pipelines.set(p.id, { pipeline: p, position: new Map(p.stages.map((s, i) => [s.id, i])), stage: new Map(p.stages.map((s) => [s.id, s])) });
  }
  const { from, to } = period;
  let byId: Map<string, Deal> | undefined;
  return {
    deals,
    // Built on first use: several reports never look deals up by id.
    get byId() {
      byId ??= new Map(deals.map((d) => [d.id, d]));
      return byId;
    },
    groupOf,
    groupBy,
    period,
    inPeriod: (at) => (from === undefined || at >= from) && (to === undefined || at < to),
    createdInPeriod: () =>
      from === undefined && to === undefined
        ? deals
        : deals.filter((d) => (from === undefined || d.createdAt >= from) && (to === undefined || d.createdAt < to)),
    pipelines,
  };
}

function filterOf(filter: ReportFilter = {}, teamOf: (ownerId: string) => string | null): ((d: Deal) => boolean) | undefined {
  const set = (v: string | ReadonlyArray<string> | undefined) => (v === undefined ? undefined : new Set(typeof v === 'string' ? [v] : v));
  const pipelines = set(filter.pipelineId);
  const owners = set(filter.ownerId);
  const teams = set(filter.teamId);
  if (!pipelines && !owners && !teams) return undefined;
  return (d) => (!pipelines || pipelines.has(d.pipelineId)) && (!owners || owners.has(d.ownerId)) && (!teams || teams.has(teamOf(d.ownerId) ?? ''));
}

function checkPeriod(p: Period = {}): { from: string | undefined; to: string | undefined } {
  const norm = (v: string | Date | undefined, end: string): string | undefined => {
    if (v === undefined) return undefined;
    const ms = v instanceof Date ? v.getTime() : Date.parse(v);
    if (Number.isNaN(ms)) throw new DealflowError('INVALID_INPUT', `period.${end} is not a valid instant: ${String(v)}`);
    return new Date(ms).toISOString();
  };
  const from = norm(p.from, 'from');
  const to = norm(p.to, 'to');
  if (from !== undefined && to !== undefined && from > to) {
    throw new DealflowError('INVALID_INPUT', `period.from (${from}) is after period.to (${to})`);
  }
  return { from, to };
}

/** Groups items by key, keeping the keys in first-seen order. */
export function groupBy<T>(items: Iterable<T>, key: (t: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    let list = out.get(k);
    if (!list) out.set(k, (list = []));
    list.push(item);
  }
  return out;
}

/** Sorted group keys: 'all' first, then alphabetical, so rows come out in a stable order. */
export function sortedKeys(keys: Iterable<string>): string[] {
  return [...keys].sort((a, b) => (a === ALL ? -1 : b === ALL ? 1 : a < b ? -1 : a > b ? 1 : 0));
}

export function ms(fromIso: string, toIso: string): number {
  return Date.parse(toIso) - Date.parse(fromIso);
}

export function isWon(scope: Scope, deal: Deal): boolean {
  return scope.pipelines.get(deal.pipelineId)?.stage.get(deal.stageId)?.kind === 'won';
}

export function isLost(scope: Scope, deal: Deal): boolean {
  return scope.pipelines.get(deal.pipelineId)?.stage.get(deal.stageId)?.kind === 'lost';
}

/**
 * The columns worth showing: `group` only when grouping, `pipelineId` only when the rows span
 * more than one pipeline. The rows keep every field either way.
 */
export function shownColumns<C extends { key: string }>(columns: ReadonlyArray<C>, rows: ReadonlyArray<object>, groupBy: GroupBy): C[] {
  const pipelines = new Set(rows.map((r) => (r as { pipelineId?: unknown }).pipelineId));
  return columns.filter((c) => (c.key !== 'group' || groupBy !== 'none') && (c.key !== 'pipelineId' || pipelines.size > 1));
}
