import { DealflowError } from '../model/errors.js';
import { checkOperator } from '../model/condition.js';

/**
 * json-rules-engine 7's built-in operators and decorators, mirrored exactly: each operator is
 * `validator(factValue) && callback(factValue, value)` as in its Operator class, and each
 * decorator wraps the next operator as its OperatorDecorator does.
 */
export type OperatorFn = (factValue: unknown, jsonValue: unknown) => boolean;

/** json-rules-engine's number validator, kept verbatim: numeric strings such as "12abc" pass. */
export const isNumberish = (v: unknown): boolean => Number.parseFloat(v as string).toString() !== 'NaN';

const indexOf = (container: unknown, item: unknown): number => (container as { indexOf(x: unknown): number }).indexOf(item);

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

/** `not:someFact:equal` → a function; throws on a name that is not built in. */
export function compileOperator(name: string): OperatorFn {
  const problem = checkOperator(name);
  if (problem) throw new DealflowError('INVALID_RULES', problem);
  const parts = name.split(':');
  let fn = BASE[parts.pop()!]!;
  for (let i = parts.length - 1; i >= 0; i--) fn = DECORATORS[parts[i]!]!(fn);
  return fn;
}

/** What is known about an operand at compile time. */
export type Operand = { known: true; value: unknown } | { known: false };
const UNKNOWN: Operand = { known: false };

/**
 * Whether the operator can throw for some fact value, given what is known about the condition's
 * value. Conservative: true unless proven safe. Only `in`/`notIn` (indexOf on the value) and
 * `someValue`/`everyValue` (some/every on the value) can throw on JSON data.
 */
export function mayThrow(name: string, value: Operand): boolean {
  return chainMayThrow(name.split(':'), UNKNOWN, value);
}

function chainMayThrow(chain: string[], a: Operand, b: Operand): boolean {
  const [head, ...rest] = chain;
  if (rest.length === 0) {
    if (head !== 'in' && head !== 'notIn') return false;
    return !(b.known && (Array.isArray(b.value) || typeof b.value === 'string'));
  }
  switch (head) {
    case 'not':
      return chainMayThrow(rest, a, b);
    case 'swap':
      return chainMayThrow(rest, b, a);
    case 'someFact':
    case 'everyFact':
      if (!a.known) return chainMayThrow(rest, UNKNOWN, b);
      return Array.isArray(a.value) && a.value.some((x) => chainMayThrow(rest, { known: true, value: x }, b));
    case 'someValue':
    case 'everyValue':
      if (!b.known || !Array.isArray(b.value)) return true;
      return b.value.some((y) => chainMayThrow(rest, a, { known: true, value: y }));
    default:
      return true;
  }
}

/** The operator against a constant value, specialised for the shapes rules use most. */
export function constantTest(operator: string, value: unknown, op: OperatorFn): (a: unknown) => boolean {
  switch (operator) {
    case 'equal':
      return (a) => a === value;
    case 'notEqual':
      return (a) => a !== value;
    case 'lessThan':
      return (a) => (typeof a === 'number' ? a < (value as number) : isNumberish(a) && (a as number) < (value as number));
    case 'lessThanInclusive':
      return (a) => (typeof a === 'number' ? a <= (value as number) : isNumberish(a) && (a as number) <= (value as number));
    case 'greaterThan':
      return (a) => (typeof a === 'number' ? a > (value as number) : isNumberish(a) && (a as number) > (value as number));
    case 'greaterThanInclusive':
      return (a) => (typeof a === 'number' ? a >= (value as number) : isNumberish(a) && (a as number) >= (value as number));
    case 'in':
    case 'notIn':
      if (Array.isArray(value) && value.length > 8) {
        // Same answers as indexOf for JSON values (SameValueZero differs from === only on NaN).
        const set = new Set<unknown>(value);
        return operator === 'in' ? (a) => set.has(a) : (a) => !set.has(a);
      }
      return (a) => op(a, value);
    default:
      return (a) => op(a, value);
  }
}
