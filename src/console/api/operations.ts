import type { OutboxMessage } from '../../core/types.js';
import { type ApiContext, clockView } from '../context.js';
import { jobView } from '../jobs.js';
import type { MessageView, OperationsView } from '../views.js';

/** How many delivered messages the operations page shows (the newest). */
const DELIVERED_SHOWN = 30;
/** How far ahead "upcoming" jobs reach. */
const UPCOMING_MS = 7 * 24 * 3_600_000;

/** `GET api/operations`: the outbox by status, jobs due now and in the next week, the runner's counters, the clock. */
export async function getOperations(c: ApiContext): Promise<OperationsView> {
  const { engine, actor } = c;
  const options = { actor };
  const [pending, held, dead, delivered] = await Promise.all(
    (['pending', 'held', 'dead', 'delivered'] as const).map((status) => engine.outbox({ status }, options)),
  );
  const now = engine.clock.now();
  const soon = await engine.dueJobs({ until: new Date(now.getTime() + UPCOMING_MS), limit: 200 }, options);
  const deals = new Map((await engine.listDeals({}, options)).map((d) => [d.id, d]));
  const iso = now.toISOString();
  const jobs = soon.map((j) => jobView(engine, j, deals.get(j.dealId)?.title ?? null));
  const messages = async (list: OutboxMessage[]) => {
    await c.people.load(list.map(recipientOf).filter((x): x is string => x !== null));
    return Promise.all(list.map((m) => messageView(c, m)));
  };
  return {
    outbox: {
      pending: await messages(pending!),
      held: await messages(held!),
      dead: await messages(dead!),
      delivered: await messages(delivered!.sort((a, b) => (a.createdAt < b.createdAt ? 1 : -1)).slice(0, DELIVERED_SHOWN)),
    },
    jobs: { due: jobs.filter((j) => j.dueAt <= iso), upcoming: jobs.filter((j) => j.dueAt > iso) },
    runner: c.settings.runner ? { ...c.settings.runner.stats } : null,
    clock: await clockView(c.settings),
  };
}

function recipientOf(m: OutboxMessage): string | null {
  const id = m.payload.recipientId;
  return typeof id === 'string' ? id : null;
}

async function messageView(c: ApiContext, m: OutboxMessage): Promise<MessageView> {
  const p = m.payload;
  const recipient = recipientOf(m);
  let text = typeof p.text === 'string' ? p.text : typeof p.subject === 'string' ? p.subject : null;
  if (m.kind === 'digest' && Array.isArray(p.items)) text = `${p.items.length} notification(s) held for the ${String(p.policy)} digest`;
  if (m.kind === 'action') text = `action ${String(p.type ?? p.actionId ?? '')}`.trim();
  const deal = m.dealId ? await c.engine.getDeal(m.dealId) : undefined;
  const canManage =
    m.status === 'dead' &&
    (deal
      ? await c.engine.access.can(c.actor, 'outbox.manage', await c.engine.access.dealResource(deal))
      : await c.engine.access.can(c.actor, 'outbox.manage', { type: 'outbox', name: m.id }));
  return {
    id: m.id,
    dealId: m.dealId,
    kind: m.kind,
    status: m.status,
    recipient: recipient ? c.people.known(recipient) : null,
    template: typeof p.template === 'string' ? p.template : null,
    text,
    attempts: m.attempts,
    createdAt: m.createdAt,
    nextAttemptAt: m.nextAttemptAt,
    lastError: m.lastError,
    canManage,
  };
}

/** `POST api/outbox/:id/retry`: retryDeadLetter as the actor; the message as it stands afterwards. */
export async function retryDeadLetter(c: ApiContext): Promise<{ id: string; status: string }> {
  const m = await c.engine.retryDeadLetter(c.params[0]!, { actor: c.actor });
  return { id: m.id, status: m.status };
}

/** `POST api/outbox/:id/discard`: discardDeadLetter as the actor. */
export async function discardDeadLetter(c: ApiContext): Promise<{ id: string; status: string }> {
  const m = await c.engine.discardDeadLetter(c.params[0]!, { actor: c.actor });
  return { id: m.id, status: m.status };
}
