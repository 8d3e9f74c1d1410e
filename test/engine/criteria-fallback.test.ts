import { describe, expect, it } from 'vitest';
import { Operator, OperatorDecorator, asyncFact, isDealflowError, type FactInput, type RuleInput } from '../../src/index.js';
import { engineWith, newDeal, notifyOwner } from '../helpers.js';

const startsWith = new Operator<string, string>(
  'startsWith',
  (a, b) => a.startsWith(b),
  (a) => typeof a === 'string',
);
const templates = (e: { notifications: Array<{ template: string }> }) => e.notifications.map((m) => m.template);

const vipRule: RuleInput = {
  id: 'vip',
  trigger: { type: 'deal.created' },
  when: { fact: 'deal', path: '$.title', operator: 'startsWith', value: 'VIP' },
  actions: [notifyOwner('vip')],
};

describe('criteria the compiler leaves to json-rules-engine', () => {
  it('evaluates a custom operator with json-rules-engine, and says so in the history', async () => {
    const engine = engineWith([vipRule], { operators: [startsWith] });
    const vip = await engine.createDeal({ ...newDeal, title: 'VIP bakery' });
    const plain = await engine.createDeal({ ...newDeal, title: 'Bakery' });
    expect(templates(engine)).toEqual(['vip']);

    const fired = (await engine.history(vip.id)).find((e) => e.type === 'rule.fired')!;
    expect(fired.data).toMatchObject({
      evaluator: 'json-rules-engine',
      fallbackReason: 'custom operator "startsWith"',
      criteria: [{ fact: 'deal', path: '$.title', operator: 'startsWith', value: 'VIP', factValue: 'VIP bakery', result: true }],
    });
    const skipped = (await engine.history(plain.id)).find((e) => e.type === 'rule.skipped')!;
    expect(skipped.data).toMatchObject({ reason: 'criteria', evaluator: 'json-rules-engine' });
    const { rules } = await engine.explain(vip.id, 'vip');
    expect(rules[0]!.matches[0]).toMatchObject({ outcome: 'fired', evaluator: 'json-rules-engine', fallbackReason: 'custom operator "startsWith"' });
    expect(engine.explainCriteria()).toEqual({
      compiledRules: 0,
      fallbackRules: 1,
      fallback: [{ ruleId: 'vip', part: 'when', reason: 'custom operator "startsWith"' }],
      fallbackEvaluations: 2,
    });
  });

  it('resolves built-in decorators around a custom operator, and custom decorators, as json-rules-engine does', async () => {
    const twice = new OperatorDecorator('twice', (a, b, next) => next(a, b) && next(a, b));
    const engine = engineWith(
      [
        { ...vipRule, id: 'not-vip', when: { fact: 'deal', path: '$.title', operator: 'not:startsWith', value: 'VIP' }, actions: [notifyOwner('not-vip')] },
        {
          ...vipRule,
          id: 'twice-vip',
          when: { fact: 'deal', path: '$.title', operator: 'twice:startsWith', value: 'VIP' },
          actions: [notifyOwner('twice-vip')],
        },
      ],
      { operators: [startsWith], operatorDecorators: [twice] },
    );
    await engine.createDeal({ ...newDeal, title: 'VIP bakery' });
    await engine.createDeal({ ...newDeal, title: 'Bakery' });
    expect(templates(engine)).toEqual(['twice-vip', 'not-vip']);
  });

  it('evaluates rules reading an async host fact after awaiting it, and leaves other rules compiled', async () => {
    const lookups: string[] = [];
    const creditScore = async (input: FactInput) => {
      lookups.push(input.deal!.id);
      await new Promise((r) => setImmediate(r)); // real I/O would be here
      return input.deal!.amount > 5000 ? 780 : 540;
    };
    const engine = engineWith(
      [
        {
          id: 'good-credit',
          trigger: { type: 'deal.created' },
          when: { fact: 'creditScore', operator: 'greaterThan', value: 700 },
          actions: [notifyOwner('good-credit')],
        },
        {
          id: 'small',
          trigger: { type: 'deal.created' },
          when: { fact: 'deal', path: '$.amount', operator: 'lessThan', value: 5000 },
          actions: [notifyOwner('small')],
        },
      ],
      { facts: { creditScore } },
    );
    await engine.createDeal({ ...newDeal, amount: 9000 });
    await engine.createDeal({ ...newDeal, amount: 1000 });
    expect(templates(engine)).toEqual(['good-credit', 'small']);
    expect(lookups).toEqual(['deal-1', 'deal-2']);
    expect(engine.explainCriteria()).toMatchObject({ compiledRules: 1, fallbackRules: 1, fallbackEvaluations: 2 });
  });

  it('answers fallback questions deep in a cascade with the deal as it is at that point, drawing ids as one pass would', async () => {
    const rules: RuleInput[] = [
      {
        id: 'score',
        trigger: { type: 'deal.created' },
        when: { fact: 'deal', path: '$.title', operator: 'startsWith', value: 'VIP' },
        actions: [{ type: 'setField', params: { field: 'fields.score', value: 90 } }],
      },
      {
        id: 'hot',
        trigger: { type: 'field.changed', field: 'fields.score' },
        when: { fact: 'deal', path: '$.fields.score', operator: 'greaterThan', value: 50 },
        actions: [{ type: 'setField', params: { field: 'fields.note', value: 'VIP hot' } }],
      },
      {
        id: 'noted',
        trigger: { type: 'field.changed', field: 'fields.note' },
        when: { fact: 'deal', path: '$.fields.note', operator: 'startsWith', value: 'VIP' },
        actions: [notifyOwner('noted'), notifyOwner('noted.later', { after: { days: 1 } })],
      },
    ];
    const withFallback = engineWith(rules, { operators: [startsWith] });
    const deal = await withFallback.createDeal({ ...newDeal, title: 'VIP bakery' });
    expect(templates(withFallback)).toEqual(['noted']);
    expect(withFallback.explainCriteria().fallbackEvaluations).toBe(2);

    // The same cascade with compiled criteria only gives the same history, ids included.
    const compiledWhen = (path: string) => ({ fact: 'deal', path, operator: 'notEqual', value: null });
    const compiled = engineWith([{ ...rules[0]!, when: compiledWhen('$.title') }, rules[1]!, { ...rules[2]!, when: compiledWhen('$.fields.note') }]);
    await compiled.createDeal({ ...newDeal, title: 'VIP bakery' });
    const strip = (entries: Array<{ id: string; type: string; data: Record<string, unknown> }>) =>
      entries.map(({ id, type, data }) => ({ id, type, data: { ...data, criteria: undefined, evaluator: undefined, fallbackReason: undefined } }));
    expect(strip(await withFallback.history(deal.id))).toEqual(strip(await compiled.history(deal.id)));
    expect(await withFallback.pendingJobs(deal.id)).toEqual(await compiled.pendingJobs(deal.id));
  });

  it('re-checks a fallback until condition when a scheduled job comes due', async () => {
    let paid = false;
    const engine = engineWith(
      [
        {
          id: 'chase',
          trigger: { type: 'deal.created' },
          until: { fact: 'invoicePaid', operator: 'equal', value: true },
          actions: [notifyOwner('chase', { after: { days: 2 } })],
        },
      ],
      { facts: { invoicePaid: asyncFact(async () => paid) } },
    );
    const first = await engine.createDeal(newDeal);
    await engine.advance({ days: 1 });
    paid = true;
    await engine.advance({ days: 2 });
    expect(templates(engine)).toEqual([]);
    const cancelled = (await engine.history(first.id)).find((e) => e.type === 'job.cancelled')!;
    expect(cancelled.data).toMatchObject({ reason: 'until-met', criteria: [{ fact: 'invoicePaid', result: true }] });
  });

  it('does not fire a rule whose fallback evaluation json-rules-engine rejects, and logs why', async () => {
    const throwing = new Operator('explodes', () => {
      throw new Error('boom');
    });
    const engine = engineWith([{ ...vipRule, when: { fact: 'deal', operator: 'explodes', value: 1 } }], { operators: [throwing] });
    const deal = await engine.createDeal(newDeal);
    expect(templates(engine)).toEqual([]);
    const skipped = (await engine.history(deal.id)).find((e) => e.type === 'rule.skipped')!;
    expect(skipped.data).toMatchObject({ reason: 'criteria-error', criteria: [{ error: 'json-rules-engine: boom' }] });
  });

  it('still refuses an operator nobody registered', () => {
    try {
      engineWith([vipRule]);
      expect.unreachable();
    } catch (e) {
      expect(isDealflowError(e) && e.code).toBe('INVALID_RULES');
      expect((e as Error).message).toMatch(/unknown operator "startsWith"[\s\S]*createEngine\(\{ operators \}\)/);
    }
  });

  it('refuses a synchronous host fact that returns a promise, naming the fix', async () => {
    const engine = engineWith(
      [{ id: 'r', trigger: { type: 'deal.created' }, when: { fact: 'score', operator: 'equal', value: 1 }, actions: [notifyOwner('r')] }],
      { facts: { score: () => Promise.resolve(1) } },
    );
    await expect(engine.createDeal(newDeal)).rejects.toThrow(/host fact "score" returned a promise.*asyncFact/);
    expect(await engine.listDeals()).toEqual([]);
  });
});
