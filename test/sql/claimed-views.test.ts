/**
 * A batch's views send each job its claim still holds without its document: the store puts back
 * the one the claim returned. Regression guard for that shortcut (batch views read flat, the held
 * job's document left out on the server): a held job whose claimed document the store no longer
 * has is read again, never handed to the batch as a bare id.
 */
import { PGlite } from '@electric-sql/pglite';
import { afterAll, describe, expect, it } from 'vitest';
import { createEngine } from '../../src/engine/engine.js';
import { UuidIds } from '../../src/ports/ids.js';
import { createSqlStorage } from '../../src/sql/index.js';
import { FakeClock } from '../../src/testing/index.js';
import { directory, salesPipeline } from '../helpers.js';
import { STEP_RULES } from './fixtures/batch-rules.js';

describe('a batch of claimed jobs on PGlite', () => {
  const db = new PGlite();
  afterAll(() => db.close());

  it('gets every held job with its document, whether the claim kept it or not, and the pending ones from the store', async () => {
    const storage = await createSqlStorage({ client: db, schema: 'claimed_views' });
    const clock = new FakeClock('2026-03-02T08:00:00.000Z');
    const engine = createEngine({ pipelines: [salesPipeline], rules: STEP_RULES, directory: directory(), storage, clock, ids: new UuidIds() });
    for (const id of ['D-1', 'D-2', 'D-3']) await engine.createDeal({ id, pipelineId: 'sales', ownerId: 'anna' });
    const token = 'claim-1';
    const claimed = await storage.claimJobs({ owner: 'test', token, ms: 60_000, until: '2026-03-02T09:30:00.000Z', limit: 10 });
    expect(claimed.map((j) => j.dealId).sort()).toEqual(['D-1', 'D-2', 'D-3']);
    // The store forgets one claimed document (as when a token's claims are many): it must read it again.
    const forgotten = claimed[0]!;
    const kept = (storage as unknown as { claimed: { get(token: string): Map<string, unknown> | undefined } }).claimed.get(token)!;
    kept.delete(forgotten.id);

    const views = await storage.transaction((tx) => tx.lockClaimedJobs!(claimed, token));
    expect([...views.keys()].sort()).toEqual(claimed.map((j) => j.id).sort());
    for (const job of claimed) {
      const view = views.get(job.id)!;
      expect(view.job).toEqual(job);
      expect(view.deal?.id).toBe(job.dealId);
      // Each deal's three steps, in order: the held one and the two still pending, all whole documents.
      expect(view.jobs.map((j) => j.actionId)).toEqual(['step-1', 'step-2', 'step-3']);
      for (const j of view.jobs) expect(j).toMatchObject({ id: expect.any(String), dealId: job.dealId, dueAt: expect.any(String) });
    }
  });
});
