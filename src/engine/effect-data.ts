import { EffectDataNeeded, Lookup, type DirectoryView, type EffectNeeds } from '../core/effects/directory-view.js';
import { finalizeEffects, finalizeOwnDraft, needsFinalizing, readsDirectory } from '../core/effects/finalize.js';
import type { CoreEnv } from '../core/env.js';
import type { DealSnapshot, Outcome } from '../core/types.js';
import type { Directory, User } from '../ports/directory.js';
import type { IdGenerator } from '../ports/ids.js';
import type { StorageTx } from '../ports/storage.js';

// The load between a transition's decisions and its final effects: the Directory records and
// open digests the core reads to fan notifications out, hold digests and resolve task people.
// Which ones depends on what the rules did (a rule may change the owner, notify a role), so the
// core says what it read and missed, and this loads exactly that, inside the command's
// transaction, before the core makes the effects final. No domain decision is made here.

/** Hands out throwaway ids: a pass that only finds what to load must not use up real ones. */
const PROBE_IDS: IdGenerator = { next: (kind) => `${kind}-probe` };

/** At most this many loads per command: a lookup chain is owner → manager → digest. */
const MAX_ROUNDS = 8;

/**
 * The draft's effects made final by the core, after loading what they read from the Directory
 * and (for digests) the transaction. A draft with no notification and no task is returned as it is.
 */
export function finalOutcome(
  before: DealSnapshot,
  draft: Outcome,
  env: CoreEnv,
  directory: Directory,
  tx: StorageTx,
  view: LoadedView = emptyView(),
): Outcome | Promise<Outcome> {
  if (!needsFinalizing(draft)) return draft;
  // Nothing to load (notifications to the owner or a user, no digest, no task people): one pass, no probe.
  if (!readsDirectory(draft)) return finalize(before, draft, env, view);
  return loadAndFinalize(before, draft, env, directory, tx, view);
}

/** A view to load into; the engine loads a command's owners into its `users` first, for calendars. */
export function emptyView(): LoadedView {
  return { users: {}, roles: {}, digests: {} };
}

async function loadAndFinalize(before: DealSnapshot, draft: Outcome, env: CoreEnv, directory: Directory, tx: StorageTx, view: LoadedView): Promise<Outcome> {
  for (let round = 0; ; round++) {
    const probe = new Lookup(view);
    finalizeEffects(before, draft, env, probe, PROBE_IDS);
    if (!probe.needs) break;
    if (round >= MAX_ROUNDS) throw new EffectDataNeeded(probe.needs);
    await loadInto(view, probe.needs, directory, tx);
  }
  return finalize(before, draft, env, view);
}

/**
 * The pass that counts: real ids, on a view that holds everything it reads. In place where the
 * core can (finalizeOwnDraft: one recipient per notification, no digest, no task): the draft is
 * this command's own and nothing reads it afterwards (the probe passes before it copy).
 */
function finalize(before: DealSnapshot, draft: Outcome, env: CoreEnv, view: DirectoryView): Outcome {
  const lookup = new Lookup(view);
  const out = finalizeOwnDraft(before, draft, env, lookup, env.ids);
  // Not reachable: the probe (or readsDirectory) found nothing missing, and the pass is deterministic.
  if (lookup.needs) throw new EffectDataNeeded(lookup.needs);
  return out;
}

/** What one command loaded: a DirectoryView being filled in. */
export interface LoadedView extends DirectoryView {
  users: Record<string, User | null>;
  roles: Record<string, ReadonlyArray<string>>;
  digests: Record<string, DirectoryView['digests'][string]>;
}

async function loadInto(view: LoadedView, needs: EffectNeeds, directory: Directory, tx: StorageTx): Promise<void> {
  for (const id of needs.users) view.users[id] = (await directory.get(id)) ?? null;
  for (const role of needs.roles) view.roles[role] = (await directory.withRole(role)).map((u) => u.id);
  for (const pointer of needs.digests) {
    const openId = await tx.getMeta(pointer);
    view.digests[pointer] = typeof openId === 'string' ? ((await tx.getOutbox(openId)) ?? null) : null;
  }
}
