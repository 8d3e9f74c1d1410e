import { dealWith, type Deal, type DealPatch, type Json } from '../model/deal.js';
import { parseDealPath, readParsedPath } from '../model/deal-path.js';
import { DealflowError } from '../model/errors.js';
import { extensibleCopy, withKey } from '../model/records.js';
import type { ExternalEvent } from '../model/event.js';
import type { IdGenerator } from '../ports/ids.js';
import type { ActionContext, ActionRegistry, NotificationSpec } from './actions.js';
import { criteriaError, type ConditionTrace } from './criteria.js';
import type { CoreFeature, FeatureContext, FeatureJobSpec } from './features.js';
import type { Duration } from '../model/duration.js';
import type { DuePolicy } from '../model/calendar.js';
import { checkFieldValue, checkFields } from './field-types.js';
import { makeFacts, type DealFacts, type FactInput, type HostFacts } from './facts.js';
import { evaluatedBy, type FallbackAnswers } from './fallback.js';
import type { PipelineIndex, PipelineInfo } from './pipelines.js';
import type { CompiledAction, CompiledRule, RuleBook } from './rulebook.js';
import { jobAction, resolveJobRule } from './rule-versions.js';
import { anchorFieldOf, computeDueAt, isScheduled } from './schedule.js';
import type { BusinessCalendar } from './time/calendar.js';
import { CalendarBook, type UserTimes } from './time/calendars.js';
import { addDurationIn, businessMinutesBetween } from './time/business.js';
import { isTimerJob, onOccurrence as timersOnOccurrence, timerOccurrence, timersApply, type TimerHost } from './time/timers.js';
import { render as renderTemplate } from './templates.js';
import type { DealSnapshot, Effect, Enrolment, Job, LogEntry, Occurrence, OutboxMessage, StoredRecord } from './types.js';

/** Everything the core reads besides the snapshot and the input. No I/O behind any of it. */
export interface CoreEnv {
  now: string;
  ids: IdGenerator;
  pipelines: PipelineIndex;
  rules: RuleBook;
  actions: ActionRegistry;
  facts: HostFacts;
  /** How deep a cascade may go before the command is rolled back. */
  maxDepth: number;
  /** Core features (SLAs, approvals, …): called after every occurrence, own their jobs and inputs. */
  features?: ReadonlyArray<CoreFeature>;
  /** json-rules-engine's verdicts for fallback criteria so far (see core/fallback.ts); the engine supplies them. */
  fallback?: FallbackAnswers;
  /** Business calendars (named, per pipeline, owners'). Default: each pipeline's, no named ones. */
  calendars?: CalendarBook;
  /** Directory records the engine loaded for this command (the deal's owner), for `owner` calendars. */
  users?: UserTimes;
}

const defaultCalendars = new WeakMap<PipelineIndex, CalendarBook>();

const NO_FEATURES: ReadonlyArray<CoreFeature> = [];
const NO_JOBS: ReadonlyArray<Job> = [];
const listening = new WeakMap<ReadonlyArray<CoreFeature>, Map<string, ReadonlyArray<CoreFeature>>>();

/** The features whose `onOccurrence` can matter for deals of a pipeline, worked out once per pipeline. */
function listeningFeatures(features: ReadonlyArray<CoreFeature> | undefined, info: PipelineInfo | undefined): ReadonlyArray<CoreFeature> {
  if (!features || features.length === 0) return NO_FEATURES;
  let byPipeline = listening.get(features);
  if (!byPipeline) listening.set(features, (byPipeline = new Map()));
  const key = info?.pipeline.id ?? '';
  let list = byPipeline.get(key);
  if (!list) {
    list = features.filter((f) => f.onOccurrence && (!info || !f.listens || f.listens(info.pipeline)));
    byPipeline.set(key, list);
  }
  return list;
}

/** A new deal as the engine hands it to the core: parsed, with defaults applied. */
export interface DealDraft {
  id?: string;
  pipelineId: string;
  stageId?: string;
  ownerId: string;
  title: string;
  amount: number;
  currency: string;
  fields: Record<string, Json>;
  flags: Record<string, boolean>;
}

/** What the pure transition is asked to do to one deal: a command (create, update, move, delete), an event, a launch, a due job, a signal or a feature command. */
export type CoreInput =
  | { type: 'create'; draft: DealDraft }
  | { type: 'update'; patch: DealPatch; expectedVersion?: number }
  | { type: 'move'; stageId: string; expectedVersion?: number }
  | { type: 'delete' }
  /**
   * `externalDeals`: for an event without a deal, the deals earlier events already created under
   * the external ids its `createDeal` actions name (key `pipelineId:externalId` → deal id), loaded
   * by the engine so a duplicate event creates nothing.
   */
  | { type: 'event'; event: ExternalEvent; externalDeals?: Readonly<Record<string, string>> }
  | { type: 'launch'; ruleId: string }
  | { type: 'job'; job: Job }
  /**
   * A trigger raised by an engine feature (an approval decided, a task completed, …): logged,
   * then fed to the rules like any other occurrence. How new trigger types enter the core.
   */
  | { type: 'signal'; occurrence: Occurrence; payload: Record<string, Json> | null; log?: { type: string; data: Record<string, unknown> } }
  /** A command addressed to a core feature by name (decide an approval, complete a task, …). */
  | { type: 'feature'; feature: string; input: unknown };

/** The result of a transition: the deal's next snapshot and the effects to write and run. */
export interface Outcome {
  snapshot: DealSnapshot;
  effects: Effect[];
}

interface Queued {
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
class Cause {
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

const COMMAND = new Cause(0, [], null);

/**
 * The pure transition: (snapshot, input, env) → (next snapshot, effects). It runs nothing:
 * jobs to schedule or cancel, log lines, outbox messages and records are returned for the
 * engine to write in one transaction. Throws a DealflowError for bad input; the caller then
 * discards everything, so a rejected command changes nothing.
 */
export function transition(snapshot: DealSnapshot, input: CoreInput, env: CoreEnv): Outcome {
  const work = new Work(snapshot, env);
  work.start(input);
  work.drain();
  return work.finish();
}

/**
 * One transition's working state. Members without `private` are also used by the scopes at the
 * end of this module (the contexts handed to actions, features and timers), nowhere else.
 */
class Work {
  deal: Deal | null;
  private readonly original: Deal | null;
  readonly jobs: Map<string, Job>;
  /** The snapshot's enrolments (of `once` rules); those this command makes are kept aside until `finish` (copy on write). */
  private readonly enrolments: Record<string, Enrolment>;
  private newEnrolments: Map<string, Enrolment> | undefined;
  readonly effects: Effect[] = [];
  private readonly queue: Queued[] = [];
  private cause: Cause = COMMAND;
  /** For an event without a deal: deals earlier events created, by `pipelineId:externalId`. */
  private externalDeals: Readonly<Record<string, string>> = {};
  private factsCache: { q: Queued; deal: Deal | null; facts: DealFacts } | undefined;
  /** The deal's feature records (SLA instances, approvals, …) as of now in this command. */
  private readonly records: Map<string, StoredRecord>;
  /** Ids made up in this command and not written yet (see newId). */
  private madeUp: Set<string> | undefined;
  /** Feature values (`sla`, `approval`) templates can name while a feature runs actions. */
  private templateExtra: Record<string, unknown> | null = null;

  constructor(
    snapshot: DealSnapshot,
    readonly env: CoreEnv,
  ) {
    this.deal = snapshot.deal;
    this.original = snapshot.deal;
    const jobs = new Map<string, Job>();
    for (const j of snapshot.jobs) jobs.set(j.id, j);
    this.jobs = jobs;
    this.enrolments = snapshot.enrolments;
    const records = new Map<string, StoredRecord>();
    if (snapshot.records) for (const r of snapshot.records) records.set(recordKey(r.kind, r.id), r);
    this.records = records;
  }

  // ---- inputs -------------------------------------------------------------------------------

  start(input: CoreInput): void {
    switch (input.type) {
      case 'create':
        return this.create(input.draft);
      case 'update':
        this.checkVersion(input.expectedVersion);
        return this.update(input.patch);
      case 'move':
        this.checkVersion(input.expectedVersion);
        return this.moveStage(input.stageId);
      case 'delete':
        return this.remove();
      case 'event':
        this.externalDeals = input.externalDeals ?? {};
        return this.receive(input.event);
      case 'launch':
        return this.launch(input.ruleId);
      case 'job':
        return this.runJob(input.job);
      case 'signal':
        if (input.log) this.log(input.log.type, input.log.data);
        return this.enqueue(input.occurrence, this.deal, input.payload, COMMAND);
      case 'feature': {
        const feature = this.env.features?.find((f) => f.name === input.feature);
        if (!feature?.onInput) throw new DealflowError('INVALID_INPUT', `no core feature "${input.feature}" takes commands`);
        return feature.onInput(this.featureContext(feature, null), input.input);
      }
    }
  }

  requireDeal(): Deal {
    if (!this.deal) throw new DealflowError('NOT_FOUND', 'the deal does not exist (was it deleted?)');
    return this.deal;
  }

  private checkVersion(expected: number | undefined): void {
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

  private create(draft: DealDraft, cause: Cause = COMMAND): void {
    if (this.deal) {
      throw new DealflowError('CONFLICT', `a deal with id "${this.deal.id}" already exists; pick another id or omit it`);
    }
    const info = this.env.pipelines.get(draft.pipelineId);
    if (!info) {
      throw new DealflowError('INVALID_INPUT', `unknown pipeline "${draft.pipelineId}"; configure it in createEngine({ pipelines })`);
    }
    const stageId = draft.stageId ?? info.pipeline.stages.find((s) => s.kind === 'open')?.id ?? info.pipeline.stages[0]!.id;
    const stage = info.stages.get(stageId);
    if (!stage) throw unknownStage(stageId, info);
    checkFields(draft.fields, info.pipeline);
    const now = this.env.now;
    const closed = stage.kind === 'won' || stage.kind === 'lost';
    const fields = withoutNulls(draft.fields);
    const deal: Deal = {
      id: draft.id ?? this.env.ids.next('deal'),
      pipelineId: draft.pipelineId,
      stageId,
      ownerId: draft.ownerId,
      title: draft.title,
      amount: draft.amount,
      currency: draft.currency,
      fields,
      flags: { ...draft.flags },
      createdAt: now,
      stageEnteredAt: now,
      updatedAt: now,
      closedAt: closed ? now : null,
      version: 1,
    };
    this.deal = deal;
    this.log('deal.created', cause.ruleId ? { deal, by: cause.ruleId } : { deal }, cause.ruleId ?? undefined);
    this.enqueue({ type: 'deal.created' }, null, null, cause);
    this.enqueue({ type: 'stage.entered', stage: stageId }, null, null, cause);
  }

  /**
   * An action creates the command's deal (an event without a deal: an incoming call, a web
   * order). A second event with the same external id finds the deal the first one created and
   * creates nothing; the existing deal's history says so.
   */
  private createFromAction(draft: DealDraft, externalId: string | undefined, cause: Cause): Deal | null {
    if (this.deal) {
      this.log('deal.notCreated', { reason: `the command already has deal "${this.deal.id}"` }, cause.ruleId ?? undefined);
      return null;
    }
    const key = externalId === undefined ? undefined : `${draft.pipelineId}:${externalId}`;
    const existing = key === undefined ? undefined : this.externalDeals[key];
    if (existing !== undefined) {
      this.log('deal.duplicate', { externalId, pipelineId: draft.pipelineId, dealId: existing }, cause.ruleId ?? undefined, existing);
      return null;
    }
    this.create(draft, cause);
    if (key !== undefined) this.putRecord('external-deal', key, { dealId: this.deal!.id, pipelineId: draft.pipelineId, externalId: externalId! });
    return this.deal;
  }

  private update(patch: DealPatch): void {
    const deal = this.requireDeal();
    const info = this.pipelineOf(deal)!;
    if (patch.fields) checkFields(patch.fields, info.pipeline);
    const changes: Array<[string, Json]> = [];
    for (const key of ['title', 'amount', 'currency', 'ownerId'] as const) {
      if (patch[key] !== undefined) changes.push([key, patch[key] as Json]);
    }
    for (const [k, v] of Object.entries(patch.fields ?? {})) changes.push([`fields.${k}`, v]);
    for (const [k, v] of Object.entries(patch.flags ?? {})) changes.push([`flags.${k}`, v]);
    for (const [path, value] of changes) this.setField(path, value);
  }

  private remove(): void {
    const deal = this.requireDeal();
    for (const job of [...this.jobs.values()]) this.cancelJob(job, 'deal-deleted');
    this.log('deal.deleted', { deal });
    this.deal = null;
  }

  private receive(event: ExternalEvent): void {
    this.log('event.received', { name: event.name, id: event.id ?? null, payload: event.payload });
    this.enqueue({ type: 'event', name: event.name }, this.deal, event.payload, COMMAND);
  }

  private launch(ruleId: string): void {
    const cr = this.env.rules.get(ruleId);
    if (!cr) throw new DealflowError('UNKNOWN_RULE', `no rule with id "${ruleId}"`);
    if (cr.rule.trigger.type !== 'manual') {
      throw new DealflowError('INVALID_INPUT', `rule "${ruleId}" has a ${cr.rule.trigger.type} trigger; only manual rules can be launched`);
    }
    if (!cr.rule.enabled) throw new DealflowError('INVALID_INPUT', `rule "${ruleId}" is disabled`);
    this.requireDeal();
    this.enqueue({ type: 'manual', ruleId }, this.deal, null, COMMAND);
  }

  // ---- the cascade ----------------------------------------------------------------------------

  private enqueue(occ: Occurrence, previous: Deal | null, event: Record<string, Json> | null, cause: Cause): void {
    const depth = cause.ruleId === null ? cause.depth : cause.depth + 1;
    if (depth > this.env.maxDepth) {
      // Past the limit only a change some rule would react to is a runaway cascade — or a feature
      // that keeps changing the deal itself (automatic goals leading in a circle).
      const featureLoop =
        cause.ruleId !== null &&
        cause.chain.indexOf(cause.ruleId) !== cause.chain.lastIndexOf(cause.ruleId) &&
        (this.env.features ?? []).some((f) => f.name === cause.ruleId);
      if (!featureLoop && this.env.rules.match(occ, this.deal?.pipelineId ?? null).length === 0) return;
      throw cascadeLimit(cause.chain, this.env.maxDepth);
    }
    this.queue.push({ occ, depth, chain: cause.chain, previous, event });
  }

  /** Breadth-first: every occurrence of one depth is processed before those it caused. */
  drain(): void {
    for (let i = 0; i < this.queue.length; i++) this.fire(this.queue[i]!);
  }

  private fire(q: Queued): void {
    const candidates = this.env.rules.match(q.occ, this.deal?.pipelineId ?? null);
    for (const cr of candidates) this.fireRule(cr, q);
    // Timer triggers and date-anchored jobs follow the deal; only a command's change is activity.
    if (timersApply(this.env.rules, this.jobs.values())) timersOnOccurrence(this.timerHost(), q.occ, q.chain.length === 0);
    for (const feature of listeningFeatures(this.env.features, this.pipelineOf(this.deal))) {
      const outer = this.cause;
      this.cause = new Cause(q.depth, q.chain, feature.name);
      try {
        feature.onOccurrence!(this.featureContext(feature, q.event), q.occ, q.event);
      } finally {
        this.cause = outer;
      }
    }
  }

  private fireRule(cr: CompiledRule, q: Queued): void {
    const rule = cr.rule;
    const dealId = this.deal?.id ?? null;
    if (rule.once && this.enrolmentOf(rule.id)) {
      this.log('rule.skipped', { reason: 'once', trigger: q.occ }, rule.id);
      return;
    }
    const trace: ConditionTrace[] = [];
    const facts = this.occurrenceFacts(q);
    if (!cr.when(facts, trace)) {
      const reason = criteriaError(trace) === undefined ? 'criteria' : 'criteria-error';
      this.log('rule.skipped', withEvaluator({ reason, trigger: q.occ, criteria: trace }, cr), rule.id);
      return;
    }
    const pending = this.jobs.size === 0 ? NO_JOBS : [...this.jobs.values()].filter((j) => j.ruleId === rule.id);
    if (rule.reenroll === 'ignore' && pending.length > 0) {
      this.log('rule.skipped', { reason: 'already-enrolled', trigger: q.occ }, rule.id);
      return;
    }
    if (rule.reenroll === 'replace') for (const j of pending) this.cancelJob(j, 'replaced-by-reenrolment');
    const enrolmentId = this.env.ids.next('enrolment');
    // Kept for `once` rules only (so always their first): the only decision that reads an enrolment
    // later. The history has every enrolment (rule.fired, with its id); keeping one per rule per
    // deal cost a simulated year 40% of its heap.
    if (dealId !== null && rule.once) {
      (this.newEnrolments ??= new Map()).set(rule.id, { ruleId: rule.id, id: enrolmentId, count: 1, firstAt: this.env.now, lastAt: this.env.now });
    }
    this.log('rule.fired', withEvaluator({ trigger: q.occ, criteria: trace, enrolmentId, depth: q.depth, ruleVersion: cr.version }, cr), rule.id);
    const cause = new Cause(q.depth, q.chain, rule.id);
    for (const action of cr.actions) {
      if (isScheduled(action.spec)) this.schedule(cr, action, enrolmentId, q, cause);
      else this.runAction(cr, action, enrolmentId, q.event, cause);
    }
  }

  private enrolmentOf(ruleId: string): Enrolment | undefined {
    return this.newEnrolments?.get(ruleId) ?? this.enrolments[ruleId];
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
    return makeFacts(input, this.pipelineOf(input.deal)?.pipeline, this.env.facts, this.env.fallback);
  }

  /** Facts are built once per occurrence and reused by its rules until one of them changes the deal. */
  private occurrenceFacts(q: Queued): DealFacts {
    const cached = this.factsCache;
    if (cached && cached.q === q && cached.deal === this.deal) return cached.facts;
    const facts = this.factsFor({ deal: this.deal, previous: q.previous, event: q.event, now: this.env.now });
    this.factsCache = { q, deal: this.deal, facts };
    return facts;
  }

  private schedule(cr: CompiledRule, action: CompiledAction, enrolmentId: string, q: Queued, cause: Cause): void {
    const deal = this.deal;
    if (!deal) {
      this.log('job.skipped', { actionId: action.id, reason: 'a scheduled action needs a deal' }, cr.rule.id);
      return;
    }
    const due = computeDueAt(action.spec, deal, this.env.now, this.calendarFor(action.spec.calendar ?? cr.rule.calendar));
    if ('skip' in due) {
      this.log('job.skipped', { actionId: action.id, reason: due.skip }, cr.rule.id);
      return;
    }
    if (due.dueAt <= this.env.now) {
      // Reaching a stage after a job's due time runs it now, rather than skipping it silently.
      this.log('job.overdue', { actionId: action.id, dueAt: due.dueAt, ranAt: this.env.now }, cr.rule.id);
      this.runAction(cr, action, enrolmentId, q.event, cause);
      return;
    }
    const job: Job = {
      id: this.env.ids.next('job'),
      dealId: deal.id,
      ruleId: cr.rule.id,
      ruleVersion: cr.version,
      enrolmentId,
      actionIndex: action.index,
      actionId: action.id,
      dueAt: due.dueAt,
      stageId: deal.stageId,
      cancelOnStageLeave: action.spec.cancelOnStageLeave ?? cr.rule.trigger.type === 'stage.entered',
      anchorField: anchorFieldOf(action.spec),
      event: q.event,
      createdAt: this.env.now,
    };
    this.jobs.set(job.id, job);
    this.effects.push({ type: 'job.schedule', job, fresh: true });
    this.log('job.scheduled', { jobId: job.id, actionId: action.id, type: action.spec.type, dueAt: job.dueAt, ruleVersion: cr.version }, cr.rule.id);
  }

  private runJob(job: Job): void {
    const current = this.jobs.get(job.id) ?? job;
    if (isTimerJob(current)) return this.runTimer(current);
    const owner = this.env.features?.find((f) => current.ruleId.startsWith(`${f.name}:`));
    if (owner) return this.runFeatureJob(owner, current);
    // Which version the job runs under: its own, or what newer versions' onChange policies say.
    const resolved = resolveJobRule(current, this.env.rules);
    const deal = this.deal;
    const cancel = (reason: string, extra: Record<string, unknown> = {}) => this.cancelJob(current, reason, extra);
    if (!deal) return cancel('deal-gone');
    if (deal.closedAt !== null && current.stageId !== deal.stageId) return cancel('deal-closed');
    if ('cancel' in resolved) return cancel(resolved.cancel, resolved.extra);
    const { cr, note } = resolved;
    if (!cr.rule.enabled) return cancel('rule-disabled', note);
    if (current.cancelOnStageLeave && deal.stageId !== current.stageId) return cancel('left-stage');
    const action = jobAction(cr, current);
    if (!action) return cancel('action-removed', note);
    const facts = this.factsFor({ deal, previous: null, event: current.event, now: this.env.now });
    // What the re-checks saw goes into the history, so `explain` can say why the job ran.
    const checked: Record<string, unknown> = {};
    if (action.spec.recheck) {
      const trace: ConditionTrace[] = [];
      if (!cr.when(facts, trace)) return cancel('criteria-no-longer-hold', { criteria: trace });
      if (trace.length > 0) checked.criteria = trace;
    }
    if (cr.until) {
      const trace: ConditionTrace[] = [];
      if (cr.until(facts, trace)) return cancel('until-met', { criteria: trace });
      checked.until = trace;
    }
    this.jobs.delete(current.id);
    this.effects.push({ type: 'job.done', jobId: current.id });
    this.log('job.ran', { jobId: current.id, actionId: current.actionId, dueAt: current.dueAt, ...note, ...checked }, cr.rule.id);
    this.runAction(cr, action, current.enrolmentId, current.event, new Cause(0, [], cr.rule.id));
  }

  // ---- business time: calendars and timer triggers (core/time) -----------------------------------

  /** The calendar a rule or action follows for the current deal: `pipeline` (default), `owner` or a named one. */
  calendarFor(choice: string | undefined): BusinessCalendar {
    const deal = this.requireDeal();
    const info = this.pipelineOf(deal);
    let book = this.env.calendars ?? defaultCalendars.get(this.env.pipelines);
    if (!book) defaultCalendars.set(this.env.pipelines, (book = new CalendarBook({}, this.env.pipelines.all())));
    const resolved = book.resolve(choice, deal, this.env.users, info?.pipeline.timezone);
    if (resolved.fallback && !this.calendarFallbacks?.has(resolved.fallback)) {
      (this.calendarFallbacks ??= new Set()).add(resolved.fallback);
      this.log('calendar.fallback', { choice, reason: resolved.fallback, using: 'pipeline' });
    }
    return resolved.calendar;
  }

  private calendarFallbacks: Set<string> | undefined;
  private timerHostCache: TimerHost | undefined;

  private timerHost(): TimerHost {
    return (this.timerHostCache ??= new TimerScope(this));
  }

  /** Adds or replaces a job of the deal (timers re-arm and move theirs); a new one's id came from newId, so it is `fresh`. */
  putJob(job: Job): void {
    this.jobs.set(job.id, job);
    this.effects.push(this.madeUp?.delete(job.id) ? { type: 'job.schedule', job, fresh: true } : { type: 'job.schedule', job });
  }

  /** A `stage.idle` or `date.reached` timer came due: its rule gets the occurrence, as time passing. */
  private runTimer(job: Job): void {
    const verdict = timerOccurrence(this.timerHost(), job);
    if ('cancel' in verdict) return this.cancelJob(job, verdict.cancel);
    this.jobs.delete(job.id);
    this.effects.push({ type: 'job.done', jobId: job.id });
    this.log('job.ran', { jobId: job.id, actionId: job.actionId, dueAt: job.dueAt }, job.ruleId);
    this.enqueue(verdict.occ, this.deal, null, COMMAND);
  }

  private runFeatureJob(feature: CoreFeature, job: Job): void {
    if (!this.deal) return this.cancelJob(job, 'deal-gone');
    this.jobs.delete(job.id);
    this.effects.push({ type: 'job.done', jobId: job.id });
    this.log('job.ran', { jobId: job.id, actionId: job.actionId, dueAt: job.dueAt }, job.ruleId);
    this.cause = new Cause(0, [], job.ruleId);
    try {
      feature.onJob?.(this.featureContext(feature, job.event), job);
    } finally {
      this.cause = COMMAND;
    }
  }

  cancelJob(job: Job, reason: string, extra: Record<string, unknown> = {}): void {
    if (!this.jobs.delete(job.id)) return;
    this.effects.push({ type: 'job.cancel', jobId: job.id, reason });
    this.log('job.cancelled', { jobId: job.id, actionId: job.actionId, dueAt: job.dueAt, reason, ...extra }, job.ruleId, job.dealId);
  }

  private runAction(cr: CompiledRule, action: CompiledAction, enrolmentId: string, event: Record<string, Json> | null, cause: Cause): void {
    if (action.def.needsDeal !== false && !this.deal) {
      this.log('action.skipped', { actionId: action.id, type: action.spec.type, reason: 'no deal' }, cr.rule.id);
      return;
    }
    const key = `${enrolmentId}:${action.id}`;
    const outer = this.cause;
    this.cause = cause;
    try {
      const ctx = this.actionContext(cr, action, key, event);
      if (action.def.apply) action.def.apply(ctx, action.params);
      else ctx.enqueueExecution(action.spec.type, action.params as Record<string, unknown>);
    } finally {
      this.cause = outer;
    }
    this.log('action.executed', { actionId: action.id, type: action.spec.type, key }, cr.rule.id);
  }

  private actionContext(cr: CompiledRule, action: CompiledAction, key: string, event: Record<string, Json> | null): ActionContext {
    return new ActionScope(this, cr, action, key, event);
  }

  // ---- features ---------------------------------------------------------------------------------

  /** One context per feature and event: it reads the work's state through getters, so it can be reused. */
  private featureContexts: Map<CoreFeature, FeatureScope> | undefined;

  /** @internal to this module (the scopes below call it). */
  featureContext(feature: CoreFeature, event: Readonly<Record<string, Json>> | null): FeatureContext {
    const cached = this.featureContexts?.get(feature);
    if (cached && cached.event === event) return cached;
    const ctx = new FeatureScope(this, feature, event);
    (this.featureContexts ??= new Map()).set(feature, ctx);
    return ctx;
  }

  /** A feature's job: filled in from the spec and the deal, scheduled, logged. */
  scheduleFeatureJob(feature: CoreFeature, spec: FeatureJobSpec): Job {
    const deal = this.requireDeal();
    const job: Job = {
      id: this.env.ids.next('job'),
      dealId: deal.id,
      ruleId: spec.ruleId,
      enrolmentId: spec.enrolmentId,
      actionIndex: -1,
      actionId: spec.actionId,
      dueAt: spec.dueAt,
      stageId: deal.stageId,
      cancelOnStageLeave: false,
      anchorField: null,
      event: spec.event ?? null,
      createdAt: this.env.now,
    };
    this.jobs.set(job.id, job);
    this.effects.push({ type: 'job.schedule', job, fresh: true });
    this.log('job.scheduled', { jobId: job.id, actionId: job.actionId, type: feature.name, dueAt: job.dueAt }, job.ruleId);
    return job;
  }

  /** A feature runs a rule's immediate actions as if it fired, one level deeper in the cascade. */
  runRuleActions(cr: CompiledRule, enrolmentId: string, event: Readonly<Record<string, Json>> | null): void {
    const cause = new Cause(this.cause.depth, this.cause.chain, cr.rule.id);
    for (const action of cr.actions) this.runAction(cr, action, enrolmentId, event as Record<string, Json> | null, cause);
  }

  /** A feature raises an occurrence (an approval decided, …) under the current cause. */
  raise(occ: Occurrence, payload: Record<string, Json> | null): void {
    this.enqueue(occ, this.deal, payload, this.cause);
  }

  /** An action asks a core feature to take an input. */
  featureInput(name: string, input: unknown, ruleId: string, event: Readonly<Record<string, Json>> | null): void {
    const feature = this.env.features?.find((f) => f.name === name);
    if (!feature?.onInput) throw new DealflowError('INVALID_INPUT', `no core feature "${name}" (rule "${ruleId}")`);
    feature.onInput(this.featureContext(feature, event), input);
  }

  /** An action asks for the command's deal to be created. */
  createDealFromAction(draft: DealDraft, externalId: string | undefined): Deal | null {
    return this.createFromAction(draft, externalId, this.cause);
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
    for (const r of this.records.values()) if (r.kind === kind) out.push(r);
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
    this.records.set(recordKey(kind, id), record);
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
    });
    this.effects.push({ type: 'outbox', message });
    this.log('notification.queued', { messageId: message.id, key, to: spec.to, template: spec.template }, ruleId);
  }

  // ---- changes to the deal ----------------------------------------------------------------------

  setField(path: string, value: Json): void {
    const deal = this.requireDeal();
    const p = parseDealPath(path);
    if (typeof p === 'string') throw new DealflowError('INVALID_INPUT', p);
    const from = readParsedPath(deal, p);
    let next: Deal;
    if (p.kind === 'field') {
      checkFieldValue(p.name, value, this.pipelineOf(deal)!.pipeline);
      const fields = extensibleCopy(deal.fields);
      if (value === null) delete fields[p.name];
      else fields[p.name] = value;
      next = dealWith(deal, { fields });
    } else if (p.kind === 'flag') {
      if (typeof value !== 'boolean') throw new DealflowError('INVALID_INPUT', `flag "${p.name}" must be true or false, not ${JSON.stringify(value)}`);
      next = dealWith(deal, { flags: withKey(deal.flags, p.name, value) });
    } else {
      next = setProperty(deal, p.name, value);
    }
    const to = readParsedPath(next, p);
    if (sameJsonValue(from, to)) return;
    this.deal = next;
    this.log(
      'deal.updated',
      { changes: [{ field: path, from: from ?? null, to: to ?? null }], by: this.cause.ruleId ?? 'command' },
      this.cause.ruleId ?? undefined,
    );
    this.enqueue({ type: 'field.changed', field: path, from, to }, deal, null, this.cause);
  }

  moveStage(stageId: string): void {
    const deal = this.requireDeal();
    const info = this.pipelineOf(deal)!;
    const stage = info.stages.get(stageId);
    if (!stage) throw unknownStage(stageId, info);
    if (deal.stageId === stageId) return;
    const closed = stage.kind === 'won' || stage.kind === 'lost';
    const from = deal.stageId;
    this.deal = dealWith(deal, { stageId, stageEnteredAt: this.env.now, closedAt: closed ? (deal.closedAt ?? this.env.now) : null });
    this.log('stage.changed', { from, to: stageId, by: this.cause.ruleId ?? 'command' }, this.cause.ruleId ?? undefined);
    for (const job of [...this.jobs.values()]) {
      if (closed) this.cancelJob(job, 'deal-closed');
      else if (job.cancelOnStageLeave && job.stageId === from) this.cancelJob(job, 'left-stage');
    }
    this.enqueue({ type: 'stage.left', stage: from }, deal, null, this.cause);
    this.enqueue({ type: 'stage.entered', stage: stageId }, deal, null, this.cause);
  }

  // ---- output -----------------------------------------------------------------------------------

  log(type: string, data: Record<string, unknown>, ruleId?: string, dealId?: string | null): void {
    const entry: LogEntry = { id: this.env.ids.next('log'), at: this.env.now, dealId: dealId ?? this.deal?.id ?? this.original?.id ?? null, type, data };
    if (ruleId !== undefined) entry.ruleId = ruleId;
    this.effects.push({ type: 'log', entry });
  }

  finish(): Outcome {
    let deal = this.deal;
    if (deal && this.original && deal !== this.original) {
      deal = dealWith(deal, { version: this.original.version + 1, updatedAt: this.env.now });
    }
    const enrolments = deal ? this.enrolmentsAfter() : {};
    const snapshot: DealSnapshot = { deal, jobs: [...this.jobs.values()], enrolments };
    if (this.records.size > 0) snapshot.records = [...this.records.values()];
    return { snapshot, effects: this.effects };
  }
}

/** A rule's log data, plus who evaluated its `when` when json-rules-engine did (added last, as a spread would). */
function withEvaluator(data: Record<string, unknown>, cr: CompiledRule): Record<string, unknown> {
  if (cr.fallback?.when) Object.assign(data, evaluatedBy(cr, 'when'));
  return data;
}

/** Equal as JSON: primitives by value (no serialising), objects and arrays by their JSON text. */
function sameJsonValue(a: Json | undefined, b: Json | undefined): boolean {
  if (a === b) return true;
  if ((typeof a !== 'object' || a === null) && (typeof b !== 'object' || b === null)) return false;
  return JSON.stringify(a) === JSON.stringify(b);
}

function recordKey(kind: string, id: string): string {
  return `${kind}\u0000${id}`;
}

function setProperty(deal: Deal, name: string, value: Json): Deal {
  switch (name) {
    case 'title':
    case 'currency':
    case 'ownerId':
      if (typeof value !== 'string' || (name === 'ownerId' && value === '')) {
        throw new DealflowError('INVALID_INPUT', `${name} must be a non-empty string, not ${JSON.stringify(value)}`);
      }
      return dealWith(deal, { [name]: value });
    case 'amount':
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        throw new DealflowError('INVALID_INPUT', `amount must be a finite number, not ${JSON.stringify(value)}`);
      }
      return dealWith(deal, { amount: value });
    default:
      throw new DealflowError('INVALID_INPUT', `"${name}" cannot be set; use moveDeal for the stage`);
  }
}

function withoutNulls(fields: Record<string, Json>): Record<string, Json> {
  const out: Record<string, Json> = {};
  for (const [k, v] of Object.entries(fields)) if (v !== null) out[k] = v;
  return out;
}

function unknownStage(stageId: string, info: PipelineInfo): DealflowError {
  return new DealflowError(
    'UNKNOWN_STAGE',
    `unknown stage "${stageId}" in pipeline "${info.pipeline.id}"; its stages are ${info.pipeline.stages.map((s) => s.id).join(', ')}`,
    { details: { stageId, pipelineId: info.pipeline.id } },
  );
}

function cascadeLimit(chain: string[], maxDepth: number): DealflowError {
  const counts = new Map<string, number>();
  for (const id of chain) counts.set(id, (counts.get(id) ?? 0) + 1);
  const looping = [...counts.keys()].filter((id) => counts.get(id)! > 1);
  const rules = looping.length > 0 ? looping : [...counts.keys()];
  return new DealflowError(
    'CASCADE_LIMIT',
    `the cascade went deeper than ${maxDepth} levels; rules ${rules.join(', ')} keep triggering each other (${chain.slice(-2 * rules.length - 1).join(' → ')}). The command was rolled back; change their triggers or criteria so the loop ends.`,
    { details: { rules, chain } },
  );
}

// ---- the contexts actions, features and timers see -----------------------------------------------
//
// One object each, its state in fields. Methods are getters that return an arrow function: a call
// `ctx.notify(spec)` costs one small closure, and `const { notify } = ctx` still works, where a
// prototype method would lose its `this`. (An object literal of closures, as before, built about
// twenty-five of them for every occurrence and feature, whether used or not.)

/** What an action's `apply` sees; its outbox keys are `key`, then `key#2`, `key#3`, … */
class ActionScope implements ActionContext {
  private outboxCount = 0;

  constructor(
    private readonly work: Work,
    private readonly cr: CompiledRule,
    private readonly action: CompiledAction,
    readonly key: string,
    readonly event: Record<string, Json> | null,
  ) {}

  get deal(): Deal | null {
    return this.work.deal;
  }
  get pipeline() {
    return this.work.pipelineOf(this.work.deal)?.pipeline ?? null;
  }
  get rule() {
    return this.cr.rule;
  }
  get actionId() {
    return this.action.id;
  }
  get now() {
    return this.work.env.now;
  }
  private nextKey(): string {
    return this.outboxCount++ === 0 ? this.key : `${this.key}#${this.outboxCount}`;
  }
  get setField() {
    return (path: string, value: Json): void => this.work.setField(path, value);
  }
  get moveStage() {
    return (stageId: string): void => this.work.moveStage(stageId);
  }
  get notify() {
    return (spec: NotificationSpec): void => this.work.queueNotification(spec, this.nextKey(), this.cr.rule.id, this.event);
  }
  get enqueueExecution() {
    return (type: string, params: Record<string, unknown>): void => {
      const work = this.work;
      const ruleId = this.cr.rule.id;
      const message = work.outboxMessage('action', this.nextKey(), ruleId, { type, params, event: this.event, deal: work.deal });
      work.effects.push({ type: 'outbox', message });
      work.log('outbox.queued', { messageId: message.id, key: message.key, type }, ruleId);
    };
  }
  get record() {
    return (kind: string, data: Record<string, unknown>, id?: string): string => this.work.putRecord(kind, id ?? this.work.newId(kind), data).id;
  }
  get log() {
    return (type: string, data: Record<string, unknown>): void => this.work.log(type, data, this.cr.rule.id);
  }
  get newId() {
    return (kind: string): string => this.work.newId(kind);
  }
  get records() {
    return (kind: string): StoredRecord[] => this.work.recordsOf(kind);
  }
  get render() {
    return (template: string): string => this.work.render(template, this.event, this.cr.rule.id);
  }
  get feature() {
    return (name: string, input: unknown): void => this.work.featureInput(name, input, this.cr.rule.id, this.event);
  }
  get createDeal() {
    return (draft: DealDraft, options?: { externalId?: string }): Deal | null => this.work.createDealFromAction(draft, options?.externalId);
  }
}

/** What a feature hook sees; one per feature and event within a transition. */
class FeatureScope implements FeatureContext {
  constructor(
    private readonly work: Work,
    private readonly feature: CoreFeature,
    readonly event: Readonly<Record<string, Json>> | null,
  ) {}

  get deal(): Deal | null {
    return this.work.deal;
  }
  get pipeline() {
    return this.work.pipelineOf(this.work.deal)?.pipeline ?? null;
  }
  get now() {
    return this.work.env.now;
  }
  get facts() {
    return (ev?: Readonly<Record<string, Json>> | null): DealFacts => {
      const work = this.work;
      return work.factsFor({ deal: work.deal, previous: null, event: (ev === undefined ? this.event : ev) as Record<string, Json> | null, now: work.env.now });
    };
  }
  get records() {
    return (kind: string): StoredRecord[] => this.work.recordsOf(kind);
  }
  get putRecord() {
    return (kind: string, id: string, data: Record<string, unknown>): StoredRecord => this.work.putRecord(kind, id, data);
  }
  get jobs() {
    return (): Job[] => [...this.work.jobs.values()];
  }
  get schedule() {
    return (spec: FeatureJobSpec): Job => this.work.scheduleFeatureJob(this.feature, spec);
  }
  get cancelJob() {
    return (jobId: string, reason: string): void => {
      const job = this.work.jobs.get(jobId);
      if (job) this.work.cancelJob(job, reason);
    };
  }
  get raise() {
    return (occ: Occurrence, payload: Record<string, Json> | null): void => this.work.raise(occ, payload);
  }
  get setField() {
    return (path: string, value: Json): void => this.work.setField(path, value);
  }
  get moveStage() {
    return (stageId: string): void => this.work.moveStage(stageId);
  }
  get notify() {
    return (spec: NotificationSpec, key: string, sourceId: string, extra?: Record<string, unknown>): void =>
      this.work.withExtra(extra, () => this.work.queueNotification(spec, key, sourceId, this.event));
  }
  get render() {
    return (template: string, extra?: Record<string, unknown>, sourceId?: string): string =>
      this.work.withExtra(extra, () => this.work.render(template, this.event, sourceId ?? this.feature.name));
  }
  get runActions() {
    return (cr: CompiledRule, enrolmentId: string, ev: Readonly<Record<string, Json>> | null, extra?: Record<string, unknown>): void =>
      this.work.withExtra(extra, () => this.work.runRuleActions(cr, enrolmentId, ev));
  }
  get log() {
    return (type: string, data: Record<string, unknown>, sourceId?: string): void => this.work.log(type, data, sourceId);
  }
  get addTime() {
    return (from: string, duration: Duration, options: { calendar?: string; policy?: DuePolicy } = {}): string =>
      addDurationIn(this.work.calendarFor(options.calendar), from, duration, options.policy);
  }
  get workingMinutes() {
    return (from: string, to: string, options: { calendar?: string } = {}): number => businessMinutesBetween(this.work.calendarFor(options.calendar), from, to);
  }
  get newId() {
    return (kind: string): string => this.work.newId(kind);
  }
}

/** What the timers (core/time/timers.ts) see of the transition. */
class TimerScope implements TimerHost {
  constructor(private readonly work: Work) {}

  get deal(): Deal | null {
    return this.work.deal;
  }
  get now() {
    return this.work.env.now;
  }
  get rules() {
    return this.work.env.rules;
  }
  jobs(): Job[] {
    return [...this.work.jobs.values()];
  }
  newId(kind: string): string {
    return this.work.newId(kind);
  }
  putJob(job: Job): void {
    this.work.putJob(job);
  }
  cancelJob(job: Job, reason: string, extra?: Record<string, unknown>): void {
    this.work.cancelJob(job, reason, extra);
  }
  log(type: string, data: Record<string, unknown>, ruleId?: string): void {
    this.work.log(type, data, ruleId);
  }
  calendarFor(choice: string | undefined): BusinessCalendar {
    return this.work.calendarFor(choice);
  }
}
