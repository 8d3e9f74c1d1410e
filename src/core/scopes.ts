import type { Deal, Json } from '../model/deal.js';
import type { DuePolicy } from '../model/calendar.js';
import type { Duration } from '../model/duration.js';
import type { ActionContext, NotificationSpec } from './actions.js';
import type { CompiledAction, CompiledRule } from './compiled.js';
import type { CoreEnv } from './env.js';
import type { DealFacts } from './facts.js';
import type { CoreFeature, FeatureContext, FeatureJobSpec } from './features.js';
import type { PipelineInfo } from './pipelines.js';
import { addDurationIn, businessMinutesBetween } from './time/business.js';
import type { BusinessCalendar } from './time/calendar.js';
import type { TimerHost } from './time/timers.js';
import type { HistoryLog } from './history.js';
import type { JobTable } from './job-table.js';
import type { DealDraft, Effect, FactInput, Job, Occurrence, OutboxMessage, StoredRecord } from './types.js';

/**
 * What the scopes use of a transition's working state (core/work.ts and the layers on it). An
 * interface here, so that this module need not import the working state (which imports it).
 */
export interface ScopeHost {
  readonly deal: Deal | null;
  readonly env: CoreEnv;
  readonly jobs: JobTable;
  readonly effects: Effect[];
  pipelineOf(deal: Deal | null): PipelineInfo | undefined;
  setField(path: string, value: Json): void;
  moveStage(stageId: string): void;
  queueNotification(spec: NotificationSpec, key: string, ruleId: string, event?: Readonly<Record<string, Json>> | null): void;
  outboxMessage(kind: OutboxMessage['kind'], key: string, ruleId: string | null, payload: Record<string, unknown>): OutboxMessage;
  log: HistoryLog<[ruleId?: string, dealId?: string | null]>;
  putRecord(kind: string, id: string, data: Record<string, unknown>): StoredRecord;
  newId(kind: string): string;
  recordsOf(kind: string): StoredRecord[];
  render(template: string, event: Readonly<Record<string, Json>> | null, sourceId?: string): string;
  featureInput(name: string, input: unknown, ruleId: string, event: Readonly<Record<string, Json>> | null): void;
  createDealFromAction(draft: DealDraft, externalId: string | undefined): Deal | null;
  factsFor(input: FactInput): DealFacts;
  scheduleFeatureJob(feature: CoreFeature, spec: FeatureJobSpec): Job;
  cancelJob(job: Job, reason: string, extra?: Record<string, unknown>): void;
  putJob(job: Job): void;
  raise(occ: Occurrence, payload: Record<string, Json> | null): void;
  withExtra<T>(extra: Record<string, unknown> | undefined, fn: () => T): T;
  runRuleActions(cr: CompiledRule, enrolmentId: string, event: Readonly<Record<string, Json>> | null): void;
  calendarFor(choice: string | undefined): BusinessCalendar;
}

// ---- the contexts actions, features and timers see -----------------------------------------------
//
// One object each, its state in fields. Methods are getters that return an arrow function: a call
// `ctx.notify(spec)` costs one small closure, and `const { notify } = ctx` still works, where a
// prototype method would lose its `this`. (An object literal of closures, as before, built about
// twenty-five of them for every occurrence and feature, whether used or not.)

/** What an action's `apply` sees; its outbox keys are `key`, then `key#2`, `key#3`, … */
export class ActionScope implements ActionContext {
  private outboxCount = 0;

  constructor(
    private readonly work: ScopeHost,
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
export class FeatureScope implements FeatureContext {
  constructor(
    private readonly work: ScopeHost,
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
export class TimerScope implements TimerHost {
  constructor(private readonly work: ScopeHost) {}

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
