import type { z } from 'zod';
import { ActionSpecSchema } from './action.js';
import {
  checkOperator,
  ConditionSchema,
  FactConditionSchema,
  isFactCondition,
  isFactReference,
  type Condition,
  type CustomOperatorNames,
} from './condition.js';
import { DealflowError, formatIssues, issuesFromZod, jsonPath, type DealflowIssue, type IssueCode } from './errors.js';
import { didYouMean, hinted, splitHint } from './hints.js';
import type { Pipeline } from './pipeline.js';
import type { ActionReference } from './reference.js';
import { RuleSchema, RulesDocumentSchema, type Rule } from './rule.js';
import { TriggerSchema, type Trigger } from './trigger.js';
import { IANAZone } from 'luxon';
import { compileCalendar, DEFAULT_CALENDAR, type BusinessCalendar } from '../core/time/calendar.js';
import { CronSchedule } from '../core/time/cron.js';
import { checkInput } from './input.js';
import { beyondLimit, DEFAULT_LIMITS, type Limits } from './limits.js';

/** What rule validation needs to know beyond the JSON itself. */
export interface RuleValidationContext {
  pipelines: ReadonlyArray<Pipeline>;
  /** The params schema of an action type, or undefined for an unknown type. */
  actionParams(type: string): z.ZodType | undefined;
  /** The names an action's (valid) params refer to; none by default. */
  actionReferences?(type: string, params: unknown): ReadonlyArray<ActionReference>;
  /** The registered action types, for "did you mean" on an unknown one. */
  actionTypes?: ReadonlyArray<string>;
  /** Fact names criteria may read. */
  facts: ReadonlyArray<string>;
  /** Operators and decorators registered the json-rules-engine way, besides the built-in ones. */
  customOperators?: CustomOperatorNames;
  /** Names of the calendars passed to `createEngine({ calendars })`, which rules may follow. */
  calendars?: ReadonlyArray<string>;
  /** The bounds on rule JSON (nesting, strings, rule count); default DEFAULT_LIMITS. */
  limits?: Limits;
}

type Seg = PropertyKey;

/** Collects issues: zod's as they come, and the checks' own with their code and hint. */
class Issues {
  constructor(readonly list: DealflowIssue[] = []) {}

  add(path: ReadonlyArray<Seg>, text: string, code: IssueCode = 'invalid'): void {
    const { message, hint } = splitHint(text);
    const issue: DealflowIssue = { path: jsonPath(path), message };
    if (code !== 'invalid') issue.code = code;
    if (hint) issue.hint = hint;
    this.list.push(issue);
  }

  zod(error: Parameters<typeof issuesFromZod>[0], prefix: ReadonlyArray<Seg>): void {
    this.list.push(...issuesFromZod(error, prefix));
  }
}

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

function checkCalendarChoice(choice: unknown, where: Seg[], ctx: RuleValidationContext, out: Issues): void {
  if (typeof choice !== 'string' || choice === '' || choice === 'pipeline' || choice === 'owner') return;
  if ((ctx.calendars ?? []).includes(choice)) return;
  const more = ctx.calendars?.length ? '' : '; a named calendar is passed in createEngine({ calendars })';
  out.add(
    where,
    hinted(`unknown calendar "${choice}"`, `${didYouMean(choice, ['pipeline', 'owner', ...(ctx.calendars ?? [])], 'the calendars are')}${more}`),
    'unknown-calendar',
  );
}

/** Checks one condition tree (facts, operators), adding each problem at its JSON path. Its shape is ConditionSchema's. */
export function checkCondition(cond: Condition, at: Seg[], ctx: RuleValidationContext, out: DealflowIssue[]): void {
  walkCondition(cond, at, ctx, new Issues(out));
}

function walkCondition(cond: Condition, at: Seg[], ctx: RuleValidationContext, out: Issues): void {
  if (isFactCondition(cond)) {
    const unknownFact = (fact: string, where: Seg[]) =>
      out.add(
        where,
        hinted(`unknown fact "${fact}"`, `${didYouMean(fact, ctx.facts, 'the facts are')}; a host fact is registered in createEngine({ facts })`),
        'unknown-fact',
      );
    if (!ctx.facts.includes(cond.fact)) unknownFact(cond.fact, [...at, 'fact']);
    const op = checkOperator(cond.operator, ctx.customOperators);
    if (op) out.add([...at, 'operator'], op, 'unknown-operator');
    // json-rules-engine reads any value object with a `fact` key as a fact reference, so we do too.
    if (isFactReference(cond.value) && !ctx.facts.includes(cond.value.fact)) unknownFact(cond.value.fact, [...at, 'value', 'fact']);
    return;
  }
  if ('all' in cond) cond.all.forEach((c, i) => walkCondition(c, [...at, 'all', i], ctx, out));
  else if ('any' in cond) cond.any.forEach((c, i) => walkCondition(c, [...at, 'any', i], ctx, out));
  else walkCondition(cond.not, [...at, 'not'], ctx, out);
}

/** Checks every well-formed fact condition of a tree, even when other parts of the tree are malformed. */
function salvageCondition(raw: unknown, at: Seg[], ctx: RuleValidationContext, out: Issues): void {
  const whole = ConditionSchema.safeParse(raw);
  if (whole.success) return walkCondition(whole.data, at, ctx, out);
  if (!isRecord(raw)) return;
  for (const key of ['all', 'any'] as const) {
    const list = raw[key];
    if (Array.isArray(list)) list.forEach((c, i) => salvageCondition(c, [...at, key, i], ctx, out));
  }
  if (raw.not !== undefined) salvageCondition(raw.not, [...at, 'not'], ctx, out);
  if ('fact' in raw) {
    const leaf = FactConditionSchema.safeParse(raw);
    if (leaf.success) walkCondition(leaf.data as Condition, at, ctx, out);
  }
}

function checkStage(stage: string, pipelineId: string | undefined, where: Seg[], ctx: RuleValidationContext, out: Issues): void {
  const pipelines = pipelineId ? ctx.pipelines.filter((p) => p.id === pipelineId) : ctx.pipelines;
  const stages = [...new Set(pipelines.flatMap((p) => p.stages.map((s) => s.id)))];
  if (stages.includes(stage)) return;
  const hint = ctx.pipelines.length === 0 ? 'no pipelines were given to check it against; pass them' : didYouMean(stage, stages, 'the stages are');
  out.add(where, hinted(`unknown stage "${stage}"${pipelineId ? ` in pipeline "${pipelineId}"` : ''}`, hint), 'unknown-stage');
}

function checkPipeline(id: string, where: Seg[], ctx: RuleValidationContext, out: Issues): void {
  const ids = ctx.pipelines.map((p) => p.id);
  if (!ids.includes(id)) out.add(where, hinted(`unknown pipeline "${id}"`, didYouMean(id, ids, 'the pipelines are')), 'unknown-pipeline');
}

function checkReference(ref: ActionReference, pipelineId: string | undefined, where: Seg[], ctx: RuleValidationContext, out: Issues): void {
  if (ref.kind === 'stage') return checkStage(ref.name, ref.pipeline ?? pipelineId, where, ctx, out);
  if (ref.kind === 'pipeline') return checkPipeline(ref.name, where, ctx, out);
  const known = ref.known ?? [];
  if (known.includes(ref.name)) return;
  const more = known.length === 0 ? '; playbooks are passed in createEngine({ playbooks })' : '';
  out.add(where, hinted(`unknown playbook "${ref.name}"`, `${didYouMean(ref.name, known, 'the playbooks are')}${more}`), 'unknown-playbook');
}

function checkTrigger(t: Trigger, pipelineId: string | undefined, at: Seg[], ctx: RuleValidationContext, out: Issues): void {
  if (t.type === 'stage.entered' || t.type === 'stage.left' || t.type === 'stage.idle') checkStage(t.stage, pipelineId, [...at, 'stage'], ctx, out);
  if (t.type === 'schedule') checkSchedule(t, at, out);
}

/** The working-day check at parse uses Monday to Friday; the rule's own calendar is read when the deal's timer is armed. */
let weekdays: BusinessCalendar | undefined;

/** A `schedule` trigger: its cron as a digest policy's is checked (same messages and hints), and its timezone. */
function checkSchedule(t: Extract<Trigger, { type: 'schedule' }>, at: Seg[], out: Issues): void {
  if (t.timezone !== undefined && !IANAZone.isValidZone(t.timezone)) {
    out.add([...at, 'timezone'], hinted(`unknown timezone "${t.timezone}"`, 'use an IANA name such as "Europe/Berlin"'), 'schedule');
  }
  const working = t.workingDaysOnly || t.lastWorkingDayOfMonth;
  try {
    CronSchedule.compile({ ...t, calendar: working ? (weekdays ??= compileCalendar(DEFAULT_CALENDAR)) : null }, at);
  } catch (e) {
    if (!(e instanceof DealflowError)) throw e;
    // Code `schedule`: the JSON Schema says "a string", only croner knows a cron spec.
    out.list.push(...e.issues.map((i) => ({ ...i, code: 'schedule' as const })));
  }
}

/** One action: its type and params are checked even when its timing is wrong, so one pass finds both. */
function checkAction(raw: unknown, here: Seg[], pipelineId: string | undefined, ctx: RuleValidationContext, out: Issues): void {
  if (!isRecord(raw)) return;
  if (typeof raw.type === 'string' && raw.type !== '') {
    const schema = ctx.actionParams(raw.type);
    if (!schema) {
      out.add(
        [...here, 'type'],
        hinted(
          `unknown action type "${raw.type}"`,
          `${didYouMean(raw.type, ctx.actionTypes ?? [], 'the action types are')}; a custom one is registered with defineAction`,
        ),
        'unknown-action',
      );
    } else if (raw.params === undefined || isRecord(raw.params)) {
      const parsed = schema.safeParse(raw.params ?? {});
      if (!parsed.success) out.zod(parsed.error, [...here, 'params']);
      // Names are checked even when other params are malformed: then as written, where they are strings.
      for (const ref of references(ctx, raw.type, parsed.success ? parsed.data : (raw.params ?? {}))) {
        checkReference(ref, pipelineId, [...here, 'params', ...ref.path], ctx, out);
      }
    }
  }
  if (ActionSpecSchema.safeParse(raw).success) checkCalendarChoice(raw.calendar, [...here, 'calendar'], ctx, out);
}

function references(ctx: RuleValidationContext, type: string, params: unknown): ReadonlyArray<ActionReference> {
  try {
    return (ctx.actionReferences?.(type, params) ?? []).filter((r) => typeof r.name === 'string' && r.name !== '');
  } catch {
    return [];
  }
}

/**
 * What the schema cannot know about one rule, for every part that is well-formed on its own:
 * pipeline, stages, facts, operators, action types and params, calendars, duplicate action ids.
 * A part with a shape problem is reported by the schema and skipped here; the rest still is checked.
 */
function checkRule(raw: Record<string, unknown>, at: Seg[], ctx: RuleValidationContext, out: Issues): void {
  const pipelineId = typeof raw.pipelineId === 'string' && raw.pipelineId !== '' ? raw.pipelineId : undefined;
  if (pipelineId) checkPipeline(pipelineId, [...at, 'pipelineId'], ctx, out);
  const trigger = TriggerSchema.safeParse(raw.trigger);
  if (trigger.success) checkTrigger(trigger.data, pipelineId, [...at, 'trigger'], ctx, out);
  checkCalendarChoice(raw.calendar, [...at, 'calendar'], ctx, out);
  for (const part of ['when', 'until'] as const) if (raw[part] !== undefined) salvageCondition(raw[part], [...at, part], ctx, out);
  if (!Array.isArray(raw.actions)) return;
  const ids = new Set<string>();
  raw.actions.forEach((a, i) => {
    const here = [...at, 'actions', i];
    checkAction(a, here, pipelineId, ctx, out);
    const id = isRecord(a) && typeof a.id === 'string' ? a.id : String(i);
    if (ids.has(id)) out.add([...here, 'id'], `duplicate action id "${id}"`, 'duplicate-id');
    ids.add(id);
  });
}

/** The rules of a rule file, or issues saying why it is not one: an array, or `{ "$schema"?, "rules": [...] }`. */
function ruleList(json: unknown, out: Issues): unknown[] | undefined {
  if (Array.isArray(json)) return json;
  if (isRecord(json)) {
    const doc = RulesDocumentSchema.safeParse(json);
    if (doc.success) return doc.data.rules;
    out.zod(doc.error, []);
    return Array.isArray(json.rules) ? json.rules : undefined;
  }
  out.add([], hinted('rules must be a JSON array of rule objects', 'or a document { "$schema": "…", "rules": [ … ] }'));
  return undefined;
}

/**
 * Validates rule JSON completely: shape, stages, action types and params, operators, paths
 * and facts. Every problem is reported at once, each with its JSON path (and a hint where one
 * helps), so an admin editing rules in a UI can fix them all in one pass: a shape problem in one
 * part of a rule does not hide the problems of its other parts.
 * Takes the rules as an array or as a document `{ "$schema"?, "rules": [...] }`.
 */
export function validateRules(json: unknown, ctx: RuleValidationContext): Rule[] {
  // Before any schema recurses into it: nesting, strings, sizes (input.ts); then the rule count.
  const limits = ctx.limits ?? DEFAULT_LIMITS;
  checkInput(json, limits, 'INVALID_RULES', 'the rules');
  const out = new Issues();
  const list = ruleList(json, out);
  if (list && list.length > limits.maxRules) {
    throw beyondLimit('INVALID_RULES', 'maxRules', limits.maxRules, list.length, Array.isArray(json) ? '$' : '$.rules', 'the rule set');
  }
  const rules: Rule[] = [];
  const ids = new Set<string>();
  const base: Seg[] = Array.isArray(json) ? [] : ['rules'];
  (list ?? []).forEach((raw, i) => {
    const at = [...base, i];
    const parsed = RuleSchema.safeParse(raw);
    if (!parsed.success) out.zod(parsed.error, at);
    if (!isRecord(raw)) return;
    if (typeof raw.id === 'string') {
      if (ids.has(raw.id)) out.add([...at, 'id'], `duplicate rule id "${raw.id}"`, 'duplicate-id');
      ids.add(raw.id);
    }
    checkRule(raw, at, ctx, out);
    if (parsed.success) rules.push(parsed.data);
  });
  if (out.list.length > 0) {
    throw new DealflowError('INVALID_RULES', `the rules have ${out.list.length} problem(s):\n${formatIssues(out.list)}`, { issues: out.list });
  }
  return rules;
}
