import { checkOperator, isFactCondition, type Condition, type FactCondition } from '../model/condition.js';
import { parsePath, resolvePath, type PathSegments } from '../model/path.js';

/**
 * The criteria evaluator: json-rules-engine's condition language compiled once into synchronous
 * closures. The core stays synchronous and pure this way; json-rules-engine itself is async
 * (a promise per condition), which a pure transition function cannot await.
 */

/** Where a predicate reads facts from. `get` may compute lazily; it must not do I/O. */
export interface FactSource {
  get(factId: string): unknown;
}

/** One fact condition as it was evaluated, for `history` and `explain`. */
export interface ConditionTrace {
  fact: string;
  path?: string;
  operator: string;
  value: unknown;
  factValue: unknown;
  result: boolean;
}

export type Predicate = (facts: FactSource, trace?: ConditionTrace[]) => boolean;

type OperatorFn = (factValue: unknown, jsonValue: unknown) => boolean;

const isNumberish = (v: unknown): boolean => Number.parseFloat(v as string).toString() !== 'NaN';
const indexOf = (container: unknown, item: unknown): number =>
  (container as { indexOf(x: unknown): number }).indexOf(item);

const BASE: Record<string, OperatorFn> = {
  equal: (a, b) => a === b,
  notEqual: (a, b) => a !== b,
  in: (a, b) => indexOf(b, a) > -1,
  notIn: (a, b) => indexOf(b, a) === -1,
  contains: (a, b) => Array.isArray(a) && a.indexOf(b) > -1,
  doesNotContain: (a, b) => Array.isArray(a) && a.indexOf(b) === -1,
  lessThan: (a, b) => isNumberish(a) && (a as number) < (b as number),
  lessThanInclusive: (a, b) => isNumberish(a) && (a as number) <= (b as number),
  greaterThan: (a, b) => isNumberish(a) && (a as number) > (b as number),
  greaterThanInclusive: (a, b) => isNumberish(a) && (a as number) >= (b as number),
};

const DECORATORS: Record<string, (next: OperatorFn) => OperatorFn> = {
  someFact: (next) => (a, b) => Array.isArray(a) && a.some((x) => next(x, b)),
  someValue: (next) => (a, b) => (b as unknown[]).some((y) => next(a, y)),
  everyFact: (next) => (a, b) => Array.isArray(a) && a.every((x) => next(x, b)),
  everyValue: (next) => (a, b) => (b as unknown[]).every((y) => next(a, y)),
  swap: (next) => (a, b) => next(b, a),
  not: (next) => (a, b) => !next(a, b),
};

export function compileOperator(name: string): OperatorFn {
  const problem = checkOperator(name);
  if (problem) throw new Error(problem);
  const parts = name.split(':');
  let fn = BASE[parts.pop()!]!;
  for (let i = parts.length - 1; i >= 0; i--) fn = DECORATORS[parts[i]!]!(fn);
  return fn;
}

function readFact(facts: FactSource, fact: string, path: PathSegments | undefined): unknown {
  const v = facts.get(fact);
  return path ? resolvePath(v, path) : v;
}

function compileFact(c: FactCondition): Predicate {
  const op = compileOperator(c.operator);
  const path = c.path !== undefined ? parsePath(c.path) : undefined;
  const v = c.value;
  const valueRef =
    v !== null && typeof v === 'object' && !Array.isArray(v) && typeof (v as { fact?: unknown }).fact === 'string'
      ? (v as { fact: string; path?: string })
      : undefined;
  const valuePath = valueRef?.path !== undefined ? parsePath(valueRef.path) : undefined;
  return (facts, trace) => {
    const factValue = readFact(facts, c.fact, path);
    const jsonValue = valueRef ? readFact(facts, valueRef.fact, valuePath) : v;
    let result: boolean;
    try {
      result = op(factValue, jsonValue);
    } catch {
      // json-rules-engine rejects the whole run here; a condition that cannot be evaluated does not hold.
      result = false;
    }
    if (trace) {
      const entry: ConditionTrace = { fact: c.fact, operator: c.operator, value: jsonValue, factValue, result };
      if (c.path !== undefined) entry.path = c.path;
      trace.push(entry);
    }
    return result;
  };
}

/** Compiles a condition tree into one synchronous predicate. Throws on an unknown operator or bad path. */
export function compileCondition(cond: Condition): Predicate {
  if (isFactCondition(cond)) return compileFact(cond);
  if ('all' in cond) {
    const parts = cond.all.map(compileCondition);
    return (facts, trace) => {
      for (const p of parts) if (!p(facts, trace)) return false;
      return true;
    };
  }
  if ('any' in cond) {
    const parts = cond.any.map(compileCondition);
    return (facts, trace) => {
      for (const p of parts) if (p(facts, trace)) return true;
      return false;
    };
  }
  const inner = compileCondition(cond.not);
  return (facts, trace) => !inner(facts, trace);
}

export const ALWAYS: Predicate = () => true;

/** Every fact name a condition reads, for validation against the known facts. */
export function factsUsed(cond: Condition, out: Set<string> = new Set()): Set<string> {
  if (isFactCondition(cond)) {
    out.add(cond.fact);
    const v = cond.value;
    if (v !== null && typeof v === 'object' && !Array.isArray(v) && typeof (v as { fact?: unknown }).fact === 'string') {
      out.add((v as { fact: string }).fact);
    }
  } else if ('all' in cond) cond.all.forEach((c) => factsUsed(c, out));
  else if ('any' in cond) cond.any.forEach((c) => factsUsed(c, out));
  else factsUsed(cond.not, out);
  return out;
}
