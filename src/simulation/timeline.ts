import type { AnyHistoryEntry } from '../core/types.js';

/** One thing the rules did, in words. */
export interface TimelineEntry {
  at: string;
  dealId: string | null;
  ruleId: string | null;
  /** The log entry type: `rule.fired`, `job.scheduled`, `job.ran`, `job.cancelled`, `notification.queued`, … */
  type: string;
  text: string;
}

const str = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));

/** Who a notification spec addresses, in words: `owner`, `manager`, `user anna`, `role sales-head`. */
export function recipientText(to: unknown): string {
  if (typeof to === 'string') return to;
  if (to && typeof to === 'object') {
    const o = to as Record<string, unknown>;
    if (typeof o.user === 'string') return `user ${o.user}`;
    if (typeof o.role === 'string') return `role ${o.role}`;
  }
  return str(to);
}

/** An occurrence (a rule's trigger as it happened) in words. */
export function occurrenceText(occ: unknown): string {
  const o = (occ ?? {}) as Record<string, unknown>;
  switch (o.type) {
    case 'stage.entered':
    case 'stage.left':
      return `${o.type} ${str(o.stage)}`;
    case 'field.changed':
      return `${str(o.field)} changed ${str(o.from ?? null)} → ${str(o.to ?? null)}`;
    case 'event':
      return `event ${str(o.name)}`;
    default:
      return str(o.type);
  }
}

function describe(e: AnyHistoryEntry): string | undefined {
  const d = e.data;
  switch (e.type) {
    case 'rule.fired':
      return `fired on ${occurrenceText(d.trigger)}`;
    case 'job.scheduled':
      return `scheduled ${str(d.actionId)} for ${str(d.dueAt)}`;
    case 'job.ran':
      return `ran ${str(d.actionId)}`;
    case 'job.overdue':
      return `ran ${str(d.actionId)} at once (was due ${str(d.dueAt)})`;
    case 'job.cancelled':
      return `cancelled ${str(d.actionId)}: ${str(d.reason)}`;
    case 'job.failed':
      return `job ${str(d.actionId)} failed: ${str(d.code)} ${str(d.error)}`;
    case 'notification.queued':
      return `notify ${recipientText(d.to)}: ${str(d.template)}`;
    case 'stage.changed':
      return d.by === 'command' ? undefined : `moved ${str(d.from)} → ${str(d.to)}`;
    case 'deal.updated':
      if (d.by === 'command') return undefined;
      return (d.changes as Array<{ field: string; to: unknown }>).map((c) => `set ${c.field} = ${str(c.to)}`).join(', ');
    case 'violation.recorded':
      return `violation ${str(d.name)}`;
    case 'rules.changed':
      return `rules changed: ${(d.changes as Array<{ ruleId: string; kind: string; to: number | null }>).map((c) => `${c.ruleId} ${c.kind}${c.to === null ? '' : ` (v${c.to})`}`).join(', ')}`;
    default:
      return undefined;
  }
}

/** The log, reduced to what rules did: what fired, what was scheduled, ran or cancelled and why, what was sent, moved, set or recorded. */
export function timelineOf(log: ReadonlyArray<AnyHistoryEntry>): TimelineEntry[] {
  const out: TimelineEntry[] = [];
  for (const e of log) {
    const text = describe(e);
    if (text !== undefined) out.push({ at: e.at, dealId: e.dealId, ruleId: e.ruleId ?? null, type: e.type, text });
  }
  return out;
}
