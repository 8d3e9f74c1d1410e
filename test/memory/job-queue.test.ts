import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Job } from '../../src/core/types.js';
import { JobQueue } from '../../src/memory/job-queue.js';
import { InMemoryStorage } from '../../src/memory/storage.js';

const job = (id: string, dueAt: string, dealId = 'd1'): Job => ({
  id,
  dealId,
  ruleId: 'r',
  enrolmentId: 'e',
  actionIndex: 0,
  actionId: '0',
  dueAt,
  stageId: null,
  cancelOnStageLeave: false,
  anchorField: null,
  event: null,
  createdAt: '2026-01-01T00:00:00.000Z',
});
const at = (minute: number) => new Date(Date.UTC(2026, 0, 1) + minute * 60_000).toISOString();
const ids = (jobs: Job[]) => jobs.map((j) => j.id);

describe('JobQueue', () => {
  it('hands out due jobs earliest first, equal due times in the order they were added, and leaves them queued', () => {
    const q = new JobQueue();
    q.add(job('b', at(5)));
    q.add(job('a', at(1)));
    q.add(job('c', at(5)));
    q.add(job('late', at(60)));
    expect(ids(q.due(at(10), 10))).toEqual(['a', 'b', 'c']);
    expect(ids(q.due(at(10), 2))).toEqual(['a', 'b']);
    expect(q.next()?.id).toBe('a');
  });

  it('cancels without a scan: a removed or replaced job never comes out again', () => {
    const q = new JobQueue();
    q.add(job('a', at(1)));
    q.add(job('b', at(2)));
    q.remove('a');
    q.add(job('b', at(50))); // replaced by a later version of itself
    expect(ids(q.due(at(10), 10))).toEqual([]);
    expect(q.next()?.dueAt).toBe(at(50));
    expect(q.forDeal('d1').map((j) => j.dueAt)).toEqual([at(50)]);
  });

  it('returns a job re-added after its removal once, not once per heap entry', () => {
    const q = new JobQueue();
    const a = job('a', at(1));
    q.add(a);
    q.remove(a.id);
    q.add(a); // what a rollback of the removal does
    expect(ids(q.due(at(10), 10))).toEqual(['a']);
  });

  it('agrees with a sorted list under random adds, removals and replacements', () => {
    type Op = { kind: 'add'; id: number; minute: number } | { kind: 'remove'; id: number } | { kind: 'due'; minute: number; limit: number };
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.record({ kind: fc.constant('add' as const), id: fc.integer({ min: 0, max: 30 }), minute: fc.integer({ min: 0, max: 100 }) }),
      fc.record({ kind: fc.constant('remove' as const), id: fc.integer({ min: 0, max: 30 }) }),
      fc.record({ kind: fc.constant('due' as const), minute: fc.integer({ min: 0, max: 100 }), limit: fc.integer({ min: 1, max: 10 }) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
        const q = new JobQueue();
        let model: Array<{ job: Job; seq: number }> = [];
        let seq = 0;
        for (const o of ops) {
          if (o.kind === 'add') {
            model = model.filter((m) => m.job.id !== `j${o.id}`);
            q.remove(`j${o.id}`);
            const j = job(`j${o.id}`, at(o.minute), `d${o.id % 4}`);
            q.add(j);
            model.push({ job: j, seq: seq++ });
          } else if (o.kind === 'remove') {
            q.remove(`j${o.id}`);
            model = model.filter((m) => m.job.id !== `j${o.id}`);
          } else {
            const expected = model
              .filter((m) => m.job.dueAt <= at(o.minute))
              .sort((x, y) => (x.job.dueAt < y.job.dueAt ? -1 : x.job.dueAt > y.job.dueAt ? 1 : x.seq - y.seq))
              .slice(0, o.limit)
              .map((m) => m.job);
            expect(q.due(at(o.minute), o.limit)).toEqual(expected);
          }
          expect(q.size).toBe(model.length);
        }
        for (let d = 0; d < 4; d++) {
          expect(ids(q.forDeal(`d${d}`)).sort()).toEqual(ids(model.map((m) => m.job).filter((j) => j.dealId === `d${d}`)).sort());
        }
      }),
    );
  });
});

describe('InMemoryStorage job queue with transactions', () => {
  it('restores a removed job on rollback and runs it once', async () => {
    const storage = new InMemoryStorage();
    await storage.transaction(async (tx) => tx.putJob(job('a', at(1))));
    await expect(
      storage.transaction(async (tx) => {
        await tx.removeJob('a');
        expect(await tx.dueJobs(at(10), 10)).toEqual([]);
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    const due = await storage.transaction((tx) => tx.dueJobs(at(10), 10));
    expect(ids(due)).toEqual(['a']);
    expect(await storage.transaction((tx) => tx.nextJobDueAt())).toBe(at(1));
  });

  // Two actions due at once on every deal (a rule's escalation and its violation record) made the
  // ordered claim of runDue stop at each deal's second job: 10,000 deals, 10,000 claims of one job.
  it("an ordered claim takes a deal's jobs one after the other, an unordered one only its earliest", async () => {
    const storage = new InMemoryStorage();
    await storage.transaction(async (tx) => {
      for (let d = 0; d < 60; d++) {
        await tx.putJob(job(`e${d}`, at(1), `d${d}`));
        await tx.putJob(job(`r${d}`, at(1), `d${d}`));
      }
    });
    const lease = { owner: 'o', ms: 60_000, until: at(10), limit: 100 };
    const unordered = await storage.claimJobs({ ...lease, token: 't1' });
    expect(ids(unordered)).toEqual(Array.from({ length: 60 }, (_, d) => `e${d}`));
    await storage.releaseLeases('t1');
    const ordered = await storage.claimJobs({ ...lease, token: 't2', ordered: true });
    expect(ids(ordered)).toEqual(Array.from({ length: 50 }, (_, d) => [`e${d}`, `r${d}`]).flat());
    // Once those ran, the next ordered claim goes on where the first stopped, still in due order.
    await storage.transaction(async (tx) => {
      for (const j of ordered) await tx.removeJob(j.id);
    });
    expect(ids(await storage.claimJobs({ ...lease, token: 't3', ordered: true }))).toEqual(
      Array.from({ length: 10 }, (_, d) => [`e${d + 50}`, `r${d + 50}`]).flat(),
    );
  });

  it("an ordered claim still stops at a deal's job whose earlier one someone else holds", async () => {
    const storage = new InMemoryStorage();
    await storage.transaction(async (tx) => {
      await tx.putJob(job('a1', at(1), 'a'));
      await tx.putJob(job('b1', at(2), 'b'));
      await tx.putJob(job('a2', at(3), 'a'));
    });
    const lease = { owner: 'o', ms: 60_000, until: at(10), limit: 10 };
    expect(ids(await storage.claimJobs({ ...lease, token: 'other', only: ['a1'] }))).toEqual(['a1']);
    expect(ids(await storage.claimJobs({ ...lease, token: 'mine', ordered: true }))).toEqual([]);
  });
});
