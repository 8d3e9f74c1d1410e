import fc from 'fast-check';
import { Engine as RulesEngine } from 'json-rules-engine';
import { describe, expect, it } from 'vitest';
import { compileCondition, criteriaError, type ConditionTrace, type FactSource } from '../../src/core/criteria.js';
import { DealFacts } from '../../src/core/facts.js';
import { BUILTIN_OPERATORS, OPERATOR_DECORATORS, type Condition } from '../../src/model/condition.js';
import type { Json } from '../../src/model/deal.js';
import { safePathResolver } from '../../src/model/path.js';

/**
 * The differential test: random condition trees (nested all/any/not, every built-in operator and
 * decorator chain, paths, missing facts, values of the wrong type, fact-reference values,
 * priorities) on random facts, evaluated by our compiled predicate and by json-rules-engine 7's
 * `engine.run`. They must agree on every case: the same boolean, and where json-rules-engine
 * rejects the run, our predicate does not hold and its trace names the error.
 */

const FACTS = ['deal', 'event', 'score', 'missing'] as const;
const KEYS = ['a', 'b', 'c', 'x y'] as const;
const PATHS = [undefined, '', '$', '$.a', '$.b', '$.a.b', 'a.c', '$.a[0]', '$[1]', "$['x y']", "$.c['a']", '$.a.b.c', '$.b[0].a', '$.length', '$.nope'];

const scalar = fc.oneof(
  fc.constantFrom<Json>(0, 1, -1, 2.5, 10, 100, -0.5, '10', '1e3', ' 5', '5px', 'abc', 'a', '', 'NaN', 'Infinity', true, false, null),
  fc.integer({ min: -3, max: 12 }),
  fc.constantFrom<Json>('a', 'b', 'c', 'x y'),
);

const json: fc.Arbitrary<Json> = fc.letrec<{ value: Json }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalar,
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom(...KEYS), tie('value'), { maxKeys: 3, noNullPrototype: true }),
  ),
})).value;

const facts = fc.record({ deal: json, event: json, score: json }, { requiredKeys: [] }) as fc.Arbitrary<Record<string, Json>>;

const operator = fc
  .tuple(fc.array(fc.constantFrom(...OPERATOR_DECORATORS), { maxLength: 2 }), fc.constantFrom(...BUILTIN_OPERATORS))
  .map(([decorators, base]) => [...decorators, base].join(':'));

const factRef = fc.record(
  { fact: fc.constantFrom(...FACTS), path: fc.constantFrom(...PATHS.filter((p): p is string => p !== undefined)) },
  { requiredKeys: ['fact'] },
);

const priority = fc.option(fc.constantFrom(1, 2, 3, -1, 0, 2.5), { nil: undefined });

const withPriority = <T extends object>(c: T, p: number | undefined): T => (p === undefined ? c : { ...c, priority: p });

const condition: fc.Arbitrary<Condition> = fc.letrec<{ cond: Condition }>((tie) => ({
  cond: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc
      .tuple(
        fc.constantFrom(...FACTS),
        fc.constantFrom(...PATHS),
        operator,
        fc.oneof({ weight: 3, arbitrary: json }, { weight: 1, arbitrary: factRef }),
        priority,
      )
      .map(([fact, path, op, value, p]) => withPriority({ fact, operator: op, value, ...(path === undefined ? {} : { path }) } as Condition, p)),
    fc.tuple(fc.array(tie('cond'), { maxLength: 4 }), priority).map(([all, p]) => withPriority({ all }, p)),
    fc.tuple(fc.array(tie('cond'), { maxLength: 4 }), priority).map(([any, p]) => withPriority({ any }, p)),
    fc.tuple(tie('cond'), priority).map(([not, p]) => withPriority({ not }, p)),
  ),
})).cond;

type Verdict = { result: boolean } | { rejected: string };

async function jsonRulesEngine(cond: Condition, factValues: Record<string, Json>): Promise<Verdict> {
  const engine = new RulesEngine([], { allowUndefinedFacts: true, pathResolver: safePathResolver });
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
    let rejected = 0;
    let held = 0;
    await fc.assert(
      fc.asyncProperty(condition, facts, async (cond, factValues) => {
        const theirs = await jsonRulesEngine(cond, factValues);
        const ours = dealflow(cond, factValues);
        expect(ours.untraced).toBe(ours.result);
        expect(ours.engineFacts).toBe(true);
        if ('rejected' in theirs) {
          rejected++;
          expect(ours.result).toBe(false);
          expect(ours.error).toBeDefined();
        } else {
          if (theirs.result) held++;
          expect(ours.error).toBeUndefined();
          expect(ours.result).toBe(theirs.result);
        }
      }),
      { numRuns: 3000 },
    );
    // The generator must exercise both outcomes and the error path, or the agreement proves little.
    expect(held).toBeGreaterThan(100);
    expect(rejected).toBeGreaterThan(20);
  });

  it('agree on flat conditions over one deal-like fact, the shape rules mostly have', async () => {
    const deal = fc.record({
      amount: fc.oneof(fc.integer({ min: 0, max: 20_000 }), fc.constantFrom<Json>('5000', null, 'abc')),
      stageId: fc.constantFrom('new', 'proposal', 'won'),
      fields: fc.dictionary(fc.constantFrom('score', 'tags', 'source'), json, { maxKeys: 3, noNullPrototype: true }),
      flags: fc.dictionary(fc.constantFrom('complex', 'vip'), fc.boolean(), { maxKeys: 2, noNullPrototype: true }),
    });
    const flat = fc.tuple(
      fc.constantFrom('all', 'any'),
      fc.array(fc.tuple(fc.constantFrom('$.amount', '$.stageId', '$.fields.score', '$.fields.tags', '$.flags.complex', '$.fields.source'), operator, json), {
        minLength: 1,
        maxLength: 5,
      }),
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
