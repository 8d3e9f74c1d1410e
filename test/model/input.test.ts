import { describe, expect, it } from 'vitest';
import { compileCondition, createEngine, DEFAULT_LIMITS, DealflowError, InMemoryStorage, parseRules, type RuleInput } from '../../src/index.js';
import { engineWith, newDeal, salesPipeline } from '../helpers.js';

/*
 * Regressions for the issue "DealflowError is the only error bad input gets": each of these
 * reached the caller as a stack overflow, a TypeError, a plain Error or a database error, or was
 * accepted or silently dropped. Each now is a DealflowError that says how to fix it, and the
 * store is unchanged.
 */

function deep(levels: number, leaf: unknown = 1): unknown {
  let v = leaf;
  for (let i = 0; i < levels; i++) v = { a: v };
  return v;
}
function deepCondition(levels: number): unknown {
  let c: unknown = { fact: 'deal', path: '$.amount', operator: 'equal', value: 1 };
  for (let i = 0; i < levels; i++) c = { not: c };
  return c;
}
async function refusal(p: Promise<unknown> | (() => unknown)): Promise<DealflowError> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    expect(e).toBeInstanceOf(DealflowError);
    return e as DealflowError;
  }
  throw new Error('expected a refusal');
}
const stored = (s: InMemoryStorage) =>
  JSON.stringify({
    deals: [...s.deals.entries()],
    log: s.log,
    jobs: [...s.jobs.keys()],
    records: [...s.records.entries()].map(([k, m]) => [k, [...m.values()]]),
  });

describe('nesting is bounded (maxDepth, default 64), before any schema or copy recurses', () => {
  it('a condition 10,000 deep: INVALID_RULES, from parseRules, setRules and compileCondition', async () => {
    const rule = { id: 'deep', trigger: { type: 'deal.created' }, when: deepCondition(10_000), actions: [{ type: 'setFlag', params: { flag: 'x' } }] };
    const e = await refusal(() => parseRules([rule], { pipelines: [salesPipeline] }));
    expect(e).toMatchObject({ code: 'INVALID_RULES', details: { limit: 'maxDepth', max: 64 } });
    expect(e.issues[0]!.path).toMatch(/^\$\[0\]\.when(\.not)+$/);
    const engine = engineWith([]);
    expect((await refusal(() => engine.setRules([rule]))).code).toBe('INVALID_RULES');
    expect((await refusal(() => compileCondition(deepCondition(10_000) as never))).code).toBe('INVALID_RULES');
    // A condition nested as deep as a rule needs is fine.
    expect(parseRules([{ ...rule, when: deepCondition(20) }], { pipelines: [salesPipeline] })).toHaveLength(1);
  });

  it('an event payload or a json field 10,000 deep: INVALID_INPUT, nothing stored', async () => {
    const storage = new InMemoryStorage();
    const engine = engineWith([], { storage, pipelines: [{ ...salesPipeline, fields: { ...salesPipeline.fields, extra: { type: 'json' } } }] });
    const deal = await engine.createDeal(newDeal);
    const before = stored(storage);
    expect(await refusal(engine.emit({ name: 'x', dealId: deal.id, payload: { order: deep(10_000) as never } }))).toMatchObject({
      code: 'INVALID_INPUT',
      details: { limit: 'maxDepth' },
    });
    expect((await refusal(engine.updateDeal(deal.id, { fields: { extra: deep(10_000) as never } }))).code).toBe('INVALID_INPUT');
    expect(stored(storage)).toBe(before);
  });
});

describe('ids, options and queries are checked before use', () => {
  it('a non-string id is INVALID_INPUT naming the argument (was a TypeError or an overflow)', async () => {
    const engine = engineWith([]);
    const deal = await engine.createDeal(newDeal);
    for (const bad of [123, null, {}, ['a'], Symbol('s'), 10n, deep(10_000)]) {
      const e = await refusal(engine.updateDeal(bad as never, { title: 'x' }));
      expect(e).toMatchObject({ code: 'INVALID_INPUT', issues: [{ path: '$.dealId' }] });
      expect(e.message).toMatch(/dealId must be a non-empty string/);
      expect((await refusal(engine.getDeal(bad as never))).code).toBe('INVALID_INPUT');
      expect((await refusal(engine.completeTask(bad as never))).code).toBe('INVALID_INPUT');
    }
    expect((await refusal(engine.tasks({ status: { open: true } as never }))).issues[0]!.path).toBe('$.query.status');
    expect((await refusal(engine.records('task', null as never))).code).toBe('INVALID_INPUT');
    expect((await refusal(engine.createTask(deal.id, null as never))).message).toMatch(/task must be an object/);
    expect((await refusal(engine.updateDeal(deal.id, { title: 'x' }, { actor: { id: 'a', roles: 'seller' } as never }))).issues[0]!.path).toBe(
      '$.options.actor.roles',
    );
  });

  it('createEngine with a malformed configuration is INVALID_CONFIG naming the setting (was a TypeError)', async () => {
    expect(await refusal(() => createEngine({ pipelines: {} as never }))).toMatchObject({ code: 'INVALID_CONFIG', issues: [{ path: '$.pipelines' }] });
    expect((await refusal(() => createEngine(undefined as never))).code).toBe('INVALID_CONFIG');
    expect((await refusal(() => createEngine({ pipelines: [salesPipeline], clock: {} as never }))).issues[0]!.path).toBe('$.clock');
    expect((await refusal(() => createEngine({ pipelines: [salesPipeline], limits: { maxRules: -1 } }))).issues[0]!.path).toBe('$.limits.maxRules');
    expect((await refusal(() => createEngine({ pipelines: [salesPipeline], limits: { maxRulez: 5 } as never }))).message).toMatch(/unknown limit "maxRulez"/);
  });
});

describe('compileCondition throws DealflowErrors', () => {
  it('for a bad shape, an unknown operator or an unsafe path (was TypeError or Error)', async () => {
    const leaf = { fact: 'deal', path: '$.amount', operator: 'equal', value: 1 };
    for (const bad of [
      { all: null },
      { all: [1] },
      'x',
      { ...leaf, operator: 'isHuge' },
      { ...leaf, path: '$.__proto__.x' },
      { ...leaf, operator: { op: 1 } },
    ]) {
      expect((await refusal(() => compileCondition(bad as never))).code).toBe('INVALID_RULES');
    }
    expect(compileCondition(leaf as never)({ get: () => ({ amount: 1 }) })).toBe(true);
  });
});

describe('strings a store cannot hold are refused when validated', () => {
  it('a lone surrogate or a NUL in a title, a field, a payload or a key: INVALID_INPUT with its path', async () => {
    const storage = new InMemoryStorage();
    const engine = engineWith([], { storage });
    const deal = await engine.createDeal(newDeal);
    const before = stored(storage);
    expect(await refusal(engine.createDeal({ ...newDeal, title: 'Bakery \ud800' }))).toMatchObject({
      code: 'INVALID_INPUT',
      issues: [{ path: '$.deal.title', message: expect.stringMatching(/lone UTF-16 surrogate/) }],
    });
    expect((await refusal(engine.updateDeal(deal.id, { fields: { note: 'a\u0000b' } }))).issues[0]).toMatchObject({ path: '$.patch.fields.note' });
    expect((await refusal(engine.emit({ name: 'x', dealId: deal.id, payload: { '\udc00': 1 } }))).message).toMatch(/key has a lone UTF-16 surrogate/);
    expect((await refusal(engine.createDeal({ ...newDeal, id: 'd\ud83d' }))).issues[0]!.path).toBe('$.deal.id');
    expect(stored(storage)).toBe(before);
    // A well-formed pair is text like any other.
    expect((await engine.createDeal({ ...newDeal, title: 'Bakery 🥐' })).title).toBe('Bakery 🥐');
  });
});

describe('offsets are real ones', () => {
  it('+25:00 in a date field or a task dueAt is INVALID_INPUT (luxon read it as an offset)', async () => {
    const engine = engineWith([]);
    const deal = await engine.createDeal(newDeal);
    for (const at of ['2026-03-02T09:00:00+25:00', '2026-03-02T09:00:00-10:75', '2026-03-02T09:00+99']) {
      expect((await refusal(engine.updateDeal(deal.id, { fields: { proposalSentAt: at } }))).code, at).toBe('INVALID_INPUT');
      expect((await refusal(engine.createTask(deal.id, { title: 't', dueAt: at }))).issues[0]!.path, at).toBe('$.dueAt');
    }
    await engine.updateDeal(deal.id, { fields: { proposalSentAt: '2026-03-02T09:00:00+14:00' } });
    expect((await engine.createTask(deal.id, { title: 't', dueAt: '2026-03-02T09:00:00-12:00' })).dueAt).toBe('2026-03-02T21:00:00.000Z');
  });
});

describe('sizes have documented default limits, configurable', () => {
  it('title, fields, payload and rules beyond the defaults are refused with the limit named', async () => {
    const engine = engineWith([]);
    const deal = await engine.createDeal(newDeal);
    expect(await refusal(engine.createDeal({ ...newDeal, title: 'x'.repeat(1_001) }))).toMatchObject({
      code: 'INVALID_INPUT',
      details: { limit: 'maxTitleLength', max: 1_000, actual: 1_001 },
    });
    expect((await refusal(engine.createTask(deal.id, { title: 'x'.repeat(1_001) }))).details).toMatchObject({ limit: 'maxTitleLength' });
    expect((await refusal(engine.updateDeal(deal.id, { fields: { note: 'x'.repeat(70_000) } }))).details).toMatchObject({ limit: 'maxFieldsSize' });
    expect((await refusal(engine.emit({ name: 'x', dealId: deal.id, payload: { blob: 'x'.repeat(70_000) } }))).details).toMatchObject({
      limit: 'maxPayloadSize',
    });
    const many: RuleInput[] = Array.from({ length: 1_001 }, (_, i) => ({
      id: `r${i}`,
      trigger: { type: 'deal.created' },
      actions: [{ type: 'setFlag', params: { flag: 'x' } }],
    }));
    expect(await refusal(() => engine.setRules(many))).toMatchObject({ code: 'INVALID_RULES', details: { limit: 'maxRules', max: 1_000 } });
    const fields = Object.fromEntries(Array.from({ length: 201 }, (_, i) => [`f${i}`, { type: 'string' as const }]));
    expect((await refusal(() => engineWith([], { pipelines: [{ ...salesPipeline, fields }] }))).details).toMatchObject({ limit: 'maxFields', max: 200 });
  });

  it('a host raises or lowers them with createEngine({ limits })', async () => {
    const engine = engineWith([], { limits: { maxTitleLength: 5_000, maxPayloadSize: 100 } });
    expect(engine.limits).toEqual({ ...DEFAULT_LIMITS, maxTitleLength: 5_000, maxPayloadSize: 100 });
    const deal = await engine.createDeal({ ...newDeal, title: 'x'.repeat(4_000) });
    expect(deal.title).toHaveLength(4_000);
    expect((await refusal(engine.emit({ name: 'x', dealId: deal.id, payload: { note: 'x'.repeat(100) } }))).details).toMatchObject({
      limit: 'maxPayloadSize',
      max: 100,
    });
  });
});
