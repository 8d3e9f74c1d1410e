import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEAL_PATH_PATTERN, parseDealPath, SETTABLE_DEAL_PATH_PATTERN } from '../../src/model/deal-path.js';
import { PATH_PATTERN, parsePath } from '../../src/model/path.js';

/**
 * The path patterns are what the JSON Schema says; parsePath and parseDealPath are what the parser
 * does. Each pair must accept exactly the same strings, or schema and parser would disagree.
 */
const pieces = fc.constantFrom(
  '$',
  '.',
  '..',
  'a',
  'b1',
  '_x',
  '$x',
  '-',
  '[0]',
  '[01]',
  '[12]',
  "['a b']",
  '["q"]',
  "['it\\'s']",
  "['a*']",
  "['a:b']",
  "['a.b']",
  "['']",
  '[*]',
  '[?(@.a)]',
  ' ',
  '__proto__',
  'constructor',
  'prototype',
  "['__proto__']",
  '["prototype"]',
  "['constructorX']",
  'length',
  'é',
  '\\',
  "'",
  '[',
  ']',
);
const candidate = fc.array(pieces, { maxLength: 6 }).map((p) => p.join(''));

const accepts = (fn: () => unknown) => {
  try {
    fn();
    return true;
  } catch {
    return false;
  }
};

describe('path patterns and parsers agree', () => {
  it('PATH_PATTERN accepts exactly what parsePath accepts', () => {
    const re = new RegExp(PATH_PATTERN, 'u');
    let accepted = 0;
    fc.assert(
      fc.property(candidate, (path) => {
        const ok = accepts(() => parsePath(path));
        if (ok) accepted++;
        expect(re.test(path), JSON.stringify(path)).toBe(ok);
      }),
      { numRuns: 5000 },
    );
    expect(accepted).toBeGreaterThan(300);
  });

  it('DEAL_PATH_PATTERN accepts exactly what parseDealPath accepts; SETTABLE_DEAL_PATH_PATTERN the settable ones', () => {
    const re = new RegExp(DEAL_PATH_PATTERN, 'u');
    const settable = new RegExp(SETTABLE_DEAL_PATH_PATTERN, 'u');
    const dealPath = fc
      .tuple(
        fc.constantFrom('', 'fields', 'flags', 'field', 'amount', 'title', 'stageId', 'createdAt', 'closedAt', 'x'),
        fc.constantFrom('', '.'),
        fc.constantFrom('', 'a', 'x y', '__proto__', 'constructor', 'a.b', '.', 'prototype'),
      )
      .map((p) => p.join(''));
    fc.assert(
      fc.property(dealPath, (path) => {
        const p = parseDealPath(path);
        expect(re.test(path), JSON.stringify(path)).toBe(typeof p !== 'string');
        const canSet = typeof p !== 'string' && (p.kind !== 'property' || ['title', 'amount', 'currency', 'ownerId'].includes(p.name));
        expect(settable.test(path), JSON.stringify(path)).toBe(canSet);
      }),
      { numRuns: 2000 },
    );
  });
});
