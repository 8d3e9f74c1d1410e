import { z } from 'zod';
import { ActionRegistry } from '../core/actions.js';
import { BUILTIN_ACTIONS } from '../core/builtin-actions.js';
import { BUILTIN_FACTS } from '../core/facts.js';
import type { CustomOperatorNames } from '../model/condition.js';
import { DealflowError, issuesFromZod } from '../model/errors.js';
import { PipelineSchema, type Pipeline, type PipelineInput } from '../model/pipeline.js';
import { RuleSchema, type Rule } from '../model/rule.js';
import { validateRules } from '../model/validate-rules.js';
import { resolveLimits, type Limits } from '../model/limits.js';

/** What rules are checked against when parsed: pipelines, actions, host facts and more. */
export interface ParseRulesOptions {
  /** Pipelines whose stages triggers and actions may name. */
  pipelines?: ReadonlyArray<Pipeline | PipelineInput>;
  /** The action registry; defaults to the built-in actions. */
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
    calendars: options.calendars ?? [],
    ...(options.customOperators ? { customOperators: options.customOperators } : {}),
    ...(options.limits ? { limits: resolveLimits(options.limits) } : {}),
  });
}

/**
 * The JSON Schema (draft 2020-12) of the rule language, for editors and admin UIs. Each action's
 * `params` are described by its own schema, keyed by `type`, custom actions included.
 */
export function rulesJsonSchema(options: { actions?: ActionRegistry } = {}): Record<string, unknown> {
  const actions = options.actions ?? new ActionRegistry(BUILTIN_ACTIONS);
  const schema = z.toJSONSchema(z.array(RuleSchema), { io: 'input', unrepresentable: 'any' }) as Record<string, any>;
  const actionItems = schema.items?.properties?.actions?.items;
  if (actionItems) {
    const byType = actions.types().map((type) => {
      const params = z.toJSONSchema(actions.get(type)!.params, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
      delete params.$schema;
      return { if: { properties: { type: { const: type } } }, then: { properties: { params } } };
    });
    schema.items.properties.actions.items = {
      ...actionItems,
      properties: { ...actionItems.properties, type: { enum: actions.types() } },
      allOf: byType,
    };
  }
  return schema;
}
