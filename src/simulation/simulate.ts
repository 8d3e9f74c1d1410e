import type { Job, AnyHistoryEntry, OutboxMessage, StoredRecord } from '../core/types.js';
import type { EngineConfig } from '../engine/engine.js';
import { InMemoryStorage } from '../memory/storage.js';
import type { Deal } from '../model/deal.js';
import { DealflowError, isDealflowError } from '../model/errors.js';
import { InstantSchema } from '../model/instant.js';
import { checkInput, describeValue } from '../model/input.js';
import { DEFAULT_LIMITS } from '../model/limits.js';
import type { PipelineInput } from '../model/pipeline.js';
import type { Directory, User } from '../ports/directory.js';
import type { Notifier } from '../ports/notifier.js';
import type { Storage } from '../ports/storage.js';
import type { ReportKinds } from '../reports/index.js';
import { TestEngine } from '../testing/test-engine.js';
import type { HistoryEvent } from './history.js';
import { summarize, type SimulationSummary } from './summary.js';
import { timelineOf, type TimelineEntry } from './timeline.js';

/** Engine settings a simulation passes through: the host's directory, facts, custom actions, digests, calendars. */
export type SimulationEngineConfig = Omit<EngineConfig, 'pipelines' | 'rules' | 'clock' | 'ids' | 'storage' | 'notifier'>;

export interface SimulateOptions {
  /** The rule set to replay the history through (rule JSON or objects). */
  rules: unknown;
  pipelines: ReadonlyArray<PipelineInput>;
  /** The history, e.g. from `parseHistory`. Replayed in time order (same instant: in the given order). */
  events: ReadonlyArray<HistoryEvent>;
  /** Events before this are left out; the clock starts here. Default: the first event's time. */
  from?: string | Date;
  /** Events after this are left out; the clock runs to here, firing what is due. Default: the last event's time. */
  to?: string | Date;
  /** The 1-based line each event came from (`parseHistory().lines`), for error messages. */
  lines?: ReadonlyArray<number>;
  /** Where the simulated engine keeps its state. Default: a fresh InMemoryStorage. */
  storage?: Storage;
  engine?: SimulationEngineConfig;
  /** Called every `progressEvery` events and once at the end. */
  onProgress?: (progress: SimulationProgress) => void;
  progressEvery?: number;
}

export interface SimulationProgress {
  done: number;
  total: number;
  /** The simulated time reached. */
  at: string;
}

/** A history line the engine refused (an unknown deal, a stage the pipeline lacks, a rule loop…); the run goes on without it. */
export interface SimulationError {
  index: number;
  line: number | null;
  at: string;
  type: HistoryEvent['type'];
  dealId: string | null;
  code: string;
  message: string;
}

export interface SimulationResult {
  from: string;
  to: string;
  events: { total: number; replayed: number; failed: number; outside: number };
  errors: SimulationError[];
  /** What the rules did, in order: fired, scheduled, ran, cancelled (with the reason), notified, moved, set, recorded. */
  timeline: TimelineEntry[];
  /** Counts per rule, notification, cancellation reason, stage move and violation. */
  summary: SimulationSummary;
  /** The reports at `to`: SLA compliance (SLAs and plain rules' deadlines) and the funnel of the deals created in the window. */
  reports: SimulationReports;
  /** The deals as they are at `to`. */
  deals: Deal[];
  /** Jobs still waiting at `to`. */
  pendingJobs: Job[];
  outbox: OutboxMessage[];
  /** Records by kind (`violation`, `sla`, …). */
  records: Record<string, StoredRecord[]>;
  /** The whole log, oldest first. */
  log: AnyHistoryEntry[];
  /** The simulated engine, at `to`: query it further, e.g. `engine.explain(dealId)`. */
  engine: TestEngine;
}

export interface SimulationReports {
  slaCompliance: ReportKinds['slaCompliance']['result'];
  funnel: ReportKinds['funnel']['result'];
}

/** Stands in for the host's directory: everyone exists, everyone's manager is `manager-of-<id>`. */
export const placeholderDirectory: Directory = {
  get: (id: string): User => ({ id, managerId: `manager-of-${id}` }),
  withRole: (role: string): User[] => [{ id: `role:${role}` }],
};

/** Delivers nothing: a simulation records what would be sent (the outbox), it sends nothing. */
const nowhere: Notifier = { send: async () => undefined };

const RECORD_KINDS = ['violation', 'sla', 'exception', 'approval', 'task'];

/**
 * Replays a history of deal events through a rule set on a fake clock: the clock moves from
 * event to event, firing due jobs at their own times on the way, exactly as the engine would
 * have in production. Returns the timeline, the final state and a summary. Deterministic: the
 * same rules and history give the same result, ids included.
 */
export async function simulate(options: SimulateOptions): Promise<SimulationResult> {
  checkOptions(options);
  const ordered = inTimeOrder(options.events);
  const from = instant(options.from, 'from') ?? ordered[0]?.event.at ?? instant(options.to, 'to');
  const to = instant(options.to, 'to') ?? ordered[ordered.length - 1]?.event.at ?? from;
  if (!from || !to) throw new DealflowError('INVALID_INPUT', 'the history is empty; give from and to to simulate an empty period');
  if (Date.parse(to) < Date.parse(from)) throw new DealflowError('INVALID_INPUT', `to (${to}) is before from (${from})`);
  const storage = options.storage ?? new InMemoryStorage();
  const engine = new TestEngine({
    directory: placeholderDirectory,
    ...options.engine,
    pipelines: options.pipelines,
    rules: options.rules,
    storage,
    notifier: nowhere,
    start: from,
  });

  const inWindow = ordered.filter(({ event }) => event.at >= from && event.at <= to);
  const errors: SimulationError[] = [];
  const every = Math.max(1, options.progressEvery ?? 500);
  let done = 0;
  for (const { event, index } of inWindow) {
    await engine.advanceTo(event.at);
    try {
      await apply(engine, event);
    } catch (error) {
      if (!isDealflowError(error)) throw error;
      errors.push({
        index,
        line: options.lines?.[index] ?? null,
        at: event.at,
        type: event.type,
        dealId: dealIdOf(event),
        code: error.code,
        message: error.message,
      });
    }
    done++;
    if (done % every === 0) options.onProgress?.({ done, total: inWindow.length, at: event.at });
  }
  await engine.advanceTo(to);
  options.onProgress?.({ done, total: inWindow.length, at: to });

  const state = await finalState(engine, storage);
  const period = { from, to };
  const reports: SimulationReports = {
    slaCompliance: await engine.report('slaCompliance', { period }),
    funnel: await engine.report('funnel', { period }),
  };
  return {
    from,
    to,
    events: { total: ordered.length, replayed: inWindow.length - errors.length, failed: errors.length, outside: ordered.length - inWindow.length },
    errors,
    timeline: timelineOf(state.log),
    summary: summarize(state.log, state.pendingJobs),
    reports,
    ...state,
    engine,
  };
}

async function apply(engine: TestEngine, event: HistoryEvent): Promise<void> {
  switch (event.type) {
    case 'created':
      await engine.createDeal(event.deal);
      return;
    case 'updated':
      await engine.updateDeal(event.dealId, event.patch);
      return;
    case 'moved':
      await engine.moveDeal(event.dealId, event.stage);
      return;
    case 'deleted':
      await engine.deleteDeal(event.dealId);
      return;
    case 'event': {
      const { at: _at, type: _type, ...external } = event;
      await engine.emit(external);
      return;
    }
    case 'launched':
      await engine.launch(event.ruleId, event.dealId);
      return;
  }
}

async function finalState(engine: TestEngine, storage: Storage) {
  const deals = await engine.listDeals();
  return storage.transaction(async (tx) => {
    const log = await tx.readLog();
    const pendingJobs: Job[] = [];
    for (const deal of deals) pendingJobs.push(...(await tx.pendingJobs(deal.id)));
    pendingJobs.sort((a, b) => (a.dueAt < b.dueAt ? -1 : a.dueAt > b.dueAt ? 1 : a.id < b.id ? -1 : 1));
    const kinds = storage instanceof InMemoryStorage ? [...new Set([...RECORD_KINDS, ...storage.records.keys()])] : RECORD_KINDS;
    const records: Record<string, StoredRecord[]> = {};
    for (const kind of kinds) {
      const list = await tx.listRecords(kind);
      if (list.length > 0) records[kind] = list;
    }
    return { deals, log, pendingJobs, outbox: await tx.listOutbox(), records };
  });
}

function inTimeOrder(events: ReadonlyArray<HistoryEvent>): Array<{ event: HistoryEvent; index: number }> {
  const indexed = events.map((event, index) => ({ event: { ...event, at: new Date(event.at).toISOString() } as HistoryEvent, index }));
  // Array.prototype.sort is stable: events at the same instant keep their order in the file.
  return indexed.sort((a, b) => (a.event.at < b.event.at ? -1 : a.event.at > b.event.at ? 1 : 0));
}

function instant(value: string | Date | undefined, name: string): string | undefined {
  if (value === undefined) return undefined;
  const ms = value instanceof Date ? value.getTime() : Date.parse(value);
  if (Number.isNaN(ms)) throw new DealflowError('INVALID_INPUT', `${name} is not a valid instant: ${String(value)}`);
  return new Date(ms).toISOString();
}

function dealIdOf(event: HistoryEvent): string | null {
  if (event.type === 'created') return event.deal.id;
  return event.dealId ?? null;
}

/** The options' shape and every event, before any is replayed: a bad one is INVALID_INPUT with its index. */
function checkOptions(options: SimulateOptions): void {
  if (options === null || typeof options !== 'object')
    throw new DealflowError('INVALID_INPUT', `simulate needs options { rules, pipelines, events }, not ${describeValue(options)}`);
  if (!Array.isArray(options.events))
    throw new DealflowError('INVALID_INPUT', `simulate needs events as an array (parseHistory gives them), not ${describeValue(options.events)}`);
  if (!Array.isArray(options.pipelines))
    throw new DealflowError('INVALID_INPUT', `simulate needs pipelines as an array, not ${describeValue(options.pipelines)}`);
  // Each event on its own (a history may hold any number of them): the input checks, and what
  // ordering reads (`at`, `type`); the engine's commands check the rest as they replay it.
  options.events.forEach((event, i) => {
    checkInput(event, DEFAULT_LIMITS, 'INVALID_INPUT', `event ${i}`, ['events', i]);
    const e = event as { at?: unknown; type?: unknown } | null;
    if (e === null || typeof e !== 'object' || typeof e.type !== 'string' || !InstantSchema.safeParse(e.at).success) {
      throw new DealflowError('INVALID_INPUT', `event ${i} needs a \`type\` and an ISO instant \`at\`, not ${describeValue(event)}`, {
        issues: [{ path: `$.events[${i}]`, message: 'expected { at, type, … }' }],
      });
    }
  });
}
