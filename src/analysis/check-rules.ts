import { checkFieldValue } from '../core/field-types.js';
import { Engine, type EngineConfig } from '../engine/engine.js';
import { isFactCondition, type Condition, type FactCondition } from '../model/condition.js';
import type { Json } from '../model/deal.js';
import { parseDealPath } from '../model/deal-path.js';
import { checkInput } from '../model/input.js';
import { resolveLimits } from '../model/limits.js';
import { DealflowError, isDealflowError, issuesFromZod, jsonPath, type DealflowIssue, type IssueCode } from '../model/errors.js';
import { parsePath } from '../model/path.js';
import { PipelineSchema, type Pipeline, type PipelineInput } from '../model/pipeline.js';
import { ActionSpecSchema } from '../model/action.js';
import { ConditionSchema } from '../model/condition.js';
import { rulesOf, RuleSchema, type Rule } from '../model/rule.js';
import { TriggerSchema } from '../model/trigger.js';
import { findContradiction } from './contradictions.js';
import { findCycles, pipelinesOf } from './rule-graph.js';

/** The kind of problem a rules check found. */
export type FindingCode =
  /** The rule JSON is invalid (shape, unknown stage, action, operator, path, fact…). */
  | 'invalid'
  /** Rules trigger each other in a loop that always hits the cascade limit. */
  | 'loop'
  /** Rules trigger each other in a cycle that criteria, values or time may end. */
  | 'cycle'
  /** The rule can never fire: its trigger or criteria cannot be met. */
  | 'never-fires'
  /** An action would fail at run time (a write to an undeclared field, or of the wrong type). */
  | 'bad-action'
  /** Two rules set the same field (or move the deal) on the same trigger: the result depends on their order. */
  | 'same-target'
  /** Criteria read a field no pipeline declares. */
  | 'undeclared-field';

/** One problem a rules check found: severity, code, JSON path into the rules file, a message and a hint. */
export interface RuleFinding {
  severity: 'error' | 'warning';
  code: FindingCode;
  /** For `invalid`: what kind of problem (an unknown stage, fact, …); absent for a problem of shape. */
  issue?: IssueCode;
  /** Where, as a JSON path into the rules file (`$[2].actions[0].params.stage`). */
  path: string;
  /** The rules involved. */
  rules: string[];
  message: string;
  /** How to fix it, where there is something to say: "did you mean", the valid values, the form to write. */
  hint?: string;
}

/** The result of `checkRules`: the findings, their counts and the exit code `dealflow check` uses. */
export interface RuleCheck {
  findings: RuleFinding[];
  errors: number;
  warnings: number;
  /** 0 clean, 1 errors, 2 warnings only — what `dealflow check` exits with. */
  exitCode: 0 | 1 | 2;
  /** False when no pipelines were given: stages and fields could not be checked. */
  checkedStages: boolean;
}

/** What `checkRules` checks rules against: pipelines, custom actions, host facts and more. */
export interface CheckRulesOptions {
  pipelines?: ReadonlyArray<PipelineInput>;
  /**
   * The rest of the engine configuration the rules will run under — custom `actions`, host
   * `facts`, `playbooks`, `slas`, `calendars`, `digests`, `operators` — so the check accepts what
   * the engine accepts (task and playbook actions, SLA names, calendar names…).
   */
  engine?: CheckEngineConfig;
}

export type CheckEngineConfig = Omit<EngineConfig, 'pipelines' | 'rules' | 'storage' | 'clock' | 'notifier' | 'ids'>;

/**
 * Checks a rule set before it goes live: validation (every problem with its JSON path) and static
 * analysis — rules that trigger each other in a loop, rules that can never fire (unknown stage
 * or field, contradictory criteria), actions that would fail, and rules that set the same field
 * or move the deal on the same trigger. Pure: nothing runs.
 */
export function checkRules(json: unknown, options: CheckRulesOptions = {}): RuleCheck {
  const pipelines = (options.pipelines ?? []).map((p, i) => {
    const parsed = PipelineSchema.safeParse(p);
    if (!parsed.success) throw new DealflowError('INVALID_CONFIG', `pipeline ${i} is invalid`, { issues: issuesFromZod(parsed.error, ['pipelines', i]) });
    return parsed.data;
  });
  const checkedStages = pipelines.length > 0;
  const findings: RuleFinding[] = [];
  const list = rulesOf(json);
  // A `{ "$schema", "rules" }` document's rules sit under `$.rules`.
  const base: PropertyKey[] = Array.isArray(json) ? [] : ['rules'];
  const ruleIdAt = (path: string) => {
    const m = /^\$(?:\.rules)?\[(\d+)\]/.exec(path);
    const raw = m && Array.isArray(list) ? (list[Number(m[1])] as { id?: unknown } | undefined) : undefined;
    return typeof raw?.id === 'string' ? [raw.id] : [];
  };
  for (const issue of validationIssues(json, pipelines, options.engine ?? {})) {
    // Without pipelines there is nothing to check stages and pipeline ids against.
    if (!checkedStages && (issue.code === 'unknown-stage' || issue.code === 'unknown-pipeline')) continue;
    const finding: RuleFinding = { severity: 'error', code: 'invalid', path: issue.path, rules: ruleIdAt(issue.path), message: issue.message };
    if (issue.code) finding.issue = issue.code;
    if (issue.hint) finding.hint = issue.hint;
    findings.push(finding);
  }

  const rules: Array<{ rule: Rule; index: number }> = [];
  const partial: Array<{ rule: Rule; index: number; trigger: boolean }> = [];
  // Input beyond the limits (10,000-deep nesting, say) is already a finding from the validation
  // above; the analysis below parses the rules with recursive schemas, which would overflow the
  // stack on it (found by the generated bad-input suite, seed 1282308853), so it stops here.
  if (Array.isArray(list) && withinLimits(json, options.engine?.limits)) {
    list.forEach((raw, index) => {
      const parsed = RuleSchema.safeParse(raw);
      if (parsed.success) rules.push({ rule: parsed.data, index });
      // A rule with a shape problem is still analysed for what its well-formed parts show.
      const part = parsed.success ? { rule: parsed.data, trigger: true } : partialRule(raw, index);
      if (part) partial.push({ ...part, index });
    });
  }
  for (const { rule, index, trigger } of partial) findings.push(...checkRule(rule, [...base, index], pipelines, trigger));
  findings.push(...cycleFindings(rules, pipelines, base));
  findings.push(...sameTargetFindings(rules, base));

  const errors = findings.filter((f) => f.severity === 'error').length;
  const warnings = findings.length - errors;
  return { findings, errors, warnings, exitCode: errors > 0 ? 1 : warnings > 0 ? 2 : 0, checkedStages };
}

/** The engine's own validation: an engine is built on the configuration (no I/O) and given the rules. */
/** Whether the rules are within the input limits the engine would apply (docs/limits.md). */
function withinLimits(json: unknown, limits: unknown): boolean {
  try {
    checkInput(json, resolveLimits(limits), 'INVALID_RULES', 'the rules');
    return true;
  } catch (e) {
    if (isDealflowError(e)) return false;
    throw e;
  }
}

function validationIssues(json: unknown, pipelines: Pipeline[], config: CheckEngineConfig): DealflowIssue[] {
  try {
    new Engine({ ...config, pipelines, rules: json });
    return [];
  } catch (e) {
    if (isDealflowError(e, 'INVALID_RULES')) return e.issues;
    throw e;
  }
}

/** Declared fields of the rule's pipelines, or undefined when any of them accepts any field. */
function declaredFields(rule: Rule, pipelines: Pipeline[]): Map<string, Pipeline[]> | undefined {
  const scope = pipelinesOf(rule, pipelines);
  if (scope.length === 0 || scope.some((p) => !p.fields)) return undefined;
  const out = new Map<string, Pipeline[]>();
  for (const p of scope) for (const name of Object.keys(p.fields!)) out.set(name, [...(out.get(name) ?? []), p]);
  return out;
}

/** The well-formed parts of a rule that fails the schema, for the analysis of fields and values; undefined when there is nothing to analyse. */
function partialRule(raw: unknown, index: number): { rule: Rule; trigger: boolean } | undefined {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return undefined;
  const r = raw as Record<string, unknown>;
  const trigger = TriggerSchema.safeParse(r.trigger);
  const cond = (v: unknown) => (v === undefined ? undefined : ConditionSchema.safeParse(v).data);
  const actions = Array.isArray(r.actions) ? r.actions.map((a) => ActionSpecSchema.safeParse(a).data) : [];
  const rule = RuleSchema.safeParse({
    id: typeof r.id === 'string' && r.id !== '' && !r.id.includes(':') ? r.id : `rule-${index}`,
    ...(typeof r.pipelineId === 'string' && r.pipelineId !== '' ? { pipelineId: r.pipelineId } : {}),
    trigger: trigger.success ? trigger.data : { type: 'manual' },
    ...(cond(r.when) ? { when: cond(r.when) } : {}),
    ...(cond(r.until) ? { until: cond(r.until) } : {}),
    // A malformed action keeps its place (as a no-op) so the paths of the others stay right.
    actions: actions.length > 0 ? actions.map((a) => a ?? { type: 'skip' }) : [{ type: 'skip' }],
  });
  if (!rule.success) return undefined;
  return { rule: { ...rule.data, actions: rule.data.actions }, trigger: trigger.success };
}

function checkRule(rule: Rule, where: PropertyKey[], pipelines: Pipeline[], withTrigger = true): RuleFinding[] {
  const out: RuleFinding[] = [];
  const at = (...segments: PropertyKey[]) => jsonPath([...where, ...segments]);
  const add = (severity: RuleFinding['severity'], code: FindingCode, path: string, message: string) =>
    out.push({ severity, code, path, rules: [rule.id], message });
  const fields = declaredFields(rule, pipelines);
  const fieldName = (path: string) => {
    const p = parseDealPath(path);
    return typeof p !== 'string' && p.kind === 'field' ? p.name : undefined;
  };
  const valueProblem = (name: string, value: Json): string | undefined => {
    for (const p of fields?.get(name) ?? []) {
      try {
        checkFieldValue(name, value, p);
      } catch (e) {
        return (e as Error).message;
      }
    }
    return undefined;
  };

  // The trigger.
  const t = rule.trigger;
  if (withTrigger && t.type === 'field.changed') {
    const name = fieldName(t.field);
    if (name !== undefined && fields && !fields.has(name)) {
      add('warning', 'never-fires', at('trigger', 'field'), `rule "${rule.id}" can never fire: no pipeline it applies to declares the field "${name}"`);
    } else if (name !== undefined && t.to !== undefined && t.to !== null) {
      const problem = valueProblem(name, t.to as Json);
      if (problem)
        add(
          'warning',
          'never-fires',
          at('trigger', 'to'),
          `rule "${rule.id}" can never fire: ${name} can never change to ${JSON.stringify(t.to)} (${problem})`,
        );
    }
    if (t.from !== undefined && t.to !== undefined && JSON.stringify(t.from) === JSON.stringify(t.to)) {
      add('warning', 'never-fires', at('trigger'), `rule "${rule.id}" can never fire: a change from ${JSON.stringify(t.from)} to the same value is no change`);
    }
  }

  // The criteria.
  if (rule.when && withTrigger) {
    const contradiction = findContradiction(rule.when, triggerFacts(rule));
    if (contradiction) add('warning', 'never-fires', at('when'), `rule "${rule.id}" can never fire: its criteria contradict each other (${contradiction})`);
  }
  for (const [part, cond] of [
    ['when', rule.when],
    ['until', rule.until],
  ] as const) {
    if (!cond || !fields) continue;
    for (const { condition, path } of factConditions(cond, [part])) {
      const name = dealFieldRead(condition);
      if (name !== undefined && !fields.has(name)) {
        add(
          'warning',
          'undeclared-field',
          at(...path, 'path'),
          `rule "${rule.id}" reads fields.${name}, which no pipeline it applies to declares: it is always undefined`,
        );
      }
    }
  }

  // The actions.
  rule.actions.forEach((a, i) => {
    const p = a.params as Record<string, unknown>;
    if (a.type === 'setField' && typeof p.field === 'string' && fields) {
      const name = fieldName(p.field);
      if (name !== undefined && !fields.has(name)) {
        add(
          'error',
          'bad-action',
          at('actions', i, 'params', 'field'),
          `rule "${rule.id}" sets fields.${name}, which no pipeline it applies to declares: the action would fail`,
        );
      } else if (name !== undefined) {
        const problem = valueProblem(name, (p.value ?? null) as Json);
        if (problem) add('error', 'bad-action', at('actions', i, 'params', 'value'), `rule "${rule.id}": ${problem}`);
      }
    }
    if (a.at && 'field' in a.at && fields) {
      const name = fieldName(a.at.field);
      if (name !== undefined && !fields.has(name)) {
        add(
          'warning',
          'never-fires',
          at('actions', i, 'at', 'field'),
          `rule "${rule.id}" anchors a job on fields.${name}, which no pipeline it applies to declares: the job is never scheduled`,
        );
      }
    }
  });
  return out;
}

/** What the trigger guarantees about the deal when the criteria run: a `field.changed … to: v` means the field is v. */
function triggerFacts(rule: Rule): FactCondition[] {
  const t = rule.trigger;
  if (t.type !== 'field.changed' || t.to === undefined) return [];
  return [{ fact: 'deal', path: `$.${t.field}`, operator: 'equal', value: t.to as Json }];
}

function factConditions(cond: Condition, path: PropertyKey[]): Array<{ condition: FactCondition; path: PropertyKey[] }> {
  if (isFactCondition(cond)) return [{ condition: cond, path }];
  if ('all' in cond) return cond.all.flatMap((c, i) => factConditions(c, [...path, 'all', i]));
  if ('any' in cond) return cond.any.flatMap((c, i) => factConditions(c, [...path, 'any', i]));
  return factConditions(cond.not, [...path, 'not']);
}

function dealFieldRead(c: FactCondition): string | undefined {
  if (c.fact !== 'deal' || c.path === undefined) return undefined;
  try {
    const segments = parsePath(c.path);
    return segments[0] === 'fields' && typeof segments[1] === 'string' ? segments[1] : undefined;
  } catch {
    return undefined;
  }
}

function cycleFindings(rules: Array<{ rule: Rule; index: number }>, pipelines: Pipeline[], base: PropertyKey[]): RuleFinding[] {
  const indexOf = new Map(rules.map((r) => [r.rule.id, r.index]));
  return findCycles(
    rules.map((r) => r.rule),
    pipelines,
  ).map((cycle) => {
    const steps = cycle.edges.map((e) => {
      const what =
        e.effect.type === 'field.changed'
          ? `sets ${e.effect.field} = ${JSON.stringify(e.effect.to)}`
          : e.effect.type === 'stage.entered'
            ? `moves to ${e.effect.stage}`
            : `leaves ${e.effect.stage}`;
      return `"${e.from}" ${what}${e.immediate ? '' : ' (scheduled)'}, which triggers "${e.to}"`;
    });
    const first = cycle.edges[0]!;
    const path = jsonPath([...base, indexOf.get(first.from)!, 'actions', first.actionIndex]);
    if (cycle.certain) {
      return {
        severity: 'error',
        code: 'loop',
        path,
        rules: cycle.rules,
        message: `rules loop: ${steps.join('; ')}. Nothing stops it, so every deal that starts it is rolled back with CASCADE_LIMIT.`,
      };
    }
    const why = cycle.immediate
      ? 'criteria or the values written may end it; if not, the command fails with CASCADE_LIMIT'
      : 'a scheduled step makes it repeat over time instead of failing';
    return { severity: 'warning', code: 'cycle', path, rules: cycle.rules, message: `rules trigger each other in a cycle: ${steps.join('; ')} (${why})` };
  });
}

/** Two rules writing the same field, or moving the deal, on the same trigger and with the same timing. */
function sameTargetFindings(rules: Array<{ rule: Rule; index: number }>, base: PropertyKey[]): RuleFinding[] {
  const groups = new Map<string, Array<{ rule: Rule; index: number; actionIndex: number; value: string }>>();
  for (const { rule, index } of rules) {
    if (!rule.enabled) continue;
    rule.actions.forEach((a, actionIndex) => {
      const p = a.params as Record<string, unknown>;
      const target =
        a.type === 'setField' && typeof p.field === 'string'
          ? p.field
          : a.type === 'setFlag' && typeof p.flag === 'string'
            ? `flags.${p.flag}`
            : a.type === 'moveStage'
              ? 'the stage'
              : undefined;
      if (target === undefined) return;
      const value = a.type === 'moveStage' ? String(p.stage) : JSON.stringify(a.type === 'setFlag' ? (p.value ?? true) : (p.value ?? null));
      const key = `${JSON.stringify(rule.trigger)}\u0000${JSON.stringify({ after: a.after, at: a.at })}\u0000${target}`;
      groups.set(key, [...(groups.get(key) ?? []), { rule, index, actionIndex, value }]);
    });
  }
  const out: RuleFinding[] = [];
  for (const [key, writes] of groups) {
    const target = key.split('\u0000')[2]!;
    const byRule = [...new Map(writes.map((w) => [w.rule.id, w])).values()];
    const overlapping = byRule.filter((w) =>
      byRule.some((o) => o !== w && (o.rule.pipelineId === undefined || w.rule.pipelineId === undefined || o.rule.pipelineId === w.rule.pipelineId)),
    );
    if (overlapping.length < 2) continue;
    const values = new Set(overlapping.map((w) => w.value));
    const first = overlapping[0]!;
    const list = overlapping.map((w) => `"${w.rule.id}" → ${w.value}`).join(', ');
    const verb = target === 'the stage' ? 'move the deal' : `set ${target}`;
    out.push({
      severity: 'warning',
      code: 'same-target',
      path: jsonPath([...base, first.index, 'actions', first.actionIndex]),
      rules: overlapping.map((w) => w.rule.id),
      message:
        values.size > 1
          ? `rules ${verb} on the same trigger with different values (${list}): the last by priority and order wins`
          : `rules ${verb} on the same trigger (${list}): one of them is redundant`,
    });
  }
  return out;
}
