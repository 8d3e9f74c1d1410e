import { APPROVAL_RECORD } from '../core/approvals/feature.js';
import type { StoredRecord } from '../core/types.js';
import type { ApprovalData, ApprovalOutcome } from '../model/approval.js';
import type { Json } from '../model/deal.js';
import type { DealRef } from '../ports/access.js';

/**
 * What a command would change on a deal, by deal path (`title`, `ownerId`, `stageId`,
 * `fields.<name>`, `flags.<name>`, …) with the new value: what the AccessPolicy sees as
 * `resource.changes`. Built from the command's input before the core runs.
 */
export type DealChanges = Record<string, Json>;

/** The changes of an `updateDeal` patch (`null` in `fields` clears the field). */
export function patchChanges(patch: {
  title?: string;
  amount?: number;
  currency?: string;
  ownerId?: string;
  fields?: Record<string, Json>;
  flags?: Record<string, boolean>;
}): DealChanges {
  const out: DealChanges = {};
  for (const key of ['title', 'amount', 'currency', 'ownerId'] as const) if (patch[key] !== undefined) out[key] = patch[key];
  // Keys are prefixed, so a field named __proto__ stays an ordinary key here.
  for (const [name, value] of Object.entries(patch.fields ?? {})) out[`fields.${name}`] = value;
  for (const [name, value] of Object.entries(patch.flags ?? {})) out[`flags.${name}`] = value;
  return out;
}

/** The changes of a new deal: everything it is created with. */
export function draftChanges(draft: {
  title?: string;
  amount?: number;
  currency?: string;
  ownerId: string;
  stageId?: string;
  fields?: Record<string, Json>;
  flags?: Record<string, boolean>;
}): DealChanges {
  const out = patchChanges(draft);
  if (draft.stageId !== undefined) out.stageId = draft.stageId;
  return out;
}

/** The changes an approval's outcome makes when decided: the paths it sets, and the stage it moves to. */
export function outcomeChanges(outcome: ApprovalOutcome): DealChanges {
  const out: DealChanges = { ...(outcome.set ?? {}) };
  if (outcome.moveStage !== undefined) out.stageId = outcome.moveStage;
  return out;
}

/** Reads a path from what is known of a deal; a missing flag reads false, a missing field null. */
function current(deal: DealRef, path: string): Json {
  if (path.startsWith('fields.')) {
    const fields = deal.fields ?? {};
    const name = path.slice(7);
    return Object.hasOwn(fields, name) ? (fields[name] ?? null) : null;
  }
  if (path.startsWith('flags.')) {
    const flags = deal.flags ?? {};
    const name = path.slice(6);
    return Object.hasOwn(flags, name) ? (flags[name] ?? false) : false;
  }
  return ((deal as Record<string, unknown>)[path] as Json | undefined) ?? null;
}

function same(a: Json, b: Json): boolean {
  return a === b || JSON.stringify(a) === JSON.stringify(b);
}

/** The paths among `changes` whose value differs from the deal's: what the command really changes. */
export function changedPaths(deal: DealRef, changes: DealChanges): string[] {
  return Object.keys(changes).filter((path) => !same(current(deal, path), changes[path]!));
}

/** An action as rules and SLAs hold it: only its type and params are read here. */
interface ActionLike {
  type: string;
  params?: unknown;
}

function outcomePaths(params: unknown, into: Set<string>): void {
  const p = params as { onApprove?: ApprovalOutcome; onReject?: ApprovalOutcome } | null | undefined;
  for (const outcome of [p?.onApprove, p?.onReject]) for (const path of Object.keys(outcome?.set ?? {})) into.add(path);
}

/**
 * The deal paths rules' `requestApproval` actions decide: what their `onApprove`/`onReject` set
 * (`flags.extensionApproved` in the docs' pattern). Computed once per rule set.
 */
export function approvalActionPaths(actionLists: Iterable<ReadonlyArray<ActionLike>>): Set<string> {
  const out = new Set<string>();
  for (const list of actionLists) for (const action of list) if (action.type === 'requestApproval') outcomePaths(action.params, out);
  return out;
}

/**
 * The deal paths approvals own on this deal: those the rules' requests decide (`fromRules`), plus
 * those of every approval the deal has had (requested by command too), pending or decided.
 * Setting one of these by hand is deciding the approval, so it needs `approval.decide`.
 */
export function approvalOwnedPaths(fromRules: ReadonlySet<string>, records: ReadonlyArray<StoredRecord> = []): Set<string> {
  const out = new Set(fromRules);
  for (const r of records) if (r.kind === APPROVAL_RECORD) outcomePaths(r.data as unknown as ApprovalData, out);
  return out;
}
