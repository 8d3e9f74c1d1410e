import { describe, expect, it } from 'vitest';
import { engineWith, newDeal, salesPipeline } from '../helpers.js';

/** Custom fields of any JSON shape, one of them named like the prototype accessor. */
const fieldsPipeline = {
  ...salesPipeline,
  fields: JSON.parse('{"tags": {"type": "json"}, "address": {"type": "json"}, "plain": {"type": "number"}, "__proto__": {"type": "json"}}'),
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

  it('never take a field named "__proto__" as the prototype of their fields', async () => {
    const engine = engineWith([], { pipelines: [fieldsPipeline] });
    const fields = JSON.parse('{"__proto__": {"polluted": true}, "plain": 1}') as Record<string, unknown>;
    const created = await engine.createDeal({ ...newDeal, fields: fields as never });
    for (const deal of [created, await engine.getDeal(created.id), (await engine.listDeals())[0]]) {
      expect(Object.getPrototypeOf(deal!.fields)).toBe(Object.prototype);
      expect((deal!.fields as { polluted?: boolean }).polluted).toBeUndefined();
      expect(deal!.fields.plain).toBe(1);
    }
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
