import { describe, expect, it } from 'vitest';
import { type DealflowError, InMemoryDirectory, type PipelineInput, type RuleInput } from '../../src/index.js';
import { createTestEngine, type TestEngineConfig } from '../../src/testing/index.js';

const pipeline: PipelineInput = {
  id: 'sales',
  name: 'Sales',
  timezone: 'Europe/Berlin',
  calendar: { publicHolidays: { country: 'DE', state: 'BE' } },
  stages: [
    { id: 'new', name: 'New' },
    { id: 'offer', name: 'Discussing the offer' },
    { id: 'won', name: 'Won', kind: 'won' },
    { id: 'lost', name: 'Lost', kind: 'lost' },
  ],
  fields: { closeDate: { type: 'date' }, note: { type: 'string' } },
};

const people = () =>
  new InMemoryDirectory([
    { id: 'anna', managerId: 'maria' },
    { id: 'ravi', timezone: 'Asia/Kolkata', calendar: { hours: [{ from: '09:30', to: '18:30' }], publicHolidays: { country: 'IN' } } },
    { id: 'maria' },
  ]);

function engine(rules: RuleInput[], extra: Partial<TestEngineConfig> = {}) {
  // Thursday 2026-04-02, 15:00 in Berlin: Good Friday and Easter Monday are next.
  return createTestEngine({ pipelines: [pipeline], rules, directory: people(), start: '2026-04-02T13:00:00.000Z', ...extra });
}

const notify = (template: string) => ({ type: 'notify', params: { to: 'owner', template } });
const sentAt = async (e: ReturnType<typeof engine>, dealId: string) =>
  (await e.history(dealId)).filter((l) => l.type === 'notification.queued').map((l) => `${l.at} ${String(l.data.template)}`);

describe('business durations in rules', () => {
  it('calls again after 10 working days, skipping Easter in the pipeline calendar', async () => {
    const e = engine([{ id: 'call-again', trigger: { type: 'deal.created' }, actions: [{ ...notify('call.again'), after: { businessDays: 10 } }] }]);
    const deal = await e.createDeal({ pipelineId: 'sales', ownerId: 'anna' });
    expect((await e.pendingJobs(deal.id))[0]?.dueAt).toBe('2026-04-20T13:00:00.000Z'); // Monday 20 April, 15:00 CEST
    await e.advance({ days: 30 });
    expect(await sentAt(e, deal.id)).toEqual(['2026-04-20T13:00:00.000Z call.again']);
  });

  it("follows the owner's calendar and timezone from the Directory", async () => {
    const e = engine([
      { id: 'follow-up', calendar: 'owner', trigger: { type: 'deal.created' }, actions: [{ ...notify('follow.up'), after: { businessHours: 4 } }] },
    ]);
    // 18:30 IST on Thursday: Ravi's day is over; Good Friday is a holiday in India too, Easter Monday is not.
    const deal = await e.createDeal({ pipelineId: 'sales', ownerId: 'ravi' });
    expect((await e.pendingJobs(deal.id))[0]?.dueAt).toBe('2026-04-06T08:00:00.000Z'); // Monday 13:30 IST
    const anna = await e.createDeal({ pipelineId: 'sales', ownerId: 'anna' });
    // Anna has no calendar of her own: the pipeline's (15:00 CEST + 4 h → Tuesday 10:00, over Easter).
    expect((await e.pendingJobs(anna.id))[0]?.dueAt).toBe('2026-04-07T08:00:00.000Z');
  });

  it("loads the owner for an SLA that counts in the owner's calendar, with no rule asking for it", async () => {
    const e = engine([], {
      slas: [
        {
          id: 'first-call',
          start: { trigger: { type: 'deal.created' } },
          stop: { trigger: { type: 'stage.entered', stage: 'offer' } },
          within: { businessHours: 4 },
          calendar: 'owner',
        },
      ],
    });
    const deal = await e.createDeal({ pipelineId: 'sales', ownerId: 'ravi' });
    const [sla] = await e.records('sla', { dealId: deal.id });
    expect(sla?.data.dueAt).toBe('2026-04-06T08:00:00.000Z'); // Monday 13:30 IST, as for the rule above
    expect((await e.history(deal.id)).some((l) => l.type === 'calendar.fallback')).toBe(false);
  });

  it('falls back to the pipeline calendar, and says so, when the owner is not in the directory', async () => {
    const e = engine([
      { id: 'follow-up', calendar: 'owner', trigger: { type: 'deal.created' }, actions: [{ ...notify('follow.up'), after: { businessDays: 1 } }] },
    ]);
    const deal = await e.createDeal({ pipelineId: 'sales', ownerId: 'ghost' });
    expect((await e.pendingJobs(deal.id))[0]?.dueAt).toBe('2026-04-07T13:00:00.000Z');
    const fallback = (await e.history(deal.id)).find((l) => l.type === 'calendar.fallback');
    expect(fallback?.data).toMatchObject({ choice: 'owner', reason: 'owner "ghost" is not in the directory' });
  });

  it('uses a named calendar, and "the next working day at 09:00"', async () => {
    const e = engine(
      [
        { id: 'support', calendar: 'support', trigger: { type: 'deal.created' }, actions: [{ ...notify('support.check'), after: { businessHours: 1 } }] },
        { id: 'morning', trigger: { type: 'deal.created' }, actions: [{ ...notify('morning.brief'), at: { nextWorkingTime: '09:00' } }] },
      ],
      { calendars: { support: { workingDays: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat'], hours: [{ from: '08:00', to: '20:00' }] } } },
    );
    const deal = await e.createDeal({ pipelineId: 'sales', ownerId: 'anna' });
    const jobs = await e.pendingJobs(deal.id);
    expect(jobs.map((j) => [j.ruleId, j.dueAt])).toEqual([
      ['support', '2026-04-02T14:00:00.000Z'], // 16:00 CEST, in the support calendar's (the pipeline's) timezone
      ['morning', '2026-04-07T07:00:00.000Z'], // Tuesday 09:00: Friday and Monday are holidays
    ]);
  });
});

describe('jobs anchored to a date field', () => {
  const remind = {
    id: 'before-close',
    trigger: { type: 'deal.created' },
    actions: [{ ...notify('close.soon'), at: { field: 'fields.closeDate', offset: { businessDays: -2 }, time: '09:00' } }],
  } as RuleInput;

  it('move when the field changes and are cancelled when it is cleared, with the change in the history', async () => {
    const e = engine([remind]);
    const deal = await e.createDeal({ pipelineId: 'sales', ownerId: 'anna', fields: { closeDate: '2026-04-24' } });
    const [job] = await e.pendingJobs(deal.id);
    expect(job?.dueAt).toBe('2026-04-22T07:00:00.000Z'); // Wednesday 09:00
    await e.updateDeal(deal.id, { fields: { closeDate: '2026-05-04' } }); // a Monday
    const [moved] = await e.pendingJobs(deal.id);
    expect(moved).toMatchObject({ id: job!.id, dueAt: '2026-04-29T07:00:00.000Z' }); // Wednesday (1 May is a holiday)
    const log = await e.history(deal.id);
    expect(log.find((l) => l.type === 'job.rescheduled')?.data).toMatchObject({
      jobId: job!.id,
      from: '2026-04-22T07:00:00.000Z',
      to: '2026-04-29T07:00:00.000Z',
      field: 'fields.closeDate',
    });
    await e.updateDeal(deal.id, { fields: { closeDate: null } });
    expect(await e.pendingJobs(deal.id)).toEqual([]);
    expect((await e.history(deal.id)).at(-1)).toMatchObject({ type: 'job.cancelled', data: { jobId: job!.id, reason: 'anchor-cleared' } });
    await e.advance({ days: 40 });
    expect(e.notifications).toEqual([]);
  });

  it('runs on the new date when the date moves earlier, and once only', async () => {
    const e = engine([remind]);
    const deal = await e.createDeal({ pipelineId: 'sales', ownerId: 'anna', fields: { closeDate: '2026-05-29' } });
    await e.updateDeal(deal.id, { fields: { closeDate: '2026-04-17' } });
    await e.advance({ days: 60 });
    expect(await sentAt(e, deal.id)).toEqual(['2026-04-15T07:00:00.000Z close.soon']);
  });
});

describe('stage.idle', () => {
  const idle = (activity?: 'any-update' | 'stage-change'): RuleInput => ({
    id: 'nudge',
    trigger: { type: 'stage.idle', stage: 'offer', after: { businessDays: 2 }, ...(activity ? { activity } : {}) },
    actions: [notify('stage.stale')],
  });

  it('nudges once when the deal sits in the stage for 2 working days', async () => {
    const e = engine([idle()]);
    const deal = await e.createDeal({ pipelineId: 'sales', ownerId: 'anna', stageId: 'offer' });
    await e.advance({ days: 20 });
    expect(await sentAt(e, deal.id)).toEqual(['2026-04-08T13:00:00.000Z stage.stale']); // Thu → Tue, Wed (Easter off)
    expect((await e.history(deal.id)).find((l) => l.type === 'rule.fired')?.data.trigger).toEqual({
      type: 'stage.idle',
      stage: 'offer',
      ruleId: 'nudge',
      since: '2026-04-02T13:00:00.000Z',
    });
  });

  it('is re-armed by an update, and only by a person’s update', async () => {
    const e = engine([
      idle(),
      { id: 'stamp', trigger: { type: 'field.changed', field: 'fields.note' }, actions: [{ type: 'setFlag', params: { flag: 'touched' } }] },
    ]);
    const deal = await e.createDeal({ pipelineId: 'sales', ownerId: 'anna', stageId: 'offer' });
    await e.advanceTo('2026-04-07T08:00:00.000Z'); // Tuesday 10:00
    await e.updateDeal(deal.id, { fields: { note: 'called, they are thinking' } }); // the rule's setFlag is no activity
    await e.advance({ days: 20 });
    expect(await sentAt(e, deal.id)).toEqual(['2026-04-09T08:00:00.000Z stage.stale']); // Tuesday 10:00 + 2 working days
  });

  it('with activity "stage-change", ignores updates', async () => {
    const e = engine([idle('stage-change')]);
    const deal = await e.createDeal({ pipelineId: 'sales', ownerId: 'anna', stageId: 'offer' });
    await e.advanceTo('2026-04-07T08:00:00.000Z');
    await e.updateDeal(deal.id, { fields: { note: 'still thinking' } });
    await e.advance({ days: 20 });
    expect(await sentAt(e, deal.id)).toEqual(['2026-04-08T13:00:00.000Z stage.stale']);
  });

  it('is cancelled when the deal leaves the stage, and armed again when it comes back', async () => {
    const e = engine([idle()]);
    const deal = await e.createDeal({ pipelineId: 'sales', ownerId: 'anna', stageId: 'offer' });
    await e.moveDeal(deal.id, 'new');
    expect((await e.history(deal.id)).find((l) => l.type === 'job.cancelled')?.data).toMatchObject({ reason: 'left-stage' });
    await e.advanceTo('2026-04-13T08:00:00.000Z');
    expect(e.notifications).toEqual([]);
    await e.moveDeal(deal.id, 'offer');
    await e.advance({ days: 10 });
    expect(await sentAt(e, deal.id)).toEqual(['2026-04-15T08:00:00.000Z stage.stale']);
  });
});

describe('date.reached', () => {
  const reached: RuleInput = {
    id: 'close-day',
    trigger: { type: 'date.reached', field: 'fields.closeDate', time: '08:30' },
    actions: [notify('close.today')],
  };

  it('fires at the anchored time, follows the field and never fires for a date already past', async () => {
    const e = engine([reached]);
    const deal = await e.createDeal({ pipelineId: 'sales', ownerId: 'anna', fields: { closeDate: '2026-04-10' } });
    await e.updateDeal(deal.id, { fields: { closeDate: '2026-04-14' } });
    const past = await e.createDeal({ pipelineId: 'sales', ownerId: 'anna', fields: { closeDate: '2026-03-01' } });
    await e.advance({ days: 30 });
    expect(await sentAt(e, deal.id)).toEqual(['2026-04-14T06:30:00.000Z close.today']);
    expect(await sentAt(e, past.id)).toEqual([]);
    expect((await e.history(past.id)).find((l) => l.type === 'trigger.skipped')?.data).toMatchObject({ reason: 'the date is already past' });
    // Setting a new future date arms it again.
    await e.updateDeal(deal.id, { fields: { closeDate: '2026-05-12' } });
    await e.advance({ days: 30 });
    expect(await sentAt(e, deal.id)).toEqual(['2026-04-14T06:30:00.000Z close.today', '2026-05-12T06:30:00.000Z close.today']);
  });

  it('goes by the computed time: a future date whose offset lands in the past does not fire (docs/time.md)', async () => {
    const before: RuleInput = { ...reached, id: 'ten-days-before', trigger: { ...reached.trigger, offset: { days: -10 } } as RuleInput['trigger'] };
    const e = engine([before]);
    // The close date is ahead, but ten days before it has passed: not armed, and said so.
    const deal = await e.createDeal({ pipelineId: 'sales', ownerId: 'anna', fields: { closeDate: '2026-04-08' } });
    expect((await e.history(deal.id)).find((l) => l.type === 'trigger.skipped')?.data).toMatchObject({ reason: 'the date is already past' });
    // Moved later, its computed time is ahead again: armed; moved back into the past, cancelled.
    await e.updateDeal(deal.id, { fields: { closeDate: '2026-05-20' } });
    expect(await e.pendingJobs(deal.id)).toHaveLength(1);
    await e.updateDeal(deal.id, { fields: { closeDate: '2026-04-09' } });
    expect((await e.history(deal.id)).find((l) => l.type === 'job.cancelled')?.data.reason).toBe('anchor-in-the-past');
    await e.advance({ days: 60 });
    expect(await sentAt(e, deal.id)).toEqual([]);
  });

  it("in the owner's calendar, moves when the deal changes hands", async () => {
    const e = engine([{ ...reached, calendar: 'owner', trigger: { type: 'date.reached', field: 'fields.closeDate', time: '09:00' } }]);
    const deal = await e.createDeal({ pipelineId: 'sales', ownerId: 'anna', fields: { closeDate: '2026-04-20' } });
    expect((await e.pendingJobs(deal.id))[0]?.dueAt).toBe('2026-04-20T07:00:00.000Z'); // 09:00 in Berlin
    await e.updateDeal(deal.id, { ownerId: 'ravi' });
    expect((await e.pendingJobs(deal.id))[0]?.dueAt).toBe('2026-04-20T03:30:00.000Z'); // 09:00 in Kolkata
    expect((await e.history(deal.id)).find((l) => l.type === 'job.rescheduled')?.data).toMatchObject({ reason: 'owner-changed' });
  });

  it('is cancelled when the deal is won, and comes back when it is reopened', async () => {
    const e = engine([reached]);
    const deal = await e.createDeal({ pipelineId: 'sales', ownerId: 'anna', fields: { closeDate: '2026-04-10' } });
    await e.moveDeal(deal.id, 'won');
    expect(await e.pendingJobs(deal.id)).toEqual([]);
    await e.moveDeal(deal.id, 'offer');
    await e.advance({ days: 30 });
    expect(await sentAt(e, deal.id)).toEqual(['2026-04-10T06:30:00.000Z close.today']);
  });
});

describe('calendar configuration errors', () => {
  it('rejects a pipeline calendar with no working time, with its path', () => {
    const bad = { ...pipeline, calendar: { workingDays: [] } } as PipelineInput;
    const error = (() => {
      try {
        engine([], { pipelines: [bad] });
      } catch (e) {
        return e as DealflowError;
      }
    })();
    expect(error?.code).toBe('INVALID_CONFIG');
    expect(error?.issues).toEqual([expect.objectContaining({ path: '$.pipelines[0].calendar.workingDays' })]);
  });

  it('rejects a pipeline naming an unknown calendar, and rules naming one', () => {
    expect(() => engine([], { pipelines: [{ ...pipeline, calendar: 'office' }] })).toThrow(expect.objectContaining({ code: 'INVALID_CONFIG' }));
    expect(() => engine([{ id: 'r', calendar: 'office', trigger: { type: 'deal.created' }, actions: [notify('x')] }])).toThrow(
      expect.objectContaining({ code: 'INVALID_RULES', issues: [expect.objectContaining({ path: '$[0].calendar' })] }),
    );
    expect(() => engine([{ id: 'r', trigger: { type: 'deal.created' }, actions: [{ ...notify('x'), after: { days: 1, businessHours: 2 } }] }])).toThrow(
      expect.objectContaining({ code: 'INVALID_RULES' }),
    );
  });
});
