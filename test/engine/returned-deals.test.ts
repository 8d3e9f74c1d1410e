import { describe, expect, it } from 'vitest';
import { engineWith, newDeal, salesPipeline } from '../helpers.js';

/** Custom fields of any JSON shape. */
const fieldsPipeline = {
  ...salesPipeline,
  fields: { tags: { type: 'json' as const }, address: { type: 'json' as const }, plain: { type: 'number' as const } },
};

describe('deals the engine hands out', () => {
  it('are copies: changing one changes neither the stored deal nor the next copy', async () => {
    const engine = engineWith([], { pipelines: [fieldsPipeline] });
    const created = await engine.createDeal({ ...newDeal, fields: { tags: ['a'], address: { city: 'Oslo' } }, flags: { vip: true } });
    (created.fields.tags as string[]).push('b');
    (created.fields.address as Record<string, string>).city = 'Bergen';
    created.flags.vip = false;
    created.title = 'changed';
    const again = await engine.getDeal(created.id);
    expect(again).toMatchObject({ title: newDeal.title, fields: { tags: ['a'], address: { city: 'Oslo' } }, flags: { vip: true } });
    const updated = await engine.updateDeal(created.id, { amount: 7 });
    expect(updated.fields).toEqual({ tags: ['a'], address: { city: 'Oslo' } });
    expect(Object.keys(updated)).toEqual(Object.keys(again!));
  });

  // Regression (issue: DealflowError is the only error bad input gets): a field named
  // "__proto__" was silently dropped by parsing (it would have set the prototype); now it is
  // refused, in a deal and in a pipeline's declarations alike.
  it('refuse a field named "__proto__" rather than drop it, and never take it as a prototype', async () => {
    const engine = engineWith([], { pipelines: [fieldsPipeline] });
    const fields = JSON.parse('{"__proto__": {"polluted": true}, "plain": 1}') as Record<string, unknown>;
    await expect(engine.createDeal({ ...newDeal, fields: fields as never })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      issues: [{ path: '$.deal.fields.__proto__' }],
    });
    expect(await engine.listDeals()).toEqual([]);
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined();
    const declared = { ...salesPipeline, fields: JSON.parse('{"plain": {"type": "number"}, "__proto__": {"type": "json"}}') };
    expect(() => engineWith([], { pipelines: [declared] })).toThrow(expect.objectContaining({ code: 'INVALID_CONFIG' }));
  });

  it('copy a "__proto__" key a store holds (JSON.parse makes it an own property) as a field, not as a prototype', async () => {
    const engine = engineWith([], { pipelines: [fieldsPipeline] });
    const created = await engine.createDeal(newDeal);
    const fields = JSON.parse('{"__proto__": {"polluted": true}, "plain": 1}') as Record<string, never>;
    await engine.storage.transaction((tx) => tx.putDeal({ ...created, fields }));
    for (const deal of [await engine.getDeal(created.id), (await engine.listDeals())[0]]) {
      expect(Object.getPrototypeOf(deal!.fields)).toBe(Object.prototype);
      expect((deal!.fields as { polluted?: boolean }).polluted).toBeUndefined();
      expect(Object.keys(deal!.fields)).toEqual(['__proto__', 'plain']);
    }
  });
});
