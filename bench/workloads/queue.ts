import type { Workload } from '../harness.js';
import { runChild } from '../lib/child.js';

interface QueueResult {
  count: number;
  bytesPerJob: number;
  jobRecordBytes: number;
  queueBytes: number;
  putPerS: number;
  cancelPerS: number;
  drainPerS: number;
}

/** The in-memory job queue with 1,000,000 pending jobs, measured in a child process of its own. */
export default {
  name: 'queue',
  async run({ quick }) {
    const count = quick ? 200_000 : 1_000_000;
    const r = await runChild<QueueResult>('./queue-child.ts', [String(count)], ['--expose-gc']);
    return {
      table: [
        {
          pending: r.count,
          'bytes/job (total)': Math.round(r.bytesPerJob),
          'of which the job record': Math.round(r.jobRecordBytes),
          'of which the queue': Math.round(r.queueBytes),
          'put/s': Math.round(r.putPerS),
          'cancel/s': Math.round(r.cancelPerS),
          'drain/s': Math.round(r.drainPerS),
        },
      ],
      keys: { 'queue.bytes_per_job': Math.round(r.bytesPerJob), 'queue.queue_bytes_per_job': Math.round(r.queueBytes) },
      notes: [
        `${r.count.toLocaleString()} jobs of ${(r.count / 5).toLocaleString()} deals in InMemoryStorage (ids from UuidIds), heap growth after full GCs in a child process.`,
        'Total counts the job records themselves (ids, due times, …); "the queue" is the index structures around them (map, per-deal lists, heap).',
        'Then a fifth is cancelled (lazily: no heap scan) and the rest drained earliest first, checked in order.',
      ],
    };
  },
} satisfies Workload;
