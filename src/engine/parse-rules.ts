import { ActionRegistry } from '../core/actions.js';
import { standardActions } from '../core/standard-actions.js';
import { BUILTIN_FACTS } from '../core/facts.js';
import type { CustomOperatorNames } from '../model/condition.js';
import { DealflowError, issuesFromZod } from '../model/errors.js';
import { PipelineSchema, type Pipeline, type PipelineInput } from '../model/pipeline.js';
import type { Rule } from '../model/rule.js';
import { validateRules } from '../model/validate-rules.js';
import { resolveLimits, type Limits } from '../model/limits.js';

/** What rules are checked against when parsed: pipelines, actions, host facts and more. */
export interface ParseRulesOptions {
  /** Pipelines whose stages triggers and actions may name. */
  pipelines?: ReadonlyArray<Pipeline | PipelineInput>;
  /** The action registry; defaults to the built-in, task, playbook and createDeal actions. */
  actions?: ActionRegistry;
  /** Host fact names, besides deal, previous, event and now. */
  facts?: ReadonlyArray<string>;
  /** Names of the calendars rules may follow (`createEngine({ calendars })`), besides `pipeline` and `owner`. */
  calendars?: ReadonlyArray<string>;
  /** Names of operators and decorators registered the json-rules-engine way (`createEngine({ operators })`). */
  customOperators?: CustomOperatorNames;
  /** The bounds on rule JSON (nesting, strings, rule count); each defaults as in DEFAULT_LIMITS (docs/limits.md). */
  limits?: Partial<Limits>;
}

/**
 * Parses rule JSON — an array, or a document `{ "$schema"?, "rules": [...] }` — into typed rules,
 * or throws a DealflowError with code INVALID_RULES that lists every problem in one pass, each
 * with its JSON path and, where one helps, a hint: shape, unknown stages (triggers, moveStage,
 * approvals' moveStage, createDeal), pipelines, playbooks, calendars, action types, bad action
 * params, unknown operators, unsafe paths and unknown facts.
 */
export function parseRules(json: unknown, options: ParseRulesOptions = {}): Rule[] {
  const pipelines = (options.pipelines ?? []).map((p, i) => {
    const parsed = PipelineSchema.safeParse(p);
    if (!parsed.success) throw new DealflowError('INVALID_CONFIG', `pipeline ${i} is invalid`, { issues: issuesFromZod(parsed.error, ['pipelines', i]) });
    return parsed.data;
  });
  const actions = options.actions ?? new ActionRegistry(standardActions(pipelines));
  return validateRules(json, {
    pipelines,
    actionParams: (type) => actions.get(type)?.params,
    actionReferences: (type, params) => actions.get(type)?.references?.(params) ?? [],
    actionTypes: actions.types(),
    facts: [...BUILTIN_FACTS, ...(options.facts ?? [])],
    calendars: options.calendars ?? [],
    ...(options.customOperators ? { customOperators: options.customOperators } : {}),
    ...(options.limits ? { limits: resolveLimits(options.limits) } : {}),
  });
}
