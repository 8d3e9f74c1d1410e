import { describe, expect, it } from 'vitest';
import { type DealflowError, InMemoryDirectory, type PipelineInput, type RuleInput } from '../../src/index.js';
import { createTestEngine } from '../../src/testing/index.js';

/** The recurring `schedule` trigger (cron in a timezone; src/core/time/timers.ts), on the fake clock. */
const pipeline: PipelineInput = {
  id: 'sales',
  name: 'Sales',
  timezone: 'Europe/Berlin',
  stages: [
    { id: 'new', name: 'New' },
    { id: 'offer', name: 'Offer' },
    { id: 'won', name: 'Won', kind: 'won' },
    { id: 'lost', name: 'Lost', kind: 'lost' },
  ],
};

const weekly = (trigger: Record<string, unknown> = {}): RuleInput => ({
  id: 'weekly-review',
  trigger: { type: 'schedule', cron: '0 9 * * MON', ...trigger } as RuleInput['trigger'],
  actions: [{ type: 'notify', params: { to: 'owner', template: 'review' } }],
});

// Wednesday 14 October 2026, 12:00 in Berlin (CEST); the clocks go back on Sunday 25 October.
const engine = (rules: RuleInput[], start = '2026-10-14T10:00:00.000Z') =>
  createTestEngine({ pipelines: [pipeline], rules, directory: new InMemoryDirectory([{ id: 'anna' }]), start });

const sentAt = async (e: ReturnType<typeof engine>, dealId: string) =>
  (await e.history(dealId)).filter((l) => l.type === 'notification.queued').map((l) => `${l.at} ${String(l.data.template)}`);

describe('schedule trigger (cron)', () => {
  it('fires on consecutive Mondays at 09:00 Europe/Berlin across the autumn DST change', async () => {
    const e = engine([weekly({ timezone: 'Europe/Berlin' })]);
    const deal = await e.createDeal({ pipelineId: 'sales', ownerId: 'anna', title: 'A' });
    expect((await e.pendingJobs(deal.id)).map((j) => j.dueAt)).toEqual(['2026-10-19T07:00:00.000Z']);
    await e.advanceTo('2026-10-28T00:00:00.000Z');
    // 09:00 CEST (UTC+2), then 09:00 CET (UTC+1): the same local time, an hour later in UTC.
    expect(await sentAt(e, deal.id)).toEqual(['2026-10-19T07:00:00.000Z review', '2026-10-26T08:00:00.000Z review']);
    // Re-armed after each firing: the next Monday is waiting.
    expect((await e.pendingJobs(deal.id)).map((j) => j.dueAt)).toEqual(['2026-11-02T08:00:00.000Z']);
  });

  it('reads the cron in the pipeline’s timezone when the trigger names none', async () => {
    const e = engine([weekly()]);
    const deal = await e.createDeal({ pipelineId: 'sales', ownerId: 'anna', title: 'A' });
    expect((await e.pendingJobs(deal.id)).map((j) => j.dueAt)).toEqual(['2026-10-19T07:00:00.000Z']);
  });

  it('stops when the deal is won or lost, and starts again when it is reopened', async () => {
    const e = engine([weekly({ timezone: 'Europe/Berlin' })]);
    const won = await e.createDeal({ pipelineId: 'sales', ownerId: 'anna', title: 'won' });
    const lost = await e.createDeal({ pipelineId: 'sales', ownerId: 'anna', title: 'lost' });
    await e.advanceTo('2026-10-20T00:00:00.000Z');
    await e.moveDeal(won.id, 'won');
    await e.moveDeal(lost.id, 'lost');
    expect(await e.pendingJobs(won.id)).toEqual([]);
    expect(await e.pendingJobs(lost.id)).toEqual([]);
    await e.advanceTo('2026-11-10T00:00:00.000Z');
    expect(await sentAt(e, won.id)).toEqual(['2026-10-19T07:00:00.000Z review']);
    expect(await sentAt(e, lost.id)).toEqual(['2026-10-19T07:00:00.000Z review']);
    await e.moveDeal(lost.id, 'offer');
    await e.advanceTo('2026-11-17T00:00:00.000Z');
    expect(await sentAt(e, lost.id)).toEqual(['2026-10-19T07:00:00.000Z review', '2026-11-16T08:00:00.000Z review']);
  });

  it('does not fire for a deal of another pipeline than the rule’s', async () => {
    const other: PipelineInput = { ...pipeline, id: 'other' };
    const e = createTestEngine({
      pipelines: [pipeline, other],
      rules: [{ ...weekly(), pipelineId: 'sales' }],
      directory: new InMemoryDirectory([{ id: 'anna' }]),
      start: '2026-10-14T10:00:00.000Z',
    });
    const deal = await e.createDeal({ pipelineId: 'other', ownerId: 'anna', title: 'A' });
    await e.advanceTo('2026-10-28T00:00:00.000Z');
    expect(await sentAt(e, deal.id)).toEqual([]);
    expect(await e.pendingJobs(deal.id)).toEqual([]);
  });

  it('lastWorkingDayOfMonth fires on the last working day of each month', async () => {
    // 31 October 2026 is a Saturday: Friday the 30th; 30 November is a Monday.
    const e = engine([weekly({ cron: '0 17 * * *', lastWorkingDayOfMonth: true })]);
    const deal = await e.createDeal({ pipelineId: 'sales', ownerId: 'anna', title: 'A' });
    await e.advanceTo('2026-12-01T00:00:00.000Z');
    expect(await sentAt(e, deal.id)).toEqual(['2026-10-30T16:00:00.000Z review', '2026-11-30T16:00:00.000Z review']);
  });

  it('refuses a bad cron spec at parse, at its path, with the digest policies’ hint', () => {
    let error: unknown;
    try {
      engine([weekly({ timezone: 'Europe/Berlin' }), { ...weekly({ cron: '0 25 * * MON' }), id: 'bad' }]);
    } catch (e) {
      error = e;
    }
    expect((error as DealflowError).code).toBe('INVALID_RULES');
    expect((error as DealflowError).issues).toEqual([
      {
        path: '$[1].trigger.cron',
        code: 'schedule',
        message: expect.stringMatching(/"0 25 \* \* MON" is not a cron spec/),
        hint: expect.stringMatching(/five fields/),
      },
    ]);
  });

  it('refuses lastWorkingDayOfMonth with named days, and an unknown timezone', () => {
    let error: unknown;
    try {
      engine([weekly({ lastWorkingDayOfMonth: true, timezone: 'Europe/Berlinn' })]);
    } catch (e) {
      error = e;
    }
    expect((error as DealflowError).code).toBe('INVALID_RULES');
    expect((error as DealflowError).issues.map((i) => i.path).sort()).toEqual(['$[0].trigger.cron', '$[0].trigger.timezone']);
  });
});
