/**
 * One simulated year of a pipeline, in memory, on the FakeClock: N deals created evenly over 365
 * days, each living through stages, a proposal, calls, e-mails, meetings and an invoice (about ten
 * commands a deal), under the 30 rules of year-rules.ts, with every due job fired at its time.
 * Run in a child process so its peak RSS is its own. Prints one JSON line.
 */
import { createTestEngine, InMemoryDirectory, InMemoryStorage, type Notifier, REPORT_INPUTS } from './dealflow.js';
import { Random } from './random.js';
import { yearPipeline, yearRules } from './year-rules.js';

const DEALS = Number(process.argv[2] ?? 100_000);
const START = Date.parse('2026-01-01T00:00:00.000Z');
const DAY = 86_400_000;
const SLOT = 10 * 60_000; // event times are snapped to 10 minutes; jobs still fire at their own times
const OWNERS = Array.from({ length: 50 }, (_, i) => `rep-${i}`);

type Step =
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
class Timeline {
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

/** Counts what it is sent; a year of notifications kept in a list would measure the list. */
class CountingNotifier implements Notifier {
  sent = 0;
  async send(): Promise<void> {
    this.sent++;
  }
}

const notifier = new CountingNotifier();
const directory = new InMemoryDirectory([
  ...OWNERS.map((id, i) => ({ id, email: `${id}@example.test`, managerId: `head-${i % 5}` })),
  ...Array.from({ length: 5 }, (_, i) => ({ id: `head-${i}`, email: `head-${i}@example.test` })),
]);

const wall0 = performance.now();
// A backtest keeps the history its report reads (the funnel: deal.created, stage.changed), not all
// nine million lines a year writes; delivered messages are dropped once sent. YEAR_KEEP_ALL=1 keeps everything.
const keepAll = process.env.YEAR_KEEP_ALL === '1';
const storage = keepAll ? new InMemoryStorage() : new InMemoryStorage({ keepLog: REPORT_INPUTS.funnel.log, keepDelivered: false });
const engine = createTestEngine({ pipelines: [yearPipeline], rules: yearRules, directory, notifier, storage, start: new Date(START) });
let scheduled = 0;
let ran = 0;
let cancelled = 0;
engine.on('job.scheduled', () => void scheduled++);
engine.on('job.ran', () => void ran++);
engine.on('job.cancelled', () => void cancelled++);

const timeline = new Timeline(DEALS);
const ids = new Map<number, string>();
let commands = 0;
let rejected = 0;
let lastSlot = START;
for (let item = timeline.next(); item; item = timeline.next()) {
  if (item.at > lastSlot) {
    await engine.advanceTo(new Date(item.at));
    lastSlot = item.at;
  }
  const { deal, step } = item;
  commands++;
  try {
    if (step.kind === 'create') {
      const r = new Random(deal);
      const created = await engine.createDeal({
        pipelineId: 'sales',
        stageId: 'new',
        ownerId: OWNERS[deal % OWNERS.length]!,
        title: `Deal ${deal}`,
        amount: r.int(1, 60) * 1000,
        fields: { source: r.pick(['web', 'partner', 'referral', 'event', 'cold']), region: r.pick(['emea', 'na', 'apac']) },
        flags: { vip: r.chance(0.05) },
      });
      ids.set(deal, created.id);
      continue;
    }
    const id = ids.get(deal)!;
    if (step.kind === 'move') await engine.moveDeal(id, step.stage);
    else if (step.kind === 'update') {
      const patch = step.patch as { fields?: Record<string, unknown> };
      if (patch.fields && 'proposalSentAt' in patch.fields) patch.fields = { proposalSentAt: new Date(item.at).toISOString() };
      await engine.updateDeal(id, patch as never);
    } else await engine.emit({ name: step.name, dealId: id, payload: step.payload });
  } catch (e) {
    // A deal a rule already closed (an invoice paid, then a late move) refuses nothing here, but a
    // command on a deleted deal would: count rather than stop the year.
    rejected++;
    if (rejected < 5) console.error(String(e));
  }
}
await engine.advanceTo(new Date(Math.max(lastSlot, START + 365 * DAY) + 60 * DAY));
// The backtest's answer, from the history it kept: the year's funnel.
const funnel = await engine.report('funnel');
const wallMs = performance.now() - wall0;
if (process.env.YEAR_SNAPSHOT) (await import('node:v8')).writeHeapSnapshot(process.env.YEAR_SNAPSHOT);
const usage = process.resourceUsage();
/** Heap still reachable at the end (after a full GC, with --expose-gc): what the year really keeps. */
function liveHeapMb(): number | null {
  if (!globalThis.gc) return null;
  globalThis.gc();
  return process.memoryUsage().heapUsed / 1024 / 1024;
}
console.log(
  JSON.stringify({
    deals: DEALS,
    commands,
    rejected,
    jobsScheduled: scheduled,
    jobsRun: ran,
    jobsCancelled: cancelled,
    notifications: notifier.sent,
    wallS: wallMs / 1000,
    cpuS: (usage.userCPUTime + usage.systemCPUTime) / 1e6,
    rssMb: usage.maxRSS / 1024,
    heapMb: process.memoryUsage().heapUsed / 1024 / 1024,
    liveMb: liveHeapMb(),
    funnel: funnel.summary.map((f) => ({ deals: f.deals, won: f.won, lost: f.lost, open: f.open })),
  }),
);
if (process.env.YEAR_BREAKDOWN) {
  const s = engine.storage as unknown as {
    log: Array<{ type: string }>;
    outbox: Map<string, unknown>;
    records: Map<string, Map<string, unknown>>;
    deals: Map<string, unknown>;
  };
  const byType = new Map<string, { n: number; bytes: number }>();
  for (const e of s.log) {
    const t = byType.get(e.type) ?? { n: 0, bytes: 0 };
    t.n++;
    t.bytes += JSON.stringify(e).length;
    byType.set(e.type, t);
  }
  console.error(
    [...byType]
      .sort((a, b) => b[1].bytes - a[1].bytes)
      .map(([k, v]) => `${k}: ${v.n} entries, ${(v.bytes / 1e6).toFixed(1)} MB json`)
      .join('\n'),
  );
  let ob = 0;
  for (const m of s.outbox.values()) ob += JSON.stringify(m).length;
  console.error(
    `outbox: ${s.outbox.size} messages, ${(ob / 1e6).toFixed(1)} MB json; records: ${[...s.records].map(([k, m]) => `${k} ${m.size}`).join(', ')}; deals ${s.deals.size}`,
  );
}
