import { FORBIDDEN_PATH_SEGMENTS } from './condition.js';

/**
 * Our own resolver for the JSONPath subset criteria use (`$.a.b`, `$.a[0]`, `$['a b']`, `a.b`).
 * json-rules-engine hands paths to jsonpath-plus, which evaluates script expressions; we accept
 * only plain member access, read own properties only, and refuse prototype-reaching names.
 */
export type PathSegments = ReadonlyArray<string | number>;

/** Thrown by parsePath for a path outside the supported JSONPath subset. */
export class PathSyntaxError extends Error {}

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
  let i = 0;
  const out: Array<string | number> = [];
  const s = path.trim();
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
      if (!m) throw new PathSyntaxError(`expected a property name after "." at ${i} in "${path}"`);
      out.push(m[0]);
      i += 1 + m[0].length;
    } else if (ch === '[') {
      const rest = s.slice(i);
      const idx = /^\[(\d+)\]/.exec(rest);
      const quoted = /^\[\s*(['"])((?:\\.|(?!\1).)*)\1\s*\]/.exec(rest);
      if (idx) {
        out.push(Number(idx[1]));
        i += idx[0].length;
      } else if (quoted) {
        out.push(quoted[2]!.replace(/\\(.)/g, '$1'));
        i += quoted[0].length;
      } else {
        throw new PathSyntaxError(`only [index] and ['name'] are supported at ${i} in "${path}" (no wildcards or filters)`);
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

/** Reads a value by path segments, own properties only; anything missing is `undefined`. */
export function resolvePath(value: unknown, segments: PathSegments): unknown {
  let cur: unknown = value;
  for (const seg of segments) {
    if (cur === null || typeof cur !== 'object') return undefined;
    if (typeof seg === 'number') {
      if (!Array.isArray(cur)) return undefined;
      cur = cur[seg];
    } else {
      if (!Object.hasOwn(cur, seg)) return undefined;
      cur = (cur as Record<string, unknown>)[seg];
    }
  }
  return cur;
}

/** The safe resolver in json-rules-engine's `pathResolver` shape, for its fallback evaluator. */
export function safePathResolver(value: unknown, path: string): unknown {
  return resolvePath(value, parsePath(path));
}
