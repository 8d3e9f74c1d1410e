import { describe, expect, it } from 'vitest';
import { createTestEngine } from '../../src/testing/index.js';
import { callAgainDirectory, callAgainPipeline, callAgainRules } from '../../examples/call-again-10-working-days/setup.js';

describe('call again after 10 working days (example call-again-10-working-days)', () => {
  it("lands on the right date and hour in each owner's timezone, a Thursday before Good Friday", async () => {
    const engine = createTestEngine({
      pipelines: [callAgainPipeline],
      rules: callAgainRules,
      directory: callAgainDirectory(),
      start: '2026-04-02T14:00:00.000Z',
    });
    const anna = await engine.createDeal({ pipelineId: 'sales', ownerId: 'anna', title: 'Bakery POS' });
    const jake = await engine.createDeal({ pipelineId: 'sales', ownerId: 'jake', title: 'Brooklyn deli' });
    await engine.advanceTo('2026-04-16T13:59:00.000Z');
    expect(engine.notifications).toEqual([]);
    await engine.advance({ days: 30 });
    const sent = async (dealId: string) => (await engine.history(dealId)).filter((l) => l.type === 'notification.queued').map((l) => l.at);
    expect(await sent(jake.id)).toEqual(['2026-04-16T14:00:00.000Z']); // Thursday 16 April, 10:00 in New York
    expect(await sent(anna.id)).toEqual(['2026-04-20T14:00:00.000Z']); // Monday 20 April, 16:00 in Berlin
    expect(engine.notifications.map((m) => [m.recipient.id, m.template])).toEqual([
      ['jake', 'deal.call-again'],
      ['anna', 'deal.call-again'],
    ]);
  });
});
