/**
 * The storage contract: one suite every Storage implementation must pass. Run by
 * test/storage/memory.test.ts, test/sql/pglite.test.ts and test/sql/postgres.test.ts.
 */
import { describe, expect, it } from 'vitest';
import type { Job, AnyHistoryEntry, OutboxMessage, StoredRecord } from '../../src/core/types.js';
import type { Deal } from '../../src/model/deal.js';
import type { Storage, StorageTx } from '../../src/ports/storage.js';
import { isDealflowError } from '../../src/model/errors.js';
import { createTestEngine } from '../../src/testing/index.js';
import { proposalDirectory, proposalPipeline, proposalRules } from '../../examples/proposal-deadline/setup.js';
import { InMemoryStorage } from '../../src/memory/storage.js';

export type StorageFactory = () => Promise<Storage>;

const T0 = '2026-03-02T09:00:00.000Z';
const at = (minutes: number) => new Date(Date.parse(T0) + minutes * 60_000).toISOString();

export function deal(id: string, over: Partial<Deal> = {}): Deal {
  return {
    id,
    pipelineId: 'sales',
    stageId: 'new',
    ownerId: 'anna',
    title: `Deal ${id}`,
    amount: 1000,
    currency: 'EUR',
    fields: {},
    flags: {},
    createdAt: T0,
    stageEnteredAt: T0,
    updatedAt: T0,
    closedAt: null,
    version: 1,
    ...over,
  };
}

export function job(id: string, dealId: string, dueMinutes: number, over: Partial<Job> = {}): Job {
  return {
    id,
    dealId,
    ruleId: 'r',
    enrolmentId: 'e',
    actionIndex: 0,
    actionId: 'a',
    dueAt: at(dueMinutes),
    stageId: null,
    cancelOnStageLeave: false,
    anchorField: null,
    event: null,
    createdAt: T0,
    ...over,
  };
}

export function message(id: string, dueMinutes: number, over: Partial<OutboxMessage> = {}): OutboxMessage {
  return {
    id,
    key: `key-${id}`,
    kind: 'notification',
    dealId: 'd1',
    ruleId: 'r',
    createdAt: T0,
    status: 'pending',
    attempts: 0,
    nextAttemptAt: at(dueMinutes),
    lastError: null,
    payload: { recipientId: 'anna', template: 't' },
    ...over,
  };
}

function record(kind: string, id: string, dealId: string): StoredRecord {
  return { kind, id, dealId, at: T0, data: { n: id } };
}

function entry(id: string, dealId: string | null, type: string, minutes: number): AnyHistoryEntry {
  return { id, at: at(minutes), dealId, type, data: { n: id } };
}

const lease = (owner: string, ms = 60_000) => ({ owner, token: `${owner}-${Math.random().toString(36).slice(2)}`, ms });

export function storageContract(name: string, open: StorageFactory): void {
  describe(`storage contract: ${name}`, () => {
    it('stores, lists and filters deals in insertion order; an update keeps its place', async () => {
      const s = await open();
      await s.transaction(async (tx) => {
        await tx.putDeal(deal('a', { ownerId: 'anna' }));
        await tx.putDeal(deal('b', { ownerId: 'boris', stageId: 'proposal' }));
        await tx.putDeal(deal('c', { ownerId: 'maria', closedAt: T0, stageId: 'won' }));
        await tx.putDeal(deal('d', { pipelineId: 'other' }));
      });
      await s.transaction(async (tx) => {
        await tx.putDeal(deal('a', { version: 2, title: 'renamed', fields: { note: 'ü ✓ "quoted"', nested: { list: [1, 2.5, null, true] } } }));
      });
      await s.transaction(async (tx) => {
        expect((await tx.listDeals()).map((d) => d.id)).toEqual(['a', 'b', 'c', 'd']);
        expect((await tx.listDeals({ pipelineId: 'sales' })).map((d) => d.id)).toEqual(['a', 'b', 'c']);
        expect((await tx.listDeals({ stageId: 'proposal' })).map((d) => d.id)).toEqual(['b']);
        expect((await tx.listDeals({ ownerId: 'anna' })).map((d) => d.id)).toEqual(['a', 'd']);
        expect((await tx.listDeals({ ownerIds: ['boris', 'maria'] })).map((d) => d.id)).toEqual(['b', 'c']);
        expect((await tx.listDeals({ ownerIds: [] })).map((d) => d.id)).toEqual([]);
        expect((await tx.listDeals({ open: false })).map((d) => d.id)).toEqual(['c']);
        expect((await tx.listDeals({ open: true, pipelineId: 'sales' })).map((d) => d.id)).toEqual(['a', 'b']);
        expect(await tx.getDeal('a')).toEqual(
          deal('a', { version: 2, title: 'renamed', fields: { note: 'ü ✓ "quoted"', nested: { list: [1, 2.5, null, true] } } }),
        );
        expect(await tx.getDeal('missing')).toBeUndefined();
      });
    });

    it('deletes a deal with its enrolments', async () => {
      const s = await open();
      const enrolment = { r1: { ruleId: 'r1', id: 'en-1' } };
      await s.transaction(async (tx) => {
        await tx.putDeal(deal('a'));
        await tx.putEnrolments('a', enrolment);
      });
      expect(await s.transaction((tx) => tx.getEnrolments('a'))).toEqual(enrolment);
      await s.transaction((tx) => tx.deleteDeal('a'));
      await s.transaction(async (tx) => {
        expect(await tx.getDeal('a')).toBeUndefined();
        expect(await tx.getEnrolments('a')).toEqual({});
        expect(await tx.listDeals()).toEqual([]);
      });
    });

    it('loads an enrolment stored in the older shape, with count, firstAt and lastAt', async () => {
      // Earlier versions stored those three (dead state, since removed from Enrolment); there is no
      // migration, so a store must hand such an enrolment back: the core only asks whether it is there.
      const s = await open();
      const old = { r1: { ruleId: 'r1', id: 'en-1', count: 1, firstAt: T0, lastAt: at(5) } };
      await s.transaction(async (tx) => {
        await tx.putDeal(deal('a'));
        await tx.putEnrolments('a', old);
      });
      expect(await s.transaction((tx) => tx.getEnrolments('a'))).toMatchObject({ r1: { ruleId: 'r1', id: 'en-1' } });
    });

    it('rolls back everything a failed transaction wrote', async () => {
      const s = await open();
      await s.transaction((tx) => tx.putDeal(deal('kept')));
      await expect(
        s.transaction(async (tx) => {
          await tx.putDeal(deal('kept', { version: 9 }));
          await tx.putDeal(deal('new'));
          await tx.putEnrolments('kept', { r: { ruleId: 'r', id: 'x' } });
          await tx.putJob(job('j1', 'kept', 10));
          await tx.appendLog([entry('l1', 'kept', 'deal.updated', 0)]);
          await tx.putOutbox([message('m1', 0)]);
          await tx.putRecord({ kind: 'violation', id: 'v1', dealId: 'kept', at: T0, data: {} });
          await tx.putMeta('k', { a: 1 });
          throw new Error('boom');
        }),
      ).rejects.toThrow('boom');
      await s.transaction(async (tx) => {
        expect(await tx.getDeal('kept')).toEqual(deal('kept'));
        expect(await tx.getDeal('new')).toBeUndefined();
        expect(await tx.getEnrolments('kept')).toEqual({});
        expect(await tx.pendingJobs('kept')).toEqual([]);
        expect(await tx.nextJobDueAt()).toBeUndefined();
        expect(await tx.readLog()).toEqual([]);
        expect(await tx.listOutbox()).toEqual([]);
        expect(await tx.listRecords('violation')).toEqual([]);
        expect(await tx.getMeta('k')).toBeUndefined();
      });
    });

    it('returns due jobs earliest first, ties in scheduling order, and the next due time', async () => {
      const s = await open();
      await s.transaction(async (tx) => {
        await tx.putJob(job('late', 'a', 30));
        await tx.putJob(job('tie-1', 'b', 10));
        await tx.putJob(job('early', 'a', 5));
        await tx.putJob(job('tie-2', 'c', 10));
        await tx.putJob(job('future', 'c', 600));
      });
      await s.transaction(async (tx) => {
        expect(await tx.nextJobDueAt()).toBe(at(5));
        expect((await tx.dueJobs(at(30), 10)).map((j) => j.id)).toEqual(['early', 'tie-1', 'tie-2', 'late']);
        expect((await tx.dueJobs(at(10), 2)).map((j) => j.id)).toEqual(['early', 'tie-1']);
        expect((await tx.pendingJobs('a')).map((j) => j.id)).toEqual(['late', 'early']);
        expect(await tx.getJob('tie-2')).toEqual(job('tie-2', 'c', 10));
      });
      // Re-putting a job moves it behind its ties; removing it takes it out.
      await s.transaction(async (tx) => {
        await tx.putJob(job('tie-1', 'b', 10, { actionId: 'changed' }));
        await tx.removeJob('early');
      });
      await s.transaction(async (tx) => {
        expect((await tx.dueJobs(at(30), 10)).map((j) => j.id)).toEqual(['tie-2', 'tie-1', 'late']);
        expect((await tx.getJob('tie-1'))?.actionId).toBe('changed');
        expect(await tx.getJob('early')).toBeUndefined();
        expect(await tx.nextJobDueAt()).toBe(at(10));
      });
    });

    it('leases due jobs: one holder at a time, only each deal’s earliest job, reclaimed after the lease', async () => {
      const s = await open();
      await s.transaction(async (tx) => {
        await tx.putJob(job('a1', 'a', 1));
        await tx.putJob(job('a2', 'a', 2));
        await tx.putJob(job('b1', 'b', 3));
        await tx.putJob(job('c1', 'c', 100));
      });
      const first = lease('r1');
      const claimed = await s.transaction((tx) => tx.claimDueJobs(at(10), 10, first));
      // a2 waits for a1; c1 is not due.
      expect(claimed.map((j) => j.id)).toEqual(['a1', 'b1']);
      // While the lease holds, nobody else gets them, nor a2 behind a1.
      expect(await s.transaction((tx) => tx.claimDueJobs(at(10), 10, lease('r2')))).toEqual([]);
      expect(await s.transaction((tx) => tx.getClaimedJob('a1', first.token))).toEqual(job('a1', 'a', 1));
      expect(await s.transaction((tx) => tx.getClaimedJob('a1', 'someone-else'))).toBeUndefined();

      // Done with a1: a2 becomes claimable.
      await s.transaction((tx) => tx.removeJob('a1'));
      expect((await s.transaction((tx) => tx.claimDueJobs(at(10), 10, lease('r2')))).map((j) => j.id)).toEqual(['a2']);

      // Giving b1 back makes it claimable at once; the old token no longer completes it.
      await s.transaction((tx) => tx.releaseLeases(first.token, ['b1']));
      const third = lease('r3');
      expect((await s.transaction((tx) => tx.claimDueJobs(at(10), 1, third))).map((j) => j.id)).toEqual(['b1']);
      expect(await s.transaction((tx) => tx.getClaimedJob('b1', first.token))).toBeUndefined();
      expect(await s.transaction((tx) => tx.getClaimedJob('b1', third.token))).toEqual(job('b1', 'b', 3));
    });

    it('lets an expired lease be claimed again, fencing the first holder', async () => {
      const s = await open();
      await s.transaction((tx) => tx.putJob(job('j', 'a', 1)));
      const crashed = lease('crashed', 0); // expires the moment it is taken
      expect((await s.transaction((tx) => tx.claimDueJobs(at(1), 5, crashed))).map((j) => j.id)).toEqual(['j']);
      const next = lease('next');
      expect((await s.transaction((tx) => tx.claimDueJobs(at(1), 5, next))).map((j) => j.id)).toEqual(['j']);
      expect(await s.transaction((tx) => tx.getClaimedJob('j', crashed.token))).toBeUndefined();
      expect(await s.transaction((tx) => tx.renewLeases(crashed.token, 60_000))).toBe(0);
      expect(await s.transaction((tx) => tx.renewLeases(next.token, 60_000))).toBe(1);
      // Rescheduling a job clears its lease.
      await s.transaction((tx) => tx.putJob(job('j', 'a', 2)));
      expect(await s.transaction((tx) => tx.getClaimedJob('j', next.token))).toBeUndefined();
      expect((await s.transaction((tx) => tx.claimDueJobs(at(2), 5, lease('again')))).map((j) => j.id)).toEqual(['j']);
    });

    it('never hands a holder what it says it is still working on', async () => {
      const s = await open();
      await s.transaction(async (tx) => {
        await tx.putJob(job('j1', 'a', 1));
        await tx.putJob(job('j2', 'b', 2));
        await tx.putOutbox([message('m1', 1), message('m2', 2)]);
      });
      const stalled = { ...lease('me', 0), skip: ['j1', 'm1'] };
      expect((await s.transaction((tx) => tx.claimDueJobs(at(5), 5, stalled))).map((j) => j.id)).toEqual(['j2']);
      expect((await s.transaction((tx) => tx.claimDueOutbox(at(5), 5, stalled))).map((m) => m.id)).toEqual(['m2']);
      expect((await s.transaction((tx) => tx.claimDueJobs(at(5), 5, lease('other')))).map((j) => j.id)).toEqual(['j1', 'j2']);
    });

    it('renews leases so a long holder keeps its work', async () => {
      const s = await open();
      await s.transaction(async (tx) => {
        await tx.putJob(job('j', 'a', 1));
        await tx.putOutbox([message('m', 1)]);
      });
      const holder = lease('holder', 0);
      await s.transaction((tx) => tx.claimDueJobs(at(1), 5, holder));
      await s.transaction((tx) => tx.claimDueOutbox(at(1), 5, holder));
      expect(await s.transaction((tx) => tx.renewLeases(holder.token, 60_000))).toBe(2);
      expect(await s.transaction((tx) => tx.claimDueJobs(at(1), 5, lease('other')))).toEqual([]);
      expect(await s.transaction((tx) => tx.claimDueOutbox(at(1), 5, lease('other')))).toEqual([]);
      await s.transaction((tx) => tx.releaseLeases(holder.token));
      expect(await s.transaction((tx) => tx.claimDueOutbox(at(1), 5, lease('other')))).toHaveLength(1);
    });

    it('a claim rolled back with its transaction leaves the job unclaimed', async () => {
      const s = await open();
      await s.transaction((tx) => tx.putJob(job('j', 'a', 1)));
      await expect(
        s.transaction(async (tx) => {
          await tx.claimDueJobs(at(1), 5, lease('r1'));
          throw new Error('crash before commit');
        }),
      ).rejects.toThrow('crash before commit');
      expect(await s.transaction((tx) => tx.claimDueJobs(at(1), 5, lease('r2')))).toHaveLength(1);
    });

    it('keeps the outbox: upserts by id, due messages oldest first, filters, claims', async () => {
      const s = await open();
      await s.transaction(async (tx) => {
        await tx.putOutbox([message('m1', 5), message('m2', 1, { dealId: 'd2' }), message('m3', 5)]);
        await tx.putOutbox([message('m4', 0, { status: 'delivered' })]);
      });
      await s.transaction(async (tx) => {
        expect((await tx.dueOutbox(at(5), 10)).map((m) => m.id)).toEqual(['m2', 'm1', 'm3']);
        expect((await tx.dueOutbox(at(2), 10)).map((m) => m.id)).toEqual(['m2']);
        expect(await tx.nextOutboxDueAt()).toBe(at(1));
        expect((await tx.listOutbox()).map((m) => m.id)).toEqual(['m1', 'm2', 'm3', 'm4']);
        expect((await tx.listOutbox({ status: 'delivered' })).map((m) => m.id)).toEqual(['m4']);
        expect((await tx.listOutbox({ dealId: 'd2' })).map((m) => m.id)).toEqual(['m2']);
        expect([await tx.countOutbox?.('pending'), await tx.countOutbox?.('delivered'), await tx.countOutbox?.('dead')]).toEqual([3, 1, 0]);
        expect(await tx.getOutbox('m2')).toEqual(message('m2', 1, { dealId: 'd2' }));
      });
      const holder = lease('h');
      expect((await s.transaction((tx) => tx.claimDueOutbox(at(5), 2, holder))).map((m) => m.id)).toEqual(['m2', 'm1']);
      expect((await s.transaction((tx) => tx.claimDueOutbox(at(5), 5, lease('x')))).map((m) => m.id)).toEqual(['m3']);
      expect((await s.transaction((tx) => tx.getClaimedOutbox('m1', holder.token)))?.id).toBe('m1');
      // Recording an attempt keeps the lease (and the message's place in the list) until the holder releases it.
      await s.transaction((tx) => tx.putOutbox([message('m1', 5, { status: 'pending', attempts: 1, nextAttemptAt: at(4) })]));
      expect(await s.transaction((tx) => tx.claimDueOutbox(at(5), 5, lease('y')))).toEqual([]);
      expect((await s.transaction((tx) => tx.getClaimedOutbox('m1', holder.token)))?.attempts).toBe(1);
      await s.transaction(async (tx) => {
        await tx.putOutbox([message('m1', 5, { status: 'delivered', attempts: 2 })]);
        await tx.releaseLeases(holder.token, ['m1']);
      });
      await s.transaction(async (tx) => {
        expect(await tx.getClaimedOutbox('m1', holder.token)).toBeUndefined();
        expect((await tx.listOutbox()).map((m) => `${m.id}:${m.status}`)).toEqual(['m1:delivered', 'm2:pending', 'm3:pending', 'm4:delivered']);
        expect(await tx.nextOutboxDueAt()).toBe(at(1));
      });
    });

    it('appends the log in order and reads it by deal, type and time', async () => {
      const s = await open();
      await s.transaction((tx) => tx.appendLog([entry('l1', 'a', 'deal.created', 0), entry('l2', 'b', 'deal.created', 1)]));
      await s.transaction(async (tx) => {
        await tx.appendLog([]);
        await tx.appendLog([entry('l3', 'a', 'job.ran', 2), entry('l4', null, 'outbox.delivered', 3), entry('l5', 'a', 'deal.updated', 4)]);
      });
      await s.transaction(async (tx) => {
        expect((await tx.readLog()).map((e) => e.id)).toEqual(['l1', 'l2', 'l3', 'l4', 'l5']);
        expect((await tx.readLog({ dealId: 'a' })).map((e) => e.id)).toEqual(['l1', 'l3', 'l5']);
        expect((await tx.readLog({ types: ['deal.created', 'outbox.delivered'] })).map((e) => e.id)).toEqual(['l1', 'l2', 'l4']);
        expect((await tx.readLog({ from: at(1), to: at(4) })).map((e) => e.id)).toEqual(['l2', 'l3', 'l4']);
        expect((await tx.readLog({ dealId: 'a', types: ['job.ran'] }))[0]).toEqual(entry('l3', 'a', 'job.ran', 2));
        expect((await tx.readLog({ types: [] })).map((e) => e.id)).toEqual([]);
      });
    });

    it('keeps records by kind and id, listed in insertion order, filtered by deal', async () => {
      const s = await open();
      const rec = (kind: string, id: string, dealId: string | null, data: Record<string, unknown> = {}): StoredRecord => ({ kind, id, dealId, at: T0, data });
      await s.transaction(async (tx) => {
        await tx.putRecord(rec('violation', 'v1', 'a'));
        await tx.putRecord(rec('violation', 'v2', 'b'));
        await tx.putRecord(rec('task', 'v1', 'a', { title: 'same id, other kind' }));
        await tx.putRecord(rec('violation', 'v3', null));
        await tx.putRecord(rec('violation', 'v1', 'a', { updated: true }));
      });
      await s.transaction(async (tx) => {
        expect((await tx.listRecords('violation')).map((r) => r.id)).toEqual(['v1', 'v2', 'v3']);
        expect((await tx.listRecords('violation', { dealId: 'a' })).map((r) => r.data)).toEqual([{ updated: true }]);
        expect(await tx.getRecord('task', 'v1')).toEqual(rec('task', 'v1', 'a', { title: 'same id, other kind' }));
        expect(await tx.getRecord('task', 'v2')).toBeUndefined();
        expect(await tx.listRecords('nothing')).toEqual([]);
      });
    });

    it('keeps meta values of any JSON shape, null included', async () => {
      const s = await open();
      await s.transaction(async (tx) => {
        await tx.putMeta('obj', { a: [1, { b: 'c' }] });
        await tx.putMeta('null', null);
        await tx.putMeta('num', 42.5);
        await tx.putMeta('str', 'x');
        await tx.putMeta('num', 43);
      });
      await s.transaction(async (tx) => {
        expect(await tx.getMeta('obj')).toEqual({ a: [1, { b: 'c' }] });
        expect(await tx.getMeta('null')).toBeNull();
        expect(await tx.getMeta('num')).toBe(43);
        expect(await tx.getMeta('str')).toBe('x');
        expect(await tx.getMeta('missing')).toBeUndefined();
      });
    });

    it('never writes a new row over a stored one: an insert of a taken id is CONFLICT, the stored row stays (deals, jobs, messages, records)', async () => {
      const s = await open();
      const stored = {
        deal: deal('deal-1', { title: 'stored' }),
        job: job('job-1', 'deal-1', 10),
        message: message('msg-1', 0),
        record: record('approval', 'approval-1', 'deal-1'),
      };
      await s.transaction(async (tx) => {
        await tx.putDeal(stored.deal);
        await tx.putJob(stored.job);
        await tx.putOutbox([stored.message]);
        await tx.putRecord(stored.record);
      });
      const attempts: Array<[string, (tx: StorageTx) => Promise<void>]> = [
        ['deal', (tx) => tx.putDeal(deal('deal-1', { title: 'intruder' }), { insert: true })],
        ['job', (tx) => tx.putJob(job('job-1', 'deal-1', 99, { ruleId: 'intruder' }), { insert: true })],
        ['message', (tx) => tx.putOutbox([message('msg-1', 5, { key: 'intruder' })], { insert: true })],
        ['record', (tx) => tx.putRecord({ ...stored.record, data: { intruder: true } }, { insert: true })],
      ];
      for (const [what, put] of attempts) {
        const error = await s
          .transaction(async (tx) => {
            // Written in the same transaction before the insert: rolled back with it.
            await tx.putDeal(deal(`other-${what}`));
            await put(tx);
            // A read after the insert sends it (SQL buffers writes).
            await tx.listDeals();
          })
          .catch((e: unknown) => e);
        expect(isDealflowError(error, 'CONFLICT'), `${what}: ${String(error)}`).toBe(true);
      }
      await s.transaction(async (tx) => {
        expect(await tx.getDeal('deal-1')).toEqual(stored.deal);
        expect(await tx.pendingJobs('deal-1')).toEqual([stored.job]);
        expect(await tx.getOutbox('msg-1')).toEqual(stored.message);
        expect(await tx.getRecord('approval', 'approval-1')).toEqual(stored.record);
        expect((await tx.listDeals()).map((d) => d.id)).toEqual(['deal-1']);
      });
      // A new id inserts, and a second put of it in the same transaction replaces the first.
      await s.transaction(async (tx) => {
        await tx.putJob(job('job-2', 'deal-1', 20), { insert: true });
        await tx.putJob(job('job-2', 'deal-1', 30));
      });
      expect((await s.transaction((tx) => tx.pendingJobs('deal-1'))).map((j) => [j.id, j.dueAt])).toEqual([
        ['job-1', at(10)],
        ['job-2', at(30)],
      ]);
    });

    it('reports the highest number each kind of numbered id reaches anywhere in the store', async () => {
      const s = await open();
      if (!s.highestIds) return expect(s.highestIds).toBeDefined();
      expect(await s.highestIds()).toEqual({});
      await s.transaction(async (tx) => {
        await tx.putDeal(deal('deal-3'));
        await tx.putDeal(deal('deal-12'));
        await tx.putJob(job('job-2', 'deal-3', 10, { enrolmentId: 'enrolment-5' }));
        await tx.putOutbox([message('msg-4', 0, { dealId: 'deal-3' })]);
        await tx.putRecord(record('playbook-run', 'playbook-run-7', 'deal-3'));
        // A deleted job lives on in the history only; its id must not come back.
        await tx.appendLog([{ id: 'log-9', at: T0, dealId: 'deal-40', type: 'job.scheduled', data: { jobId: 'job-31' } }]);
      });
      await s.transaction((tx) => tx.claimDueOutbox(at(60), 10, { owner: 'engine', token: 'lease-6', ms: 60_000 }));
      expect(await s.highestIds()).toEqual({ deal: 40, job: 31, enrolment: 5, msg: 4, 'playbook-run': 7, log: 9, lease: 6, 'key-msg': 4 });
    });

    it('has SequentialIds resume past what it holds: a later engine on it never makes up a stored id', async () => {
      const s = await open();
      const engineOn = () =>
        createTestEngine({
          pipelines: [proposalPipeline],
          rules: proposalRules,
          directory: proposalDirectory(),
          storage: s,
          start: '2026-03-02T08:00:00.000Z',
          deliverOnCommit: false,
        });
      const first = engineOn();
      const one = await first.createDeal({ pipelineId: 'sales', ownerId: 'anna', title: 'First' });
      await first.requestApproval(one.id, { subject: 'ok?', approvers: ['manager'] });
      const before = {
        deal: await first.getDeal(one.id),
        history: await first.history(one.id),
        jobs: await first.pendingJobs(one.id),
        outbox: await first.outbox(),
      };
      // A new engine, counting from 1 again, on the same store (a restart).
      const second = engineOn();
      const two = await second.createDeal({ pipelineId: 'sales', ownerId: 'boris', title: 'Second' });
      await second.requestApproval(two.id, { subject: 'ok?', approvers: ['manager'] });
      expect([one.id, two.id]).toEqual(['deal-1', 'deal-2']);
      expect({ deal: await second.getDeal(one.id), history: await second.history(one.id), jobs: await second.pendingJobs(one.id) }).toEqual({
        deal: before.deal,
        history: before.history,
        jobs: before.jobs,
      });
      expect((await second.outbox()).filter((m) => m.dealId === one.id)).toEqual(before.outbox);
      const ids = (kind: string) => async (e: typeof first) => (await e.records(kind)).map((r) => r.id);
      expect(await ids('approval')(second)).toEqual(['approval-1', 'approval-2']);
      const jobIds = [...before.jobs, ...(await second.pendingJobs(two.id))].map((j) => j.id);
      expect(new Set(jobIds).size).toBe(jobIds.length);
    });

    it('refuses a made-up id that is taken with CONFLICT, through the engine, and changes nothing', async () => {
      const s = await open();
      const seed = createTestEngine({
        pipelines: [proposalPipeline],
        rules: proposalRules,
        directory: proposalDirectory(),
        storage: s,
        deliverOnCommit: false,
      });
      await seed.createDeal({ pipelineId: 'sales', ownerId: 'anna', title: 'Stored' });
      await seed.requestApproval('deal-1', { subject: 'ok?', approvers: ['manager'] });
      const snapshot = async () =>
        JSON.stringify([await seed.listDeals(), await seed.pendingJobs('deal-1'), await seed.outbox(), await seed.records('approval')]);
      const before = await snapshot();
      // A generator that knows nothing of the store and counts from 1 for one kind: every other id is fresh.
      const collidingOn = (kind: string) => {
        let n = 0;
        return { next: (k: string) => (k === kind ? `${k}-1` : `${k}-fresh-${++n}`) };
      };
      for (const kind of ['deal', 'job', 'msg', 'approval']) {
        const engine = createTestEngine({
          pipelines: [proposalPipeline],
          rules: proposalRules,
          directory: proposalDirectory(),
          storage: s,
          deliverOnCommit: false,
          ids: collidingOn(kind),
        });
        const attempt =
          kind === 'approval'
            ? engine.requestApproval('deal-1', { name: 'other', subject: 'again?', approvers: ['manager'] })
            : engine.createDeal({ pipelineId: 'sales', ownerId: 'boris', title: `Intruder ${kind}` });
        await expect(attempt, kind).rejects.toMatchObject({ code: 'CONFLICT' });
      }
      expect(await snapshot()).toBe(before);
    });

    it('runs the 5-day proposal scenario with the same deals, history, outbox, records and reports as in memory', async () => {
      const run = async (storage: Storage) => {
        const engine = createTestEngine({
          pipelines: [proposalPipeline],
          rules: proposalRules,
          directory: proposalDirectory(),
          storage,
          start: '2026-03-02T08:00:00.000Z',
        });
        const d1 = await engine.createDeal({ id: 'D-1', pipelineId: 'sales', ownerId: 'anna', title: 'Bakery POS', amount: 4_000 });
        await engine.createDeal({ id: 'D-2', pipelineId: 'sales', ownerId: 'boris', title: 'Florist website', amount: 7_500 });
        await engine.createDeal({ id: 'D-3', pipelineId: 'sales', ownerId: 'anna', title: 'Hotel chain', amount: 45_000 });
        await engine.advance({ days: 2 });
        await engine.updateDeal(d1.id, { fields: { proposalSentAt: engine.clock.now().toISOString() } });
        await engine.moveDeal('D-3', 'won');
        await engine.advance({ days: 4 });
        const deals = await engine.listDeals();
        return {
          deals,
          open: (await engine.listDeals({ open: true })).map((d) => d.id),
          history: await Promise.all(deals.map((d) => engine.history(d.id))),
          pending: await Promise.all(deals.map((d) => engine.pendingJobs(d.id))),
          outbox: await engine.outbox(),
          violations: await engine.records('violation'),
          sent: engine.notifications.map((m) => `${m.recipient.id}:${m.template}:${m.idempotencyKey}`),
          reports: {
            slaCompliance: await engine.report('slaCompliance'),
            funnel: await engine.report('funnel'),
            flagShare: await engine.report('flagShare', { flag: 'complex' }),
            timeInStage: await engine.report('timeInStage'),
            velocity: await engine.report('velocity'),
          },
        };
      };
      const expected = await run(new InMemoryStorage());
      const actual = await run(await open());
      expect(actual).toEqual(expected);
      expect(actual.sent).toHaveLength(6);
      expect(actual.violations.map((v) => v.dealId)).toEqual(['D-2']);
      expect(actual.reports.slaCompliance.rows.length).toBeGreaterThan(0);
      expect(actual.reports.funnel.rows.length).toBeGreaterThan(0);
    });
  });
}
