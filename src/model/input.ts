import { DealflowError, jsonPath } from './errors.js';
import { beyondLimit, type Limits } from './limits.js';

/*
 * What every value passed in is checked for before a schema reads it, in one walk without
 * recursion: schemas, copies, criteria and templates all recurse, so a value nested 10,000 deep
 * would overflow the stack in any of them. The walk also refuses what no store can hold and what
 * would silently change meaning:
 *
 * - nesting deeper than `maxDepth`, a string longer than `maxStringLength`, an array or object
 *   larger than `maxCollectionSize`, more than `maxInputSize` characters in all;
 * - a string or key with a lone UTF-16 surrogate or a NUL character: PostgreSQL refuses both in
 *   text and jsonb (22P02, 22P05), so they would fail only when written, as a raw database error;
 * - an own `__proto__` key: parsing drops it silently (it would set the prototype), so a field or
 *   payload key of that name would vanish.
 *
 * Plain objects and arrays are walked; anything else (a Date, a function, a class instance) is
 * left to the schema that reads it.
 */

/** The DealflowError codes input checks throw: what kind of input it was. */
export type InputCode = 'INVALID_INPUT' | 'INVALID_RULES' | 'INVALID_CONFIG';

interface Node {
  value: unknown;
  depth: number;
  key: PropertyKey | undefined;
  parent: Node | undefined;
}

function pathOf(node: Node | undefined, root: ReadonlyArray<PropertyKey>, extra?: PropertyKey): string {
  const keys: PropertyKey[] = [];
  for (let n = node; n && n.key !== undefined; n = n.parent) keys.push(n.key);
  keys.reverse();
  return jsonPath([...root, ...keys, ...(extra === undefined ? [] : [extra])]);
}

/** A high surrogate not followed by a low one, or a low one not preceded by a high one (code units, no `u` flag). */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Why a string cannot be taken, or undefined: a lone surrogate or a NUL character. */
export function stringProblem(s: string): string | undefined {
  const lone = LONE_SURROGATE.exec(s);
  if (lone) return `has a lone UTF-16 surrogate (at ${lone.index}), which is not text; no store can hold it`;
  const nul = s.indexOf('\u0000');
  if (nul >= 0) return `has a NUL character (at ${nul}), which no store can hold`;
  return undefined;
}

function isPlain(v: object): boolean {
  if (Array.isArray(v)) return true;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** What the quick pass counts: characters of strings and keys, and values, for a bound on the JSON's length. */
export interface InputSize {
  chars: number;
  values: number;
}

/**
 * Whether a value passes every check, without noting where it is (no allocation per value):
 * every command runs it, and nearly every value passes. Undefined when one fails.
 */
function quickPass(value: unknown, limits: Limits): InputSize | undefined {
  const values: unknown[] = [value];
  const depths: number[] = [0];
  let chars = 0;
  let count = 0;
  while (values.length > 0) {
    const v = values.pop();
    const depth = depths.pop()!;
    count++;
    if (typeof v === 'string') {
      chars += v.length;
      if (v.length > limits.maxStringLength || stringProblem(v) !== undefined) return undefined;
      continue;
    }
    if (v === null || typeof v !== 'object' || !isPlain(v)) continue;
    if (depth >= limits.maxDepth) return undefined;
    if (Array.isArray(v)) {
      if (v.length > limits.maxCollectionSize) return undefined;
      for (let i = 0; i < v.length; i++) {
        values.push(v[i]);
        depths.push(depth + 1);
      }
      continue;
    }
    const keys = Object.keys(v);
    if (keys.length > limits.maxCollectionSize) return undefined;
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      chars += key.length;
      if (key === '__proto__' || key.length > limits.maxStringLength || stringProblem(key) !== undefined) return undefined;
      values.push((v as Record<string, unknown>)[key]);
      depths.push(depth + 1);
    }
    if (chars > limits.maxInputSize) return undefined;
  }
  return chars > limits.maxInputSize ? undefined : { chars, values: count };
}

/**
 * Checks one argument; throws a DealflowError with `code` and the offending JSON path (under
 * `root`, e.g. `['fields']`) for the first problem. `what` names the argument in the message.
 * Returns what it counted, a bound for the JSON size limits (`jsonSizeAtMost`).
 */
export function checkInput(value: unknown, limits: Limits, code: InputCode, what: string, root: ReadonlyArray<PropertyKey> = []): InputSize {
  const quick = quickPass(value, limits);
  if (quick) return quick;
  explain(value, limits, code, what, root);
  // The quick pass and this one check the same things; should they ever disagree, refuse anyway.
  throw new DealflowError(code, `${jsonPath(root)}: ${what} cannot be taken`, { issues: [{ path: jsonPath(root), message: 'refused by the input checks' }] });
}

/** The input checks again, noting where each value is, to throw the first problem with its path. */
function explain(value: unknown, limits: Limits, code: InputCode, what: string, root: ReadonlyArray<PropertyKey>): void {
  const stack: Node[] = [{ value, depth: 0, key: undefined, parent: undefined }];
  let size = 0;
  const countChars = (n: number, node: Node) => {
    size += n;
    if (size > limits.maxInputSize)
      throw beyondLimit(code, 'maxInputSize', limits.maxInputSize, size, pathOf(node, root), `${what} (all its strings and keys)`);
  };
  while (stack.length > 0) {
    const node = stack.pop()!;
    const v = node.value;
    if (typeof v === 'string') {
      if (v.length > limits.maxStringLength) throw beyondLimit(code, 'maxStringLength', limits.maxStringLength, v.length, pathOf(node, root), 'a string');
      countChars(v.length, node);
      const problem = stringProblem(v);
      if (problem)
        throw new DealflowError(code, `${pathOf(node, root)}: the string ${problem}`, {
          issues: [{ path: pathOf(node, root), message: `the string ${problem}` }],
        });
      continue;
    }
    if (v === null || typeof v !== 'object' || !isPlain(v)) continue;
    if (node.depth >= limits.maxDepth) throw beyondLimit(code, 'maxDepth', limits.maxDepth, node.depth + 1, pathOf(node, root), `${what} nested`);
    if (Array.isArray(v)) {
      if (v.length > limits.maxCollectionSize) throw beyondLimit(code, 'maxCollectionSize', limits.maxCollectionSize, v.length, pathOf(node, root), 'an array');
      for (let i = v.length - 1; i >= 0; i--) stack.push({ value: v[i], depth: node.depth + 1, key: i, parent: node });
      continue;
    }
    const keys = Object.keys(v);
    if (keys.length > limits.maxCollectionSize)
      throw beyondLimit(code, 'maxCollectionSize', limits.maxCollectionSize, keys.length, pathOf(node, root), 'an object');
    for (let i = keys.length - 1; i >= 0; i--) {
      const key = keys[i]!;
      countChars(key.length, node);
      if (key === '__proto__') {
        const path = pathOf(node, root, key);
        throw new DealflowError(code, `${path}: "__proto__" cannot be a key (it would be dropped or set a prototype); rename it`, {
          issues: [{ path, message: '"__proto__" cannot be a key' }],
        });
      }
      if (key.length > limits.maxStringLength) throw beyondLimit(code, 'maxStringLength', limits.maxStringLength, key.length, pathOf(node, root), 'a key');
      const problem = stringProblem(key);
      if (problem) {
        const path = pathOf(node, root, key);
        throw new DealflowError(code, `${path}: the key ${problem}`, { issues: [{ path, message: `the key ${problem}` }] });
      }
      stack.push({ value: (v as Record<string, unknown>)[key], depth: node.depth + 1, key, parent: node });
    }
  }
}

/** The length of a value's JSON text, for the size limits; run after checkInput, so it cannot overflow. */
export function jsonSize(value: unknown): number {
  return JSON.stringify(value)?.length ?? 0;
}

/**
 * An upper bound on the length of the JSON text of a value checkInput counted: a character
 * escapes to at most 6, a value with its key, quotes and separators to at most 30 more.
 */
export function jsonSizeAtMost(size: InputSize): number {
  return 6 * size.chars + 30 * size.values;
}

/** A short, safe description of any value for a message (it may be a symbol, a bigint or 10,000 levels deep). */
export function describeValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  if (typeof v === 'bigint') return `the bigint ${v}`;
  if (typeof v === 'symbol') return 'a symbol';
  if (typeof v === 'function') return 'a function';
  if (v === null || v === undefined || typeof v !== 'object') return String(v);
  return Array.isArray(v) ? 'an array' : v instanceof Date ? 'a Date' : 'an object';
}
