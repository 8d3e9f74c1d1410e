import type { z } from 'zod';
import { checkOperator, isFactCondition, isFactReference, type Condition, type CustomOperatorNames } from './condition.js';
import { parseDealPath } from './deal-path.js';
import { DealflowError, formatIssues, issuesFromZod, jsonPath, type DealflowIssue } from './errors.js';
import { parsePath } from './path.js';
import type { Pipeline } from './pipeline.js';
import { RuleSchema, type Rule } from './rule.js';
import { rulesArgument } from './arguments.js';
import { DEFAULT_LIMITS, type Limits } from './limits.js';

/** What rule validation needs to know beyond the JSON itself. */
export interface RuleValidationContext {
  pipelines: ReadonlyArray<Pipeline>;
  /** The params schema of an action type, or undefined for an unknown type. */
  actionParams(type: string): z.ZodType | undefined;
  /** Fact names criteria may read. */
  facts: ReadonlyArray<string>;
  /** Operators and decorators registered the json-rules-engine way, besides the built-in ones. */
  customOperators?: CustomOperatorNames;
  /** Names of the calendars passed to `createEngine({ calendars })`, which rules may follow. */
  calendars?: ReadonlyArray<string>;
  /** The bounds on rule JSON (nesting, strings, rule count); default DEFAULT_LIMITS. */
  limits?: Limits;
}

function checkCalendarChoice(choice: string | undefined, where: Seg[], ctx: RuleValidationContext, out: DealflowIssue[]): void {
  if (choice === undefined || choice === 'pipeline' || choice === 'owner') return;
  if (!(ctx.calendars ?? []).includes(choice)) {
    const known = ctx.calendars?.length ? `; named calendars: ${ctx.calendars.join(', ')}` : '; pass it in createEngine({ calendars })';
    out.push({ path: jsonPath(where), message: `unknown calendar "${choice}": use "pipeline", "owner" or a named calendar${known}` });
  }
}

type Seg = PropertyKey;

/** Checks one condition tree (facts, operators, paths), adding each problem at its JSON path. */
export function checkCondition(cond: Condition, at: Seg[], ctx: RuleValidationContext, out: DealflowIssue[]): void {
  if (isFactCondition(cond)) {
    if (!ctx.facts.includes(cond.fact)) {
      out.push({ path: jsonPath([...at, 'fact']), message: `unknown fact "${cond.fact}"; known facts: ${ctx.facts.join(', ')}` });
    }
    const op = checkOperator(cond.operator, ctx.customOperators);
    if (op) out.push({ path: jsonPath([...at, 'operator']), message: op });
    const checkPath = (p: string | undefined, where: Seg[]) => {
      if (p === undefined) return;
      try {
        parsePath(p);
      } catch (e) {
        out.push({ path: jsonPath(where), message: (e as Error).message });
      }
    };
    checkPath(cond.path, [...at, 'path']);
    const v = cond.value as unknown;
    if (isFactReference(v)) {
      // json-rules-engine reads any value object with a `fact` key as a fact reference, so we do too.
      const ref = v as { fact: unknown; path?: unknown };
      if (typeof ref.fact !== 'string' || !ctx.facts.includes(ref.fact)) {
        out.push({ path: jsonPath([...at, 'value', 'fact']), message: `unknown fact ${JSON.stringify(ref.fact)}; a value with a "fact" key refers to a fact` });
      }
      if (ref.path !== undefined && typeof ref.path !== 'string') {
        out.push({ path: jsonPath([...at, 'value', 'path']), message: 'a fact reference path must be a string' });
      } else checkPath(ref.path, [...at, 'value', 'path']);
    } else {
      const base = cond.operator.split(':');
      const needsArray = base.includes('someValue') || base.includes('everyValue') || ['in', 'notIn'].includes(base[base.length - 1]!);
      if (needsArray && !Array.isArray(v)) {
        out.push({ path: jsonPath([...at, 'value']), message: `operator "${cond.operator}" needs an array value` });
      }
    }
    return;
  }
  if ('all' in cond) cond.all.forEach((c, i) => checkCondition(c, [...at, 'all', i], ctx, out));
  else if ('any' in cond) cond.any.forEach((c, i) => checkCondition(c, [...at, 'any', i], ctx, out));
  else checkCondition(cond.not, [...at, 'not'], ctx, out);
}

function stageKnown(stage: string, rule: Rule, ctx: RuleValidationContext): boolean {
  const pipelines = rule.pipelineId ? ctx.pipelines.filter((p) => p.id === rule.pipelineId) : ctx.pipelines;
  return pipelines.some((p) => p.stages.some((s) => s.id === stage));
}

function checkRule(rule: Rule, at: Seg[], ctx: RuleValidationContext, out: DealflowIssue[]): void {
  if (rule.pipelineId && !ctx.pipelines.some((p) => p.id === rule.pipelineId)) {
    out.push({ path: jsonPath([...at, 'pipelineId']), message: `unknown pipeline "${rule.pipelineId}"` });
  }
  const t = rule.trigger;
  if ((t.type === 'stage.entered' || t.type === 'stage.left' || t.type === 'stage.idle') && !stageKnown(t.stage, rule, ctx)) {
    out.push({
      path: jsonPath([...at, 'trigger', 'stage']),
      message: `unknown stage "${t.stage}"${rule.pipelineId ? ` in pipeline "${rule.pipelineId}"` : ''}`,
    });
  }
  if (t.type === 'field.changed' || t.type === 'date.reached') {
    const p = parseDealPath(t.field);
    if (typeof p === 'string') out.push({ path: jsonPath([...at, 'trigger', 'field']), message: p });
  }
  checkCalendarChoice(rule.calendar, [...at, 'calendar'], ctx, out);
  if (rule.when) checkCondition(rule.when, [...at, 'when'], ctx, out);
  if (rule.until) checkCondition(rule.until, [...at, 'until'], ctx, out);
  const actionIds = new Set<string>();
  rule.actions.forEach((a, i) => {
    const here = [...at, 'actions', i];
    const schema = ctx.actionParams(a.type);
    if (!schema) {
      out.push({ path: jsonPath([...here, 'type']), message: `unknown action type "${a.type}"; register it with defineAction` });
    } else {
      const parsed = schema.safeParse(a.params);
      if (!parsed.success) out.push(...issuesFromZod(parsed.error, [...here, 'params']));
    }
    if (a.at && 'field' in a.at) {
      const p = parseDealPath(a.at.field);
      if (typeof p === 'string') out.push({ path: jsonPath([...here, 'at', 'field']), message: p });
    }
    checkCalendarChoice(a.calendar, [...here, 'calendar'], ctx, out);
    const id = a.id ?? String(i);
    if (actionIds.has(id)) out.push({ path: jsonPath([...here, 'id']), message: `duplicate action id "${id}"` });
    actionIds.add(id);
  });
}

/**
 * Validates rule JSON completely: shape, stages, action types and params, operators, paths
 * and facts. Every problem is reported at once, each with its JSON path, so an admin editing
 * rules in a UI can fix them all in one pass.
 */
export function validateRules(json: unknown, ctx: RuleValidationContext): Rule[] {
  // Before any schema recurses into it: nesting, strings, sizes (input.ts), and the rule count.
  rulesArgument(json, ctx.limits ?? DEFAULT_LIMITS, 'rules');
  const issues: DealflowIssue[] = [];
  if (!Array.isArray(json)) {
    throw new DealflowError('INVALID_RULES', 'rules must be a JSON array of rule objects', {
      issues: [{ path: '$', message: 'expected an array' }],
    });
  }
  const rules: Rule[] = [];
  const ids = new Set<string>();
  json.forEach((raw, i) => {
    const parsed = RuleSchema.safeParse(raw);
    if (!parsed.success) {
      issues.push(...issuesFromZod(parsed.error, [i]));
      return;
    }
    const rule = parsed.data;
    if (ids.has(rule.id)) issues.push({ path: jsonPath([i, 'id']), message: `duplicate rule id "${rule.id}"` });
    if (rule.id.includes(':')) {
      // Feature jobs (SLAs, approvals, tasks, goals) are routed by a `<feature>:` prefix on their rule id.
      issues.push({ path: jsonPath([i, 'id']), message: `rule id "${rule.id}" may not contain ":" (reserved for feature jobs such as sla:…)` });
    }
    ids.add(rule.id);
    checkRule(rule, [i], ctx, issues);
    rules.push(rule);
  });
  if (issues.length > 0) {
    throw new DealflowError('INVALID_RULES', `the rules have ${issues.length} problem(s):\n${formatIssues(issues)}`, { issues });
  }
  return rules;
}
