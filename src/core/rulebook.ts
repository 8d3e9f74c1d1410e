import { DealflowError } from '../model/errors.js';
import type { Rule } from '../model/rule.js';
import type { Condition } from '../model/condition.js';
import { ALWAYS, compileValidCondition, type Predicate } from './criteria.js';
import { fallbackPredicate, fallbackReason, type FallbackCriteria, type FallbackTriggers } from './fallback.js';
import type { ActionRegistry } from './actions.js';
import type { CompiledRule } from './compiled.js';
import { RuleArchive } from './rule-archive.js';
import type { Occurrence } from './types.js';

export type { CompiledAction, CompiledRule } from './compiled.js';

/**
 * What a trigger is indexed by besides its type: its stage, field or event name ('' for types
 * without one). Two map lookups, where a `type:param` key string per occurrence would be
 * allocated and hashed every time.
 */
function indexParam(t: Rule['trigger'] | Occurrence): string {
  switch (t.type) {
    case 'stage.entered':
    case 'stage.left':
    case 'stage.idle':
      return t.stage;
    case 'field.changed':
    case 'date.reached':
      return t.field;
    case 'event':
      return t.name;
    default:
      return '';
  }
}

const sameJson = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

const NONE: ReadonlyArray<CompiledRule> = [];

/** Whether a rule matches every occurrence of its index key (nothing in `match` can filter it out). */
function isPlain(rule: Rule): boolean {
  if (!rule.enabled || rule.pipelineId !== undefined) return false;
  const t = rule.trigger as Record<string, unknown>;
  switch (t.type) {
    case 'field.changed':
      return t.from === undefined && t.to === undefined;
    case 'task.completed':
    case 'task.overdue':
      return t.task === undefined;
    case 'sla.met':
    case 'sla.breached':
      return t.sla === undefined;
    case 'approval.requested':
    case 'approval.decided':
      return t.name === undefined && t.decision === undefined;
    default:
      return true;
  }
}

/** A rule's `when` and `until` as predicates: compiled, or answered by json-rules-engine where the compiler cannot. */
function compileCriteria(rule: Rule, triggers: FallbackTriggers): Pick<CompiledRule, 'when' | 'until' | 'fallback'> {
  const fallback: NonNullable<CompiledRule['fallback']> = {};
  const one = (part: 'when' | 'until', condition: Condition): Predicate => {
    const reason = fallbackReason(condition, triggers);
    if (reason === undefined) return compileValidCondition(condition);
    const criteria: FallbackCriteria = { ruleId: rule.id, part, condition, reason };
    fallback[part] = criteria;
    return fallbackPredicate(criteria);
  };
  const when = rule.when ? one('when', rule.when) : ALWAYS;
  const until = rule.until ? one('until', rule.until) : null;
  return fallback.when || fallback.until ? { when, until, fallback } : { when, until };
}

/**
 * Rules compiled once and indexed by trigger, so an occurrence looks at only the rules its
 * trigger selects, already in run order (priority, then definition order).
 */
export class RuleBook {
  private readonly byId = new Map<string, CompiledRule>();
  /** Buckets by trigger type, then by its stage, field or event name ('' for types without one). */
  private readonly byTrigger = new Map<string, Map<string, CompiledRule[]>>();
  /** Buckets whose every rule matches every occurrence of its key: enabled, for any pipeline, no trigger parameters. */
  private readonly plainBuckets = new Set<CompiledRule[]>();
  readonly rules: ReadonlyArray<CompiledRule>;
  /** These rules and every earlier version loaded before them (pass the previous book's archive). */
  readonly archive: RuleArchive;

  constructor(rules: ReadonlyArray<Rule>, actions: ActionRegistry, archive: RuleArchive = RuleArchive.EMPTY, criteria: FallbackTriggers = {}) {
    const compiled = rules.map(
      (rule, order): CompiledRule => ({
        rule,
        version: rule.version ?? 1,
        order,
        ...compileCriteria(rule, criteria),
        actions: rule.actions.map((spec, index) => {
          const def = actions.get(spec.type);
          if (!def) throw new DealflowError('INVALID_RULES', `unknown action type "${spec.type}" in rule "${rule.id}"; register it with defineAction`);
          return { spec, index, id: spec.id ?? String(index), def, params: def.params.parse(spec.params) };
        }),
      }),
    );
    this.rules = compiled;
    this.archive = archive.with(compiled);
    for (const cr of compiled) {
      this.byId.set(cr.rule.id, cr);
      const t = cr.rule.trigger;
      let byParam = this.byTrigger.get(t.type);
      if (!byParam) this.byTrigger.set(t.type, (byParam = new Map()));
      const param = indexParam(t);
      const bucket = byParam.get(param) ?? [];
      bucket.push(cr);
      byParam.set(param, bucket);
    }
    for (const byParam of this.byTrigger.values()) {
      for (const bucket of byParam.values()) {
        bucket.sort((a, b) => b.rule.priority - a.rule.priority || a.order - b.order);
        if (bucket.every((cr) => isPlain(cr.rule))) this.plainBuckets.add(bucket);
      }
    }
  }

  /** Whether some rule's criteria are left to json-rules-engine, so the engine must be ready to answer. */
  get hasFallback(): boolean {
    return (this._hasFallback ??= this.archive.latest().some((cr) => cr.fallback !== undefined) || this.rules.some((cr) => cr.fallback !== undefined));
  }
  private _hasFallback: boolean | undefined;

  /** The compiled rule with this id in the current version of the rules; undefined if none. */
  get(id: string): CompiledRule | undefined {
    return this.byId.get(id);
  }

  /** The enabled rules an occurrence triggers for a deal of `pipelineId`, in run order. */
  match(occ: Occurrence, pipelineId: string | null): ReadonlyArray<CompiledRule> {
    if (occ.type === 'manual') {
      const cr = this.byId.get(occ.ruleId);
      return cr?.rule.enabled ? [cr] : [];
    }
    if (occ.type === 'stage.idle' || occ.type === 'date.reached' || occ.type === 'schedule') {
      // A timer fires its own rule only (each rule has its own duration or offset).
      const cr = this.byId.get(occ.ruleId);
      const ok =
        cr?.rule.enabled &&
        cr.rule.trigger.type === occ.type &&
        indexParam(cr.rule.trigger) === indexParam(occ) &&
        (cr.rule.pipelineId === undefined || cr.rule.pipelineId === pipelineId);
      return ok ? [cr] : [];
    }
    const bucket = this.byTrigger.get(occ.type)?.get(indexParam(occ));
    if (!bucket) return NONE;
    // Most buckets need no filtering (every rule enabled, no pipeline or trigger parameters): hand them out as they are.
    if (this.plainBuckets.has(bucket)) return bucket;
    const out: CompiledRule[] = [];
    for (const cr of bucket) {
      const r = cr.rule;
      if (!r.enabled) continue;
      if (r.pipelineId !== undefined && r.pipelineId !== pipelineId) continue;
      if (r.trigger.type === 'field.changed' && occ.type === 'field.changed') {
        if (r.trigger.from !== undefined && !sameJson(r.trigger.from, occ.from ?? null)) continue;
        if (r.trigger.to !== undefined && !sameJson(r.trigger.to, occ.to ?? null)) continue;
      }
      if ((r.trigger.type === 'task.completed' || r.trigger.type === 'task.overdue') && occ.type === r.trigger.type) {
        if (r.trigger.task !== undefined && r.trigger.task !== occ.key) continue;
      }
      if ((r.trigger.type === 'sla.met' || r.trigger.type === 'sla.breached') && occ.type === r.trigger.type) {
        if (r.trigger.sla !== undefined && r.trigger.sla !== occ.sla) continue;
      }
      if ((r.trigger.type === 'approval.requested' || r.trigger.type === 'approval.decided') && occ.type === r.trigger.type) {
        if (r.trigger.name !== undefined && r.trigger.name !== occ.name) continue;
        if (r.trigger.type === 'approval.decided' && occ.type === 'approval.decided' && r.trigger.decision !== undefined && r.trigger.decision !== occ.decision)
          continue;
      }
      out.push(cr);
    }
    return out;
  }
}
