import { z } from 'zod';
import { JsonSchema, type Json } from './deal.js';

/** json-rules-engine's built-in operators, which dealflow evaluates with the same results. */
export const BUILTIN_OPERATORS = [
  'equal',
  'notEqual',
  'in',
  'notIn',
  'contains',
  'doesNotContain',
  'lessThan',
  'lessThanInclusive',
  'greaterThan',
  'greaterThanInclusive',
] as const;
/** The name of a json-rules-engine built-in operator. */
export type BuiltinOperator = (typeof BUILTIN_OPERATORS)[number];

/** json-rules-engine's operator decorators, written as prefixes: `not:equal`, `everyFact:lessThan`. */
export const OPERATOR_DECORATORS = ['someFact', 'someValue', 'everyFact', 'everyValue', 'swap', 'not'] as const;

/** Path segments that could reach an object's prototype; refused everywhere a path is read. */
export const FORBIDDEN_PATH_SEGMENTS = new Set(['__proto__', 'constructor', 'prototype']);

/** A leaf condition: compares a fact (optionally at a `path`) with a value or another fact using an operator. */
export interface FactCondition {
  fact: string;
  operator: string;
  value: Json | { fact: string; path?: string; params?: Record<string, Json> };
  path?: string;
  params?: Record<string, Json>;
  name?: string;
  priority?: number;
}
/** A json-rules-engine condition: `all`, `any`, `not`, or a fact condition. */
export type Condition =
  | { all: Condition[]; name?: string; priority?: number }
  | { any: Condition[]; name?: string; priority?: number }
  | { not: Condition; name?: string; priority?: number }
  | FactCondition;

const FactRefSchema = z.object({ fact: z.string().min(1), path: z.string().optional(), params: z.record(z.string(), JsonSchema).optional() }).strict();

const FactConditionSchema = z
  .object({
    fact: z.string().min(1),
    operator: z.string().min(1),
    value: z.union([FactRefSchema, JsonSchema]),
    path: z.string().optional(),
    params: z.record(z.string(), JsonSchema).optional(),
    name: z.string().optional(),
    priority: z.number().optional(),
  })
  .strict();

/** The criteria language: json-rules-engine condition objects (`all` / `any` / `not` / fact conditions). */
export const ConditionSchema: z.ZodType<Condition> = z.lazy(() =>
  z.union([
    z.object({ all: z.array(ConditionSchema), name: z.string().optional(), priority: z.number().optional() }).strict(),
    z.object({ any: z.array(ConditionSchema), name: z.string().optional(), priority: z.number().optional() }).strict(),
    z.object({ not: ConditionSchema, name: z.string().optional(), priority: z.number().optional() }).strict(),
    FactConditionSchema,
  ]),
) as z.ZodType<Condition>;

/** Whether a condition is a leaf fact condition (has a `fact` key). */
export function isFactCondition(c: Condition): c is FactCondition {
  return 'fact' in c;
}

/** A condition value that names a fact to compare with. json-rules-engine reads any object with an own `fact` key this way. */
export function isFactReference(v: unknown): v is { fact: string; path?: string; params?: Record<string, Json> } {
  return v !== null && typeof v === 'object' && Object.hasOwn(v, 'fact');
}

/** Operators and decorators the host registered the json-rules-engine way (evaluated by json-rules-engine). */
export interface CustomOperatorNames {
  operators?: ReadonlyArray<string>;
  decorators?: ReadonlyArray<string>;
}

/**
 * Returns why an operator name is not one we evaluate, or undefined when it is. Names resolve as
 * json-rules-engine resolves them: a known operator name as a whole, else the first `decorator:`
 * prefix is peeled off and the rest resolved, so `not:startsWith` works with a custom `startsWith`.
 */
export function checkOperator(name: string, custom: CustomOperatorNames = {}): string | undefined {
  const isOperator = (n: string) => (BUILTIN_OPERATORS as readonly string[]).includes(n) || (custom.operators ?? []).includes(n);
  const isDecorator = (n: string) => (OPERATOR_DECORATORS as readonly string[]).includes(n) || (custom.decorators ?? []).includes(n);
  let rest = name;
  while (!isOperator(rest)) {
    const colon = rest.indexOf(':');
    if (colon <= 0) {
      const known = [...BUILTIN_OPERATORS, ...(custom.operators ?? [])];
      return `unknown operator "${rest}"; use one of ${known.join(', ')}, or register it in createEngine({ operators })`;
    }
    const decorator = rest.slice(0, colon);
    if (!isDecorator(decorator)) {
      return `unknown operator decorator "${decorator}"; use one of ${[...OPERATOR_DECORATORS, ...(custom.decorators ?? [])].join(', ')}`;
    }
    rest = rest.slice(colon + 1);
  }
  return undefined;
}
