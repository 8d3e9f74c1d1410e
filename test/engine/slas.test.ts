import { describe, expect, it } from 'vitest';
import { InMemoryDirectory, defineSla, type SlaInput, type SlaInstance, type StoredRecord } from '../../src/index.js';
import { engineWith, newDeal, salesPipeline } from '../helpers.js';

const sent = { fact: 'deal', path: '$.fields.proposalSentAt', operator: 'notEqual', value: null };
const small = { fact: 'deal', path: '$.amount', operator: 'lessThan', value: 10000 };
/** anna and her manager maria in one team, so the default AccessPolicy lets maria act on anna's deals. */
const teams = () =>
  new InMemoryDirectory([
    { id: 'anna', managerId: 'maria', roles: ['seller'], teamId: 'north' },
    { id: 'maria', roles: ['manager'], teamId: 'north' },
  ]);
const tell = (to: unknown, template: string, text?: string) => ({ type: 'notify', params: { to, template, ...(text ? { text } : {}) } });

/** The seed's 5-day proposal rule as one SLA. */
const proposalSla: SlaInput = {
  id: 'proposal-5-days',
  start: { trigger: { type: 'deal.created' }, when: small },
  stop: { when: sent },
  within: { days: 5 },
  reminders: [
    { id: 'day-1', after: { days: 1 }, actions: [tell('owner', 'reminder.day-1')] },
    { id: 'day-before', before: { days: 1 }, actions: [tell('owner', 'reminder.day-before', 'due {{sla.dueAt}}')] },
  ],
  escalations: [
    { id: 'manager', actions: [tell('manager', 'missed'), { type: 'recordViolation', params: { name: 'proposal-5-days' } }] },
    { id: 'again', after: { days: 2 }, actions: [tell('manager', 'still-missing')] },
  ],
};

function setup(slas: SlaInput[] = [proposalSla], rules: unknown[] = [], extra = {}) {
  return engineWith(rules as never, { slas, ...extra });
}

const instances = async (engine: ReturnType<typeof setup>, dealId?: string) =>
  (await engine.records('sla', dealId ? { dealId } : {})).map((r: StoredRecord) => ({ id: r.id, ...(r.data as unknown as SlaInstance) }));
const sentTemplates = (engine: ReturnType<typeof setup>) => engine.notifications.map((m) => `${m.recipient.id}:${m.template}`);

describe('SLAs', () => {
  it('starts an instance for a deal that meets the start criteria, due `within` after the start', async () => {
    const engine = setup();
    const deal = await engine.createDeal(newDeal);
    const big = await engine.createDeal({ ...newDeal, amount: 50_000 });
    const [inst] = await instances(engine, deal.id);
    expect(inst).toMatchObject({
      slaId: 'proposal-5-days',
      ownerId: 'anna',
      status: 'open',
      startedAt: '2026-03-02T09:00:00.000Z',
      dueAt: '2026-03-07T09:00:00.000Z',
      originalDueAt: '2026-03-07T09:00:00.000Z',
      extended: false,
      endedAt: null,
    });
    expect(await instances(engine, big.id)).toEqual([]);
    const skipped = (await engine.history(big.id)).find((e) => e.type === 'sla.skipped');
    expect(skipped?.data).toMatchObject({ slaId: 'proposal-5-days', reason: 'criteria' });
  });

  it('ends met when the stop condition comes true; its reminders and breach are cancelled', async () => {
    const engine = setup();
    const deal = await engine.createDeal(newDeal);
    await engine.advance({ days: 2 });
    await engine.updateDeal(deal.id, { fields: { proposalSentAt: '2026-03-04T09:00:00.000Z' } });
    await engine.advance({ days: 10 });
    expect(sentTemplates(engine)).toEqual(['anna:reminder.day-1']);
    const [inst] = await instances(engine, deal.id);
    expect(inst).toMatchObject({ status: 'met', stoppedAt: '2026-03-04T09:00:00.000Z', endedAt: '2026-03-04T09:00:00.000Z', breachedAt: null });
    expect(await engine.pendingJobs(deal.id)).toEqual([]);
    expect(await engine.records('violation')).toEqual([]);
  });

  it('reminds after the start and before the due time, then breaches: escalations at the due time and after it', async () => {
    const engine = setup();
    const deal = await engine.createDeal(newDeal);
    await engine.advance({ days: 10 });
    expect(sentTemplates(engine)).toEqual(['anna:reminder.day-1', 'anna:reminder.day-before', 'maria:missed', 'maria:still-missing']);
    expect(engine.notifications[1]!.text).toBe('due 2026-03-07 09:00');
    const [inst] = await instances(engine, deal.id);
    expect(inst).toMatchObject({
      status: 'breached',
      breachedAt: '2026-03-07T09:00:00.000Z',
      endedAt: null,
      remindersSent: [
        { id: 'day-1', at: '2026-03-03T09:00:00.000Z' },
        { id: 'day-before', at: '2026-03-06T09:00:00.000Z' },
      ],
      escalationsRun: [
        { id: 'manager', at: '2026-03-07T09:00:00.000Z' },
        { id: 'again', at: '2026-03-09T09:00:00.000Z' },
      ],
    });
    expect(await engine.records('violation')).toHaveLength(1);
  });

  it('a late stop ends a breached instance without making it met, and stops further escalations', async () => {
    const engine = setup();
    const deal = await engine.createDeal(newDeal);
    await engine.advance({ days: 6 });
    await engine.updateDeal(deal.id, { fields: { proposalSentAt: '2026-03-08T09:00:00.000Z' } });
    await engine.advance({ days: 5 });
    expect(sentTemplates(engine)).not.toContain('maria:still-missing');
    const [inst] = await instances(engine, deal.id);
    expect(inst).toMatchObject({ status: 'breached', stoppedAt: '2026-03-08T09:00:00.000Z', endReason: 'stopped-late' });
  });

  it('raises sla.breached and sla.met for rules', async () => {
    const engine = setup(
      [proposalSla],
      [
        { id: 'on-breach', trigger: { type: 'sla.breached', sla: 'proposal-5-days' }, actions: [{ type: 'setFlag', params: { flag: 'late' } }] },
        { id: 'on-other-breach', trigger: { type: 'sla.breached', sla: 'another' }, actions: [{ type: 'setFlag', params: { flag: 'wrong' } }] },
        { id: 'on-met', trigger: { type: 'sla.met' }, actions: [{ type: 'setFlag', params: { flag: 'onTime' } }] },
      ],
    );
    const late = await engine.createDeal(newDeal);
    const onTime = await engine.createDeal(newDeal);
    await engine.updateDeal(onTime.id, { fields: { proposalSentAt: '2026-03-02T10:00:00.000Z' } });
    await engine.advance({ days: 6 });
    expect((await engine.getDeal(late.id))!.flags).toEqual({ late: true });
    expect((await engine.getDeal(onTime.id))!.flags).toEqual({ onTime: true });
  });

  it('an exempt deal is taken out: exemptWhen at the start, or coming true while it runs', async () => {
    const sla = { ...proposalSla, exemptWhen: { fact: 'deal', path: '$.flags.strategic', operator: 'equal', value: true } };
    const engine = setup([sla]);
    const exemptFromStart = await engine.createDeal({ ...newDeal, flags: { strategic: true } });
    const exemptLater = await engine.createDeal(newDeal);
    await engine.advance({ days: 2 });
    await engine.updateDeal(exemptLater.id, { flags: { strategic: true } });
    await engine.advance({ days: 6 });
    expect(sentTemplates(engine)).toEqual(['anna:reminder.day-1']); // only exemptLater's, before it was exempted
    expect(await instances(engine, exemptFromStart.id)).toEqual([
      expect.objectContaining({ status: 'exempt', endReason: 'exempt-when', endedAt: '2026-03-02T09:00:00.000Z' }),
    ]);
    expect(await instances(engine, exemptLater.id)).toEqual([expect.objectContaining({ status: 'exempt', endedAt: '2026-03-04T09:00:00.000Z' })]);
  });

  it('closing the deal before the stop cancels the instance', async () => {
    const engine = setup();
    const deal = await engine.createDeal(newDeal);
    await engine.advance({ days: 1, hours: 1 });
    await engine.moveDeal(deal.id, 'lost');
    await engine.advance({ days: 10 });
    expect(sentTemplates(engine)).toEqual(['anna:reminder.day-1']);
    expect(await instances(engine, deal.id)).toEqual([expect.objectContaining({ status: 'cancelled', endReason: 'deal-closed' })]);
  });

  it('a stage deadline: 2 business days in the stage, met by leaving it, re-armed on re-entry', async () => {
    const stageSla: SlaInput = {
      id: 'processing-2-working-days',
      start: { trigger: { type: 'stage.entered', stage: 'qualification' } },
      within: { businessDays: 2 },
      escalations: [
        {
          actions: [
            tell({ role: 'manager' }, 'stage.overdue', '{{title}} sat in {{stage}} past {{sla.dueAt}}'),
            { type: 'recordViolation', params: { name: 'qualification-deadline' } },
          ],
        },
      ],
    };
    // Friday 2026-03-06 10:00 UTC; the default calendar works Monday–Friday 09:00–18:00.
    const engine = setup([stageSla], [], { start: '2026-03-06T10:00:00.000Z' });
    const deal = await engine.createDeal({ ...newDeal, stageId: 'qualification' });
    const [first] = await instances(engine, deal.id);
    expect(first!.dueAt).toBe('2026-03-10T10:00:00.000Z'); // Tuesday: the weekend does not count
    await engine.advance({ days: 1 });
    await engine.moveDeal(deal.id, 'proposal'); // leaves the stage in time
    await engine.moveDeal(deal.id, 'qualification'); // Saturday: a new instance
    await engine.advance({ days: 10 });
    const all = await instances(engine, deal.id);
    expect(all.map((i) => [i.status, i.startedAt, i.dueAt])).toEqual([
      ['met', '2026-03-06T10:00:00.000Z', '2026-03-10T10:00:00.000Z'],
      // Saturday is not working time: the two working days count from Monday 09:00.
      ['breached', '2026-03-07T10:00:00.000Z', '2026-03-11T09:00:00.000Z'],
    ]);
    expect(engine.notifications.map((m) => [m.recipient.id, m.text])).toEqual([['maria', 'Deal sat in Qualification past 2026-03-11 09:00']]);
    expect((await engine.records('violation')).map((v) => v.data.name)).toEqual(['qualification-deadline']);
  });

  it('stops on an external event by name', async () => {
    const sla: SlaInput = { id: 'answer-call', start: { trigger: { type: 'deal.created' } }, stop: { event: 'call.answered' }, within: { hours: 4 } };
    const engine = setup([sla]);
    const deal = await engine.createDeal(newDeal);
    await engine.advance({ hours: 1 });
    await engine.emit({ name: 'call.answered', dealId: deal.id });
    expect(await instances(engine, deal.id)).toEqual([expect.objectContaining({ status: 'met', stoppedAt: '2026-03-02T10:00:00.000Z' })]);
  });

  it('extendSla by hand moves the due time, re-arms the before-reminders and breach, and records who did it', async () => {
    const engine = setup([proposalSla], [], { directory: teams() });
    const deal = await engine.createDeal(newDeal);
    await engine.advance({ days: 2 });
    const rec = await engine.extendSla(deal.id, 'proposal-5-days', { days: 3 }, { actor: { id: 'maria', roles: ['manager'], teamId: 'north' } });
    expect(rec.data).toMatchObject({
      dueAt: '2026-03-10T09:00:00.000Z',
      originalDueAt: '2026-03-07T09:00:00.000Z',
      extended: true,
      extensions: [
        {
          at: '2026-03-04T09:00:00.000Z',
          by: 'maria',
          approvalId: null,
          from: '2026-03-07T09:00:00.000Z',
          to: '2026-03-10T09:00:00.000Z',
          duration: { days: 3 },
        },
      ],
    });
    await engine.advance({ days: 4 }); // past the old day-before reminder (03-06): it no longer fires
    expect(engine.notifications.filter((m) => m.template === 'reminder.day-before')).toEqual([]);
    await engine.advance({ days: 2 });
    expect(sentTemplates(engine)).toEqual(['anna:reminder.day-1', 'anna:reminder.day-before', 'maria:missed']);
    expect(engine.notifications[1]!.text).toBe('due 2026-03-10 09:00');
    expect((await engine.history(deal.id)).filter((e) => e.type === 'job.cancelled').map((e) => e.data.reason)).toEqual(['sla-extended', 'sla-extended']);
  });

  it('an extension of a deal with no open instance is refused and changes nothing', async () => {
    const engine = setup();
    const deal = await engine.createDeal({ ...newDeal, amount: 50_000 });
    await expect(engine.extendSla(deal.id, 'proposal-5-days', { days: 3 })).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(engine.extendSla(deal.id, 'nope', { days: 3 })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    expect(await engine.records('sla')).toEqual([]);
  });

  it('a seller may not grant themselves more time', async () => {
    const engine = setup();
    const deal = await engine.createDeal(newDeal);
    await expect(engine.extendSla(deal.id, 'proposal-5-days', { days: 3 }, { actor: { id: 'anna', roles: ['seller'] } })).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
    expect((await instances(engine, deal.id))[0]!.dueAt).toBe('2026-03-07T09:00:00.000Z');
  });

  it('starts once per deal while an instance runs', async () => {
    const sla: SlaInput = { id: 'touch', start: { trigger: { type: 'field.changed', field: 'fields.note' } }, stop: { when: sent }, within: { days: 1 } };
    const engine = setup([sla]);
    const deal = await engine.createDeal(newDeal);
    await engine.updateDeal(deal.id, { fields: { note: 'a' } });
    await engine.updateDeal(deal.id, { fields: { note: 'b' } });
    expect(await instances(engine, deal.id)).toHaveLength(1);
    expect((await engine.history(deal.id)).filter((e) => e.type === 'sla.skipped').map((e) => e.data.reason)).toEqual(['already-running']);
  });

  it('rejects invalid SLAs with every problem at its JSON path', () => {
    expect(() => defineSla({ id: 'x', start: { trigger: { type: 'deal.created' } }, within: { days: 1 } } as SlaInput)).toThrow(
      expect.objectContaining({ code: 'INVALID_CONFIG', issues: [{ path: '$.stop', message: expect.stringContaining('needs `stop`') }] }),
    );
    const bad: SlaInput = {
      id: 'bad',
      start: { trigger: { type: 'stage.entered', stage: 'nowhere' }, when: { fact: 'deal', path: '$.__proto__', operator: 'equal', value: 1 } },
      within: { days: 1 },
      reminders: [{ after: { days: 1 }, actions: [{ type: 'notify', params: { to: 'nobody' } }] }],
      escalations: [{ actions: [{ type: 'launchRocket' }] }],
      exemptWhen: { fact: 'weather', operator: 'equal', value: 'rain' },
    };
    let error: unknown;
    try {
      setup([bad]);
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: 'INVALID_CONFIG' });
    const paths = (error as { issues: Array<{ path: string }> }).issues.map((i) => i.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        '$.slas[0].start.trigger.stage',
        '$.slas[0].start.when.path',
        '$.slas[0].exemptWhen.fact',
        '$.slas[0].reminders[0].actions[0].params.to',
        '$.slas[0].escalations[0].actions[0].type',
      ]),
    );
  });

  it('is deterministic: the same inputs give the same records and log', async () => {
    const run = async () => {
      const engine = setup();
      const deal = await engine.createDeal(newDeal);
      await engine.advance({ days: 2 });
      await engine.extendSla(deal.id, 'proposal-5-days', { days: 1 });
      await engine.advance({ days: 7 });
      return JSON.stringify([await engine.records('sla'), await engine.history(deal.id), engine.notifications]);
    };
    expect(await run()).toBe(await run());
  });

  it('keeps the pipeline from the SLA: a pipelineId restricts it', async () => {
    const other = { ...salesPipeline, id: 'other', name: 'Other' };
    const engine = engineWith([], { pipelines: [salesPipeline, other], slas: [{ ...proposalSla, pipelineId: 'other' }] });
    const inSales = await engine.createDeal(newDeal);
    const inOther = await engine.createDeal({ ...newDeal, pipelineId: 'other' });
    expect(await instances(engine, inSales.id)).toEqual([]);
    expect(await instances(engine, inOther.id)).toHaveLength(1);
  });
});
