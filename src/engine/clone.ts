import { dealWith, type Deal } from '../model/deal.js';
import { extensibleCopy } from '../model/records.js';

/*
 * The copies the engine hands out, so a caller changing what it got back never changes what the
 * store (the in-memory one hands out its own objects) or the core holds.
 */

/**
 * A deep copy for what the engine hands out (deals, log entries, jobs: JSON-shaped data), about
 * ten times cheaper than structuredClone on a deal; anything that is not a plain object or array
 * (a Date in a record, say) is copied by structuredClone. The data is acyclic.
 */
export function clone<T>(v: T): T {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) {
    const out = new Array(v.length);
    for (let i = 0; i < v.length; i++) out[i] = clone(v[i]);
    return out as T;
  }
  const proto = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) return structuredClone(v);
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(v)) {
    const value = clone((v as Record<string, unknown>)[key]);
    // An own `__proto__` key (a custom field may have any name) is data, not the prototype.
    if (key === '__proto__') Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
    else out[key] = value;
  }
  return out as T;
}

/** A deal's copy for the caller: one literal (`dealWith`), fields deep-copied; ~4× cheaper than `clone`. */
export function cloneDeal(deal: Deal): Deal {
  return dealWith(deal, { fields: clone(deal.fields), flags: extensibleCopy(deal.flags) });
}
