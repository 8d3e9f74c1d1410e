import { z } from 'zod';

/** Path segments that could reach an object's prototype; refused everywhere a path is read. */
export const FORBIDDEN_PATH_SEGMENTS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Our own resolver for the JSONPath subset criteria use (`$.a.b`, `$.a[0]`, `$['a b']`, `a.b`).
 * json-rules-engine hands paths to jsonpath-plus, which evaluates script expressions; we accept
 * only plain member access, read own properties only, and refuse prototype-reaching names. Within
 * the subset, a path reads what jsonpath-plus reads (the criteria differential test compares them):
 * a string's `length` and characters too, `[01]` as the key "01".
 */
export type PathSegments = ReadonlyArray<string | number>;

/** Thrown by parsePath for a path outside the supported JSONPath subset. */
export class PathSyntaxError extends Error {}

const FORBIDDEN = [...FORBIDDEN_PATH_SEGMENTS];
/**
 * Characters a quoted name may not hold: quotes, backslashes and brackets, and what jsonpath-plus
 * reads as an operator inside one (`*` a wildcard, `,` a union, `:` a slice, `@ $ ( ) ~ ^ ;` and the
 * backtick); control characters too.
 */
const QUOTED_REFUSED = `'"\\\\\\[\\]*~^@$(),;:\`\\u0000-\\u001f`;
const quoted = (q: string) => `${q}(?!(?:${FORBIDDEN.join('|')})${q})[^${QUOTED_REFUSED}]*${q}`;
const notForbidden = (tail: string) => `(?!(?:${FORBIDDEN.join('|')})(?!${tail}))`;

/**
 * The paths criteria accept, as one regular expression: what the JSON Schema's `pattern` says and
 * what `parsePath` accepts (a property test keeps the two equal). `$` or a bare first name, then
 * `.name`, `[index]` or `['quoted name']` / `["quoted name"]`, with no segment naming
 * `__proto__`, `constructor` or `prototype`, and no whitespace around the path or inside brackets.
 */
export const PATH_PATTERN = [
  '^(?:(?:\\$|',
  notForbidden('[\\w-]'),
  '[A-Za-z_][\\w-]*)(?:\\.',
  notForbidden('[\\w$-]'),
  '[A-Za-z_$][\\w$-]*|\\[\\d+\\]|\\[(?:',
  quoted("'"),
  '|',
  quoted('"'),
  ')\\])*)?$',
].join('');
const PATH_RE = new RegExp(PATH_PATTERN, 'u');
const QUOTED_NAME = new RegExp(`^\\[(['"])([^${QUOTED_REFUSED}]*)\\1\\]`, 'u');

const cache = new Map<string, PathSegments>();

/** Parses a path (`$.a.b[0]`, or bare `a.b`) into segments, cached; throws PathSyntaxError when it is not in the safe subset. */
export function parsePath(path: string): PathSegments {
  const hit = cache.get(path);
  if (hit) return hit;
  const segments = parseUncached(path);
  if (cache.size < 10_000) cache.set(path, segments);
  return segments;
}

function parseUncached(path: string): PathSegments {
  const segments = tokenize(path);
  // The pattern is the definition; the tokenizer splits what it accepts and says why it refuses.
  if (!PATH_RE.test(path)) throw new PathSyntaxError(`path "${path}" is not in the supported subset ($.a.b, $.a[0], $['a b'])`);
  return segments;
}

function tokenize(path: string): PathSegments {
  let i = 0;
  const out: Array<string | number> = [];
  const s = path;
  if (s.trim() !== s) throw new PathSyntaxError(`path "${path}" has spaces around it; write it without them`);
  if (s.startsWith('$')) i = 1;
  else if (s.length > 0) {
    // Bare `a.b` is read as `$.a.b`, as jsonpath-plus does.
    const m = /^[A-Za-z_][\w-]*/.exec(s);
    if (!m) throw new PathSyntaxError(`path "${path}" must start with "$" or a name`);
    out.push(m[0]);
    i = m[0].length;
  }
  while (i < s.length) {
    const ch = s[i];
    if (ch === '.') {
      if (s[i + 1] === '.') throw new PathSyntaxError(`recursive descent ".." is not supported in "${path}"`);
      const m = /^[A-Za-z_$][\w$-]*/.exec(s.slice(i + 1));
      if (!m) throw new PathSyntaxError(`expected a property name after "." at ${i} in "${path}"; write other names as ['name']`);
      out.push(m[0]);
      i += 1 + m[0].length;
    } else if (ch === '[') {
      const rest = s.slice(i);
      const idx = /^\[(\d+)\]/.exec(rest);
      const name = QUOTED_NAME.exec(rest);
      if (idx) {
        // jsonpath-plus reads `[01]` as the key "01": an index is a key as written.
        const digits = idx[1]!;
        out.push(String(Number(digits)) === digits ? Number(digits) : digits);
        i += idx[0].length;
      } else if (name) {
        out.push(name[2]!);
        i += name[0].length;
      } else {
        throw new PathSyntaxError(
          `only [index] and ['name'] are supported at ${i} in "${path}": no wildcards, filters, slices or unions, no spaces inside brackets, and a quoted name without quotes, backslashes or * , : @ $ ( ) ~ ^ ;`,
        );
      }
    } else {
      throw new PathSyntaxError(`unexpected "${ch}" at ${i} in "${path}"`);
    }
  }
  for (const seg of out) {
    if (typeof seg === 'string' && FORBIDDEN_PATH_SEGMENTS.has(seg)) {
      throw new PathSyntaxError(`"${seg}" is not allowed in a path ("${path}")`);
    }
  }
  return out;
}

/**
 * One step of a path, as jsonpath-plus takes it: an own property of an object or array (an index
 * is the key as written), or of a non-empty string (its `length`, a character); anything else is
 * undefined.
 */
export function stepInto(cur: unknown, seg: string | number): unknown {
  if (typeof cur === 'string') return cur !== '' && Object.hasOwn(Object(cur), seg) ? cur[seg as number] : undefined;
  if (cur === null || typeof cur !== 'object') return undefined;
  return Object.hasOwn(cur, seg) ? (cur as Record<string | number, unknown>)[seg] : undefined;
}

/** Reads a value by path segments, own properties only (a string's length and characters too); anything missing is `undefined`. */
export function resolvePath(value: unknown, segments: PathSegments): unknown {
  let cur: unknown = value;
  for (const seg of segments) cur = stepInto(cur, seg);
  return cur;
}

/** The safe resolver in json-rules-engine's `pathResolver` shape, for its fallback evaluator. */
export function safePathResolver(value: unknown, path: string): unknown {
  return resolvePath(value, parsePath(path));
}

/** Why a path is not in the supported subset, or undefined when it is. */
export function pathProblem(path: string): string | undefined {
  try {
    parsePath(path);
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

/** A path in the safe JSONPath subset (`$.a.b`, `$.a[0]`, `$['a b']`): a `pattern` in the JSON Schema, with the tokenizer's message when refused. */
export const PathSchema = z
  .string()
  .regex(PATH_RE, { error: (iss) => pathProblem(String(iss.input)) ?? 'not a path in the supported subset' })
  .describe("A JSONPath in the safe subset: $.a.b, $.a[0], $['a b'] (no wildcards, filters, recursion or prototype names).");
