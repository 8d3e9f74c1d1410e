/**
 * Memory per pending job: 1,000,000 jobs of 200,000 deals (ids as UuidIds makes them) put into an
 * InMemoryStorage, measured as heap growth after full collections. Prints one JSON line.
 */
import type { Job } from '../../src/core/types.js';
import { InMemoryStorage } from '../../src/memory/storage.js';
import { UuidIds } from '../../src/ports/ids.js';
import { gc } from './child.js';
import { Random } from './random.js';

const count = Number(process.argv[2] ?? 1_000_000);
const perDeal = 5;
const ids = new UuidIds();
const r = new Random(9);
const rules = Array.from({ length: 30 }, (_, i) => `rule-${i}`);
const start = Date.parse('2026-01-01T00:00:00.000Z');

function makeJobs(): Job[] {
  const jobs: Job[] = [];
  for (let d = 0; jobs.length < count; d++) {
    const dealId = ids.next('deal');
    const createdAt = new Date(start + d * 60_000).toISOString();
    for (let k = 0; k < perDeal && jobs.length < count; k++) {
      jobs.push({
        id: ids.next('job'),
        dealId,
        ruleId: rules[(d + k) % rules.length]!,
        ruleVersion: 1,
        enrolmentId: ids.next('enrolment'),
        actionIndex: k,
        actionId: String(k),
        dueAt: new Date(start + r.int(0, 365 * 24 * 60) * 60_000).toISOString(),
        stageId: 'proposal',
        cancelOnStageLeave: true,
        anchorField: null,
        event: null,
        createdAt,
      });
    }
  }
  return jobs;
}

gc();
const base = process.memoryUsage().heapUsed;
let jobs: Job[] | null = makeJobs();
gc();
const jobsOnly = process.memoryUsage().heapUsed - base;

const storage = new InMemoryStorage();
const t0 = performance.now();
for (let i = 0; i < jobs.length; i += 10_000) {
  const batch = jobs.slice(i, i + 10_000);
  await storage.transaction(async (tx) => {
    for (const job of batch) await tx.putJob(job);
  });
}
const putMs = performance.now() - t0;
jobs = null; // the storage now holds the only references
gc();
const total = process.memoryUsage().heapUsed - base;

// Cancel a fifth without touching the heap (lazy), then drain everything due, earliest first.
const t1 = performance.now();
await storage.transaction(async (tx) => {
  let n = 0;
  for (const id of [...storage.jobs.keys()]) if (n++ % 5 === 0) await tx.removeJob(id);
});
const cancelMs = performance.now() - t1;
const t2 = performance.now();
let drained = 0;
let last = '';
for (;;) {
  const due = await storage.transaction((tx) => tx.dueJobs('2027-01-01T00:00:00.000Z', 1000));
  if (due.length === 0) break;
  await storage.transaction(async (tx) => {
    for (const j of due) {
      if (j.dueAt < last) throw new Error('jobs came out of order');
      last = j.dueAt;
      await tx.removeJob(j.id);
    }
  });
  drained += due.length;
}
const drainMs = performance.now() - t2;
if (drained !== count - Math.ceil(count / 5)) throw new Error(`drained ${drained}`);

console.log(
  JSON.stringify({
    count,
    bytesPerJob: total / count,
    jobRecordBytes: jobsOnly / count,
    queueBytes: (total - jobsOnly) / count,
    putPerS: count / (putMs / 1000),
    cancelPerS: Math.ceil(count / 5) / (cancelMs / 1000),
    drainPerS: drained / (drainMs / 1000),
  }),
);
