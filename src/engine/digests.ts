import { DateTime } from 'luxon';
import type { LogEntry, OutboxMessage } from '../core/types.js';
import type { User } from '../ports/directory.js';
import type { IdGenerator } from '../ports/ids.js';
import type { StorageTx } from '../ports/storage.js';
import { digestSendAt, type DigestPolicy } from './digest-policy.js';

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

/** What holding a notification needs: the transaction, ids, the time, and the resolved recipient. */
export interface HoldContext {
  tx: StorageTx;
  ids: IdGenerator;
  now: string;
  recipient: User;
  /** The timezone when neither the policy nor the recipient names one: the deal's pipeline's. */
  fallbackZone: string;
  ruleName: string | null;
}

const openKey = (policy: string, recipientId: string) => `digest.open:${policy}:${recipientId}`;

/** The payload of an outbox message of kind `digest`, typed. */
export function digestPayload(message: OutboxMessage): DigestPayload {
  return message.payload as DigestPayload;
}

/**
 * Holds a resolved notification for its recipient's digest, inside the command's transaction:
 * appends it to the open digest for (policy, recipient) or opens a new one. The digest is an
 * ordinary outbox row, so what is held is durable and is delivered, retried and dead-lettered
 * like any message. Returns the `notification.held` log entry.
 */
export async function holdForDigest(message: OutboxMessage, policy: DigestPolicy, ctx: HoldContext): Promise<LogEntry> {
  const { tx, ids, now, recipient } = ctx;
  const pointer = openKey(policy.name, recipient.id);
  const openId = await tx.getMeta(pointer);
  let digest = typeof openId === 'string' ? await tx.getOutbox(openId) : undefined;
  if (digest && !acceptsItems(digest, now)) digest = undefined;
  // A digest opened here is a new row (its id just made up): inserted, never over a stored one.
  const opened = !digest;

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
    await tx.putMeta(pointer, digest.id);
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
  await tx.putOutbox([next], opened ? { insert: true } : undefined);

  const entry: LogEntry = {
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
  return entry;
}

function acceptsItems(digest: OutboxMessage, now: string): boolean {
  const p = digestPayload(digest);
  if (digest.kind !== 'digest' || p.sealed || digest.attempts > 0) return false;
  if (digest.status !== 'pending' && digest.status !== 'held') return false;
  // Due now (or overdue and not yet sent): it goes out as it is; a notification at its send time waits for the next one.
  if (p.sendAt !== null && p.sendAt <= now) return false;
  return p.capacity === null || p.items.length < p.capacity;
}

/** A digest's items for one rule, by deal: what digest templates iterate over as `groups`. */
export interface DigestGroup {
  ruleId: string | null;
  ruleName: string;
  deals: Array<{ dealId: string | null; title: string | null; items: Array<{ at: string; template: string; subject: string | null; text: string | null }> }>;
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

/** The items grouped by rule, then deal, each level sorted, so the same items always read the same. */
export function groupDigestItems(items: ReadonlyArray<DigestItem>, zone: string): DigestGroup[] {
  const sorted = sortDigestItems(items);
  const groups: DigestGroup[] = [];
  // Items fired by one job run share an instant; luxon formatting is the costly part of a large digest.
  const formatted = new Map<string, string>();
  for (const item of sorted) {
    let group = groups.at(-1);
    if (!group || group.ruleId !== item.ruleId) {
      group = { ruleId: item.ruleId, ruleName: item.ruleName ?? item.ruleId ?? '(no rule)', deals: [] };
      groups.push(group);
    }
    let deal = group.deals.at(-1);
    if (!deal || deal.dealId !== item.dealId) {
      deal = { dealId: item.dealId, title: typeof item.deal?.title === 'string' ? item.deal.title : null, items: [] };
      group.deals.push(deal);
    }
    let at = formatted.get(item.createdAt);
    if (at === undefined) formatted.set(item.createdAt, (at = DateTime.fromISO(item.createdAt, { zone }).toFormat('yyyy-MM-dd HH:mm')));
    deal.items.push({ at, template: item.template, subject: item.subject, text: item.text });
  }
  return groups;
}

/** The digest's plain text: a heading, then each rule, its deals, and their notifications. */
export function renderDigestText(payload: DigestPayload, recipient: User, groups = groupDigestItems(payload.items, payload.timezone)): string {
  const n = payload.items.length;
  const lines = [`${n} ${n === 1 ? 'notification' : 'notifications'} for ${recipient.name ?? recipient.id} (${payload.policy})`];
  for (const group of groups) {
    lines.push('', group.ruleName);
    for (const deal of group.deals) {
      lines.push(`  ${deal.dealId ?? '(no deal)'}${deal.title ? ` ${deal.title}` : ''}`);
      for (const item of deal.items) lines.push(`    - ${item.at} ${item.text ?? item.subject ?? item.template}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** The digest's subject: the policy's (with `{{count}}` filled in) or `N notifications (policy)`. */
export function digestSubject(payload: DigestPayload): string {
  const n = payload.items.length;
  if (payload.subject) return payload.subject.replaceAll('{{count}}', String(n));
  return `${n} ${n === 1 ? 'notification' : 'notifications'} (${payload.policy})`;
}
