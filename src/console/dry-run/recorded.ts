import type { AnyHistoryEntry } from '../../core/types.js';
import type { Engine } from '../../engine/engine.js';
import type { Deal } from '../../model/deal.js';
import type { Actor } from '../../ports/access.js';
import type { HistoryEvent } from '../../simulation/history.js';

/** What people and systems did, as the log records it: what a recorded history replays. */
const COMMAND_ENTRIES = ['deal.created', 'deal.updated', 'stage.changed', 'deal.deleted', 'event.received', 'rule.fired'];

/**
 * The store's own history as a simulation input: the deals created in the last `days` (those the
 * actor may read) and everything people and systems did to them since — created, changed,
 * moved, deleted, external events, manual launches — in the order the log holds them. What rules
 * did is left out: the simulation makes the rules do it again. Approvals, tasks and deadline
 * extensions are not in the history format, so they are not replayed; external events without a
 * deal only for someone who may change the rules (they may touch anyone's deals).
 */
export async function recordedHistory(engine: Engine, actor: Actor, days: number): Promise<{ events: HistoryEvent[]; from: string; to: string }> {
  const to = engine.clock.now().toISOString();
  const from = new Date(Date.parse(to) - days * 86_400_000).toISOString();
  const log = await engine.storage.transaction((tx) => tx.readLog({ types: COMMAND_ENTRIES, from }));
  const created = new Map<string, Deal>();
  for (const e of log) if (e.type === 'deal.created' && e.dealId && e.data.by === undefined) created.set(e.dealId, e.data.deal as Deal);
  const readable = new Set((await engine.access.readable(actor, [...created.values()])).map((d) => d.id));
  const dealless = await engine.access.can(actor, 'rules.change', { type: 'rules' });
  const events: HistoryEvent[] = [];
  for (const e of log) {
    if (e.at > to) continue;
    if (e.dealId === null ? !dealless : !readable.has(e.dealId)) continue;
    const event = historyEvent(e);
    if (event) events.push(event);
  }
  return { events, from, to };
}

function historyEvent(e: AnyHistoryEntry): HistoryEvent | undefined {
  const d = e.data;
  const dealId = e.dealId!;
  switch (e.type) {
    case 'deal.created': {
      if (d.by !== undefined) return undefined;
      const deal = d.deal as Deal;
      return {
        at: e.at,
        type: 'created',
        deal: {
          id: deal.id,
          pipelineId: deal.pipelineId,
          stageId: deal.stageId,
          ownerId: deal.ownerId,
          title: deal.title,
          amount: deal.amount,
          currency: deal.currency,
          fields: deal.fields,
          flags: deal.flags,
        },
      } as HistoryEvent;
    }
    case 'deal.updated': {
      if (d.by !== 'command') return undefined;
      const patch: { fields?: Record<string, unknown>; flags?: Record<string, boolean> } & Record<string, unknown> = {};
      for (const change of d.changes as Array<{ field: string; to: unknown }>) {
        const [head, ...rest] = change.field.split('.');
        const name = rest.join('.');
        if (head === 'fields') patch.fields = { ...patch.fields, [name]: change.to };
        else if (head === 'flags') patch.flags = { ...patch.flags, [name]: change.to === true };
        else patch[change.field] = change.to;
      }
      return { at: e.at, type: 'updated', dealId, patch } as HistoryEvent;
    }
    case 'stage.changed':
      return d.by === 'command' ? { at: e.at, type: 'moved', dealId, stage: String(d.to) } : undefined;
    case 'deal.deleted':
      return { at: e.at, type: 'deleted', dealId };
    case 'event.received':
      return {
        at: e.at,
        type: 'event',
        name: String(d.name),
        ...(e.dealId ? { dealId } : {}),
        ...(typeof d.id === 'string' ? { id: d.id } : {}),
        ...(d.payload && typeof d.payload === 'object' ? { payload: d.payload as Record<string, never> } : {}),
      } as HistoryEvent;
    case 'rule.fired': {
      // A manual rule launched by hand fires on a `manual` trigger at the top of the cascade.
      const trigger = d.trigger as { type?: string } | undefined;
      return trigger?.type === 'manual' && d.depth === 0 && e.ruleId ? { at: e.at, type: 'launched', dealId, ruleId: e.ruleId } : undefined;
    }
    default:
      return undefined;
  }
}
