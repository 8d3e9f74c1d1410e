/**
 * One simulated year of a pipeline, in memory, on the FakeClock: N deals created evenly over 365
 * days, each living through stages, a proposal, calls, e-mails, meetings and an invoice (about ten
 * commands a deal), under the 30 rules of year-rules.ts, with every due job fired at its time.
 * Run in a child process so its peak RSS is its own. Prints one JSON line.
 */
import { createTestEngine, InMemoryDirectory, InMemoryStorage, type Notifier, REPORT_INPUTS } from './dealflow.js';
import { DAY, draftOf, OWNERS, patchAt, START, Timeline } from './year-timeline.js';
import { yearPipeline, yearRules } from './year-rules.js';

const DEALS = Number(process.argv[2] ?? 100_000);

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
      const created = await engine.createDeal(draftOf(deal));
      ids.set(deal, created.id);
      continue;
    }
    const id = ids.get(deal)!;
    if (step.kind === 'move') await engine.moveDeal(id, step.stage);
    else if (step.kind === 'update') await engine.updateDeal(id, patchAt(step, item.at) as never);
    else await engine.emit({ name: step.name, dealId: id, payload: step.payload });
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
