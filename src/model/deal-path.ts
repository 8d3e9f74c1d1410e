import type { Deal, Json } from './deal.js';
import { FORBIDDEN_PATH_SEGMENTS } from './condition.js';
import { WATCHABLE_DEAL_PROPERTIES } from './deal.js';

/**
 * Deal paths name what rules watch and set: a top-level property (`amount`, `ownerId`, …),
 * `fields.<name>` or `flags.<name>`. One level deep on purpose: it is what admins edit.
 */
export type DealPath =
  | { kind: 'property'; name: (typeof WATCHABLE_DEAL_PROPERTIES)[number] | 'createdAt' | 'stageEnteredAt' | 'updatedAt' | 'closedAt' }
  | { kind: 'field'; name: string }
  | { kind: 'flag'; name: string };

const READABLE = new Set<string>([...WATCHABLE_DEAL_PROPERTIES, 'createdAt', 'stageEnteredAt', 'updatedAt', 'closedAt']);

const parsed = new Map<string, DealPath | string>();

/** Parses a deal path (`amount`, `fields.x`, `flags.y`); returns a message saying what is wrong instead of throwing. */
export function parseDealPath(path: string): DealPath | string {
  // Rules name a handful of paths and read them on every change: parse each once (bounded, as paths may come from input).
  let p = parsed.get(path);
  if (p === undefined) {
    p = parseUncached(path);
    if (parsed.size < 10_000) parsed.set(path, p);
  }
  return p;
}

function parseUncached(path: string): DealPath | string {
  const dot = path.indexOf('.');
  if (dot === -1) {
    if (READABLE.has(path)) return { kind: 'property', name: path as never };
    return `"${path}" is not a deal property; use one of ${[...READABLE].join(', ')}, fields.<name> or flags.<name>`;
  }
  const head = path.slice(0, dot);
  const name = path.slice(dot + 1);
  if ((head !== 'fields' && head !== 'flags') || name === '' || name.includes('.')) {
    return `"${path}" is not a deal path; use fields.<name> or flags.<name>`;
  }
  if (FORBIDDEN_PATH_SEGMENTS.has(name)) return `"${name}" is not allowed as a field name`;
  return { kind: head === 'fields' ? 'field' : 'flag', name };
}

/** Reads a deal path from a deal; `undefined` for an invalid path or a missing field. */
export function readDealPath(deal: Deal, path: string): Json | undefined {
  const p = parseDealPath(path);
  return typeof p === 'string' ? undefined : readParsedPath(deal, p);
}

/** Reads an already parsed deal path from a deal; `undefined` for a missing field. */
export function readParsedPath(deal: Deal, p: DealPath): Json | undefined {
  if (p.kind === 'property') return deal[p.name] as Json;
  const bag = p.kind === 'field' ? deal.fields : deal.flags;
  return Object.hasOwn(bag, p.name) ? (bag[p.name] as Json) : undefined;
}
