import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineAction, isDealflowError, type ExecuteContext, type RuleInput } from '../../src/index.js';
import { engineWith, newDeal } from '../helpers.js';

/** An integrator's action: text the deal owner. Its `execute` talks to an SMS gateway (here, an array). */
function smsAction(gateway: {
  fail: number;
  permanent?: boolean;
  probe?: (ctx: ExecuteContext) => Promise<void>;
  calls: Array<{ ctx: ExecuteContext; params: { phone: string; text: string } }>;
}) {
  return defineAction({
    type: 'sendSms',
    params: z.object({ phone: z.string().regex(/^\+\d{6,15}$/, 'a phone number in E.164 form, like +4930123456'), text: z.string().min(1) }).strict(),
    async execute(ctx, params) {
      gateway.calls.push({ ctx, params });
      await gateway.probe?.(ctx);
      if (gateway.fail > 0) {
        gateway.fail--;
        throw Object.assign(new Error(gateway.permanent ? 'number unknown' : 'gateway timeout'), { status: gateway.permanent ? 404 : 503 });
      }
    },
    isPermanentError: (e) => (e as { status?: number }).status === 404,
  });
}

const smsRule = (params: Record<string, unknown>, timing: Record<string, unknown> = {}): RuleInput => ({
  id: 'sms-on-create',
  trigger: { type: 'deal.created' },
  actions: [{ id: 'sms', type: 'sendSms', params, ...timing }],
});

type Gateway = { fail: number; probe?: (ctx: ExecuteContext) => Promise<void>; calls: Array<{ ctx: ExecuteContext; params: { phone: string; text: string } }> };

function setup(rules: RuleInput[], gateway: Gateway = { fail: 0, calls: [] }, permanent = false) {
  const g = Object.assign(gateway, { permanent });
  const engine = engineWith(rules, { actions: [smsAction(g)], retry: { jitter: 0, baseDelayMs: 60_000, maxAttempts: 4 } });
  return { engine, gateway: g };
}

describe('custom actions (defineAction)', () => {
  it('have their params validated when the rules are parsed, each problem at its JSON path', () => {
    let error: unknown;
    try {
      setup([smsRule({ phone: '030 123', txt: 'hi' })]);
    } catch (e) {
      error = e;
    }
    expect(isDealflowError(error, 'INVALID_RULES')).toBe(true);
    expect((error as { issues: unknown[] }).issues).toEqual([
      { path: '$[0].actions[0].params.phone', message: 'a phone number in E.164 form, like +4930123456' },
      // `txt` for `text` is one mistake: the unknown key, with the key it was meant to be (not also "text is required").
      { path: '$[0].actions[0].params.txt', message: expect.stringMatching(/txt/), hint: 'did you mean "text"?' },
    ]);
  });

  it('run after the command commits, with the deal, the event, the clock’s time and an idempotency key', async () => {
    const rules: RuleInput[] = [
      {
        id: 'sms-on-call',
        trigger: { type: 'event', name: 'call.missed' },
        actions: [{ id: 'sms', type: 'sendSms', params: { phone: '+4930123456', text: 'We missed your call' } }],
      },
    ];
    let seenInStorage: unknown;
    const { engine, gateway } = setup(rules, {
      fail: 0,
      calls: [],
      // The command has committed by the time execute runs: its log is in storage.
      probe: async (ctx) => {
        seenInStorage = (await engine.history(ctx.deal!.id)).map((e) => e.type);
      },
    });
    const deal = await engine.createDeal(newDeal);
    await engine.emit({ name: 'call.missed', dealId: deal.id, payload: { from: '+4930123456' } });
    expect(gateway.calls).toHaveLength(1);
    const { ctx, params } = gateway.calls[0]!;
    expect(params).toEqual({ phone: '+4930123456', text: 'We missed your call' });
    expect(ctx).toMatchObject({ event: { from: '+4930123456' }, ruleId: 'sms-on-call', attempt: 1, now: new Date('2026-03-02T09:00:00.000Z') });
    expect(ctx.deal).toMatchObject({ id: deal.id, ownerId: 'anna' });
    expect(ctx.idempotencyKey).toMatch(/^enrolment-\d+:sms$/);
    expect(seenInStorage).toEqual(expect.arrayContaining(['event.received', 'rule.fired', 'outbox.queued']));
  });

  it('are not executed when the command is rolled back', async () => {
    const rules: RuleInput[] = [
      smsRule({ phone: '+4930123456', text: 'hello' }),
      { id: 'bad-move', trigger: { type: 'deal.created' }, actions: [{ type: 'moveStage', params: { stage: 'proposal' } }] },
      {
        id: 'bad-field',
        trigger: { type: 'stage.entered', stage: 'proposal' },
        actions: [{ type: 'setField', params: { field: 'fields.score', value: 'high' } }],
      },
    ];
    const { engine, gateway } = setup(rules);
    await expect(engine.createDeal(newDeal)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await engine.advance({ hours: 1 });
    expect(gateway.calls).toEqual([]);
    expect(await engine.outbox()).toEqual([]);
  });

  it('are retried with backoff on the fake clock, under the same idempotency key, until they succeed', async () => {
    const { engine, gateway } = setup([smsRule({ phone: '+4930123456', text: 'hello' })], { fail: 2, calls: [] });
    const deal = await engine.createDeal(newDeal);
    expect(gateway.calls).toHaveLength(1);
    await engine.advance({ minutes: 10 });
    expect(gateway.calls.map((c) => [c.ctx.attempt, c.ctx.now.toISOString()])).toEqual([
      [1, '2026-03-02T09:00:00.000Z'],
      [2, '2026-03-02T09:01:00.000Z'],
      [3, '2026-03-02T09:03:00.000Z'],
    ]);
    expect(new Set(gateway.calls.map((c) => c.ctx.idempotencyKey)).size).toBe(1);
    const delivery = (await engine.history(deal.id))
      .filter((e) => e.type === 'outbox.failed' || e.type === 'outbox.delivered')
      .map((e) => [e.type, e.data.attempt, e.data.error ?? null]);
    expect(delivery).toEqual([
      ['outbox.failed', 1, 'gateway timeout'],
      ['outbox.failed', 2, 'gateway timeout'],
      ['outbox.delivered', 3, null],
    ]);
  });

  it('go to the dead letters at once on a permanent error, and after the last attempt otherwise', async () => {
    const permanent = setup([smsRule({ phone: '+4930123456', text: 'hello' })], { fail: 9, calls: [] }, true);
    await permanent.engine.createDeal(newDeal);
    await permanent.engine.advance({ hours: 1 });
    expect(permanent.gateway.calls).toHaveLength(1);
    expect((await permanent.engine.deadLetters()).map((m) => m.lastError)).toEqual(['number unknown']);

    const flaky = setup([smsRule({ phone: '+4930123456', text: 'hello' })], { fail: 9, calls: [] });
    await flaky.engine.createDeal(newDeal);
    await flaky.engine.advance({ hours: 1 });
    expect(flaky.gateway.calls).toHaveLength(4);
    expect((await flaky.engine.deadLetters()).map((m) => [m.attempts, m.lastError])).toEqual([[4, 'gateway timeout']]);
  });

  it('can be scheduled like any action, and then see the deal as it was when the job ran', async () => {
    const { engine, gateway } = setup([smsRule({ phone: '+4930123456', text: 'Still interested?' }, { after: { days: 2 } })]);
    const deal = await engine.createDeal(newDeal);
    await engine.updateDeal(deal.id, { amount: 2500 });
    await engine.advance({ days: 3 });
    expect(gateway.calls.map((c) => [c.ctx.now.toISOString(), c.ctx.deal?.amount])).toEqual([['2026-03-04T09:00:00.000Z', 2500]]);
  });

  it('may take their context apart: an apply written as ({ deal, setField, notify, log }) => … works like ctx.setField(…)', async () => {
    const escalate = defineAction({
      type: 'escalateIfBig',
      params: z.object({ over: z.number() }).strict(),
      apply({ deal, setField, notify, log }, { over }) {
        if (!deal || deal.amount <= over) return;
        setField('flags.big', true);
        notify({ to: 'manager', template: 'big-deal' });
        log('escalated', { over });
      },
    });
    const engine = engineWith([{ id: 'big', trigger: { type: 'deal.created' }, actions: [{ type: 'escalateIfBig', params: { over: 1_000 } }] }], {
      actions: [escalate],
    });
    const deal = await engine.createDeal({ ...newDeal, amount: 5_000 });
    expect(deal.flags.big).toBe(true);
    expect(engine.notifications.map((n) => [n.template, n.recipient.id])).toEqual([['big-deal', 'maria']]);
    expect((await engine.history(deal.id)).filter((e) => e.type === 'escalated').map((e) => e.data)).toEqual([{ over: 1_000 }]);
  });
});
