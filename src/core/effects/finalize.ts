import type { IdGenerator } from '../../model/ids.js';
import { resolveDigestPolicy, unknownDigestMessage, type DigestPolicy } from '../digest-policy.js';
import type { CoreEnv } from '../env.js';
import { TASK_RECORD } from '../tasks/lifecycle.js';
import type { DealSnapshot, Effect, AnyHistoryEntry, OutboxMessage, Outcome, StoredRecord } from '../types.js';
import type { Lookup } from './directory-view.js';
import { holdForDigest } from './digest-hold.js';
import { fanOut } from './recipients.js';
import { resolveTaskPeople, taskNotices } from './task-people.js';

// The last step of a transition: the decisions that read the Directory and open digests, made on
// what the engine loaded for them (core/effects/directory-view.ts). A notification becomes one
// message per recipient or an item in the recipient's digest; a task's `manager` and roles
// become people, and each person on a new task gets a notice. The effects that come out are
// final: the engine writes them as they are.

const NO_POLICIES: ReadonlyMap<string, DigestPolicy> = new Map();

/** Whether a draft's effects need this step at all: a notification, or a task record. Most don't. */
export function needsFinalizing(draft: Outcome): boolean {
  for (const e of draft.effects) {
    if (e.type === 'outbox' && e.message.kind === 'notification') return true;
    if (e.type === 'record' && e.record.kind === TASK_RECORD) return true;
  }
  return false;
}

/**
 * Whether making a draft's effects final reads anything from the Directory or storage: a
 * notification to the manager or a role, or held for a digest; a task with people to resolve.
 * When not (notifications to the owner or a user, the usual case), no load is needed.
 */
export function readsDirectory(draft: Outcome): boolean {
  for (const e of draft.effects) {
    if (e.type === 'outbox' && e.message.kind === 'notification') {
      const { to, digest } = e.message.payload;
      if (digest || to === 'manager' || (typeof to === 'object' && to !== null && 'role' in to)) return true;
    } else if (e.type === 'record' && e.record.kind === TASK_RECORD && (e.record.data as { unresolved?: unknown }).unresolved) {
      return true;
    }
  }
  return false;
}

/**
 * Makes a draft's effects final, reading the Directory and open digests through `lookup`. Every
 * id it makes comes from `ids`, in the order the effects come. A lookup of something not loaded
 * is noted on `lookup` (its `needs`); the result is then incomplete, for the caller to discard.
 * `before` is the snapshot the transition started from (a deleted deal's notices name it).
 */
export function finalizeEffects(before: DealSnapshot, draft: Outcome, env: CoreEnv, lookup: Lookup, ids: IdGenerator): Outcome {
  if (!needsFinalizing(draft)) return draft;
  const deal = draft.snapshot.deal ?? before.deal;
  const pipeline = deal ? env.pipelines.get(deal.pipelineId)?.pipeline : undefined;
  let notifications: Notifications | undefined;
  const effects: Effect[] = [];
  // Log entries this step adds go after the transition's own, as one block (as they always have).
  const added: AnyHistoryEntry[] = [];
  // The records in effect order (people resolved); indexed by id only when a task needs notices.
  let records: StoredRecord[] | undefined;
  let resolvedTasks: Map<string, StoredRecord> | undefined;
  for (const effect of draft.effects) {
    if (effect.type === 'outbox' && effect.message.kind === 'notification') {
      (notifications ??= new Notifications(env, lookup, ids, pipeline?.timezone || 'UTC')).add(effect.message, effects, added);
    } else if (effect.type === 'record') {
      (records ??= []).push(effect.record);
      if (effect.record.kind !== TASK_RECORD) {
        effects.push(effect);
        continue;
      }
      const resolved = resolveTaskPeople(effect.record, deal, lookup, ids, env.now);
      records[records.length - 1] = resolved.record;
      (resolvedTasks ??= new Map()).set(resolved.record.id, resolved.record);
      added.push(...resolved.log);
      effects.push(resolved.record === effect.record ? effect : { ...effect, record: resolved.record });
    } else {
      effects.push(effect);
    }
  }
  if (resolvedTasks) {
    const byId = new Map<string, StoredRecord>();
    for (const r of records!) byId.set(r.id, r);
    const notices = taskNotices(draft.effects, byId, deal, pipeline, ids, env.now);
    added.push(...notices.log);
    notifications ??= new Notifications(env, lookup, ids, pipeline?.timezone || 'UTC');
    for (const message of notices.messages) notifications.add(message, effects, added);
  }
  for (const entry of added) effects.push({ type: 'log', entry });
  return { snapshot: withResolvedTasks(draft.snapshot, resolvedTasks), effects };
}

/**
 * finalizeEffects for a draft no one else holds (`transition`'s own, never handed out): when each
 * notification has one recipient (owner, manager, a user) and no digest, and there is no task,
 * each is made final where it stands in the draft's own array and the draft is returned; the
 * same effects finalizeEffects makes, without copying the rest. Otherwise finalizeEffects.
 */
export function finalizeOwnDraft(before: DealSnapshot, draft: Outcome, env: CoreEnv, lookup: Lookup, ids: IdGenerator): Outcome {
  const effects = draft.effects;
  let notifications = 0;
  for (const e of effects) {
    if (e.type === 'outbox' && e.message.kind === 'notification') {
      const { to, digest } = e.message.payload;
      const one = to === 'owner' || to === 'manager' || (typeof to === 'object' && to !== null && 'user' in to);
      if (digest || !one) return finalizeEffects(before, draft, env, lookup, ids);
      notifications++;
    } else if (e.type === 'record' && e.record.kind === TASK_RECORD) {
      return finalizeEffects(before, draft, env, lookup, ids);
    }
  }
  if (notifications === 0) return draft;
  for (let i = 0; i < effects.length; i++) {
    const e = effects[i]!;
    if (e.type === 'outbox' && e.message.kind === 'notification') effects[i] = { type: 'outbox', message: fanOut(e.message, lookup, ids)[0]! };
  }
  return draft;
}

/** The snapshot with its tasks as stored (people resolved), so it reads as storage will. */
function withResolvedTasks(snapshot: DealSnapshot, tasks: ReadonlyMap<string, StoredRecord> | undefined): DealSnapshot {
  if (!tasks || !snapshot.records) return snapshot;
  const records = snapshot.records.map((r) => (r.kind === TASK_RECORD ? (tasks.get(r.id) ?? r) : r));
  return { ...snapshot, records };
}

/** Notifications made final: one message per recipient, or held in the recipient's digest. */
class Notifications {
  /** The digests held into so far, by pointer: a second hold reads what the first left. Made on the first hold (most notifications have no digest). */
  private digests: Map<string, OutboxMessage> | undefined;

  constructor(
    private readonly env: CoreEnv,
    private readonly lookup: Lookup,
    private readonly ids: IdGenerator,
    private readonly zone: string,
  ) {}

  add(message: OutboxMessage, effects: Effect[], log: AnyHistoryEntry[]): void {
    const resolved = fanOut(message, this.lookup, this.ids);
    const digestName = message.payload.digest as string | null | undefined;
    if (!digestName) {
      for (const m of resolved) effects.push({ type: 'outbox', message: m });
      return;
    }
    const { env } = this;
    const policy = resolveDigestPolicy(digestName, env.digests ?? NO_POLICIES);
    const direct: OutboxMessage[] = [];
    for (const m of resolved) {
      const recipientId = m.payload.recipientId as string | null;
      // An unresolved recipient is queued on its own, so delivery dead-letters it with the reason.
      const recipient = recipientId ? this.lookup.user(recipientId) : undefined;
      if (!policy || !recipient) {
        direct.push(m);
        if (!policy) log.push(this.entry(m, 'notification.undigested', { key: m.key, digest: digestName, reason: unknownDigestMessage(digestName) }));
        continue;
      }
      const ruleName = m.ruleId ? (env.rules.get(m.ruleId)?.rule.name ?? null) : null;
      const held = holdForDigest(m, policy, {
        lookup: this.lookup,
        ids: this.ids,
        now: env.now,
        recipient,
        fallbackZone: this.zone,
        ruleName,
        written: (this.digests ??= new Map()),
      });
      effects.push(...held.effects);
      log.push(held.entry);
    }
    for (const m of direct) effects.push({ type: 'outbox', message: m });
  }

  private entry(m: OutboxMessage, type: string, data: Record<string, unknown>): AnyHistoryEntry {
    const e: AnyHistoryEntry = { id: this.ids.next('log'), at: this.env.now, dealId: m.dealId, type, data };
    if (m.ruleId) e.ruleId = m.ruleId;
    return e;
  }
}
