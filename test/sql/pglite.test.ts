import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { proposalDirectory, proposalPipeline, proposalRules } from '../../examples/proposal-deadline/setup.js';
import { createSqlStorage, type SqlStorage } from '../../src/sql/index.js';
import { createTestEngine } from '../../src/testing/index.js';
import { storageContract } from '../storage/contract.js';
import { sqlBehaviour } from './sql-behaviour.js';

// One PGlite per test file (each costs seconds and hundreds of MB); one schema per test.
let db: PGlite;
let n = 0;
beforeAll(async () => {
  db = await PGlite.create();
}, 60_000);
afterAll(async () => {
  await db?.close();
});

storageContract('PGlite', () => createSqlStorage({ client: db, schema: `contract_${++n}` }));
sqlBehaviour('PGlite', { client: () => db, schema: () => `sql_${++n}` });

describe('an on-disk PGlite store reopened by an engine with sequential ids', () => {
  // Regression: the reopened engine's SequentialIds started at deal-1 again, and createDeal without
  // an id replaced the stored deal-1 (title, owner, jobs, merged histories) and an outbox message.
  it('createDeal without an id makes deal-2 and leaves deal-1, its jobs, history and messages as they were', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'dealflow-reopen-'));
    const engineOn = (storage: SqlStorage) =>
      createTestEngine({ pipelines: [proposalPipeline], rules: proposalRules, directory: proposalDirectory(), storage, deliverOnCommit: false });
    try {
      let storage = await createSqlStorage({ dataDir });
      const first = engineOn(storage);
      const one = await first.createDeal({ pipelineId: 'sales', ownerId: 'anna', title: 'Bakery POS', amount: 4_000 });
      await first.requestApproval(one.id, { subject: 'Discount?', approvers: ['manager'] });
      const before = {
        deal: await first.getDeal(one.id),
        history: await first.history(one.id),
        jobs: await first.pendingJobs(one.id),
        outbox: await first.outbox(),
      };
      await storage.close();

      storage = await createSqlStorage({ dataDir });
      const second = engineOn(storage);
      const two = await second.createDeal({ pipelineId: 'sales', ownerId: 'boris', title: 'Florist website', amount: 7_500 });
      await second.requestApproval(two.id, { subject: 'Discount?', approvers: ['manager'] });
      expect([one.id, two.id]).toEqual(['deal-1', 'deal-2']);
      expect(await second.getDeal(one.id)).toEqual(before.deal);
      expect(await second.history(one.id)).toEqual(before.history);
      expect(await second.pendingJobs(one.id)).toEqual(before.jobs);
      expect(await second.outbox({ dealId: one.id })).toEqual(before.outbox);
      const jobIds = [...before.jobs, ...(await second.pendingJobs(two.id))].map((j) => j.id);
      expect(new Set(jobIds).size).toBe(jobIds.length);
      expect((await second.records('approval')).map((r) => [r.id, r.dealId])).toEqual([
        ['approval-1', 'deal-1'],
        ['approval-2', 'deal-2'],
      ]);
      await storage.close();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});
