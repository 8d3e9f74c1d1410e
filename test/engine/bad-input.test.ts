import { describe, expect, it } from 'vitest';
import { createEngine, DealflowError, InMemoryStorage, parseRules } from '../../src/index.js';
import { FakeClock } from '../../src/testing/index.js';
import { engineWith, newDeal, notifyOwner, salesPipeline } from '../helpers.js';

async function snapshot(storage: InMemoryStorage) {
  return JSON.stringify({
    deals: [...storage.deals.entries()],
    jobs: [...storage.jobs.keys()],
    log: storage.log,
    outbox: [...storage.outbox.values()],
    records: [...storage.records.entries()].map(([k, m]) => [k, [...m.values()]]),
  });
}

describe('invalid rule JSON', () => {
  it('lists every problem with its JSON path', () => {
    const json = [
      { id: 'ok', trigger: { type: 'deal.created' }, actions: [{ type: 'notify', params: { to: 'owner', template: 't' } }] },
      { id: 'bad-stage', trigger: { type: 'stage.entered', stage: 'nowhere' }, actions: [{ type: 'notify', params: { to: 'owner', template: 't' } }] },
      {
        id: 'bad-action',
        trigger: { type: 'deal.created' },
        actions: [
          { type: 'sendFax', params: {} },
          { type: 'notify', params: { to: 'nobody' } },
        ],
      },
      {
        id: 'bad-criteria',
        trigger: { type: 'deal.created' },
        when: {
          all: [
            { fact: 'deal', path: '$.__proto__.polluted', operator: 'equal', value: 1 },
            { fact: 'deal', path: '$.amount', operator: 'isHuge', value: 1 },
          ],
        },
        actions: [{ type: 'setFlag', params: { flag: 'x' } }],
      },
      { id: 'ok', trigger: { type: 'nope' }, actions: [] },
    ];
    let error: unknown;
    try {
      parseRules(json, { pipelines: [salesPipeline] });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DealflowError);
    const e = error as DealflowError;
    expect(e.code).toBe('INVALID_RULES');
    const paths = e.issues.map((i) => i.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        '$[1].trigger.stage',
        '$[2].actions[0].type',
        '$[2].actions[1].params.to',
        '$[2].actions[1].params.template',
        '$[3].when.all[0].path',
        '$[3].when.all[1].operator',
        '$[4].trigger.type',
        '$[4].actions',
        // Rule 4 repeats rule 0's id: reported although its trigger and actions are malformed too.
        '$[4].id',
      ]),
    );
    expect(e.issues.find((i) => i.path === '$[3].when.all[0].path')?.message).toMatch(/__proto__/);
    expect(e.issues.find((i) => i.path === '$[2].actions[0].type')?.message).toMatch(/sendFax/);
    expect(e.message).toMatch(/\$\[1\]\.trigger\.stage: unknown stage "nowhere"/);
  });

  it('rejects a non-array and unknown keys (typos) in a rule', () => {
    expect(() => parseRules({})).toThrow(DealflowError);
    try {
      parseRules([{ id: 'r', trigger: { type: 'deal.created' }, actoins: [], actions: [{ type: 'setFlag', params: { flag: 'x' } }] }]);
    } catch (e) {
      expect((e as DealflowError).issues[0]).toMatchObject({ path: '$[0].actoins', hint: expect.stringMatching(/did you mean "actions"/) });
      expect((e as DealflowError).issues[0]?.message).toMatch(/actoins/);
    }
  });

  it('refuses a negative delay and says how to act before a date instead', () => {
    const rule = { id: 'early', trigger: { type: 'deal.created' }, actions: [{ type: 'notify', after: { days: -1 }, params: { to: 'owner', template: 't' } }] };
    let error: unknown;
    try {
      parseRules([rule], { pipelines: [salesPipeline] });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DealflowError);
    expect((error as DealflowError).code).toBe('INVALID_RULES');
    expect((error as DealflowError).issues).toEqual([
      { path: '$[0].actions[0].after.days', message: expect.stringMatching(/cannot be negative/), hint: expect.stringMatching(/"at".*offset/) },
    ]);
    // A negative offset from a date field is how "2 days before" is said, and stays valid.
    const before = {
      id: 'before',
      trigger: { type: 'deal.created' },
      actions: [{ type: 'notify', at: { field: 'fields.proposalSentAt', offset: { days: -2 } }, params: { to: 'owner', template: 't' } }],
    };
    expect(parseRules([before], { pipelines: [salesPipeline] })).toHaveLength(1);
  });

  it('leaves the engine rules unchanged when setRules is given invalid JSON', async () => {
    const engine = engineWith([{ id: 'r', trigger: { type: 'deal.created' }, actions: [notifyOwner('hello')] }]);
    expect(() => engine.setRules([{ id: 'x' }])).toThrow(expect.objectContaining({ code: 'INVALID_RULES' }));
    await engine.createDeal(newDeal);
    expect(engine.notifications.map((m) => m.template)).toEqual(['hello']);
  });
});

describe('bad commands change nothing', () => {
  const rules = [{ id: 'r', trigger: { type: 'deal.created' as const }, actions: [notifyOwner('hello'), notifyOwner('later', { after: { days: 1 } })] }];

  it.each([
    ['an unknown stage', 'UNKNOWN_STAGE', (e: ReturnType<typeof engineWith>, id: string) => e.moveDeal(id, 'moon')],
    ['a wrong-typed field', 'INVALID_INPUT', (e: ReturnType<typeof engineWith>, id: string) => e.updateDeal(id, { fields: { score: 'high' } })],
    ['an option not in the list', 'INVALID_INPUT', (e: ReturnType<typeof engineWith>, id: string) => e.updateDeal(id, { fields: { invoiceStatus: 'maybe' } })],
    ['an undeclared field', 'INVALID_INPUT', (e: ReturnType<typeof engineWith>, id: string) => e.updateDeal(id, { fields: { colour: 'red' } })],
    ['a wrong-typed amount', 'INVALID_INPUT', (e: ReturnType<typeof engineWith>, id: string) => e.updateDeal(id, { amount: '12' as unknown as number })],
    ['a stale version', 'CONFLICT', (e: ReturnType<typeof engineWith>, id: string) => e.updateDeal(id, { title: 'x' }, { expectedVersion: 7 })],
    ['a missing deal', 'NOT_FOUND', (e: ReturnType<typeof engineWith>) => e.updateDeal('nope', { title: 'x' })],
    ['an unknown pipeline', 'INVALID_INPUT', (e: ReturnType<typeof engineWith>) => e.createDeal({ ...newDeal, pipelineId: 'nope' })],
    ['a duplicate deal id', 'CONFLICT', (e: ReturnType<typeof engineWith>, id: string) => e.createDeal({ ...newDeal, id })],
    ['an event for a missing deal', 'NOT_FOUND', (e: ReturnType<typeof engineWith>) => e.emit({ name: 'x', dealId: 'nope' })],
  ])('%s → %s', async (_what, code, act) => {
    const storage = new InMemoryStorage();
    const engine = engineWith(rules, { storage });
    const deal = await engine.createDeal(newDeal);
    const before = await snapshot(storage);
    const sent = engine.notifications.length;
    const error = await act(engine, deal.id).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DealflowError);
    expect((error as DealflowError).code).toBe(code);
    expect((error as DealflowError).message.length).toBeGreaterThan(20);
    expect(await snapshot(storage)).toBe(before);
    expect(engine.notifications).toHaveLength(sent);
  });

  it('refuses a clock that moves backwards, and changes nothing', async () => {
    let now = new Date('2026-03-02T09:00:00.000Z');
    const storage = new InMemoryStorage();
    const engine = createEngine({ pipelines: [salesPipeline], rules, storage, clock: { now: () => now } });
    const deal = await engine.createDeal(newDeal);
    const before = await snapshot(storage);
    now = new Date('2026-03-01T09:00:00.000Z');
    await expect(engine.updateDeal(deal.id, { title: 'x' })).rejects.toMatchObject({ code: 'CLOCK_BACKWARDS' });
    await expect(engine.runDue()).rejects.toMatchObject({ code: 'CLOCK_BACKWARDS' });
    expect(await snapshot(storage)).toBe(before);
  });

  it('the FakeClock itself refuses to go back', () => {
    const clock = new FakeClock('2026-03-02T09:00:00.000Z');
    expect(() => clock.set('2026-03-01T00:00:00.000Z')).toThrow(expect.objectContaining({ code: 'CLOCK_BACKWARDS' }));
    clock.advance({ days: 1, hours: 2 });
    expect(clock.now().toISOString()).toBe('2026-03-03T11:00:00.000Z');
  });

  it('never reads a __proto__ path at run time, even from a condition built in code', async () => {
    const { compileCondition } = await import('../../src/index.js');
    expect(() => compileCondition({ fact: 'deal', path: '$.__proto__', operator: 'equal', value: 1 })).toThrow(/__proto__/);
    expect(() => compileCondition({ fact: 'deal', path: "$['constructor']", operator: 'equal', value: 1 })).toThrow(/constructor/);
  });
});

describe('names actions refer to', () => {
  it('refuses moveStage to an unknown stage when the rules are parsed (regression: it passed, then every createDeal the rule fired on threw UNKNOWN_STAGE)', async () => {
    const rule = { id: 'archive', trigger: { type: 'deal.created' }, actions: [{ type: 'moveStage', params: { stage: 'archiv' } }] };
    for (const attempt of [() => parseRules([rule], { pipelines: [salesPipeline] }), () => createEngine({ pipelines: [salesPipeline], rules: [rule] })]) {
      expect(attempt).toThrow(
        expect.objectContaining({
          code: 'INVALID_RULES',
          issues: [
            {
              path: '$[0].actions[0].params.stage',
              message: 'unknown stage "archiv"',
              code: 'unknown-stage',
              hint: 'the stages are "unsorted", "new", "qualification", "proposal", "negotiation", "won", "lost"',
            },
          ],
        }),
      );
    }
    // An approval's outcome and createDeal's stage are names too.
    const approval = {
      id: 'ask',
      trigger: { type: 'deal.created' },
      actions: [{ type: 'requestApproval', params: { subject: 's', approvers: ['manager'], onApprove: { moveStage: 'negotation' } } }],
    };
    expect(() => parseRules([approval], { pipelines: [salesPipeline] })).toThrow(
      expect.objectContaining({
        issues: [expect.objectContaining({ path: '$[0].actions[0].params.onApprove.moveStage', hint: expect.stringMatching(/^did you mean "negotiation"\?/) })],
      }),
    );
  });
});

describe('reserved rule ids', () => {
  it('refuses a rule id with ":", which feature jobs use as their prefix', () => {
    try {
      parseRules([{ id: 'sla:proposal', trigger: { type: 'deal.created' }, actions: [{ type: 'setFlag', params: { flag: 'x' } }] }]);
      expect.unreachable();
    } catch (e) {
      expect((e as DealflowError).issues).toEqual([{ path: '$[0].id', message: expect.stringMatching(/may not contain ":"/), hint: expect.any(String) }]);
    }
  });
});
