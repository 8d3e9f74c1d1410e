import type { LogEntry, OutboxMessage } from '../core/types.js';
import { DealflowError, formatIssues, type DealflowIssue } from '../model/errors.js';
import type { Rule } from '../model/rule.js';
import type { Directory } from '../ports/directory.js';
import type { IdGenerator } from '../ports/ids.js';
import type { PutOptions, StorageTx } from '../ports/storage.js';
import { resolveDigestPolicy, unknownDigestMessage, type DigestPolicy } from './digest-policy.js';
import { holdForDigest } from './digests.js';
import { resolveRecipients } from './recipients.js';

const NEW: PutOptions = { insert: true };

/** What the writer needs to know about the command writing the outbox. */
export interface OutboxWriteContext {
  now: string;
  /** The deal's pipeline timezone, for digests whose policy and recipient name none. */
  zone: string;
  ruleName(ruleId: string | null): string | null;
}

/**
 * Writes a command's outbox messages inside its transaction: notifications are resolved to one
 * message per recipient, and those naming a digest policy are held in the recipient's open
 * digest instead of being queued on their own. Returns the log entries this adds.
 */
export class OutboxWriter {
  constructor(
    private readonly directory: Directory,
    private readonly ids: IdGenerator,
    private readonly digests: ReadonlyMap<string, DigestPolicy>,
  ) {}

  async write(tx: StorageTx, message: OutboxMessage, ctx: OutboxWriteContext): Promise<LogEntry[]> {
    // Every message written here is new, its id just made up: inserted, never over a stored one.
    if (message.kind !== 'notification') {
      await tx.putOutbox([message], NEW);
      return [];
    }
    const resolved = await resolveRecipients(message, this.directory, this.ids);
    const digestName = message.payload.digest as string | null | undefined;
    if (!digestName) {
      await tx.putOutbox(resolved, NEW);
      return [];
    }
    const policy = resolveDigestPolicy(digestName, this.digests);
    const direct: OutboxMessage[] = [];
    const log: LogEntry[] = [];
    for (const m of resolved) {
      const recipientId = m.payload.recipientId as string | null;
      // An unresolved recipient is queued on its own, so delivery dead-letters it with the reason.
      const recipient = recipientId ? await this.directory.get(recipientId) : undefined;
      if (!policy || !recipient) {
        direct.push(m);
        if (!policy) log.push(this.entry(m, ctx.now, 'notification.undigested', { key: m.key, digest: digestName, reason: unknownDigestMessage(digestName) }));
        continue;
      }
      log.push(await holdForDigest(m, policy, { tx, ids: this.ids, now: ctx.now, recipient, fallbackZone: ctx.zone, ruleName: ctx.ruleName(m.ruleId) }));
    }
    if (direct.length > 0) await tx.putOutbox(direct, NEW);
    return log;
  }

  private entry(m: OutboxMessage, at: string, type: string, data: Record<string, unknown>): LogEntry {
    const e: LogEntry = { id: this.ids.next('log'), at, dealId: m.dealId, type, data };
    if (m.ruleId) e.ruleId = m.ruleId;
    return e;
  }
}

/** Rejects rules whose `notify` names a digest policy that is neither a spec nor configured (INVALID_RULES). */
export function checkDigestNames(rules: ReadonlyArray<Rule>, digests: ReadonlyMap<string, DigestPolicy>): void {
  const issues: DealflowIssue[] = [];
  rules.forEach((rule, i) =>
    rule.actions.forEach((action, j) => {
      const digest = (action.params as { digest?: unknown }).digest;
      if (action.type !== 'notify' || typeof digest !== 'string') return;
      if (!resolveDigestPolicy(digest, digests)) issues.push({ path: `$[${i}].actions[${j}].params.digest`, message: unknownDigestMessage(digest) });
    }),
  );
  if (issues.length > 0) throw new DealflowError('INVALID_RULES', `the rules have ${issues.length} problem(s):\n${formatIssues(issues)}`, { issues });
}
