import { ActionRegistry } from '../core/actions.js';
import { BUILTIN_ACTIONS } from '../core/builtin-actions.js';
import { BUILTIN_FACTS } from '../core/facts.js';
import { DealflowError, issuesFromZod } from '../model/errors.js';
import { PipelineSchema, type Pipeline, type PipelineInput } from '../model/pipeline.js';
import type { Rule } from '../model/rule.js';
import { validateRules } from '../model/validate-rules.js';

export interface ParseRulesOptions {
  /** Pipelines whose stages triggers and actions may name. */
  pipelines?: ReadonlyArray<Pipeline | PipelineInput>;
  /** The action registry; defaults to the built-in actions. */
  actions?: ActionRegistry;
  /** Host fact names, besides deal, previous, event and now. */
  facts?: ReadonlyArray<string>;
}

/**
 * Parses rule JSON into typed rules, or throws a DealflowError with code INVALID_RULES that
 * lists every problem with its JSON path: shape, unknown stages, unknown action types, bad
 * action params, unknown operators, unsafe paths and unknown facts.
 */
export function parseRules(json: unknown, options: ParseRulesOptions = {}): Rule[] {
  const pipelines = (options.pipelines ?? []).map((p, i) => {
    const parsed = PipelineSchema.safeParse(p);
    if (!parsed.success) throw new DealflowError('INVALID_CONFIG', `pipeline ${i} is invalid`, { issues: issuesFromZod(parsed.error, ['pipelines', i]) });
    return parsed.data;
  });
  const actions = options.actions ?? new ActionRegistry(BUILTIN_ACTIONS);
  return validateRules(json, {
    pipelines,
    actionParams: (type) => actions.get(type)?.params,
    facts: [...BUILTIN_FACTS, ...(options.facts ?? [])],
  });
}
