import type { Deal, Json } from '../model/deal.js';
import { DealflowError } from '../model/errors.js';
import type { ActionContext } from './actions.js';
import type { CompiledAction, CompiledRule } from './compiled.js';
import { criteriaError, type ConditionTrace } from './criteria.js';
import { DealChanges } from './deal-changes.js';
import type { DealFacts } from './facts.js';
import { evaluatedBy } from './fallback.js';
import type { CoreFeature, FeatureContext, FeatureJobSpec } from './features.js';
import type { PipelineInfo } from './pipelines.js';
import { anchorFieldOf, computeDueAt, isScheduled } from './schedule.js';
import { ActionScope, FeatureScope, TimerScope } from './scopes.js';
import { onOccurrence as timersOnOccurrence, timersApply, type TimerHost } from './time/timers.js';
import type { Enrolment, Job, Occurrence } from './types.js';
import { Cause, type Queued } from './work.js';

// The cascade: occurrences queued breadth-first, the rules each one triggers (criteria, `once`,
// re-enrolment), their actions run now or scheduled as jobs, and the features told of each
// occurrence. Bounded by `maxDepth`.

const NO_FEATURES: ReadonlyArray<CoreFeature> = [];
const NO_JOBS: ReadonlyArray<Job> = [];
/**
 * The features listening per pipeline, worked out once per feature list (module-level, keyed
 * weakly by the engine's feature list, so it lives as long as that list).
 */
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

export abstract class Cascade extends DealChanges {
  private readonly queue: Queued[] = [];
  private factsCache: { q: Queued; deal: Deal | null; facts: DealFacts } | undefined;
  private timerHostCache: TimerHost | undefined;

  protected enqueue(occ: Occurrence, previous: Deal | null, event: Record<string, Json> | null, cause: Cause): void {
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
    if (timersApply(this.env.rules, this.jobs.toArray())) timersOnOccurrence(this.timerHost(), q.occ, q.chain.length === 0);
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
    // The rule's pending jobs matter to `ignore` and `replace` only.
    const pending = rule.reenroll === 'parallel' || this.jobs.size === 0 ? NO_JOBS : this.jobs.ofRule(rule.id);
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
      (this.newEnrolments ??= new Map()).set(rule.id, { ruleId: rule.id, id: enrolmentId });
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
    this.jobs.set(job);
    this.effects.push({ type: 'job.schedule', job, fresh: true });
    this.log('job.scheduled', { jobId: job.id, actionId: action.id, type: action.spec.type, dueAt: job.dueAt, ruleVersion: cr.version }, cr.rule.id);
  }

  protected runAction(cr: CompiledRule, action: CompiledAction, enrolmentId: string, event: Record<string, Json> | null, cause: Cause): void {
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

  protected timerHost(): TimerHost {
    return (this.timerHostCache ??= new TimerScope(this));
  }

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
    this.jobs.set(job);
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
}

/** A rule's log data, plus who evaluated its `when` when json-rules-engine did (added last, as a spread would). */
function withEvaluator<D extends object>(data: D, cr: CompiledRule): D {
  if (cr.fallback?.when) Object.assign(data, evaluatedBy(cr, 'when'));
  return data;
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
