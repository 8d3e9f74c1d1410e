import { z } from 'zod';
import { ActionRegistry } from '../core/actions.js';
import { standardActions } from '../core/standard-actions.js';
import { BUILTIN_OPERATORS, OPERATOR_DECORATORS, OPERATOR_PATTERN } from '../model/condition.js';
import { RuleSchema } from '../model/rule.js';

/** What the JSON Schema of the rule language is built for: the action types and operators a host registers. */
export interface RulesJsonSchemaOptions {
  /** The action registry; defaults to the built-in, task, playbook and createDeal actions. */
  actions?: ActionRegistry;
  /** Custom operator names (`createEngine({ operators })`), besides the built-in ones. */
  operators?: ReadonlyArray<string>;
  /** Custom decorator names (`createEngine({ operatorDecorators })`). */
  decorators?: ReadonlyArray<string>;
}

type Json = Record<string, unknown>;

/** The JSON Schema dialect every schema here uses. */
export const JSON_SCHEMA_DIALECT = 'https://json-schema.org/draft/2020-12/schema';

/**
 * Converts zod schemas to JSON Schema in one pass, so the definitions they share (the condition
 * language, JSON values) land once in `$defs` and every `$ref` resolves from the root.
 */
export function toJsonSchemas<K extends string>(schemas: Record<K, z.ZodType>): { parts: Record<K, Json>; defs: Json } {
  const all = z.toJSONSchema(z.object(schemas as Record<string, z.ZodType>), { io: 'input', unrepresentable: 'any' }) as Json & {
    properties: Record<K, Json>;
    $defs?: Json;
  };
  return { parts: all.properties, defs: all.$defs ?? {} };
}

/** Replaces every string equal to `from` (at any depth) with `to`. */
function replaceString(value: unknown, from: string, to: string): unknown {
  if (value === from) return to;
  if (Array.isArray(value)) return value.map((v) => replaceString(v, from, to));
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, replaceString(v, from, to)]));
  return value;
}

/**
 * The JSON Schema (draft 2020-12) of the rule language, for editors and admin UIs: generated from
 * the zod schemas the parser uses, each check the schema can express included (patterns for
 * paths and operators, non-negative delays, `after` or `at`, the value an operator needs), each
 * action's `params` by its `type`, and a `description` on every property. A rule file is an array
 * of rules or a document `{ "$schema": "…", "rules": [ … ] }`. What it cannot know — stages,
 * fields, host facts, calendars, playbooks, unique ids, template syntax — `parseRules` and
 * `dealflow check` report (docs/rules.md).
 */
export function rulesJsonSchema(options: RulesJsonSchemaOptions = {}): Json {
  const registry = options.actions ?? new ActionRegistry(standardActions());
  const types = registry.types();
  const params = Object.fromEntries(types.map((t) => [`params:${t}`, registry.get(t)!.params as z.ZodType]));
  const { parts, defs } = toJsonSchemas<string>({ rule: RuleSchema, ...params });
  const rule = parts.rule as Json & { properties: Record<string, Json> };
  const actions = rule.properties.actions as Json & { items: Json & { properties: Record<string, Json> } };
  const item = actions.items;
  item.properties.type = { ...item.properties.type, enum: types };
  item.allOf = types.map((t) => {
    const p = parts[`params:${t}`]!;
    // An action without params has params {}: required when {} is not valid params for its type.
    const needsParams = !registry.get(t)!.params.safeParse({}).success;
    return {
      if: { properties: { type: { const: t } }, required: ['type'] },
      then: { properties: { params: p }, ...(needsParams ? { required: ['params'] } : {}) },
    };
  });
  const document = {
    type: 'object',
    description: 'A rule file that names its schema: { "$schema": "…", "rules": [ … ] }.',
    properties: {
      $schema: { type: 'string', description: 'The JSON Schema this file follows, for editors; ignored by dealflow.' },
      rules: { type: 'array', items: { $ref: '#/$defs/rule' }, description: 'The rules.' },
    },
    required: ['rules'],
    additionalProperties: false,
  };
  let schema: unknown = {
    $schema: JSON_SCHEMA_DIALECT,
    title: 'dealflow rules',
    description: 'A dealflow rule set: an array of rules, or { "$schema", "rules" }. See docs/rules.md.',
    anyOf: [{ type: 'array', description: 'The rules.', items: { $ref: '#/$defs/rule' } }, document],
    $defs: { ...defs, rule },
  };
  if (options.operators?.length || options.decorators?.length) {
    const ops = [...BUILTIN_OPERATORS, ...(options.operators ?? [])].map(escapeRegExp);
    const decs = [...OPERATOR_DECORATORS, ...(options.decorators ?? [])].map(escapeRegExp);
    schema = replaceString(schema, OPERATOR_PATTERN, `^(?:(?:${decs.join('|')}):)*(?:${ops.join('|')})$`);
  }
  return schema as Json;
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
