import { dealWith, type Deal, type Json } from '../model/deal.js';
import { DealflowError } from '../model/errors.js';
import { extensibleCopy } from '../model/records.js';
import type { NotificationSpec } from './actions.js';
import type { CoreEnv } from './env.js';
import { makeFacts, type DealFactMemo, type DealFacts } from './facts.js';
import { JobTable } from './job-table.js';
import type { PipelineIndex, PipelineInfo } from './pipelines.js';
import { render as renderTemplate } from './templates.js';
import type { BusinessCalendar } from './time/calendar.js';
import { CalendarBook } from './time/calendars.js';
import type { HistoryData, HistoryType } from './history.js';
import type { DealSnapshot, Effect, Enrolment, FactInput, Job, AnyHistoryEntry, Occurrence, OutboxMessage, Outcome, StoredRecord } from './types.js';

// The bottom layer of one transition's working state: the snapshot as it changes, and the
// output (effects, history, records, outbox messages). The concerns built on it each have a
// module: deal changes (core/deal-changes.ts), the cascade (core/cascade.ts), due jobs
// (core/due-jobs.ts), inputs (core/transition.ts), each class extending the one below, so no
// module imports one above it. The contexts actions, features and timers see are in core/scopes.ts.

/**
 * The default calendar book per pipeline index, built on first use when the engine passes none.
 * Module-level, keyed weakly by the index, so it lives exactly as long as the engine's pipelines.
 */
const defaultCalendars = new WeakMap<PipelineIndex, CalendarBook>();

export interface Queued {
  occ: Occurrence;
  depth: number;
  chain: string[];
  previous: Deal | null;
  event: Record<string, Json> | null;
}

/**
 * Why something happens in a cascade: the depth, and the chain of rules (and features) that led
 * to it. The chain is only materialised when someone reads it (a queued occurrence, an error), so
 * a feature or rule that changes nothing costs no array.
 */
export class Cause {
  private full: string[] | undefined;

  constructor(
    readonly depth: number,
    private readonly before: ReadonlyArray<string>,
    readonly ruleId: string | null,
  ) {}

  get chain(): string[] {
    return (this.full ??= this.ruleId === null ? (this.before as string[]) : [...this.before, this.ruleId]);
  }
}

export const COMMAND = new Cause(0, [], null);

/**
 * The pure transition: (snapshot, input, env) → (next snapshot, effects). It runs nothing:
 * jobs to schedule or cancel, log lines, outbox messages and records are returned for the
 * engine to write in one transaction. Throws a DealflowError for bad input; the caller then
 * discards everything, so a rejected command changes nothing.
 */

/**
 * One transition's working state and output. Members without `private` are also used by the
 * layers above and by the scopes (core/scopes.ts), nowhere else.
 */
export abstract class WorkState {
  deal: Deal | null;
  protected readonly original: Deal | null;
  readonly jobs: JobTable;
  /** The snapshot's enrolments (of `once` rules); those this command makes are kept aside until `finish` (copy on write). */
  protected readonly enrolments: Record<string, Enrolment>;
  protected newEnrolments: Map<string, Enrolment> | undefined;
  readonly effects: Effect[] = [];
  protected cause: Cause = COMMAND;
  /** The snapshot's feature records (SLA instances, approvals, …), until the first write indexes them in `written`. */
  private readonly snapshotRecords: StoredRecord[] | undefined;
  /** The deal's records as of now in this command, by kind and id; made on the first write (most commands write none). */
  private written: Map<string, StoredRecord> | undefined;
  /** Ids made up in this command and not written yet (see newId). */
  protected madeUp: Set<string> | undefined;
  /** Feature values (`sla`, `approval`) templates can name while a feature runs actions. */
  protected templateExtra: Record<string, unknown> | null = null;
  private calendarFallbacks: Set<string> | undefined;
  /** The deal as criteria last saw it in this transition (core/facts.ts). */
  private dealFactMemo: DealFactMemo | undefined;
  private lastCalendar: { choice: string | undefined; pipelineId: string; ownerId: string; calendar: BusinessCalendar } | undefined;

  constructor(
    snapshot: DealSnapshot,
    readonly env: CoreEnv,
  ) {
    this.deal = snapshot.deal;
    this.original = snapshot.deal;
    this.jobs = new JobTable(snapshot.jobs);
    this.enrolments = snapshot.enrolments;
    this.snapshotRecords = snapshot.records;
  }

  requireDeal(): Deal {
    if (!this.deal) throw new DealflowError('NOT_FOUND', 'the deal does not exist (was it deleted?)');
    return this.deal;
  }

  protected checkVersion(expected: number | undefined): void {
    const deal = this.requireDeal();
    if (expected !== undefined && expected !== deal.version) {
      throw new DealflowError('CONFLICT', `deal ${deal.id} is at version ${deal.version}, not ${expected}; reload it and retry`, {
        details: { dealId: deal.id, expected, actual: deal.version },
      });
    }
  }

  pipelineOf(deal: Deal | null): PipelineInfo | undefined {
    return deal ? this.env.pipelines.get(deal.pipelineId) : undefined;
  }

  /** The deal's enrolments after this command: the snapshot's object when no `once` rule fired, else a copy with the new ones. */
  private enrolmentsAfter(): Record<string, Enrolment> {
    const changed = this.newEnrolments;
    if (!changed) return this.enrolments;
    const out = extensibleCopy(this.enrolments);
    for (const [id, e] of changed) out[id] = e;
    return out;
  }

  factsFor(input: FactInput): DealFacts {
    return makeFacts(
      input,
      this.pipelineOf(input.deal)?.pipeline,
      this.env.facts,
      this.env.fallback,
      (this.dealFactMemo ??= { deal: null, pipeline: undefined, value: null }),
    );
  }

  /** The calendar a rule or action follows for the current deal: `pipeline` (default), `owner` or a named one. */
  calendarFor(choice: string | undefined): BusinessCalendar {
    const deal = this.requireDeal();
    // Asked for every scheduled action and every rendered date: the last answer is kept while the
    // choice, pipeline and owner are the same (a fallback is logged the first time either way).
    const last = this.lastCalendar;
    if (last && last.choice === choice && last.pipelineId === deal.pipelineId && last.ownerId === deal.ownerId) return last.calendar;
    const info = this.pipelineOf(deal);
    let book = this.env.calendars ?? defaultCalendars.get(this.env.pipelines);
    if (!book) defaultCalendars.set(this.env.pipelines, (book = new CalendarBook({}, this.env.pipelines.all())));
    const resolved = book.resolve(choice, deal, this.env.users, info?.pipeline.timezone);
    if (resolved.fallback && !this.calendarFallbacks?.has(resolved.fallback)) {
      (this.calendarFallbacks ??= new Set()).add(resolved.fallback);
      this.log('calendar.fallback', { choice, reason: resolved.fallback, using: 'pipeline' });
    }
    this.lastCalendar = { choice, pipelineId: deal.pipelineId, ownerId: deal.ownerId, calendar: resolved.calendar };
    return resolved.calendar;
  }

  /** Adds or replaces a job of the deal (timers re-arm and move theirs); a new one's id came from newId, so it is `fresh`. */
  putJob(job: Job): void {
    this.jobs.set(job);
    this.effects.push(this.madeUp?.delete(job.id) ? { type: 'job.schedule', job, fresh: true } : { type: 'job.schedule', job });
  }

  cancelJob(job: Job, reason: string, extra?: Record<string, unknown>): void {
    if (!this.jobs.deleteJob(job)) return;
    this.effects.push({ type: 'job.cancel', jobId: job.id, reason });
    const { id: jobId, actionId, dueAt } = job;
    // Without extra data, one literal rather than a spread of an empty object.
    const data = extra === undefined ? { jobId, actionId, dueAt, reason } : { jobId, actionId, dueAt, reason, ...extra };
    this.log('job.cancelled', data, job.ruleId, job.dealId);
  }

  withExtra<T>(extra: Record<string, unknown> | undefined, fn: () => T): T {
    if (!extra) return fn();
    const outer = this.templateExtra;
    this.templateExtra = { ...(outer ?? {}), ...extra };
    try {
      return fn();
    } finally {
      this.templateExtra = outer;
    }
  }

  recordsOf(kind: string): StoredRecord[] {
    const out: StoredRecord[] = [];
    for (const r of this.written?.values() ?? this.snapshotRecords ?? []) if (r.kind === kind) out.push(r);
    return out;
  }

  /**
   * An id made up for something this command creates (a record, a timer's job): remembered, so
   * its first write is an insert (`fresh`), never an overwrite of a stored row with that id.
   */
  newId(kind: string): string {
    const id = this.env.ids.next(kind);
    (this.madeUp ??= new Set()).add(id);
    return id;
  }

  /** Keeps a record; the first write of one whose id was made up here is `fresh` (inserted). */
  putRecord(kind: string, id: string, data: Record<string, unknown>): StoredRecord {
    const record: StoredRecord = { kind, id, dealId: this.deal?.id ?? null, at: this.env.now, data };
    let written = this.written;
    if (!written) {
      written = this.written = new Map();
      if (this.snapshotRecords) for (const r of this.snapshotRecords) written.set(recordKey(r.kind, r.id), r);
    }
    written.set(recordKey(kind, id), record);
    this.effects.push(this.madeUp?.delete(id) ? { type: 'record', record, fresh: true } : { type: 'record', record });
    return record;
  }

  /** Renders a template over the deal as it is now; a missing value renders empty and is logged. */
  render(template: string, event: Readonly<Record<string, Json>> | null, sourceId?: string): string {
    if (!template.includes('{{')) return template; // plain text: nothing to look up
    const deal = this.deal;
    const result = renderTemplate(template, {
      deal,
      event,
      now: this.env.now,
      pipeline: this.pipelineOf(deal)?.pipeline,
      // Dates render in the pipeline calendar's timezone (its own, or the pipeline's).
      ...(deal ? { zone: this.calendarFor(undefined).zone } : {}),
      facts: this.env.facts,
      extra: this.templateExtra,
    });
    if (result.missing.length > 0 || result.error) {
      this.log('template.missing', { template, missing: result.missing, ...(result.error ? { error: result.error } : {}) }, sourceId);
    }
    return result.text;
  }

  outboxMessage(kind: OutboxMessage['kind'], key: string, ruleId: string | null, payload: Record<string, unknown>): OutboxMessage {
    return {
      id: this.env.ids.next('msg'),
      key,
      kind,
      dealId: this.deal?.id ?? null,
      ruleId,
      createdAt: this.env.now,
      status: 'pending',
      attempts: 0,
      nextAttemptAt: this.env.now,
      lastError: null,
      payload,
    };
  }

  queueNotification(spec: NotificationSpec, key: string, ruleId: string, event: Readonly<Record<string, Json>> | null = null): void {
    const deal = this.deal;
    const message = this.outboxMessage('notification', key, ruleId, {
      to: spec.to,
      ownerId: deal?.ownerId ?? null,
      template: spec.template,
      subject: spec.subject === undefined ? null : this.render(spec.subject, event, ruleId),
      text: spec.text === undefined ? null : this.render(spec.text, event, ruleId),
      data: spec.data ?? {},
      digest: spec.digest ?? null,
      deal: deal ? { id: deal.id, title: deal.title, amount: deal.amount, currency: deal.currency, stageId: deal.stageId, ownerId: deal.ownerId } : null,
      // Set per recipient when the effects are made final (core/effects/recipients.ts); there
      // already, so each recipient's copy sets a key it has (a spread of one shape), not a new one.
      recipientId: undefined,
    });
    this.effects.push({ type: 'outbox', message });
    this.log('notification.queued', { messageId: message.id, key, to: spec.to, template: spec.template }, ruleId);
  }

  /** Appends to the history; a known type's data is checked against its type (core/history.ts). */
  log<T extends HistoryType>(type: T, data: HistoryData<T>, ruleId?: string, dealId?: string | null): void;
  log<S extends string>(type: S extends HistoryType ? never : S, data: Record<string, unknown>, ruleId?: string, dealId?: string | null): void;
  log(type: string, data: Record<string, unknown>, ruleId?: string, dealId?: string | null): void {
    const id = this.env.ids.next('log');
    const at = this.env.now;
    const deal = dealId ?? this.deal?.id ?? this.original?.id ?? null;
    // `ruleId` in the literal (last, where it was added before), not added after it: a key added to
    // a literal's object goes to a separate property array, for most lines of the history.
    const entry = (ruleId === undefined ? { id, at, dealId: deal, type, data } : { id, at, dealId: deal, type, data, ruleId }) as AnyHistoryEntry;
    this.effects.push({ type: 'log', entry });
  }

  finish(): Outcome {
    let deal = this.deal;
    if (deal && this.original && deal !== this.original) {
      deal = dealWith(deal, { version: this.original.version + 1, updatedAt: this.env.now });
    }
    const enrolments = deal ? this.enrolmentsAfter() : {};
    const snapshot: DealSnapshot = { deal, jobs: this.jobs.toArray(), enrolments };
    const records = this.written ? [...this.written.values()] : this.snapshotRecords;
    if (records && records.length > 0) snapshot.records = records;
    return { snapshot, effects: this.effects };
  }
}

function recordKey(kind: string, id: string): string {
  return `${kind}\u0000${id}`;
}
