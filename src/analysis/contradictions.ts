import { isFactCondition, type Condition, type FactCondition } from '../model/condition.js';
import type { Json } from '../model/deal.js';
import { parsePath } from '../model/path.js';

/**
 * Cheap contradiction finding in criteria: within one `all` (or a lone condition), the literal
 * conditions on the same fact and path are intersected — numeric bounds (`lessThan`,
 * `greaterThanInclusive`, …), `equal`, `notEqual`, `in`, `notIn`. An empty intersection means the
 * conjunction can never hold. `any`, `not`, operator decorators and fact-to-fact comparisons are
 * left alone: this finds the obvious mistakes, it is not a solver.
 */
export function findContradiction(cond: Condition, extra: ReadonlyArray<FactCondition> = []): string | undefined {
  for (const group of conjunctions(cond, extra)) {
    const found = contradictionIn(group);
    if (found) return found;
  }
  return undefined;
}

/** Every `all` in the tree as a flat list of its fact conditions (the root counts as one). */
function conjunctions(cond: Condition, extra: ReadonlyArray<FactCondition>): FactCondition[][] {
  const out: FactCondition[][] = [];
  const visit = (c: Condition, top: boolean) => {
    if (isFactCondition(c)) {
      if (top) out.push([c, ...extra]);
      return;
    }
    if ('all' in c) {
      const facts = flattenAll(c.all);
      out.push(top ? [...facts, ...extra] : facts);
      for (const child of c.all) if (!isFactCondition(child) && !('all' in child)) visit(child, false);
    } else if ('any' in c) {
      for (const child of c.any) visit(child, false);
    }
    // `not` flips meaning; leave it alone.
  };
  visit(cond, true);
  return out;
}

function flattenAll(list: Condition[]): FactCondition[] {
  const out: FactCondition[] = [];
  for (const c of list) {
    if (isFactCondition(c)) out.push(c);
    else if ('all' in c) out.push(...flattenAll(c.all));
  }
  return out;
}

interface Bounds {
  lo: number;
  loIncl: boolean;
  hi: number;
  hiIncl: boolean;
  equals: Json[];
  notEquals: Json[];
  ins: Json[][];
  notIns: Json[];
  texts: string[];
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

function keyOf(c: FactCondition): string | undefined {
  if (c.value !== null && typeof c.value === 'object' && !Array.isArray(c.value) && 'fact' in c.value) return undefined;
  if (c.operator.includes(':')) return undefined;
  try {
    return `${c.fact}\u0000${c.path === undefined ? '' : JSON.stringify(parsePath(c.path))}`;
  } catch {
    return undefined;
  }
}

function contradictionIn(group: FactCondition[]): string | undefined {
  const byKey = new Map<string, Bounds>();
  for (const c of group) {
    const key = keyOf(c);
    if (key === undefined) continue;
    let b = byKey.get(key);
    if (!b) byKey.set(key, (b = { lo: -Infinity, loIncl: false, hi: Infinity, hiIncl: false, equals: [], notEquals: [], ins: [], notIns: [], texts: [] }));
    b.texts.push(`${c.fact}${c.path ? ` ${c.path}` : ''} ${c.operator} ${JSON.stringify(c.value)}`);
    const v = c.value as Json;
    switch (c.operator) {
      case 'lessThan':
      case 'lessThanInclusive':
        if (typeof v === 'number' && (v < b.hi || (v === b.hi && c.operator === 'lessThan'))) {
          b.hi = v;
          b.hiIncl = c.operator === 'lessThanInclusive';
        }
        break;
      case 'greaterThan':
      case 'greaterThanInclusive':
        if (typeof v === 'number' && (v > b.lo || (v === b.lo && c.operator === 'greaterThan'))) {
          b.lo = v;
          b.loIncl = c.operator === 'greaterThanInclusive';
        }
        break;
      case 'equal':
        b.equals.push(v);
        break;
      case 'notEqual':
        b.notEquals.push(v);
        break;
      case 'in':
        if (Array.isArray(v)) b.ins.push(v);
        break;
      case 'notIn':
        if (Array.isArray(v)) b.notIns.push(...v);
        break;
    }
  }
  for (const b of byKey.values()) {
    if (b.texts.length < 2) continue;
    if (emptyRange(b) || !admissible(b)) return b.texts.join(' and ');
  }
  return undefined;
}

function emptyRange(b: Bounds): boolean {
  return b.lo > b.hi || (b.lo === b.hi && !(b.loIncl && b.hiIncl));
}

function inRange(v: Json, b: Bounds): boolean {
  if (b.lo === -Infinity && b.hi === Infinity) return true;
  // json-rules-engine's numeric operators fail on values that are not numbers.
  if (typeof v !== 'number') return false;
  return (v > b.lo || (v === b.lo && b.loIncl)) && (v < b.hi || (v === b.hi && b.hiIncl));
}

/** Whether some value satisfies every equality-like constraint (when one pins the value down). */
function admissible(b: Bounds): boolean {
  const candidates: Json[] | undefined = b.equals.length > 0 ? [b.equals[0]!] : b.ins.length > 0 ? b.ins[0] : undefined;
  if (candidates === undefined) return true;
  return candidates.some(
    (v) =>
      b.equals.every((e) => same(e, v)) &&
      !b.notEquals.some((e) => same(e, v)) &&
      b.ins.every((list) => list.some((e) => same(e, v))) &&
      !b.notIns.some((e) => same(e, v)) &&
      inRange(v, b),
  );
}
