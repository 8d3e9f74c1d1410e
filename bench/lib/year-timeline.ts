/**
 * The simulated year's commands: N deals created evenly over 365 days, each living through
 * stages, a proposal, calls, e-mails, meetings and an invoice (about ten commands a deal), from a
 * per-deal seed, in time order. Shared by the engine's year (year-child.ts) and its floor
 * (year-floor-child.ts), so both replay exactly the same commands.
 */
import { Random } from './random.js';

export const START = Date.parse('2026-01-01T00:00:00.000Z');
export const DAY = 86_400_000;
const SLOT = 10 * 60_000; // event times are snapped to 10 minutes; jobs still fire at their own times
export const OWNERS = Array.from({ length: 50 }, (_, i) => `rep-${i}`);

export type Step =
  | { kind: 'create' }
  | { kind: 'move'; stage: string }
  | { kind: 'update'; patch: Record<string, unknown> }
  | { kind: 'event'; name: string; payload: Record<string, number> };

/** The commands of one deal's life, at offsets from its creation, from a per-deal seed. */
function lifeOf(index: number): Array<{ at: number; step: Step }> {
  const r = new Random(index * 7919 + 1);
  const out: Array<{ at: number; step: Step }> = [{ at: 0, step: { kind: 'create' } }];
  let t = 0;
  const later = (minDays: number, maxDays: number) => (t += r.int(minDays * 24, maxDays * 24) * 3_600_000);
  const noise = () => {
    if (r.chance(0.7)) out.push({ at: t + r.int(1, 48) * 3_600_000, step: { kind: 'event', name: 'email.opened', payload: {} } });
    if (r.chance(0.6)) out.push({ at: t + r.int(1, 48) * 3_600_000, step: { kind: 'event', name: 'call.logged', payload: { minutes: r.int(1, 60) } } });
  };
  later(0, 2);
  out.push({ at: t, step: { kind: 'move', stage: 'qualification' } });
  noise();
  if (r.chance(0.5)) out.push({ at: t + r.int(2, 30) * 3_600_000, step: { kind: 'event', name: 'meeting.booked', payload: {} } });
  later(1, 5);
  out.push({ at: t, step: { kind: 'move', stage: 'proposal' } });
  out.push({ at: t + 3_600_000, step: { kind: 'update', patch: { fields: { score: r.int(0, 100) } } } });
  if (r.chance(0.8)) out.push({ at: later(1, 6), step: { kind: 'update', patch: { fields: { proposalSentAt: '' } } } });
  noise();
  if (r.chance(0.25)) {
    out.push({ at: later(1, 10), step: { kind: 'move', stage: 'lost' } });
    return out;
  }
  later(2, 10);
  out.push({ at: t, step: { kind: 'move', stage: 'negotiation' } });
  if (r.chance(0.1)) out.push({ at: t + DAY, step: { kind: 'event', name: 'complaint', payload: {} } });
  if (r.chance(0.3)) out.push({ at: t + 2 * DAY, step: { kind: 'update', patch: { amount: r.int(5, 80) * 1000 } } });
  later(3, 20);
  out.push({ at: t, step: { kind: 'move', stage: 'invoice' } });
  out.push({ at: later(2, 20), step: { kind: 'event', name: 'invoice.paid', payload: {} } });
  return out;
}

/** Heap order: time, then deal. */
function before(a: [number, number, number], b: [number, number, number]): boolean {
  return a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]);
}

/** Due commands in time order, generated lazily: a min-heap of (time, deal, step index). */
export class Timeline {
  private readonly heap: Array<[number, number, number]> = [];
  private readonly lives = new Map<number, Array<{ at: number; step: Step }>>();
  private nextDeal = 0;

  constructor(private readonly deals: number) {}

  private createdAt(i: number): number {
    return START + Math.floor((i * 365 * DAY) / this.deals / SLOT) * SLOT;
  }

  private push(item: [number, number, number]): void {
    const h = this.heap;
    h.push(item);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (h[p]![0] < item[0] || (h[p]![0] === item[0] && h[p]![1] <= item[1])) break;
      h[i] = h[p]!;
      i = p;
    }
    h[i] = item;
  }

  private pop(): [number, number, number] | undefined {
    const h = this.heap;
    if (h.length === 0) return undefined;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length === 0) return top;
    // Sift `last` down from the root (no swaps, no closures: this loop runs for every command).
    const n = h.length;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const m = r < n && before(h[r]!, h[l]!) ? r : l;
      if (!before(h[m]!, last)) break;
      h[i] = h[m]!;
      i = m;
    }
    h[i] = last;
    return top;
  }

  /** The next command, or undefined when the year is over. */
  next(): { at: number; deal: number; step: Step } | undefined {
    // Deals start in order; admit those created before the heap's earliest command.
    while (this.nextDeal < this.deals && (this.heap.length === 0 || this.createdAt(this.nextDeal) <= this.heap[0]![0])) {
      const i = this.nextDeal++;
      const life = lifeOf(i).sort((a, b) => a.at - b.at);
      this.lives.set(i, life);
      this.push([this.createdAt(i), i, 0]);
    }
    const top = this.pop();
    if (!top) return undefined;
    const [, deal, k] = top;
    const life = this.lives.get(deal)!;
    const base = this.createdAt(deal);
    const at = Math.ceil((base + life[k]!.at) / SLOT) * SLOT;
    if (k + 1 < life.length) this.push([Math.max(at, Math.ceil((base + life[k + 1]!.at) / SLOT) * SLOT), deal, k + 1]);
    else this.lives.delete(deal);
    return { at, deal, step: life[k]!.step };
  }
}

/** The new deal of a `create` step. */
export function draftOf(deal: number) {
  const r = new Random(deal);
  return {
    pipelineId: 'sales',
    stageId: 'new',
    ownerId: OWNERS[deal % OWNERS.length]!,
    title: `Deal ${deal}`,
    amount: r.int(1, 60) * 1000,
    fields: { source: r.pick(['web', 'partner', 'referral', 'event', 'cold']), region: r.pick(['emea', 'na', 'apac']) },
    flags: { vip: r.chance(0.05) },
  };
}

/** An `update` step's patch at its time: the proposal is sent "now". */
export function patchAt(step: Extract<Step, { kind: 'update' }>, at: number): { fields?: Record<string, unknown>; amount?: number } {
  const patch = step.patch as { fields?: Record<string, unknown>; amount?: number };
  if (patch.fields && 'proposalSentAt' in patch.fields) return { ...patch, fields: { proposalSentAt: new Date(at).toISOString() } };
  return patch;
}
