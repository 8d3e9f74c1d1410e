import { checkOperator, isFactCondition, isFactReference, type Condition, type FactCondition } from '../model/condition.js';
import { DealflowError } from '../model/errors.js';
import { parseCondition } from '../model/parse-condition.js';
import { parsePath, stepInto, type PathSegments } from '../model/path.js';
import { compileOperator, constantTest, isNumberish, mayThrow } from './operators.js';

/**
 * The criteria evaluator: json-rules-engine's condition language compiled once, at rule load,
 * into synchronous closures (no eval of user text). The core stays synchronous and pure this
 * way; json-rules-engine itself is async (a promise per condition), which a pure transition
 * function cannot await.
 *
 * Results equal json-rules-engine 7's `engine.run` (with `allowUndefinedFacts` and our
 * `safePathResolver`) for every built-in operator and decorator; test/core/criteria-differential
 * proves it on random conditions and facts. That includes its quirks: `any: []` holds, a path on a
 * fact that is not an object reads the fact itself, and sibling conditions of equal priority are
 * all evaluated (json-rules-engine runs them in parallel), so an error in any of them counts.
 *
 * Where json-rules-engine rejects the whole run (an operator applied to a value of the wrong
 * type, e.g. `in` with a value that is not an array or string), the criteria do not hold, and
 * the trace carries an entry with `error` saying why. For a rule that means it does not fire,
 * which is what a rejected `engine.run` means too; a `not` around such a condition does not turn
 * the error into a match.
 */

/** Where a predicate reads facts from. `get` may compute lazily; it must not do I/O. */
export interface FactSource {
  /** The value of a fact by id (`deal`, `event`, a host fact, …). */
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
  /** Set when the operator could not be applied; the whole criteria then do not hold. */
  error?: string;
}

/** A compiled condition: evaluates synchronously over a fact source, optionally appending each fact condition's result to `trace`. */
export type Predicate = (facts: FactSource, trace?: ConditionTrace[]) => boolean;

/** Thrown inside a compiled tree when an operator fails; caught at the root. Not an Error: no stack to capture. */
class ConditionFailure {
  constructor(readonly entry: ConditionTrace) {}
}

type Node = (facts: FactSource, trace: ConditionTrace[] | undefined) => boolean;

interface Compiled {
  test: Node;
  /** Whether evaluating it can fail; such siblings are evaluated even after the result is known. */
  mayThrow: boolean;
  /** json-rules-engine's priority: higher sets run first, and later sets are skipped once decided. */
  priority: number;
  /** Set for a fact condition that cannot fail, so groups of them run in one loop. */
  fast?: FastCondition;
}

const hasOwn = Object.prototype.hasOwnProperty;

/** Reads a fact and, when it is an object, the path in it; json-rules-engine returns a non-object fact as it is. */
function factReader(fact: string, path: string | undefined): (facts: FactSource) => unknown {
  if (!path) return (facts) => facts.get(fact);
  const segments = parsePath(path);
  const resolve = pathResolver(segments);
  return (facts) => {
    const v = facts.get(fact);
    return v !== null && typeof v === 'object' ? resolve(v as object) : v;
  };
}

/**
 * `resolvePath` specialised for the path, so the common one- and two-name paths take no loop. The
 * fact itself is an object here; inside it, a step reads what jsonpath-plus reads (`stepInto`: own
 * properties, a non-empty string's length and characters).
 */
function pathResolver(segments: PathSegments): (v: object) => unknown {
  const [a, b] = segments;
  if (segments.length === 0) return (v) => v;
  if (segments.length === 1 && typeof a === 'string') {
    return (v) => (hasOwn.call(v, a) ? (v as Record<string, unknown>)[a] : undefined);
  }
  if (segments.length === 2 && typeof a === 'string' && typeof b === 'string') {
    return (v) => {
      if (!hasOwn.call(v, a)) return undefined;
      const mid = (v as Record<string, unknown>)[a];
      if (mid === null || typeof mid !== 'object') return typeof mid === 'string' ? stepInto(mid, b) : undefined;
      return hasOwn.call(mid, b) ? (mid as Record<string, unknown>)[b] : undefined;
    };
  }
  return (v) => {
    let cur: unknown = v;
    for (const seg of segments) cur = stepInto(cur, seg);
    return cur;
  };
}

function describe(v: unknown): string {
  if (v === undefined) return 'undefined';
  if (Array.isArray(v)) return 'an array';
  return v === null ? 'null' : typeof v === 'object' ? 'an object' : `${typeof v} ${JSON.stringify(v)}`;
}

// Operators compared inline in a fact condition's closure, saving a call per condition.
const OTHER = 0;
const OP_CODES: Record<string, number> = {
  equal: 1,
  notEqual: 2,
  lessThan: 3,
  lessThanInclusive: 4,
  greaterThan: 5,
  greaterThanInclusive: 6,
  contains: 9,
  doesNotContain: 10,
};
/** `in` / `notIn` against a constant array of up to 8 items (longer ones use a Set through `test`). */
const IN_ARRAY = 7;
const NOT_IN_ARRAY = 8;

function opCode(operator: string, value: unknown): number {
  if ((operator === 'in' || operator === 'notIn') && Array.isArray(value) && value.length <= 8) return operator === 'in' ? IN_ARRAY : NOT_IN_ARRAY;
  return OP_CODES[operator] ?? OTHER;
}

function applyOp(code: number, a: unknown, v: unknown, test: (a: unknown) => boolean): boolean {
  switch (code) {
    case 1:
      return a === v;
    case 2:
      return a !== v;
    case 3:
      return typeof a === 'number' ? a < (v as number) : isNumberish(a) && (a as number) < (v as number);
    case 4:
      return typeof a === 'number' ? a <= (v as number) : isNumberish(a) && (a as number) <= (v as number);
    case 5:
      return typeof a === 'number' ? a > (v as number) : isNumberish(a) && (a as number) > (v as number);
    case 6:
      return typeof a === 'number' ? a >= (v as number) : isNumberish(a) && (a as number) >= (v as number);
    case 7:
      return (v as unknown[]).indexOf(a) > -1;
    case 8:
      return (v as unknown[]).indexOf(a) === -1;
    case 9:
      return Array.isArray(a) && a.indexOf(v) > -1;
    case 10:
      return Array.isArray(a) && a.indexOf(v) === -1;
    default:
      return test(a);
  }
}

type Traced = (facts: FactSource, trace: ConditionTrace[] | undefined, factValue: unknown, result: boolean) => void;

/**
 * A fact condition against a constant that cannot fail, as data: the fact, the path's first one or
 * two names (or a resolver for longer paths), the operator code. `evaluate` runs it without calling
 * through closures, and a group of them runs in one loop: closures made from one function literal
 * share their call sites in V8, so every call saved is an indirect, uninlinable one.
 */
class FastCondition {
  readonly depth: number;
  readonly k0: string;
  readonly k1: string;
  readonly resolve: ((v: object) => unknown) | undefined;
  /**
   * Read the path's names directly, without an own-property check: the built-in facts (deal,
   * previous, event) are plain JSON data, where a missing name reads as undefined unless it names
   * something on Object.prototype or Array.prototype — and such names keep the check.
   */
  readonly direct: boolean;
  /** Where a fact set keeps this path's value once read (-1: not kept), shared by every rule reading it. */
  readonly slot: number;
  /** A direct path into the deal other than `$.fields` itself: a fact set may read it without building the deal fact. */
  readonly onDeal: boolean;

  constructor(
    readonly fact: string,
    segments: PathSegments | undefined,
    readonly code: number,
    readonly value: unknown,
    readonly test: (a: unknown) => boolean,
    readonly traced: Traced,
    /** An enclosing `not` folded in; the trace keeps the condition's own result. */
    readonly negate: boolean,
  ) {
    const segs = segments ?? [];
    const simple = segs.length <= 2 && segs.every((x) => typeof x === 'string');
    this.depth = simple ? segs.length : 3;
    this.k0 = simple && segs.length > 0 ? (segs[0] as string) : '';
    this.k1 = simple && segs.length > 1 ? (segs[1] as string) : '';
    this.resolve = simple ? undefined : pathResolver(segs);
    this.direct =
      (fact === 'deal' || fact === 'previous' || fact === 'event') &&
      segs.every((x) => typeof x === 'string' && !(x in Object.prototype) && !(x in Array.prototype));
    this.slot = this.direct && (this.depth === 1 || this.depth === 2) ? slotOf(`${fact}\u0000${this.k0}\u0000${this.k1}`) : -1;
    this.onDeal = this.direct && fact === 'deal' && (this.depth === 2 || (this.depth === 1 && this.k0 !== 'fields'));
  }
}

/**
 * Path values of the built-in facts, kept per fact set: many rules read `$.amount` or
 * `$.fields.source` of the same deal, and after the first read the rest take an array element
 * instead of property lookups with varying names. Slots are numbered once per distinct path.
 */
const slotIds = new Map<string, number>();

/** How many slots there are so far: a fact set sizes its slot array to it (one allocation, not a grown one). */
export function slotCount(): number {
  return slotIds.size;
}

function slotOf(key: string): number {
  let id = slotIds.get(key);
  if (id === undefined) slotIds.set(key, (id = slotIds.size));
  return id;
}
/** Marks a slot read as undefined (an empty slot is undefined too). */
const UNDEFINED_VALUE = Symbol('undefined');

/** A fact source that keeps path values per slot (DealFacts does). */
interface SlottedFacts extends FactSource {
  readonly slots?: unknown[];
  /** The deal fact's value at a one- or two-name path, read without building the fact (DealFacts). */
  dealPath?(k0: string, k1: string, depth: number): unknown;
}

function evaluate(c: FastCondition, facts: FactSource, trace: ConditionTrace[] | undefined): boolean {
  let a: unknown;
  const slots = c.slot >= 0 ? (facts as SlottedFacts).slots : undefined;
  if (slots !== undefined) {
    a = slots[c.slot];
    if (a === undefined) {
      a = readPath(c, facts);
      slots[c.slot] = a === undefined ? UNDEFINED_VALUE : a;
    } else if (a === UNDEFINED_VALUE) a = undefined;
  } else a = readPath(c, facts);
  const r = applyOp(c.code, a, c.value, c.test);
  if (trace) c.traced(facts, trace, a, r);
  return r !== c.negate;
}

function readPath(c: FastCondition, facts: FactSource): unknown {
  if (c.onDeal && (facts as SlottedFacts).dealPath) return (facts as SlottedFacts).dealPath!(c.k0, c.k1, c.depth);
  const o = facts.get(c.fact);
  let a: unknown = o;
  if (c.depth > 0 && o !== null && typeof o === 'object') {
    if (c.depth === 3) a = c.resolve!(o);
    else if (c.direct) {
      a = (o as Record<string, unknown>)[c.k0];
      if (c.depth === 2) a = a !== null && typeof a === 'object' ? (a as Record<string, unknown>)[c.k1] : typeof a === 'string' ? stepInto(a, c.k1) : undefined;
    } else {
      a = hasOwn.call(o, c.k0) ? (o as Record<string, unknown>)[c.k0] : undefined;
      if (c.depth === 2) {
        a =
          a !== null && typeof a === 'object'
            ? hasOwn.call(a, c.k1)
              ? (a as Record<string, unknown>)[c.k1]
              : undefined
            : typeof a === 'string'
              ? stepInto(a, c.k1)
              : undefined;
      }
    }
  }
  return a;
}

/** `all` (decisive false) or `any` (decisive true) over fast conditions, in evaluation order. */
function fastGroup(conds: FastCondition[], decisive: boolean): Node {
  return (facts, trace) => {
    for (let i = 0; i < conds.length; i++) if (evaluate(conds[i]!, facts, trace) === decisive) return decisive;
    return !decisive;
  };
}

function fastNode(c: FastCondition): Node {
  return (facts, trace) => evaluate(c, facts, trace);
}

function compileFact(c: FactCondition, negate = false): Compiled {
  const op = compileOperator(c.operator);
  const read = factReader(c.fact, c.path);
  const ref = isFactReference(c.value) ? c.value : undefined;
  const readValue = ref ? factReader(ref.fact, ref.path) : undefined;
  const constant = c.value;
  const throws = mayThrow(c.operator, ref ? { known: false } : { known: true, value: constant });
  const test = readValue ? (a: unknown, facts: FactSource) => op(a, readValue(facts)) : constantTest(c.operator, constant, op);
  const traced = (facts: FactSource, trace: ConditionTrace[] | undefined, factValue: unknown, result: boolean, error?: string) => {
    if (!trace && error === undefined) return;
    const value = readValue ? readValue(facts) : constant;
    // With its path in the literal (the same keys in the same order), not added after: a key added
    // to a literal's object goes to a separate property array.
    const entry: ConditionTrace =
      c.path === undefined
        ? { fact: c.fact, operator: c.operator, value, factValue, result }
        : { fact: c.fact, operator: c.operator, value, factValue, result, path: c.path };
    if (error !== undefined) entry.error = error;
    trace?.push(entry);
    if (error !== undefined) throw new ConditionFailure(entry);
  };
  const fast =
    throws || readValue
      ? undefined
      : new FastCondition(
          c.fact,
          c.path ? parsePath(c.path) : undefined,
          opCode(c.operator, constant),
          constant,
          test as (a: unknown) => boolean,
          traced,
          negate,
        );
  const node: Node = throws
    ? (facts, trace) => {
        const factValue = read(facts);
        let result: boolean;
        try {
          result = test(factValue, facts);
        } catch (e) {
          const jsonValue = readValue ? readValue(facts) : constant;
          const why = `operator "${c.operator}" cannot compare ${describe(factValue)} with ${describe(jsonValue)} (${(e as Error).message})`;
          traced(facts, trace, factValue, false, why);
          return false;
        }
        traced(facts, trace, factValue, result);
        return result;
      }
    : readValue
      ? (facts, trace) => {
          const factValue = read(facts);
          const result = test(factValue, facts);
          if (trace) traced(facts, trace, factValue, result);
          return result;
        }
      : fastNode(fast!);
  const negated: Node = negate && !fast ? (facts, trace) => !node(facts, trace) : node;
  // A fact condition's own priority wins; otherwise the fact's, which is 1 for every fact we define.
  const out: Compiled = { test: negated, mayThrow: throws, priority: c.priority || 1 };
  if (fast) out.fast = fast;
  return out;
}

/**
 * `all` / `any` as json-rules-engine runs them: siblings grouped by priority, highest first; each
 * group is evaluated whole (its conditions run in parallel there), and later groups are skipped
 * once the answer is known. We stop at the first deciding condition too, but still evaluate the
 * rest of its group when they can fail, so an error surfaces exactly when it would there.
 */
function compileGroup(kind: 'all' | 'any', children: Condition[]): Node {
  if (children.length === 0) return () => true; // json-rules-engine: an empty all *and* an empty any hold
  const parts = children.map(compileNode);
  if (parts.length === 1) return parts[0]!.test;
  const byPriority = new Map<number, Compiled[]>();
  for (const p of parts) {
    const set = byPriority.get(p.priority);
    if (set) set.push(p);
    else byPriority.set(p.priority, [p]);
  }
  const sets = [...byPriority.entries()].sort((x, y) => y[0] - x[0]).map(([, set]) => set);
  const decisive = kind === 'any';
  // Conditions that cannot fail need no per-set bookkeeping: in set order, they run as one loop.
  if (parts.every((p) => p.fast))
    return fastGroup(
      sets.flat().map((p) => p.fast!),
      decisive,
    );
  const runSet = (set: Compiled[]): Node => {
    const tests = set.map((p) => p.test);
    const probes = set.map((p) => p.mayThrow);
    if (!probes.includes(true)) {
      if (tests.length === 2) {
        const [t0, t1] = tests as [Node, Node];
        return decisive ? (f, tr) => t0(f, tr) || t1(f, tr) : (f, tr) => t0(f, tr) && t1(f, tr);
      }
      if (tests.length === 3) {
        const [t0, t1, t2] = tests as [Node, Node, Node];
        return decisive ? (f, tr) => t0(f, tr) || t1(f, tr) || t2(f, tr) : (f, tr) => t0(f, tr) && t1(f, tr) && t2(f, tr);
      }
      return (facts, trace) => {
        for (let i = 0; i < tests.length; i++) if (tests[i]!(facts, trace) === decisive) return decisive;
        return !decisive;
      };
    }
    return (facts, trace) => {
      for (let i = 0; i < tests.length; i++) {
        if (tests[i]!(facts, trace) === decisive) {
          for (let j = i + 1; j < tests.length; j++) if (probes[j]) tests[j]!(facts, undefined);
          return decisive;
        }
      }
      return !decisive;
    };
  };
  const runs = sets.map(runSet);
  if (runs.length === 1) return runs[0]!;
  return (facts, trace) => {
    for (const run of runs) if (run(facts, trace) === decisive) return decisive;
    return !decisive;
  };
}

function compileNode(cond: Condition): Compiled {
  if (isFactCondition(cond)) return compileFact(cond);
  // json-rules-engine parses a boolean condition's priority with parseInt, defaulting to 1.
  const priority = Number.parseInt(cond.priority as unknown as string, 10) || 1;
  if ('all' in cond) return { test: compileGroup('all', cond.all), mayThrow: anyMayThrow(cond.all), priority };
  if ('any' in cond) return { test: compileGroup('any', cond.any), mayThrow: anyMayThrow(cond.any), priority };
  // A `not` around a fact condition is folded into its closure; the not's own priority still counts.
  if (isFactCondition(cond.not)) return { ...compileFact(cond.not, true), priority };
  const inner = compileNode(cond.not);
  const test = inner.test;
  return { test: (facts, trace) => !test(facts, trace), mayThrow: inner.mayThrow, priority };
}

function anyMayThrow(children: Condition[]): boolean {
  return children.some((c) => conditionMayThrow(c));
}

function conditionMayThrow(c: Condition): boolean {
  if (isFactCondition(c)) return mayThrow(c.operator, isFactReference(c.value) ? { known: false } : { known: true, value: c.value });
  if ('all' in c) return anyMayThrow(c.all);
  if ('any' in c) return anyMayThrow(c.any);
  return conditionMayThrow(c.not);
}

/**
 * Compiles a condition tree into one synchronous predicate, after checking it (parseCondition:
 * INVALID_RULES with each problem's path). The predicate returns false, with an `error` entry in
 * the trace, where json-rules-engine would reject the run.
 */
export function compileCondition(cond: Condition): Predicate {
  return compileValidCondition(parseCondition(cond));
}

/** compileCondition for a condition that rule validation has already checked (rules, goals, SLAs). */
export function compileValidCondition(cond: Condition): Predicate {
  for (const op of operatorsUsed(cond)) {
    const problem = checkOperator(op);
    if (problem) throw new DealflowError('INVALID_RULES', problem);
  }
  const root = compileNode(cond);
  const test = root.test;
  if (!root.mayThrow) return test as Predicate;
  return (facts, trace) => {
    try {
      return test(facts, trace);
    } catch (e) {
      if (!(e instanceof ConditionFailure)) throw e;
      if (trace && !trace.includes(e.entry)) trace.push(e.entry);
      return false;
    }
  };
}

/** The error of a failed evaluation, from its trace; undefined when every condition could be evaluated. */
export function criteriaError(trace: ReadonlyArray<ConditionTrace>): string | undefined {
  for (let i = trace.length - 1; i >= 0; i--) if (trace[i]!.error !== undefined) return trace[i]!.error;
  return undefined;
}

export const ALWAYS: Predicate = () => true;

/** Every fact name a condition reads, for validation against the known facts. */
export function factsUsed(cond: Condition, out: Set<string> = new Set()): Set<string> {
  if (isFactCondition(cond)) {
    out.add(cond.fact);
    if (isFactReference(cond.value)) out.add(String(cond.value.fact));
  } else if ('all' in cond) cond.all.forEach((c) => factsUsed(c, out));
  else if ('any' in cond) cond.any.forEach((c) => factsUsed(c, out));
  else factsUsed(cond.not, out);
  return out;
}

/** Every operator name a condition uses. */
export function operatorsUsed(cond: Condition, out: Set<string> = new Set()): Set<string> {
  if (isFactCondition(cond)) out.add(cond.operator);
  else if ('all' in cond) cond.all.forEach((c) => operatorsUsed(c, out));
  else if ('any' in cond) cond.any.forEach((c) => operatorsUsed(c, out));
  else operatorsUsed(cond.not, out);
  return out;
}
