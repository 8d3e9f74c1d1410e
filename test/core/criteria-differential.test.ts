import fc from 'fast-check';
import { Engine as RulesEngine } from 'json-rules-engine';
import { describe, expect, it } from 'vitest';
import { compileCondition, criteriaError, type ConditionTrace, type FactSource } from '../../src/core/criteria.js';
import { DealFacts } from '../../src/core/facts.js';
import { BUILTIN_OPERATORS, ConditionSchema, OPERATOR_DECORATORS, type Condition } from '../../src/model/condition.js';
import type { Json } from '../../src/model/deal.js';
import { parseRules } from '../../src/index.js';
import { parsePath } from '../../src/model/path.js';

/**
 * The differential test: random condition trees (nested all/any/not, every built-in operator and
 * decorator chain, paths — `.length` and characters of strings included — missing facts, strings
 * for in/notIn/contains, values of the wrong type, fact-reference values, params, priorities) on
 * random facts, evaluated by our compiled predicate and by json-rules-engine 7's `engine.run` with
 * its own path resolver (jsonpath-plus). They must agree on every case: the same boolean, and where
 * json-rules-engine rejects the run, our predicate does not hold and its trace names the error.
 * What the parser refuses instead of evaluating is listed, each with its reason, in the last block
 * (and in docs/rules.md).
 */

const FACTS = ['deal', 'event', 'score', 'missing'] as const;
const KEYS = ['a', 'b', 'c', 'x y', 's', 'a.b', '01'] as const;
const PATHS = [
  undefined,
  '',
  '$',
  '$.a',
  '$.b',
  '$.a.b',
  'a.c',
  '$.a[0]',
  '$[1]',
  "$['x y']",
  "$.c['a']",
  '$.a.b.c',
  '$.b[0].a',
  '$.length',
  '$.nope',
  // A string's length and characters, an array's length, keys that look like indexes or hold dots.
  '$.s.length',
  '$.a.length',
  '$.s[0]',
  "$.s['1']",
  '$.b[0].length',
  "$['a.b']",
  '$[01]',
  "$['01']",
  's.length',
];

const str = fc.constantFrom<Json>('a', 'b', 'abc', 'x y', '', 'vip', 'new,vip', 'ab', 'c');
const scalar = fc.oneof(
  fc.constantFrom<Json>(0, 1, -1, 2.5, 10, 100, -0.5, '10', '1e3', ' 5', '5px', 'abc', 'a', '', 'NaN', 'Infinity', true, false, null),
  fc.integer({ min: -3, max: 12 }),
  str,
);

const json: fc.Arbitrary<Json> = fc.letrec<{ value: Json }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalar,
    fc.array(tie('value'), { maxLength: 3 }),
    fc.array(str, { maxLength: 3 }),
    fc.dictionary(fc.constantFrom(...KEYS), tie('value'), { maxKeys: 3, noNullPrototype: true }),
  ),
})).value;

const facts = fc.record({ deal: json, event: json, score: json }, { requiredKeys: [] }) as fc.Arbitrary<Record<string, Json>>;

const operator = fc
  .tuple(fc.array(fc.constantFrom(...OPERATOR_DECORATORS), { maxLength: 2 }), fc.constantFrom(...BUILTIN_OPERATORS))
  .map(([decorators, base]) => [...decorators, base].join(':'));

const factRef = fc.record(
  {
    fact: fc.constantFrom(...FACTS),
    path: fc.constantFrom(...PATHS.filter((p): p is string => p !== undefined)),
    params: fc.constantFrom<Record<string, Json>>({ a: 1 }, {}),
  },
  { requiredKeys: ['fact'] },
);

const priority = fc.option(fc.constantFrom(1, 2, 3, -1, 0, 2.5), { nil: undefined });
const params = fc.option(fc.constantFrom<Record<string, Json>>({ limit: 3 }, { a: 'b' }), { nil: undefined, freq: 4 });

const withPriority = <T extends object>(c: T, p: number | undefined): T => (p === undefined ? c : { ...c, priority: p });

const condition: fc.Arbitrary<Condition> = fc.letrec<{ cond: Condition }>((tie) => ({
  cond: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc
      .tuple(
        fc.constantFrom(...FACTS),
        fc.constantFrom(...PATHS),
        operator,
        fc.oneof({ weight: 3, arbitrary: json }, { weight: 1, arbitrary: str }, { weight: 1, arbitrary: factRef }),
        priority,
        params,
      )
      .map(([fact, path, op, value, p, ps]) =>
        withPriority({ fact, operator: op, value, ...(path === undefined ? {} : { path }), ...(ps === undefined ? {} : { params: ps }) } as Condition, p),
      ),
    fc.tuple(fc.array(tie('cond'), { maxLength: 4 }), priority).map(([all, p]) => withPriority({ all }, p)),
    fc.tuple(fc.array(tie('cond'), { maxLength: 4 }), priority).map(([any, p]) => withPriority({ any }, p)),
    fc.tuple(tie('cond'), priority).map(([not, p]) => withPriority({ not }, p)),
  ),
})).cond;

type Verdict = { result: boolean } | { rejected: string };

/** json-rules-engine 7 as it comes: its own path resolver (jsonpath-plus), undefined facts allowed. */
async function jsonRulesEngine(cond: Condition, factValues: Record<string, Json>): Promise<Verdict> {
  const engine = new RulesEngine([], { allowUndefinedFacts: true });
  // json-rules-engine needs all/any/not at the root; a one-element all evaluates its element alone.
  // It also rewrites priorities in place, hence the clone.
  engine.addRule({ conditions: { all: [structuredClone(cond)] } as never, event: { type: 'matched' } });
  try {
    const run = await engine.run(structuredClone(factValues));
    return { result: run.results.length === 1 };
  } catch (e) {
    return { rejected: (e as Error).message };
  }
}

function dealflow(cond: Condition, factValues: Record<string, Json>): { result: boolean; error: string | undefined; untraced: boolean; engineFacts: boolean } {
  const source: FactSource = { get: (id) => (Object.hasOwn(factValues, id) ? factValues[id] : undefined) };
  const predicate = compileCondition(cond);
  const trace: ConditionTrace[] = [];
  const result = predicate(source, trace);
  // The engine's own fact source keeps path values per fact set; asked twice, it must agree.
  const own = (id: string) => (Object.hasOwn(factValues, id) ? factValues[id] : undefined);
  const engineFacts = new DealFacts({ deal: own('deal') as never, previous: null, event: own('event') as never, now: '' }, undefined, {
    score: () => own('score'),
  });
  const first = predicate(engineFacts);
  return { result, error: criteriaError(trace), untraced: predicate(source), engineFacts: first === result && predicate(engineFacts) === result };
}

describe('compiled criteria against json-rules-engine 7', () => {
  it('agree on random conditions and facts, including where json-rules-engine rejects', async () => {
    const counts = { cases: 0, held: 0, rejected: 0, stringSearch: 0, lengthRead: 0, reference: 0, withParams: 0 };
    await fc.assert(
      fc.asyncProperty(condition, facts, async (cond, factValues) => {
        const theirs = await jsonRulesEngine(cond, factValues);
        const ours = dealflow(cond, factValues);
        expect(ours.untraced).toBe(ours.result);
        expect(ours.engineFacts).toBe(true);
        counts.cases++;
        const leaves = leavesOf(cond);
        if (leaves.some((c) => /(?:^|:)(?:in|notIn)$/.test(c.operator) && typeof c.value === 'string')) counts.stringSearch++;
        if (leaves.some((c) => c.path?.endsWith('length'))) counts.lengthRead++;
        if (leaves.some((c) => c.value !== null && typeof c.value === 'object' && !Array.isArray(c.value) && 'fact' in c.value)) counts.reference++;
        if (leaves.some((c) => c.params !== undefined)) counts.withParams++;
        if ('rejected' in theirs) {
          counts.rejected++;
          expect(ours.result).toBe(false);
          expect(ours.error).toBeDefined();
        } else {
          if (theirs.result) counts.held++;
          expect(ours.error).toBeUndefined();
          expect(ours.result).toBe(theirs.result);
        }
      }),
      { numRuns: 4000 },
    );
    console.log(
      `criteria ⇔ json-rules-engine: ${counts.cases} cases (${counts.held} held, ${counts.rejected} rejected by json-rules-engine; ${counts.stringSearch} with in/notIn on a string, ${counts.lengthRead} reading a length, ${counts.reference} with a fact reference, ${counts.withParams} with params)`,
    );
    // The generator must exercise both outcomes, the error path and each feature, or the agreement proves little.
    expect(counts.held).toBeGreaterThan(100);
    expect(counts.rejected).toBeGreaterThan(20);
    for (const k of ['stringSearch', 'lengthRead', 'reference', 'withParams'] as const) expect(counts[k]).toBeGreaterThan(100);
  });

  it('agree on strings: in / notIn search a string value (a substring), contains needs an array fact, .length and characters of strings', async () => {
    const cases: Array<[Condition, Record<string, Json>]> = [];
    for (const op of [
      'in',
      'notIn',
      'not:in',
      'contains',
      'doesNotContain',
      'swap:in',
      'swap:notIn',
      'swap:contains',
      'someFact:in',
      'everyValue:in',
      'someValue:equal',
    ])
      for (const value of ['new,vip', 'vip', '', ['vip', 'new'], 'x'] as Json[])
        for (const fact of ['vip', 'new,vip', '', 'v', ['vip'], 5] as Json[])
          cases.push([{ fact: 'deal', path: '$.t', operator: op, value }, { deal: { t: fact } }]);
    for (const path of ['$.s.length', '$.s[0]', "$.s['2']", '$.s[9]', '$.a.length', '$.e.length', '$.a[1]', '$.o.length'])
      for (const value of [3, 0, 'a', 'c', 2, null] as Json[])
        cases.push([{ fact: 'deal', path, operator: 'equal', value }, { deal: { s: 'abc', e: '', a: [1, 2], o: { length: 3 } } }]);
    let agreed = 0;
    for (const [cond, factValues] of cases) {
      const theirs = await jsonRulesEngine(cond, factValues);
      const ours = dealflow(cond, factValues);
      if ('rejected' in theirs) expect([ours.result, ours.error !== undefined], JSON.stringify(cond)).toEqual([false, true]);
      else expect(ours.result, `${JSON.stringify(cond)} on ${JSON.stringify(factValues)}`).toBe(theirs.result);
      agreed++;
    }
    expect(agreed).toBe(cases.length);
    // The quirks themselves, as json-rules-engine has them.
    expect(dealflow({ fact: 'deal', path: '$.t', operator: 'in', value: 'new,vip' }, { deal: { t: 'vip' } }).result).toBe(true);
    expect(dealflow({ fact: 'deal', path: '$.s.length', operator: 'equal', value: 3 }, { deal: { s: 'abc' } }).result).toBe(true);
    expect(dealflow({ fact: 'deal', path: '$.e.length', operator: 'equal', value: 0 }, { deal: { e: '' } }).result).toBe(false);
  });

  it('agree on flat conditions over one deal-like fact, the shape rules mostly have', async () => {
    const deal = fc.record({
      amount: fc.oneof(fc.integer({ min: 0, max: 20_000 }), fc.constantFrom<Json>('5000', null, 'abc')),
      stageId: fc.constantFrom('new', 'proposal', 'won'),
      fields: fc.record({ score: json, tags: fc.oneof(fc.array(str, { maxLength: 3 }), str), source: fc.oneof(str, json) }, { requiredKeys: [] }),
      flags: fc.dictionary(fc.constantFrom('complex', 'vip'), fc.boolean(), { maxKeys: 2, noNullPrototype: true }),
    });
    const flat = fc.tuple(
      fc.constantFrom('all', 'any'),
      fc.array(
        fc.tuple(
          fc.constantFrom(
            '$.amount',
            '$.stageId',
            '$.fields.score',
            '$.fields.tags',
            '$.flags.complex',
            '$.fields.source',
            '$.fields.source.length',
            '$.fields.tags.length',
            '$.stageId.length',
            '$.fields.tags[0]',
            "$.fields.source['1']",
          ),
          operator,
          fc.oneof(json, str, fc.integer({ min: 0, max: 8 })),
        ),
        {
          minLength: 1,
          maxLength: 5,
        },
      ),
    );
    await fc.assert(
      fc.asyncProperty(flat, deal, async ([kind, parts], d) => {
        const conds = parts.map(([path, op, value]) => ({ fact: 'deal', path, operator: op, value }));
        const cond = (kind === 'all' ? { all: conds } : { any: conds }) as Condition;
        const theirs = await jsonRulesEngine(cond, { deal: d as Json });
        const ours = dealflow(cond, { deal: d as Json });
        if ('rejected' in theirs) expect([ours.result, ours.error !== undefined]).toEqual([false, true]);
        else expect([ours.result, ours.error]).toEqual([theirs.result, undefined]);
      }),
      { numRuns: 1500 },
    );
  });
});

function leavesOf(c: Condition): Array<Extract<Condition, { fact: string }>> {
  if ('fact' in c) return [c];
  if ('all' in c) return c.all.flatMap(leavesOf);
  if ('any' in c) return c.any.flatMap(leavesOf);
  return leavesOf(c.not);
}

describe('json-rules-engine quirks the compiler keeps', () => {
  /** Our answer, after checking json-rules-engine gives the same one. */
  const holds = async (cond: Condition, factValues: Record<string, Json>) => {
    const theirs = await jsonRulesEngine(cond, factValues);
    const ours = dealflow(cond, factValues).result;
    expect(theirs).toEqual({ result: ours });
    return ours;
  };

  it('treats an empty any as holding, like an empty all', async () => {
    expect(await holds({ any: [] }, {})).toBe(true);
    expect(await holds({ all: [] }, {})).toBe(true);
    expect(await holds({ not: { any: [] } }, {})).toBe(false);
  });

  it('reads a fact that is not an object as itself when a path is given', async () => {
    expect(await holds({ fact: 'score', path: '$.a', operator: 'equal', value: 7 }, { score: 7 })).toBe(true);
    expect(await holds({ fact: 'score', path: '$.a', operator: 'equal', value: null }, { score: null })).toBe(true);
    expect(await holds({ fact: 'deal', path: '$.a', operator: 'equal', value: null }, { deal: { b: 1 } })).toBe(false);
  });

  it('reads only own properties on a path', async () => {
    expect(await holds({ fact: 'deal', path: '$.toString', operator: 'equal', value: null }, { deal: {} })).toBe(false);
    expect(await holds({ fact: 'deal', path: '$.toString', operator: 'notEqual', value: null }, { deal: {} })).toBe(true);
  });

  it('treats any value object with a fact key as a fact reference', async () => {
    expect(await holds({ fact: 'deal', path: '$.a', operator: 'equal', value: { fact: 'score' } }, { deal: { a: 3 }, score: 3 })).toBe(true);
  });

  it('fails the whole criteria, through not, where json-rules-engine rejects', async () => {
    const bad: Condition = { fact: 'deal', operator: 'in', value: { fact: 'missing' } };
    expect(await jsonRulesEngine({ not: bad }, { deal: 1 })).toMatchObject({ rejected: expect.any(String) });
    const out = dealflow({ not: bad }, { deal: 1 });
    expect(out.result).toBe(false);
    expect(out.error).toMatch(/operator "in" cannot compare number 1 with undefined/);
    // A sibling of equal priority is evaluated even after the answer is known, as json-rules-engine does.
    expect(dealflow({ any: [{ fact: 'deal', operator: 'equal', value: 1 }, bad] }, { deal: 1 }).result).toBe(false);
    // A lower-priority sibling is skipped once a higher one decides, so its error never happens.
    expect(dealflow({ any: [{ fact: 'deal', operator: 'equal', value: 1, priority: 5 }, bad] }, { deal: 1 }).result).toBe(true);
  });

  it('keeps numeric strings numeric for comparisons, as json-rules-engine does', async () => {
    expect(await holds({ fact: 'deal', operator: 'lessThan', value: 10 }, { deal: ' 5' })).toBe(true);
    expect(await holds({ fact: 'deal', operator: 'lessThan', value: 10 }, { deal: '5px' })).toBe(false);
    expect(await holds({ fact: 'deal', operator: 'lessThan', value: 10 }, { deal: 'abc' })).toBe(false);
  });
});

/**
 * Where dealflow does not answer as json-rules-engine would, it refuses the rule when it is parsed,
 * saying why — never a silent difference. Each divergence, its reason, and json-rules-engine's side.
 */
describe('documented divergences: what the parser refuses instead of evaluating', () => {
  const refused = (cond: unknown, pattern: RegExp) => {
    const rule = { id: 'r', trigger: { type: 'deal.created' }, when: cond, actions: [{ type: 'setFlag', params: { flag: 'x' } }] };
    expect(() => parseRules([rule]), JSON.stringify(cond)).toThrow(pattern);
  };

  it('paths outside the safe subset: jsonpath-plus would run them (wildcards, filters, scripts); dealflow refuses them', async () => {
    // jsonpath-plus evaluates these; their results are not member reads (a filter can run code).
    expect(await jsonRulesEngine({ fact: 'deal', path: '$.a[*]', operator: 'contains', value: 1 }, { deal: { a: [1] } })).toEqual({ result: true });
    for (const path of [
      '$.a[*]',
      '$..a',
      '$.a[?(@.b)]',
      '$.a[0:1]',
      "$['a','b']",
      "$['it\\'s']",
      ' $.a',
      "$[ 'a' ]",
      "$['a*']",
      '$.__proto__',
      "$['constructor']",
    ]) {
      refused({ fact: 'deal', path, operator: 'equal', value: 1 }, /path|not allowed|supported/);
      expect(() => parsePath(path)).toThrow();
    }
  });

  it('in / notIn with a value it cannot search, someValue / everyValue with a value that is not a list: json-rules-engine rejects every run; dealflow refuses the rule', async () => {
    for (const [operator, value] of [
      ['in', 5],
      ['not:notIn', null],
      ['in', { a: 1 }],
      ['someValue:equal', 'abc'],
      ['not:everyValue:in', 3],
    ] as const) {
      for (const fact of [1, 'a', ['a'], null] as Json[]) {
        expect(await jsonRulesEngine({ fact: 'deal', operator, value } as Condition, { deal: fact }), `${operator} ${JSON.stringify(value)}`).toMatchObject({
          rejected: expect.any(String),
        });
      }
      refused({ fact: 'deal', operator, value }, /needs an array/);
    }
    // Behind another decorator the value meets the fact differently, so nothing is refused: swap:in searches the fact.
    expect(ConditionSchema.safeParse({ fact: 'deal', operator: 'swap:in', value: 5 }).success).toBe(true);
    expect(await jsonRulesEngine({ fact: 'deal', operator: 'swap:in', value: 5 }, { deal: [5] })).toEqual({ result: true });
  });

  it('unknown operators and decorators: json-rules-engine fails the run; dealflow refuses the rule (custom ones are registered in createEngine)', async () => {
    expect(await jsonRulesEngine({ fact: 'deal', operator: 'lessThen', value: 1 }, { deal: 0 })).toMatchObject({
      rejected: expect.stringMatching(/Unknown operator/),
    });
    refused({ fact: 'deal', operator: 'lessThen', value: 1 }, /unknown operator "lessThen"/);
    refused({ fact: 'deal', operator: 'maybe:equal', value: 1 }, /unknown operator decorator "maybe"/);
  });

  it('a fact reference that names no fact, shared condition references, unknown facts: refused (dealflow has no condition registry, and every fact is known)', async () => {
    refused({ fact: 'deal', operator: 'equal', value: { fact: 5 } }, /names its fact/);
    refused({ fact: 'deal', operator: 'equal', value: { fact: 'deal', path: '$..a' } }, /recursive/);
    refused({ all: [{ condition: 'isBig' }] }, /a condition is/);
    refused({ fact: 'dael', operator: 'equal', value: 1 }, /unknown fact "dael"/);
  });

  it('params: accepted and handed to no fact — dealflow facts take none — so they never change a result', async () => {
    const withParams: Condition = { fact: 'deal', path: '$.a', operator: 'equal', value: 1, params: { limit: 3 } };
    expect(await jsonRulesEngine(withParams, { deal: { a: 1 } })).toEqual({ result: true });
    expect(dealflow(withParams, { deal: { a: 1 } }).result).toBe(true);
  });
});
