import { z } from 'zod';
import type { Deal, Json } from './deal.js';
import { closest, hinted } from './hints.js';
import { FORBIDDEN_PATH_SEGMENTS } from './path.js';
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

/** Deal properties rules and approvals may set (`setField`, an approval's `set`); the stage moves with `moveStage`. */
export const SETTABLE_DEAL_PROPERTIES = ['title', 'amount', 'currency', 'ownerId'] as const;

const customPath = `(?:fields|flags)\\.(?!(?:${[...FORBIDDEN_PATH_SEGMENTS].join('|')})$)[^.]+`;
/** The deal paths rules read and watch, as a pattern: what `parseDealPath` accepts (the JSON Schema's `pattern`). */
export const DEAL_PATH_PATTERN = `^(?:${[...READABLE].join('|')}|${customPath})$`;
/** The deal paths rules and approvals may set, as a pattern. */
export const SETTABLE_DEAL_PATH_PATTERN = `^(?:${SETTABLE_DEAL_PROPERTIES.join('|')}|${customPath})$`;

/** Parsed deal paths by text: a module-level cache, bounded at 10,000 (see parseDealPath), shared by every engine. */
const parsed = new Map<string, DealPath | string>();

const DEAL_PATH_RE = new RegExp(DEAL_PATH_PATTERN, 'u');
const SETTABLE_RE = new RegExp(SETTABLE_DEAL_PATH_PATTERN, 'u');

/** A deal path rules read and watch: a `pattern` in the JSON Schema, with parseDealPath's message when refused. */
export const DealPathSchema = z
  .string()
  .regex(DEAL_PATH_RE, { error: (iss) => dealPathProblem(String(iss.input)) })
  .describe('A deal path: title, amount, currency, ownerId, stageId, createdAt, stageEnteredAt, updatedAt, closedAt, fields.<name> or flags.<name>.');

/** A deal path a rule or an approval may set: `title`, `amount`, `currency`, `ownerId`, `fields.<name>` or `flags.<name>`. */
export const SettableDealPathSchema = z
  .string()
  .regex(SETTABLE_RE, {
    error: (iss) => {
      const path = String(iss.input);
      const p = parseDealPath(path);
      return typeof p === 'string'
        ? p
        : `"${path}" cannot be set; use moveStage for the stage (settable: title, amount, currency, ownerId, fields.<name>, flags.<name>)`;
    },
  })
  .describe('A deal path to set: title, amount, currency, ownerId, fields.<name> or flags.<name>.');

function dealPathProblem(path: string): string {
  const p = parseDealPath(path);
  return typeof p === 'string' ? p : `"${path}" is not a deal path`;
}

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
    const near = closest(path, [...READABLE]);
    return hinted(
      `"${path}" is not a deal property`,
      `${near ? `did you mean "${near}"? ` : ''}use one of ${[...READABLE].join(', ')}, fields.<name> or flags.<name>`,
    );
  }
  const head = path.slice(0, dot);
  const name = path.slice(dot + 1);
  if ((head !== 'fields' && head !== 'flags') || name === '' || name.includes('.')) {
    const near = closest(head, ['fields', 'flags']);
    return hinted(
      `"${path}" is not a deal path`,
      near && near !== head && name !== '' && !name.includes('.') ? `did you mean "${near}.${name}"?` : 'use fields.<name> or flags.<name> (one level deep)',
    );
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
