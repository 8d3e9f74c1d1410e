import type { User } from '../../model/user.js';
import type { IdGenerator } from '../../model/ids.js';
import { digestSendAt, type DigestPolicy } from '../digest-policy.js';
import type { Effect, AnyHistoryEntry, OutboxMessage } from '../types.js';
import { digestPointer, type Lookup } from './directory-view.js';

// Holding a notification in its recipient's digest, decided in the core: the open digest was
// loaded before (a DirectoryView), and what changes is returned as effects (the digest row, the
// pointer to it), so the writer only writes them.

/** One notification held in a digest: what the digest lists, and what history reports per deal. */
export interface DigestItem {
  key: string;
  dealId: string | null;
  ruleId: string | null;
  ruleName: string | null;
  template: string;
  subject: string | null;
  text: string | null;
  data: Record<string, unknown>;
  deal: { id: string; title?: string; [k: string]: unknown } | null;
  createdAt: string;
}

/** The payload of an outbox message of kind `digest`. */
export interface DigestPayload {
  policy: string;
  recipientId: string;
  template: string;
  subject: string | null;
  timezone: string;
  /** When it goes out; null for `every N items` without a maxWait (it goes when full). */
  sendAt: string | null;
  /** The most items it takes (`every N items`), else null. */
  capacity: number | null;
  /** Set by delivery before the first attempt: from then on it takes no more items. */
  sealed: boolean;
  items: DigestItem[];
  [k: string]: unknown;
}

/** The payload of an outbox message of kind `digest`, typed. */
export function digestPayload(message: OutboxMessage): DigestPayload {
  return message.payload as DigestPayload;
}

/** What holding a notification reads: the loaded digests, ids, the time and the resolved recipient. */
export interface HoldContext {
  lookup: Lookup;
  ids: IdGenerator;
  now: string;
  recipient: User;
  /** The timezone when neither the policy nor the recipient names one: the deal's pipeline's. */
  fallbackZone: string;
  ruleName: string | null;
  /**
   * The digests this transition wrote so far, by pointer: a second notification for the same
   * recipient reads the digest as the first left it, as the writes of one transaction would.
   */
  written: Map<string, OutboxMessage>;
}

/**
 * Holds a resolved notification for its recipient's digest: appends it to the open digest for
 * (policy, recipient) or opens a new one. The digest is an ordinary outbox row, so what is held
 * is durable and is delivered, retried and dead-lettered like any message. Returns the effects
 * (the digest row; the pointer when one is opened) and the `notification.held` log entry.
 */
export function holdForDigest(message: OutboxMessage, policy: DigestPolicy, ctx: HoldContext): { effects: Effect[]; entry: AnyHistoryEntry } {
  const { ids, now, recipient } = ctx;
  const pointer = digestPointer(policy.name, recipient.id);
  let digest = ctx.written.get(pointer) ?? ctx.lookup.openDigest(pointer);
  if (digest && !acceptsItems(digest, now)) digest = undefined;
  // A digest opened here is a new row (its id just made up): inserted, never over a stored one.
  const opened = !digest;
  const effects: Effect[] = [];

  if (!digest) {
    const zone = policy.timezone ?? recipient.timezone ?? ctx.fallbackZone;
    const sendAt = digestSendAt(policy.schedule, now, zone);
    const capacity = policy.schedule.type === 'count' ? policy.schedule.items : null;
    const payload: DigestPayload = {
      policy: policy.name,
      recipientId: recipient.id,
      template: policy.template,
      subject: policy.subject,
      timezone: zone,
      sendAt,
      capacity,
      sealed: false,
      items: [],
    };
    digest = {
      id: ids.next('msg'),
      // Deterministic: a time policy sends one digest per recipient and send time; a count policy's is named by its first item.
      key: `digest:${policy.name}:${recipient.id}:${sendAt ?? message.key}`,
      kind: 'digest',
      dealId: null,
      ruleId: null,
      createdAt: now,
      status: sendAt === null ? 'held' : 'pending',
      attempts: 0,
      nextAttemptAt: sendAt ?? now,
      lastError: null,
      payload,
    };
    effects.push({ type: 'meta', key: pointer, value: digest.id });
  }

  const p = message.payload;
  const item: DigestItem = {
    key: message.key,
    dealId: message.dealId,
    ruleId: message.ruleId,
    ruleName: ctx.ruleName,
    template: p.template as string,
    subject: (p.subject as string | null) ?? null,
    text: (p.text as string | null) ?? null,
    data: (p.data as Record<string, unknown>) ?? {},
    deal: (p.deal as DigestItem['deal']) ?? null,
    createdAt: message.createdAt,
  };
  const before = digestPayload(digest);
  // Kept in the documented order, so `message.items` reads like `data.groups` and the text.
  const payload: DigestPayload = { ...before, items: sortDigestItems([...before.items, item]) };
  let next: OutboxMessage = { ...digest, payload };
  if (payload.capacity !== null && payload.items.length >= payload.capacity) {
    next = { ...next, status: 'pending', nextAttemptAt: now };
  }
  ctx.written.set(pointer, next);
  effects.push(opened ? { type: 'outbox', message: next } : { type: 'outbox', message: next, replace: true });

  const entry: AnyHistoryEntry = {
    id: ids.next('log'),
    at: now,
    dealId: message.dealId,
    type: 'notification.held',
    data: {
      key: message.key,
      recipientId: recipient.id,
      policy: policy.name,
      digestId: next.id,
      digestKey: next.key,
      sendAt: next.status === 'held' ? null : next.nextAttemptAt,
      items: payload.items.length,
    },
  };
  if (message.ruleId) entry.ruleId = message.ruleId;
  return { effects, entry };
}

function acceptsItems(digest: OutboxMessage, now: string): boolean {
  const p = digestPayload(digest);
  if (digest.kind !== 'digest' || p.sealed || digest.attempts > 0) return false;
  if (digest.status !== 'pending' && digest.status !== 'held') return false;
  // Due now (or overdue and not yet sent): it goes out as it is; a notification at its send time waits for the next one.
  if (p.sendAt !== null && p.sendAt <= now) return false;
  return p.capacity === null || p.items.length < p.capacity;
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Items in the documented order: rule (name, then id), deal, time, key. */
export function sortDigestItems(items: ReadonlyArray<DigestItem>): DigestItem[] {
  return [...items].sort(
    (a, b) =>
      cmp(a.ruleName ?? a.ruleId ?? '', b.ruleName ?? b.ruleId ?? '') ||
      cmp(a.ruleId ?? '', b.ruleId ?? '') ||
      cmp(a.dealId ?? '', b.dealId ?? '') ||
      cmp(a.createdAt, b.createdAt) ||
      cmp(a.key, b.key),
  );
}
