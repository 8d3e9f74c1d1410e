import { DateTime } from 'luxon';
import { sortDigestItems, type DigestItem, type DigestPayload } from '../core/effects/digest-hold.js';
import type { User } from '../ports/directory.js';

// Digests as delivery reads them: grouped and rendered. Holding a notification in a digest is
// the core's (core/effects/digest-hold.ts); its types are re-exported here for delivery.

export { digestPayload, sortDigestItems, type DigestItem, type DigestPayload } from '../core/effects/digest-hold.js';

/** A digest's items for one rule, by deal: what digest templates iterate over as `groups`. */
export interface DigestGroup {
  ruleId: string | null;
  ruleName: string;
  deals: Array<{ dealId: string | null; title: string | null; items: Array<{ at: string; template: string; subject: string | null; text: string | null }> }>;
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
