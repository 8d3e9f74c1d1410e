import { describe, expect, it } from 'vitest';
import { isDealflowError } from '../../src/index.js';
import { engineWith, newDeal, notifyOwner } from '../helpers.js';

const templates = (e: { notifications: Array<{ template: string }> }) => e.notifications.map((m) => m.template);

describe('rule order', () => {
  it('runs rules by priority, then definition order', async () => {
    const engine = engineWith([
      { id: 'low', trigger: { type: 'deal.created' }, actions: [notifyOwner('low')] },
      { id: 'high', priority: 10, trigger: { type: 'deal.created' }, actions: [notifyOwner('high')] },
      { id: 'low-2', trigger: { type: 'deal.created' }, actions: [notifyOwner('low-2')] },
      { id: 'mid', priority: 5, trigger: { type: 'deal.created' }, actions: [notifyOwner('mid')] },
    ]);
    await engine.createDeal(newDeal);
    expect(templates(engine)).toEqual(['high', 'mid', 'low', 'low-2']);
  });

  it('lets a later rule see what an earlier rule changed in the same occurrence', async () => {
    const engine = engineWith([
      { id: 'score', priority: 1, trigger: { type: 'deal.created' }, actions: [{ type: 'setField', params: { field: 'fields.score', value: 90 } }] },
      {
        id: 'hot',
        trigger: { type: 'deal.created' },
        when: { fact: 'deal', path: '$.fields.score', operator: 'greaterThan', value: 50 },
        actions: [notifyOwner('hot')],
      },
    ]);
    await engine.createDeal(newDeal);
    expect(templates(engine)).toEqual(['hot']);
  });
});

describe('scheduled jobs are re-checked when due', () => {
  const stageRule = (extra: Record<string, unknown> = {}) => ({
    id: 'nudge',
    trigger: { type: 'stage.entered', stage: 'proposal' } as const,
    actions: [notifyOwner('nudge', { after: { days: 2 }, ...extra })],
  });

  it('cancels when the deal is deleted, and logs why', async () => {
    const engine = engineWith([{ id: 'r', trigger: { type: 'deal.created' }, actions: [notifyOwner('later', { after: { days: 1 } })] }]);
    const deal = await engine.createDeal(newDeal);
    await engine.deleteDeal(deal.id);
    await engine.advance({ days: 2 });
    expect(engine.notifications).toEqual([]);
    const cancelled = (await engine.history(deal.id)).find((e) => e.type === 'job.cancelled');
    expect(cancelled?.data.reason).toBe('deal-deleted');
  });

  it('cancels when the deal is closed', async () => {
    const engine = engineWith([{ id: 'r', trigger: { type: 'deal.created' }, actions: [notifyOwner('later', { after: { days: 1 } })] }]);
    const deal = await engine.createDeal(newDeal);
    await engine.moveDeal(deal.id, 'won');
    await engine.advance({ days: 2 });
    expect(engine.notifications).toEqual([]);
    expect((await engine.history(deal.id)).find((e) => e.type === 'job.cancelled')?.data.reason).toBe('deal-closed');
  });

  it('runs a job armed by entering a closed stage (a thank-you after winning)', async () => {
    const engine = engineWith([{ id: 'thanks', trigger: { type: 'stage.entered', stage: 'won' }, actions: [notifyOwner('thanks', { after: { days: 3 } })] }]);
    const deal = await engine.createDeal(newDeal);
    await engine.moveDeal(deal.id, 'won');
    await engine.advance({ days: 3 });
    expect(templates(engine)).toEqual(['thanks']);
  });

  it('cancels a stage-triggered job when the deal leaves the stage', async () => {
    const engine = engineWith([stageRule()]);
    const deal = await engine.createDeal({ ...newDeal, stageId: 'proposal' });
    await engine.advance({ days: 1 });
    await engine.moveDeal(deal.id, 'negotiation');
    await engine.advance({ days: 2 });
    expect(engine.notifications).toEqual([]);
    expect((await engine.history(deal.id)).find((e) => e.type === 'job.cancelled')?.data).toMatchObject({ reason: 'left-stage', actionId: '0' });
  });

  it('keeps a stage-triggered job that opts out of leave-cancellation', async () => {
    const engine = engineWith([stageRule({ cancelOnStageLeave: false })]);
    const deal = await engine.createDeal({ ...newDeal, stageId: 'proposal' });
    await engine.moveDeal(deal.id, 'negotiation');
    await engine.advance({ days: 2 });
    expect(templates(engine)).toEqual(['nudge']);
  });

  it('cancels when the rule criteria no longer hold, with the values it saw', async () => {
    const engine = engineWith([
      {
        id: 'small',
        trigger: { type: 'deal.created' },
        when: { fact: 'deal', path: '$.amount', operator: 'lessThan', value: 10000 },
        actions: [notifyOwner('later', { after: { days: 1 } })],
      },
    ]);
    const deal = await engine.createDeal(newDeal);
    await engine.updateDeal(deal.id, { amount: 50000 });
    await engine.advance({ days: 1 });
    expect(engine.notifications).toEqual([]);
    const cancelled = (await engine.history(deal.id)).find((e) => e.type === 'job.cancelled');
    expect(cancelled?.data).toMatchObject({ reason: 'criteria-no-longer-hold', criteria: [{ factValue: 50000, result: false }] });
  });

  it('does not re-check criteria for an action with recheck: false', async () => {
    const engine = engineWith([
      {
        id: 'small',
        trigger: { type: 'deal.created' },
        when: { fact: 'deal', path: '$.amount', operator: 'lessThan', value: 10000 },
        actions: [notifyOwner('later', { after: { days: 1 }, recheck: false })],
      },
    ]);
    const deal = await engine.createDeal(newDeal);
    await engine.updateDeal(deal.id, { amount: 50000 });
    await engine.advance({ days: 1 });
    expect(templates(engine)).toEqual(['later']);
  });

  it('cancels when the rule until-condition holds', async () => {
    const engine = engineWith([
      {
        id: 'chase',
        trigger: { type: 'deal.created' },
        until: { fact: 'deal', path: '$.fields.proposalSentAt', operator: 'notEqual', value: null },
        actions: [notifyOwner('chase', { after: { days: 1 } }), notifyOwner('chase', { after: { days: 3 } })],
      },
    ]);
    const deal = await engine.createDeal(newDeal);
    await engine.advance({ days: 2 });
    await engine.updateDeal(deal.id, { fields: { proposalSentAt: '2026-03-04' } });
    await engine.advance({ days: 2 });
    expect(templates(engine)).toEqual(['chase']);
    expect((await engine.history(deal.id)).filter((e) => e.type === 'job.cancelled').map((e) => e.data.reason)).toEqual(['until-met']);
  });

  it('gives one reason, the first that applies when due: disabled before criteria, criteria before until (docs/rules.md)', async () => {
    const rule = (enabled: boolean) => ({
      id: 'chase',
      enabled,
      trigger: { type: 'deal.created' } as const,
      when: { fact: 'deal', path: '$.amount', operator: 'lessThan', value: 1_000 },
      until: { fact: 'deal', path: '$.fields.proposalSentAt', operator: 'notEqual', value: null },
      actions: [notifyOwner('chase', { after: { days: 1 } })],
    });
    const reasons = async (disable: boolean) => {
      const engine = engineWith([rule(true)]);
      const deal = await engine.createDeal({ ...newDeal, amount: 500 });
      // Both the criteria and until now say no; disabling the rule is a third reason.
      await engine.updateDeal(deal.id, { amount: 5_000, fields: { proposalSentAt: '2026-03-03' } });
      if (disable) await engine.setRules([{ ...rule(false), onChange: 'recheck' }]);
      await engine.advance({ days: 2 });
      return (await engine.history(deal.id)).filter((e) => e.type === 'job.cancelled').map((e) => e.data.reason);
    };
    expect(await reasons(false)).toEqual(['criteria-no-longer-hold']);
    expect(await reasons(true)).toEqual(['rule-disabled']);
  });

  it('runs at once a job whose due time passed before the deal reached it', async () => {
    const engine = engineWith(
      [
        {
          id: 'before-close',
          trigger: { type: 'stage.entered', stage: 'negotiation' },
          actions: [notifyOwner('close-soon', { at: { field: 'fields.closeDate', offset: { days: -2 } } })],
        },
      ],
      {
        pipelines: [
          {
            id: 'sales',
            name: 'S',
            stages: [
              { id: 'new', name: 'New' },
              { id: 'negotiation', name: 'N' },
            ],
          },
        ],
      },
    );
    const deal = await engine.createDeal({ ...newDeal, fields: { closeDate: '2026-03-03' } });
    await engine.moveDeal(deal.id, 'negotiation');
    expect(templates(engine)).toEqual(['close-soon']);
    expect((await engine.history(deal.id)).some((e) => e.type === 'job.overdue')).toBe(true);
  });

  it('fires due jobs one by one in time order, each seeing the effects of the earlier ones', async () => {
    const engine = engineWith([
      {
        id: 'escalate',
        trigger: { type: 'deal.created' },
        actions: [
          { type: 'moveStage', after: { days: 1 }, params: { stage: 'qualification' } },
          { type: 'setField', after: { days: 2 }, params: { field: 'fields.note', value: 'second' } },
        ],
      },
      { id: 'on-qualification', trigger: { type: 'stage.entered', stage: 'qualification' }, actions: [notifyOwner('qualified', { after: { hours: 12 } })] },
      {
        id: 'after-note',
        trigger: { type: 'field.changed', field: 'fields.note' },
        when: { fact: 'deal', path: '$.stageId', operator: 'equal', value: 'qualification' },
        actions: [notifyOwner('noted')],
      },
    ]);
    await engine.createDeal(newDeal);
    await engine.advance({ days: 3 });
    expect(templates(engine)).toEqual(['qualified', 'noted']);
  });
});

describe('re-enrolment', () => {
  const rule = (reenroll?: 'replace' | 'parallel' | 'ignore') => ({
    id: 'nudge',
    trigger: { type: 'stage.entered', stage: 'proposal' } as const,
    ...(reenroll ? { reenroll } : {}),
    actions: [notifyOwner('nudge', { after: { days: 3 }, cancelOnStageLeave: false })],
  });

  async function bounce(engine: ReturnType<typeof engineWith>) {
    const deal = await engine.createDeal({ ...newDeal, stageId: 'proposal' });
    await engine.advance({ days: 1 });
    await engine.moveDeal(deal.id, 'negotiation');
    await engine.moveDeal(deal.id, 'proposal');
    return deal;
  }

  it('replace (default): re-entering the stage re-arms the rule and cancels the earlier jobs', async () => {
    const engine = engineWith([rule()]);
    const deal = await bounce(engine);
    const jobs = await engine.pendingJobs(deal.id);
    expect(jobs.map((j) => j.dueAt)).toEqual(['2026-03-06T09:00:00.000Z']);
    await engine.advance({ days: 5 });
    expect(templates(engine)).toEqual(['nudge']);
    expect((await engine.history(deal.id)).find((e) => e.type === 'job.cancelled')?.data.reason).toBe('replaced-by-reenrolment');
  });

  it('parallel: both enrolments keep their jobs', async () => {
    const engine = engineWith([rule('parallel')]);
    const deal = await bounce(engine);
    expect((await engine.pendingJobs(deal.id)).map((j) => j.dueAt)).toEqual(['2026-03-05T09:00:00.000Z', '2026-03-06T09:00:00.000Z']);
  });

  it('ignore: a deal already enrolled is not enrolled again', async () => {
    const engine = engineWith([rule('ignore')]);
    const deal = await bounce(engine);
    expect((await engine.pendingJobs(deal.id)).map((j) => j.dueAt)).toEqual(['2026-03-05T09:00:00.000Z']);
  });

  it('once: a rule fires at most once per deal', async () => {
    const engine = engineWith([{ id: 'welcome', once: true, trigger: { type: 'stage.entered', stage: 'proposal' }, actions: [notifyOwner('welcome')] }]);
    const deal = await engine.createDeal({ ...newDeal, stageId: 'proposal' });
    await engine.moveDeal(deal.id, 'negotiation');
    await engine.moveDeal(deal.id, 'proposal');
    expect(templates(engine)).toEqual(['welcome']);
  });

  it('once: an enrolment stored in the older shape (count, firstAt, lastAt) still keeps the rule from firing', async () => {
    // Enrolment lost those three fields (dead state) without a migration: stores keep such enrolments.
    const engine = engineWith([{ id: 'welcome', once: true, trigger: { type: 'stage.entered', stage: 'proposal' }, actions: [notifyOwner('welcome')] }]);
    const deal = await engine.createDeal(newDeal);
    const old = { ruleId: 'welcome', id: 'enrolment-old', count: 1, firstAt: '2026-01-01T00:00:00.000Z', lastAt: '2026-01-01T00:00:00.000Z' };
    await engine.storage.transaction((tx) => tx.putEnrolments(deal.id, { welcome: old }));
    await engine.moveDeal(deal.id, 'proposal');
    expect(templates(engine)).toEqual([]);
    expect((await engine.history(deal.id)).filter((e) => e.type === 'rule.skipped').map((e) => e.data.reason)).toEqual(['once']);
  });

  it('a rule added later does not fire for deals already in its stage', async () => {
    const engine = engineWith([]);
    const deal = await engine.createDeal({ ...newDeal, stageId: 'proposal' });
    engine.setRules([{ id: 'nudge', trigger: { type: 'stage.entered', stage: 'proposal' }, actions: [notifyOwner('nudge')] }]);
    await engine.advance({ days: 3 });
    await engine.updateDeal(deal.id, { title: 'touched' });
    expect(engine.notifications).toEqual([]);
    await engine.moveDeal(deal.id, 'negotiation');
    await engine.moveDeal(deal.id, 'proposal');
    expect(templates(engine)).toEqual(['nudge']);
  });

  it('keeps an enrolment for once rules only (what once reads), and keeps enrolments a store already holds', async () => {
    const engine = engineWith([
      { id: 'welcome', once: true, trigger: { type: 'stage.entered', stage: 'proposal' }, actions: [notifyOwner('welcome')] },
      { id: 'touch', trigger: { type: 'field.changed', field: 'title' }, actions: [notifyOwner('touch')] },
    ]);
    const deal = await engine.createDeal({ ...newDeal, stageId: 'negotiation' });
    await engine.updateDeal(deal.id, { title: 'one' });
    const enrolments = () => engine.storage.transaction((tx) => tx.getEnrolments(deal.id));
    expect(await enrolments()).toEqual({});
    // An enrolment an older version wrote for a rule that is not once, in the shape it stored then
    // (with count, firstAt and lastAt, dead state since removed): loaded and left as it is.
    const old = { ruleId: 'retired', id: 'enrolment-old', count: 3, firstAt: '2026-01-01T00:00:00.000Z', lastAt: '2026-02-01T00:00:00.000Z' };
    await engine.storage.transaction((tx) => tx.putEnrolments(deal.id, { retired: old }));

    await engine.moveDeal(deal.id, 'proposal');
    await engine.updateDeal(deal.id, { title: 'two' });
    const after = await enrolments();
    expect(Object.keys(after).sort()).toEqual(['retired', 'welcome']);
    expect(after.retired).toEqual(old);
    const fired = (await engine.history(deal.id)).find((e) => e.type === 'rule.fired' && e.ruleId === 'welcome');
    expect(after.welcome).toEqual({ ruleId: 'welcome', id: fired?.data.enrolmentId });

    await engine.moveDeal(deal.id, 'negotiation');
    await engine.moveDeal(deal.id, 'proposal');
    expect(templates(engine)).toEqual(['touch', 'welcome', 'touch']);
  });
});

describe('cascades', () => {
  it('runs breadth-first within one command: all effects of one level before the next', async () => {
    const engine = engineWith([
      {
        id: 'a',
        trigger: { type: 'deal.created' },
        actions: [
          { type: 'setField', params: { field: 'fields.note', value: 'x' } },
          { type: 'moveStage', params: { stage: 'qualification' } },
        ],
      },
      { id: 'on-note', trigger: { type: 'field.changed', field: 'fields.note' }, actions: [notifyOwner('note-changed')] },
      {
        id: 'on-qual',
        trigger: { type: 'stage.entered', stage: 'qualification' },
        actions: [notifyOwner('qualified'), { type: 'setField', params: { field: 'fields.score', value: 1 } }],
      },
      { id: 'on-score', trigger: { type: 'field.changed', field: 'fields.score' }, actions: [notifyOwner('scored')] },
      { id: 'also-created', trigger: { type: 'deal.created' }, actions: [notifyOwner('created')] },
    ]);
    const deal = await engine.createDeal(newDeal);
    expect(templates(engine)).toEqual(['created', 'note-changed', 'qualified', 'scored']);
    expect(deal.stageId).toBe('qualification');
    expect(deal.version).toBe(1);
  });

  it('rolls the whole command back past the depth limit and names the rules in the loop', async () => {
    const engine = engineWith([
      { id: 'ping', trigger: { type: 'stage.entered', stage: 'proposal' }, actions: [{ type: 'moveStage', params: { stage: 'negotiation' } }] },
      { id: 'pong', trigger: { type: 'stage.entered', stage: 'negotiation' }, actions: [{ type: 'moveStage', params: { stage: 'proposal' } }] },
    ]);
    const deal = await engine.createDeal(newDeal);
    const historyBefore = await engine.history(deal.id);
    const error = await engine.moveDeal(deal.id, 'proposal').catch((e: unknown) => e);
    expect(isDealflowError(error, 'CASCADE_LIMIT')).toBe(true);
    expect((error as { details: { rules: string[] } }).details.rules.sort()).toEqual(['ping', 'pong']);
    expect((error as Error).message).toMatch(/ping/);
    expect(await engine.getDeal(deal.id)).toEqual(deal);
    expect(await engine.history(deal.id)).toEqual(historyBefore);
    expect(engine.notifications).toEqual([]);
  });

  it('honours a custom depth limit', async () => {
    const chain = Array.from({ length: 4 }, (_, i) => ({
      id: `step-${i}`,
      trigger: { type: 'field.changed' as const, field: i === 0 ? 'title' : `fields.s${i - 1}` },
      actions: [{ type: 'setField', params: { field: `fields.s${i}`, value: i } }],
    }));
    const pipelines = [{ id: 'sales', name: 'S', stages: [{ id: 'new', name: 'New' }] }];
    const shallow = engineWith(chain, { maxCascadeDepth: 2, pipelines });
    const d1 = await shallow.createDeal(newDeal);
    await expect(shallow.updateDeal(d1.id, { title: 'go' })).rejects.toMatchObject({ code: 'CASCADE_LIMIT' });
    const deep = engineWith(chain, { maxCascadeDepth: 3, pipelines });
    const d2 = await deep.createDeal(newDeal);
    expect((await deep.updateDeal(d2.id, { title: 'go' })).fields).toEqual({ s0: 0, s1: 1, s2: 2, s3: 3 });
  });
});

describe('triggers', () => {
  it('field.changed with from/to filters', async () => {
    const engine = engineWith([
      { id: 'paid', trigger: { type: 'field.changed', field: 'fields.invoiceStatus', to: 'paid' }, actions: [{ type: 'moveStage', params: { stage: 'won' } }] },
    ]);
    const deal = await engine.createDeal(newDeal);
    await engine.updateDeal(deal.id, { fields: { invoiceStatus: 'sent' } });
    expect((await engine.getDeal(deal.id))?.stageId).toBe('new');
    const won = await engine.updateDeal(deal.id, { fields: { invoiceStatus: 'paid' } });
    expect(won.stageId).toBe('won');
    expect(won.closedAt).toBe('2026-03-02T09:00:00.000Z');
  });

  it('external events reach the deal they name, with their payload as a fact', async () => {
    const engine = engineWith([
      {
        id: 'invoice-paid',
        trigger: { type: 'event', name: 'invoice.paid' },
        when: { fact: 'event', path: '$.amount', operator: 'greaterThanInclusive', value: { fact: 'deal', path: '$.amount' } },
        actions: [{ type: 'moveStage', params: { stage: 'won' } }],
      },
    ]);
    const deal = await engine.createDeal(newDeal);
    await engine.emit({ name: 'invoice.paid', dealId: deal.id, payload: { amount: 500 } });
    expect((await engine.getDeal(deal.id))?.stageId).toBe('new');
    await engine.emit({ name: 'invoice.paid', dealId: deal.id, payload: { amount: 1000 } });
    expect((await engine.getDeal(deal.id))?.stageId).toBe('won');
  });

  it('manual rules run only when launched', async () => {
    const engine = engineWith([{ id: 'playbook', trigger: { type: 'manual' }, actions: [notifyOwner('kickoff')] }]);
    const deal = await engine.createDeal(newDeal);
    expect(engine.notifications).toEqual([]);
    await engine.launch('playbook', deal.id);
    expect(templates(engine)).toEqual(['kickoff']);
    await expect(engine.launch('missing', deal.id)).rejects.toMatchObject({ code: 'UNKNOWN_RULE' });
  });

  it('stage.left fires with the previous deal as a fact', async () => {
    const engine = engineWith([
      {
        id: 'left-proposal',
        trigger: { type: 'stage.left', stage: 'proposal' },
        when: { fact: 'previous', path: '$.stageId', operator: 'equal', value: 'proposal' },
        actions: [notifyOwner('left')],
      },
    ]);
    const deal = await engine.createDeal({ ...newDeal, stageId: 'proposal' });
    await engine.moveDeal(deal.id, 'negotiation');
    expect(templates(engine)).toEqual(['left']);
  });

  it('host facts are available to criteria', async () => {
    const engine = engineWith(
      [
        {
          id: 'vip',
          trigger: { type: 'deal.created' },
          when: { fact: 'account', path: '$.tier', operator: 'equal', value: 'gold' },
          actions: [notifyOwner('vip')],
        },
      ],
      { facts: { account: ({ deal }) => ({ tier: deal?.title === 'Gold Corp' ? 'gold' : 'basic' }) } },
    );
    await engine.createDeal(newDeal);
    await engine.createDeal({ ...newDeal, title: 'Gold Corp' });
    expect(templates(engine)).toEqual(['vip']);
  });
});
