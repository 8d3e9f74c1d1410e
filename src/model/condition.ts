import { z } from 'zod';
import { JsonSchema, type Json } from './deal.js';
import { closest, didYouMean, hinted } from './hints.js';
import { strictObject } from './objects.js';
import { PATH_PATTERN, PathSchema } from './path.js';

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
export { FORBIDDEN_PATH_SEGMENTS } from './path.js';

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

const alternatives = (list: ReadonlyArray<string>) => `(?:${list.join('|')})`;

/**
 * The built-in operators with their decorator prefixes, as a pattern: the JSON Schema's `pattern`
 * for `operator` (rulesJsonSchema adds a host's custom operators and decorators). The parser
 * checks the same names with `checkOperator`, which also knows the custom ones.
 */
export const OPERATOR_PATTERN = `^(?:${alternatives(OPERATOR_DECORATORS)}:)*${alternatives(BUILTIN_OPERATORS)}$`;

/**
 * Operators whose value json-rules-engine must be able to search (`indexOf`): `in` and `notIn`, under
 * `not:` only. Any other value (a number, null, an object) makes it reject every run, so the parser
 * refuses it: an array, a string (a substring test, as json-rules-engine does) or a fact reference.
 */
const SEARCHED_VALUE = /^(?:not:)*(?:in|notIn)$/;
/** Operators that iterate over the value (`someValue:`, `everyValue:` first, under `not:` only): it must be an array or a fact reference. */
const ITERATED_VALUE = /^(?:not:)*(?:someValue|everyValue):/;

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Problems of a condition's value that hold whatever the facts are: a malformed fact reference, a value the operator cannot use. */
function valueProblems(c: { operator?: unknown; value?: unknown }, add: (path: PropertyKey[], message: string) => void): void {
  const v = c.value;
  if (isObject(v) && Object.hasOwn(v, 'fact')) {
    // json-rules-engine reads any value object with a `fact` key as a fact reference.
    if (typeof v.fact !== 'string' || v.fact === '') add(['value', 'fact'], 'a fact reference names its fact as a non-empty string');
    if (v.path !== undefined) {
      const problem = typeof v.path === 'string' ? PathSchema.safeParse(v.path).error?.issues[0]?.message : 'a fact reference path must be a string';
      if (problem) add(['value', 'path'], problem);
    }
    return;
  }
  if (typeof c.operator !== 'string') return;
  if (SEARCHED_VALUE.test(c.operator) && !Array.isArray(v) && typeof v !== 'string') {
    add(
      ['value'],
      hinted(
        `operator "${c.operator}" needs an array (or a string, searched for the fact as a substring) as its value`,
        `json-rules-engine would reject every run with ${JSON.stringify(v)}; write a list: "value": [${JSON.stringify(v)}]`,
      ),
    );
  }
  if (ITERATED_VALUE.test(c.operator) && !Array.isArray(v)) {
    add(['value'], hinted(`operator "${c.operator}" needs an array as its value`, 'someValue/everyValue compare the fact with each element of the value'));
  }
}

const valueMustBe = (anyOf: unknown[], description: string) => ({ properties: { value: { description, anyOf } } });
const REFERENCE = { type: 'object', required: ['fact'] };

const params = z
  .record(z.string(), JsonSchema)
  .describe('Params for the fact, as json-rules-engine takes them; dealflow’s facts take none, so they change no result.');
const name = z.string().describe('A name for the condition, shown by explain and json-rules-engine.');
const priority = z
  .number()
  .describe('json-rules-engine priority: higher-priority siblings are evaluated first, and lower ones skipped once the answer is known.');

/** A leaf condition `{ fact, path?, operator, value }`, as ConditionSchema checks it. */
export const FactConditionSchema = strictObject({
  fact: z.string().min(1).describe('The fact to read: deal, previous, event, now, or a fact the host registers.'),
  operator: z
    .string()
    .min(1)
    .describe(
      'A json-rules-engine operator, optionally with decorators: equal, notEqual, in, notIn, contains, doesNotContain, lessThan, lessThanInclusive, greaterThan, greaterThanInclusive; decorators someFact:, everyFact:, someValue:, everyValue:, swap:, not:.',
    )
    .meta({ pattern: OPERATOR_PATTERN }),
  value: JsonSchema.describe('The value to compare with; an object with a "fact" key refers to another fact ({ "fact": "deal", "path": "$.amount" }).').meta({
    if: REFERENCE,
    then: {
      properties: {
        fact: { type: 'string', minLength: 1, description: 'The fact the value refers to.' },
        path: { type: 'string', pattern: PATH_PATTERN, description: 'A path into that fact.' },
      },
    },
  }),
  path: PathSchema.optional(),
  params: params.optional(),
  name: name.optional(),
  priority: priority.optional(),
})
  .superRefine((c, ctx) => valueProblems(c, (path, message) => ctx.addIssue({ code: 'custom', path, message })), {
    when: (p: { value: unknown }) => isObject(p.value),
  } as never)
  .meta({
    description: 'A fact condition: { fact, path?, operator, value }.',
    allOf: [
      {
        if: { properties: { operator: { type: 'string', pattern: SEARCHED_VALUE.source } }, required: ['operator'] },
        then: valueMustBe([{ type: ['array', 'string'] }, REFERENCE], 'in / notIn search the value: a list, a string (a substring test) or a fact reference.'),
      },
      {
        if: { properties: { operator: { type: 'string', pattern: ITERATED_VALUE.source } }, required: ['operator'] },
        then: valueMustBe([{ type: 'array' }, REFERENCE], 'someValue / everyValue go through the value: a list or a fact reference.'),
      },
    ],
  });

const CONDITION_FORMS = 'a condition is { "all": [...] }, { "any": [...] }, { "not": {...} } or { "fact", "operator", "value" }';

/** The criteria language: json-rules-engine condition objects (`all` / `any` / `not` / fact conditions). */
export const ConditionSchema: z.ZodType<Condition> = z.lazy(() =>
  z
    .union(
      [
        strictObject({
          all: z.array(ConditionSchema).describe('Holds when every condition holds (an empty list holds).'),
          name: name.optional(),
          priority: priority.optional(),
        }),
        strictObject({
          any: z.array(ConditionSchema).describe('Holds when at least one condition holds (an empty list holds too, as in json-rules-engine).'),
          name: name.optional(),
          priority: priority.optional(),
        }),
        strictObject({ not: ConditionSchema, name: name.optional(), priority: priority.optional() }),
        FactConditionSchema,
      ],
      {
        error: (iss) => {
          const near = isObject(iss.input) ? Object.keys(iss.input).map((k) => closest(k, ['all', 'any', 'not', 'fact'])) : [];
          const meant = near.find((k) => k !== undefined);
          return hinted(CONDITION_FORMS, meant ? `did you mean "${meant}"?` : undefined);
        },
      },
    )
    .describe('json-rules-engine criteria: all, any, not, or a fact condition.'),
) as unknown as z.ZodType<Condition>;

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
  const operators = [...BUILTIN_OPERATORS, ...(custom.operators ?? [])];
  const decorators = [...OPERATOR_DECORATORS, ...(custom.decorators ?? [])];
  const isOperator = (n: string) => operators.includes(n);
  const isDecorator = (n: string) => decorators.includes(n);
  let rest = name;
  while (!isOperator(rest)) {
    const colon = rest.indexOf(':');
    if (colon <= 0) {
      return hinted(
        `unknown operator "${rest}"`,
        `${didYouMean(rest, operators, 'the operators are')}; a custom one is registered in createEngine({ operators })`,
      );
    }
    const decorator = rest.slice(0, colon);
    if (!isDecorator(decorator)) {
      return hinted(`unknown operator decorator "${decorator}"`, didYouMean(decorator, decorators, 'the decorators are'));
    }
    rest = rest.slice(colon + 1);
  }
  return undefined;
}
