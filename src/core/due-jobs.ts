import type { Job } from './types.js';
import type { CoreFeature } from './features.js';
import type { ConditionTrace } from './criteria.js';
import { jobAction, resolveJobRule } from './rule-versions.js';
import { afterTimer, isTimerJob, timerOccurrence } from './time/timers.js';
import { Cascade } from './cascade.js';
import { COMMAND, Cause } from './work.js';

// A due job, re-checked before it runs: the deal still there and open, its rule's version (the
// `onChange` policies of newer versions, core/rule-versions.ts), the rule enabled, the stage,
// the action, `recheck` criteria and `until`. Timer jobs (core/time/timers.ts) and feature jobs
// take their own ways.

/** The chain before a due job's rule: none (a shared empty array; a Cause never changes its `before`). */
const NO_CHAIN: ReadonlyArray<string> = [];

export abstract class DueJobs extends Cascade {
  protected runJob(job: Job): void {
    const current = this.jobs.current(job) ?? job;
    if (isTimerJob(current)) return this.runTimer(current);
    const owner = featureOfJob(this.env.features, current.ruleId);
    if (owner) return this.runFeatureJob(owner, current);
    // Which version the job runs under: its own, or what newer versions' onChange policies say.
    const resolved = resolveJobRule(current, this.env.rules);
    const deal = this.deal;
    if (!deal) return this.cancelJob(current, 'deal-gone');
    if (deal.closedAt !== null && current.stageId !== deal.stageId) return this.cancelJob(current, 'deal-closed');
    if ('cancel' in resolved) return this.cancelJob(current, resolved.cancel, resolved.extra);
    const cr = resolved.cr;
    // null: the version it was scheduled under, still current (the usual case; no object for it).
    const note = resolved.note;
    if (!cr.rule.enabled) return this.cancelJob(current, 'rule-disabled', note ?? { ruleVersion: cr.version });
    if (current.cancelOnStageLeave && deal.stageId !== current.stageId) return this.cancelJob(current, 'left-stage');
    const action = jobAction(cr, current);
    if (!action) return this.cancelJob(current, 'action-removed', note ?? { ruleVersion: cr.version });
    // What the re-checks saw goes into the history, so `explain` can say why the job ran.
    let criteria: ConditionTrace[] | undefined;
    let until: ConditionTrace[] | undefined;
    if (action.spec.recheck || cr.until) {
      const facts = this.factsFor({ deal, previous: null, event: current.event, now: this.env.now });
      if (action.spec.recheck) {
        const trace: ConditionTrace[] = [];
        if (!cr.when(facts, trace)) return this.cancelJob(current, 'criteria-no-longer-hold', { criteria: trace });
        if (trace.length > 0) criteria = trace;
      }
      if (cr.until) {
        const trace: ConditionTrace[] = [];
        if (cr.until(facts, trace)) return this.cancelJob(current, 'until-met', { criteria: trace });
        until = trace;
      }
    }
    this.jobs.deleteJob(current);
    this.effects.push({ type: 'job.done', jobId: current.id });
    const { id: jobId, actionId, dueAt } = current;
    // The usual line is one literal; otherwise as a spread of the note and the checks would have it.
    const data =
      note === null && criteria === undefined
        ? until === undefined
          ? { jobId, actionId, dueAt, ruleVersion: cr.version }
          : { jobId, actionId, dueAt, ruleVersion: cr.version, until }
        : { jobId, actionId, dueAt, ...(note ?? { ruleVersion: cr.version }), ...(criteria ? { criteria } : {}), ...(until ? { until } : {}) };
    this.log('job.ran', data, cr.rule.id);
    this.runAction(cr, action, current.enrolmentId, current.event, new Cause(0, NO_CHAIN, cr.rule.id));
  }

  /** A `stage.idle`, `date.reached` or `schedule` timer came due: its rule gets the occurrence, as time passing. */
  private runTimer(job: Job): void {
    const verdict = timerOccurrence(this.timerHost(), job);
    if ('cancel' in verdict) return this.cancelJob(job, verdict.cancel);
    this.jobs.deleteJob(job);
    this.effects.push({ type: 'job.done', jobId: job.id });
    this.log('job.ran', { jobId: job.id, actionId: job.actionId, dueAt: job.dueAt }, job.ruleId);
    this.enqueue(verdict.occ, this.deal, null, COMMAND);
    // A recurring (`schedule`) timer is re-armed for its next time; the others fire once.
    afterTimer(this.timerHost(), job);
  }

  private runFeatureJob(feature: CoreFeature, job: Job): void {
    if (!this.deal) return this.cancelJob(job, 'deal-gone');
    this.jobs.deleteJob(job);
    this.effects.push({ type: 'job.done', jobId: job.id });
    this.log('job.ran', { jobId: job.id, actionId: job.actionId, dueAt: job.dueAt }, job.ruleId);
    this.cause = new Cause(0, [], job.ruleId);
    try {
      feature.onJob?.(this.featureContext(feature, job.event), job);
    } finally {
      this.cause = COMMAND;
    }
  }
}

/**
 * The feature whose job this is (feature jobs' rule ids are `<feature>:<…>`), found without
 * making a `<name>:` string per feature per job.
 */
function featureOfJob(features: ReadonlyArray<CoreFeature> | undefined, ruleId: string): CoreFeature | undefined {
  if (!features) return undefined;
  for (const f of features) {
    const n = f.name.length;
    if (ruleId.length > n && ruleId.charCodeAt(n) === 58 /* ':' */ && ruleId.startsWith(f.name)) return f;
  }
  return undefined;
}
