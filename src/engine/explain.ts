import type { ConditionTrace } from '../core/criteria.js';
import type { Job, AnyHistoryEntry } from '../core/types.js';
import type { Deal } from '../model/deal.js';
import type { Rule } from '../model/rule.js';

/** One time a rule's trigger matched the deal, and whether it fired. */
export interface TriggerMatch {
  at: string;
  /** The occurrence as it happened (`{ type: 'stage.entered', stage: 'proposal' }`, …). */
  trigger: Record<string, unknown>;
  outcome: 'fired' | 'skipped';
  /** Why it did not fire: `criteria`, `once`, `already-enrolled`. */
  reason?: string;
  /** Each condition evaluated, with the fact value it saw and its result (evaluation stops at the first deciding one). */
  conditions: ConditionTrace[];
  ruleVersion?: number;
  /** Set when json-rules-engine evaluated the criteria (a custom operator or an async fact), with why. */
  evaluator?: 'json-rules-engine';
  fallbackReason?: string;
}

/** What became of one scheduled action. */
export interface JobStory {
  jobId: string;
  actionId: string;
  scheduledAt: string;
  dueAt: string;
  ruleVersion: number | null;
  status: 'pending' | 'ran' | 'cancelled' | 'failed';
  endedAt: string | null;
  /** Why it was cancelled (`until-met`, `left-stage`, `criteria-no-longer-hold`, `rule-changed`, …) or failed. */
  reason: string | null;
  /** The rule's criteria as re-checked when the job came due (cancelled by them, or held when it ran). */
  conditions: ConditionTrace[];
  /** The rule's `until` as checked when the job came due (it held: cancelled; it did not: the job ran). */
  until: ConditionTrace[];
  /** Version bookkeeping for a job that ran or was cancelled under another version than its own. */
  versions: Record<string, unknown> | null;
}

/** What became of a rule for a deal: it fired, its trigger matched but it was skipped, it was never triggered, it is disabled, or it belongs to another pipeline. */
export type RuleVerdict = 'fired' | 'skipped' | 'not-triggered' | 'disabled' | 'other-pipeline';

/** Why one rule did or did not act on a deal: the verdict, a sentence saying why, and the trigger matches and jobs behind it. */
export interface RuleExplanation {
  ruleId: string;
  name: string | null;
  /** The rule's current version; null if it is no longer in the rule set. */
  version: number | null;
  inRuleSet: boolean;
  trigger: Rule['trigger'] | null;
  verdict: RuleVerdict;
  /** In words: why it fired, or why it did not. */
  why: string;
  matches: TriggerMatch[];
  jobs: JobStory[];
  /** Actions that ran (immediately when it fired, or as jobs). */
  actions: Array<{ at: string; actionId: string; type: string }>;
}

/** What `engine.explain` returns: the deal and, for each rule, what became of it and why. */
export interface DealExplanation {
  dealId: string;
  /** The deal now, or null if it was deleted. */
  deal: Deal | null;
  rules: RuleExplanation[];
}

export interface ExplainInput {
  dealId: string;
  deal: Deal | null;
  /** The deal's log, oldest first. */
  log: ReadonlyArray<AnyHistoryEntry>;
  pendingJobs: ReadonlyArray<Job>;
  /** The current rule set. */
  rules: ReadonlyArray<Rule>;
  /** Only this rule. */
  ruleId?: string;
}

/**
 * "Why did it fire, why didn't it": reads a deal's log (the `rule.fired` / `rule.skipped`
 * entries carry the condition traces) and its pending jobs, and tells per rule whether its trigger
 * matched, what each condition saw, what was scheduled, what ran and what was cancelled and why.
 * Rules whose trigger never matched the deal say what they were waiting for. Pure.
 */
export function explainDeal(input: ExplainInput): DealExplanation {
  const current = new Map(input.rules.map((r) => [r.id, r]));
  const ids: string[] = input.rules.map((r) => r.id);
  for (const e of input.log) if (e.ruleId && !current.has(e.ruleId) && !ids.includes(e.ruleId) && isRuleEntry(e)) ids.push(e.ruleId);
  const wanted = input.ruleId === undefined ? ids : ids.filter((id) => id === input.ruleId);
  if (input.ruleId !== undefined && wanted.length === 0) wanted.push(input.ruleId);
  const pipelineId = input.deal?.pipelineId ?? createdDeal(input.log)?.pipelineId ?? null;
  return {
    dealId: input.dealId,
    deal: input.deal,
    rules: wanted.map((id) => explainRule(id, current.get(id) ?? null, input, pipelineId)),
  };
}

function isRuleEntry(e: AnyHistoryEntry): boolean {
  return e.type === 'rule.fired' || e.type === 'rule.skipped' || e.type.startsWith('job.');
}

function explainRule(ruleId: string, rule: Rule | null, input: ExplainInput, pipelineId: string | null): RuleExplanation {
  const matches: TriggerMatch[] = [];
  const jobs = new Map<string, JobStory>();
  const actions: RuleExplanation['actions'] = [];
  for (const e of input.log) {
    if (e.ruleId !== ruleId) continue;
    const d = e.data;
    switch (e.type) {
      case 'rule.fired':
      case 'rule.skipped': {
        const m: TriggerMatch = {
          at: e.at,
          trigger: (d.trigger ?? {}) as Record<string, unknown>,
          outcome: e.type === 'rule.fired' ? 'fired' : 'skipped',
          conditions: (d.criteria ?? []) as ConditionTrace[],
        };
        if (e.type === 'rule.skipped') m.reason = String(d.reason);
        if (typeof d.ruleVersion === 'number') m.ruleVersion = d.ruleVersion;
        if (d.evaluator === 'json-rules-engine') {
          m.evaluator = 'json-rules-engine';
          m.fallbackReason = String(d.fallbackReason);
        }
        matches.push(m);
        break;
      }
      case 'job.scheduled':
        jobs.set(String(d.jobId), {
          jobId: String(d.jobId),
          actionId: String(d.actionId),
          scheduledAt: e.at,
          dueAt: String(d.dueAt),
          ruleVersion: typeof d.ruleVersion === 'number' ? d.ruleVersion : null,
          status: 'pending',
          endedAt: null,
          reason: null,
          conditions: [],
          until: [],
          versions: null,
        });
        break;
      case 'job.ran':
      case 'job.cancelled':
      case 'job.failed': {
        const job = jobs.get(String(d.jobId));
        if (!job) break;
        job.status = e.type === 'job.ran' ? 'ran' : e.type === 'job.cancelled' ? 'cancelled' : 'failed';
        job.endedAt = e.at;
        if (e.type === 'job.cancelled') job.reason = String(d.reason);
        if (e.type === 'job.failed') job.reason = `${String(d.code ?? 'error')}: ${String(d.error)}`;
        const criteria = Array.isArray(d.criteria) ? (d.criteria as ConditionTrace[]) : [];
        // An until-met cancellation logs the until conditions as its criteria.
        if (d.reason === 'until-met') job.until = criteria;
        else job.conditions = criteria;
        if (Array.isArray(d.until)) job.until = d.until as ConditionTrace[];
        job.versions = versionNote(d, job.ruleVersion);
        break;
      }
      case 'action.executed':
        actions.push({ at: e.at, actionId: String(d.actionId), type: String(d.type) });
        break;
    }
  }
  for (const job of input.pendingJobs) {
    if (job.ruleId === ruleId && !jobs.has(job.id)) {
      jobs.set(job.id, {
        jobId: job.id,
        actionId: job.actionId,
        scheduledAt: job.createdAt,
        dueAt: job.dueAt,
        ruleVersion: job.ruleVersion ?? null,
        status: 'pending',
        endedAt: null,
        reason: null,
        conditions: [],
        until: [],
        versions: null,
      });
    }
  }
  const { verdict, why } = verdictOf(rule, matches, [...jobs.values()], input, pipelineId);
  return {
    ruleId,
    name: rule?.name ?? null,
    version: rule?.version ?? null,
    inRuleSet: rule !== null,
    trigger: rule?.trigger ?? null,
    verdict,
    why,
    matches,
    jobs: [...jobs.values()],
    actions,
  };
}

function versionNote(d: Record<string, unknown>, scheduled: number | null): Record<string, unknown> | null {
  const note: Record<string, unknown> = {};
  for (const k of ['ruleVersion', 'scheduledVersion', 'currentVersion', 'version', 'policy', 'ruleRemoved', 'ruleDisabled'])
    if (d[k] !== undefined) note[k] = d[k];
  const moved = note.policy !== undefined || (note.ruleVersion !== undefined && note.ruleVersion !== scheduled);
  return moved ? note : null;
}

function verdictOf(
  rule: Rule | null,
  matches: TriggerMatch[],
  jobs: JobStory[],
  input: ExplainInput,
  pipelineId: string | null,
): { verdict: RuleVerdict; why: string } {
  const fired = matches.filter((m) => m.outcome === 'fired');
  const skipped = matches.filter((m) => m.outcome === 'skipped');
  const jobText = jobsInWords(jobs);
  if (fired.length > 0) {
    const held = fired[fired.length - 1]!.conditions;
    const criteria = held.length > 0 ? `; its criteria held (${held.map(conditionText).join(', ')})` : '';
    const also = skipped.length > 0 ? `; skipped ${skipped.length} other time(s): ${skipText(skipped[skipped.length - 1]!)}` : '';
    return {
      verdict: 'fired',
      why: `fired ${times(fired.length)} (last on ${triggerText(fired[fired.length - 1]!.trigger)} at ${fired[fired.length - 1]!.at})${criteria}${also}${jobText}`,
    };
  }
  if (skipped.length > 0) {
    const last = skipped[skipped.length - 1]!;
    return { verdict: 'skipped', why: `its trigger matched ${times(skipped.length)} but it did not fire: ${skipText(last)}${jobText}` };
  }
  if (!rule) return { verdict: 'not-triggered', why: `the rule is no longer in the rule set${jobText}` };
  if (!rule.enabled) return { verdict: 'disabled', why: `the rule is disabled${jobText}` };
  if (rule.pipelineId !== undefined && pipelineId !== null && rule.pipelineId !== pipelineId) {
    return { verdict: 'other-pipeline', why: `the rule applies to pipeline "${rule.pipelineId}"; the deal is in "${pipelineId}"` };
  }
  return { verdict: 'not-triggered', why: `${waitingFor(rule, input.log)}${jobText}` };
}

/** What a rule's trigger waits for, and what the deal's history shows instead. */
function waitingFor(rule: Rule, log: ReadonlyArray<AnyHistoryEntry>): string {
  const t = rule.trigger as { type: string; stage?: string; field?: string; name?: string; from?: unknown; to?: unknown };
  const loadedLater = ' (it happened before this rule, or this version of it, was loaded)';
  switch (t.type) {
    case 'deal.created':
      return `its trigger never matched: it fires when a deal is created${log.some((e) => e.type === 'deal.created') ? `, and this deal was created at ${log.find((e) => e.type === 'deal.created')!.at}${loadedLater}` : ''}`;
    case 'stage.entered':
    case 'stage.left': {
      const visited = stagesVisited(log);
      const was = visited.includes(t.stage!);
      const verb = t.type === 'stage.entered' ? 'entered' : 'left';
      if (!was) return `its trigger never matched: the deal never ${verb} stage "${t.stage}" (its stages: ${visited.join(' → ') || 'unknown'})`;
      return `its trigger never matched: the deal was in stage "${t.stage}"${loadedLater}`;
    }
    case 'field.changed': {
      const changes = fieldChanges(log, t.field!);
      const filter = `${t.from !== undefined ? ` from ${JSON.stringify(t.from)}` : ''}${t.to !== undefined ? ` to ${JSON.stringify(t.to)}` : ''}`;
      if (changes.length === 0) return `its trigger never matched: ${t.field} never changed`;
      return `its trigger never matched: ${t.field} changed ${changes.map((c) => `${JSON.stringify(c.from)} → ${JSON.stringify(c.to)}`).join(', ')}, never${filter || ' while the rule was loaded'}`;
    }
    case 'event': {
      const names = [...new Set(log.filter((e) => e.type === 'event.received').map((e) => String(e.data.name)))];
      return `its trigger never matched: no event "${t.name}" arrived for this deal${names.length > 0 ? ` (it got ${names.join(', ')})` : ''}`;
    }
    case 'manual':
      return 'its trigger never matched: nobody launched it for this deal';
    default:
      return `its trigger (${t.type}) never matched this deal`;
  }
}

function createdDeal(log: ReadonlyArray<AnyHistoryEntry>): Deal | undefined {
  return log.find((e) => e.type === 'deal.created')?.data.deal as Deal | undefined;
}

function stagesVisited(log: ReadonlyArray<AnyHistoryEntry>): string[] {
  const out: string[] = [];
  const created = createdDeal(log);
  if (created) out.push(created.stageId);
  for (const e of log) if (e.type === 'stage.changed') out.push(String(e.data.to));
  return out;
}

function fieldChanges(log: ReadonlyArray<AnyHistoryEntry>, field: string): Array<{ from: unknown; to: unknown }> {
  const out: Array<{ from: unknown; to: unknown }> = [];
  for (const e of log) {
    if (e.type !== 'deal.updated') continue;
    for (const c of (e.data.changes ?? []) as Array<{ field: string; from: unknown; to: unknown }>) if (c.field === field) out.push({ from: c.from, to: c.to });
  }
  return out;
}

function skipText(m: TriggerMatch): string {
  if (m.reason === 'once') return 'it runs once per deal and had already run';
  if (m.reason === 'already-enrolled') return 'the deal was still enrolled (reenroll: ignore) with jobs pending';
  const failed = m.conditions.filter((c) => !c.result);
  if (failed.length === 0) return `its criteria did not hold on ${triggerText(m.trigger)} at ${m.at}`;
  return `on ${triggerText(m.trigger)} at ${m.at} its criteria did not hold: ${failed.map(conditionText).join(', ')}`;
}

function jobsInWords(jobs: JobStory[]): string {
  if (jobs.length === 0) return '';
  const parts = jobs.map((j) => {
    if (j.status === 'pending') return `${j.actionId} pending until ${j.dueAt}`;
    if (j.status === 'ran') return `${j.actionId} ran at ${j.endedAt}`;
    return `${j.actionId} ${j.status} at ${j.endedAt} (${j.reason})`;
  });
  return `. Scheduled: ${parts.join('; ')}`;
}

/** A condition as it was evaluated: `deal $.amount = 45000, needs lessThan 10000 → false`. */
export function conditionText(c: ConditionTrace): string {
  const fact = c.path ? `${c.fact} ${c.path}` : c.fact;
  return `${fact} = ${JSON.stringify(c.factValue) ?? 'undefined'}, needs ${c.operator} ${JSON.stringify(c.value)} → ${c.result}`;
}

function triggerText(t: Record<string, unknown>): string {
  switch (t.type) {
    case 'stage.entered':
    case 'stage.left':
      return `${t.type} ${String(t.stage)}`;
    case 'field.changed':
      return `${String(t.field)} change`;
    case 'event':
      return `event ${String(t.name)}`;
    default:
      return String(t.type);
  }
}

function times(n: number): string {
  return n === 1 ? 'once' : `${n} times`;
}
