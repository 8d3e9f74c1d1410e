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
export type BuiltinOperator = (typeof BUILTIN_OPERATORS)[number];

/** json-rules-engine's operator decorators, written as prefixes: `not:equal`, `everyFact:lessThan`. */
export const OPERATOR_DECORATORS = ['someFact', 'someValue', 'everyFact', 'everyValue', 'swap', 'not'] as const;

/** Path segments that could reach an object's prototype; refused everywhere a path is read. */
export const FORBIDDEN_PATH_SEGMENTS = new Set(['__proto__', 'constructor', 'prototype']);

export interface FactCondition {
  fact: string;
  operator: string;
  value: Json | { fact: string; path?: string; params?: Record<string, Json> };
  path?: string;
  params?: Record<string, Json>;
  name?: string;
  priority?: number;
}
export type Condition =
  | { all: Condition[]; name?: string; priority?: number }
  | { any: Condition[]; name?: string; priority?: number }
  | { not: Condition; name?: string; priority?: number }
  | FactCondition;

const FactRefSchema = z
  .object({ fact: z.string().min(1), path: z.string().optional(), params: z.record(z.string(), JsonSchema).optional() })
  .strict();

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

export function isFactCondition(c: Condition): c is FactCondition {
  return 'fact' in c;
}

/** A condition value that names a fact to compare with. json-rules-engine reads any object with an own `fact` key this way. */
export function isFactReference(v: unknown): v is { fact: string; path?: string; params?: Record<string, Json> } {
  return v !== null && typeof v === 'object' && Object.prototype.hasOwnProperty.call(v, 'fact');
}

/** Returns why an operator name is not one we evaluate, or undefined when it is. */
export function checkOperator(name: string): string | undefined {
  const parts = name.split(':');
  const base = parts.pop()!;
  if (!(BUILTIN_OPERATORS as readonly string[]).includes(base)) {
    return `unknown operator "${base}"; use one of ${BUILTIN_OPERATORS.join(', ')}`;
  }
  for (const d of parts) {
    if (!(OPERATOR_DECORATORS as readonly string[]).includes(d)) {
      return `unknown operator decorator "${d}"; use one of ${OPERATOR_DECORATORS.join(', ')}`;
    }
  }
  return undefined;
}

