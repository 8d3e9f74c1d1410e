import { describe, expect, it } from 'vitest';
import { DealflowError, DurationSchema, MAX_DURATION, parseRules } from '../../src/index.js';
import { engineWith, newDeal, salesPipeline } from '../helpers.js';

// Regression (issue: no input makes the engine spin): durations had no bound, so a task due in
// `{ businessHours: 1e7 }` walked working time for minutes and `{ days: 1e15 }` ended in a RangeError.
describe('every duration is bounded when it is parsed (100 years in any unit)', () => {
  it('accepts each unit up to 100 years either way and refuses one more', () => {
    for (const [unit, max] of Object.entries(MAX_DURATION)) {
      expect(DurationSchema.safeParse({ [unit]: max }).success, unit).toBe(true);
      expect(DurationSchema.safeParse({ [unit]: -max }).success, unit).toBe(true);
      const over = DurationSchema.safeParse({ [unit]: max + 1 });
      expect(over.success, unit).toBe(false);
      expect(over.error?.issues[0]?.message).toMatch(/at most .* \(100 years\)/);
      expect(DurationSchema.safeParse({ [unit]: -(max + 1) }).success, unit).toBe(false);
    }
    expect(MAX_DURATION).toMatchObject({ days: 36_525, hours: 876_600, weeks: 5_217, businessHours: 876_600 });
  });

  it('a rule delay beyond the bound is INVALID_RULES with its path', () => {
    const rule = { id: 'far', trigger: { type: 'deal.created' }, actions: [{ type: 'notify', after: { days: 1e15 }, params: { to: 'owner', template: 't' } }] };
    const error = (() => {
      try {
        parseRules([rule], { pipelines: [salesPipeline] });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(DealflowError);
    expect((error as DealflowError).code).toBe('INVALID_RULES');
    expect((error as DealflowError).issues.map((i) => i.path)).toContain('$[0].actions[0].after.days');
  });

  it('a task due in 10 million business hours is refused at once, not computed', async () => {
    const engine = engineWith([]);
    const deal = await engine.createDeal(newDeal);
    const started = performance.now();
    await expect(engine.createTask(deal.id, { title: 'Later', due: { businessHours: 1e7 } })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    expect(performance.now() - started).toBeLessThan(1000);
    expect(await engine.tasks({ dealId: deal.id })).toEqual([]);
  });
});
