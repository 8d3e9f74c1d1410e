import { describe, expect, it } from 'vitest';
import { InMemoryStorage } from '../../src/index.js';
import { proposalDirectory, proposalPipeline, proposalRules } from '../../examples/proposal-deadline/setup.js';
import { createTestEngine } from '../../src/testing/index.js';

async function run() {
  const storage = new InMemoryStorage();
  const engine = createTestEngine({
    pipelines: [proposalPipeline],
    rules: proposalRules,
    directory: proposalDirectory(),
    storage,
    start: '2026-03-02T08:00:00.000Z',
  });
  for (let i = 0; i < 20; i++) {
    await engine.createDeal({ pipelineId: 'sales', ownerId: i % 2 ? 'anna' : 'boris', title: `Deal ${i}`, amount: 2000 * i });
    await engine.advance({ hours: 7 });
    if (i % 3 === 0) await engine.updateDeal(`deal-${i + 1}`, { fields: { proposalSentAt: engine.clock.now().toISOString() } });
    if (i % 5 === 0) await engine.moveDeal(`deal-${i + 1}`, 'proposal');
  }
  await engine.advance({ days: 7 });
  return { log: JSON.stringify(storage.log), outbox: JSON.stringify([...storage.outbox.values()]), sent: JSON.stringify(engine.notifications) };
}

describe('determinism', () => {
  it('the same rules, inputs and clock readings give byte-identical logs and outboxes', async () => {
    const a = await run();
    const b = await run();
    expect(a.log.length).toBeGreaterThan(10_000);
    expect(a.log).toBe(b.log);
    expect(a.outbox).toBe(b.outbox);
    expect(a.sent).toBe(b.sent);
  });
});
