/**
 * The floor under the simulated year: the same commands (year-timeline.ts) and the same 30 rules
 * through the pure transition alone, driven synchronously — snapshots in a Map, due jobs from a
 * heap in time order (a job the deal no longer holds was cancelled and is passed over), effects
 * counted, nothing stored, delivered or announced. Not a way to run dealflow: it says how much of
 * the year's time is the rules' own work, and so what the engine's year could at best reach.
 * The env is the engine's (a private method). Prints one JSON line.
 */
import { createTestEngine, transition } from './dealflow.js';
import type { CoreEnv, DealSnapshot, Job } from './dealflow.js';
import { DAY, draftOf, patchAt, START, Timeline } from './year-timeline.js';
import { yearPipeline, yearRules } from './year-rules.js';

const DEALS = Number(process.argv[2] ?? 100_000);

/** Pending jobs by (due ms, sequence). */
class JobHeap {
  private readonly items: Array<{ due: number; seq: number; job: Job }> = [];
  private seq = 0;

  get size(): number {
    return this.items.length;
  }

  peekDue(): number {
    return this.items.length === 0 ? Number.POSITIVE_INFINITY : this.items[0]!.due;
  }

  push(job: Job): void {
    const h = this.items;
    const item = { due: Date.parse(job.dueAt), seq: ++this.seq, job };
    h.push(item);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!less(item, h[p]!)) break;
      h[i] = h[p]!;
      i = p;
    }
    h[i] = item;
  }

  pop(): Job {
    const h = this.items;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= h.length) break;
        const m = l + 1 < h.length && less(h[l + 1]!, h[l]!) ? l + 1 : l;
        if (!less(h[m]!, last)) break;
        h[i] = h[m]!;
        i = m;
      }
      h[i] = last;
    }
    return top.job;
  }
}

function less(a: { due: number; seq: number }, b: { due: number; seq: number }): boolean {
  return a.due < b.due || (a.due === b.due && a.seq < b.seq);
}

const wall0 = performance.now();
const engine = createTestEngine({ pipelines: [yearPipeline], rules: yearRules, start: new Date(START) });
const envAt = (ms: number) => (engine as unknown as { env(now: Date): CoreEnv }).env(new Date(ms));
const none: DealSnapshot = { deal: null, jobs: [], enrolments: {} };
const snapshots = new Map<string, DealSnapshot>();
const ids = new Map<number, string>();
const heap = new JobHeap();
let commands = 0;
let rejected = 0;
let jobsScheduled = 0;
let jobsRun = 0;
let jobTransitions = 0;
let outbox = 0;

/** Time inside `transition` itself, apart from this driver's own bookkeeping. */
let coreMs = 0;
function timed(before: DealSnapshot, input: Parameters<typeof transition>[1], env: CoreEnv): ReturnType<typeof transition> {
  const t0 = performance.now();
  try {
    return transition(before, input, env);
  } finally {
    coreMs += performance.now() - t0;
  }
}

function apply(before: DealSnapshot, out: ReturnType<typeof transition>): void {
  const deal = out.snapshot.deal ?? before.deal;
  if (out.snapshot.deal) snapshots.set(out.snapshot.deal.id, out.snapshot);
  else if (deal) snapshots.delete(deal.id);
  for (const e of out.effects) {
    if (e.type === 'job.schedule') {
      heap.push(e.job);
      jobsScheduled++;
    } else if (e.type === 'job.done') jobsRun++;
    else if (e.type === 'outbox') outbox++;
  }
}

/** Runs every job due at or before `until`, in time order. */
function runDue(until: number): void {
  while (heap.peekDue() <= until) {
    const job = heap.pop();
    const snapshot = snapshots.get(job.dealId);
    if (!snapshot?.jobs.some((j) => j.id === job.id)) continue;
    jobTransitions++;
    apply(snapshot, timed(snapshot, { type: 'job', job }, envAt(Date.parse(job.dueAt))));
  }
}

const timeline = new Timeline(DEALS);
for (let item = timeline.next(); item; item = timeline.next()) {
  runDue(item.at);
  const { deal, step } = item;
  commands++;
  const env = envAt(item.at);
  try {
    if (step.kind === 'create') {
      const draft = { currency: 'USD', ...draftOf(deal) };
      const out = timed(none, { type: 'create', draft }, env);
      apply(none, out);
      ids.set(deal, out.snapshot.deal!.id);
      continue;
    }
    const id = ids.get(deal)!;
    const before = snapshots.get(id) ?? none;
    if (step.kind === 'move') apply(before, timed(before, { type: 'move', stageId: step.stage }, env));
    else if (step.kind === 'update') apply(before, timed(before, { type: 'update', patch: patchAt(step, item.at) as never }, env));
    else apply(before, timed(before, { type: 'event', event: { name: step.name, dealId: id, payload: step.payload } }, env));
  } catch (e) {
    rejected++;
    if (rejected < 5) console.error(String(e));
  }
}
runDue(START + 425 * DAY);
const wallMs = performance.now() - wall0;
const usage = process.resourceUsage();
console.log(
  JSON.stringify({
    deals: DEALS,
    commands,
    rejected,
    jobsScheduled,
    jobsRun,
    jobTransitions,
    outbox,
    wallS: wallMs / 1000,
    coreS: coreMs / 1000,
    cpuS: (usage.userCPUTime + usage.systemCPUTime) / 1e6,
    rssMb: usage.maxRSS / 1024,
  }),
);
