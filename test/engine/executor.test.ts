import { createHook } from 'node:async_hooks';
import { describe, expect, it } from 'vitest';
import { engineWith, newDeal } from '../helpers.js';

// The command executor (src/engine/executor.ts) awaits only what a store or port hands back: no
// async wrapper per step, a synchronous decision not awaited. Issue 19 measured 36 promises for an
// updateDeal that fires no rule on the in-memory store (80 with a notification) before the engine
// became a facade over one executor; it makes 26 (68) now, most of them the in-memory store's own
// async methods. The budget catches a step that starts wrapping or awaiting what does not wait.
describe('the command executor on the in-memory store', () => {
  it('creates no promise where nothing waits: an update that fires no rule stays within its budget', async () => {
    const engine = engineWith([]);
    const deal = await engine.createDeal(newDeal);
    await engine.updateDeal(deal.id, { title: 'warm' });
    let promises = 0;
    const hook = createHook({
      init(_id, type) {
        if (type === 'PROMISE') promises++;
      },
    });
    const runs = 20;
    hook.enable();
    for (let i = 0; i < runs; i++) await engine.updateDeal(deal.id, { title: `t${i}` });
    hook.disable();
    expect(promises / runs).toBeLessThanOrEqual(30);
    expect((await engine.getDeal(deal.id))?.title).toBe(`t${runs - 1}`);
  });
});
