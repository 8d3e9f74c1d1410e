import Ajv2020 from 'ajv/dist/2020.js';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { configJsonSchema, InMemoryDirectory, type RuleInput } from '../../src/index.js';
import { createTestEngine } from '../../src/testing/index.js';
import { salesPipeline } from '../helpers.js';

/** Digest policies on a cron schedule in a timezone (src/core/digest-policy.ts, src/core/time/cron.ts), on the fake clock. */
const notifyManager: RuleInput[] = [
  {
    id: 'new-deal',
    trigger: { type: 'deal.created' },
    actions: [{ type: 'notify', params: { to: 'manager', template: 'deal.new', text: 'New deal', digest: 'weekly' } }],
  },
];
const directory = () =>
  new InMemoryDirectory([
    { id: 'anna', managerId: 'maria' },
    { id: 'maria', name: 'Maria' },
  ]);
const engineFor = (weekly: unknown, start: string) =>
  createTestEngine({ pipelines: [salesPipeline], rules: notifyManager, directory: directory(), digests: { weekly } as never, start });
const deal = (id: string) => ({ id, pipelineId: 'sales', ownerId: 'anna', title: `Deal ${id}`, amount: 1 });

/** When each digest went out, as Berlin wall time and UTC. */
function sent(engine: ReturnType<typeof engineFor>): string[] {
  const out: string[] = [];
  engine.on('outbox.delivered', (e) => {
    const now = engine.clock.now();
    out.push(`${DateTime.fromJSDate(now, { zone: 'Europe/Berlin' }).toFormat('ccc dd LLL HH:mm')} Berlin (${now.toISOString()}) ${String(e.dealId)}`);
  });
  return out;
}

describe('digest policies with a cron schedule', () => {
  it('a weekly digest on Monday 09:00 Europe/Berlin lands at 09:00 local on both sides of the autumn DST change', async () => {
    const engine = engineFor({ cron: '0 9 * * MON', timezone: 'Europe/Berlin', subject: 'This week: {{count}}' }, '2026-10-14T10:00:00.000Z');
    const log = sent(engine);
    await engine.createDeal(deal('A'));
    await engine.advanceTo('2026-10-16T10:00:00.000Z');
    await engine.createDeal(deal('B'));
    await engine.advanceTo('2026-10-21T10:00:00.000Z');
    await engine.createDeal(deal('C')); // after the change on Sunday 25 October
    await engine.advanceTo('2026-10-28T00:00:00.000Z');

    expect(log).toEqual([
      'Mon 19 Oct 09:00 Berlin (2026-10-19T07:00:00.000Z) A',
      'Mon 19 Oct 09:00 Berlin (2026-10-19T07:00:00.000Z) B',
      'Mon 26 Oct 09:00 Berlin (2026-10-26T08:00:00.000Z) C',
    ]);
    expect(engine.notifications.map((m) => [m.subject, m.items!.map((i) => i.dealId)])).toEqual([
      ['This week: 2', ['A', 'B']],
      ['This week: 1', ['C']],
    ]);
  });

  it('the last working day of the month at 17:00, by the policy’s calendar', async () => {
    // 30 October 2026 is a holiday in this calendar and the 31st a Saturday: Thursday the 29th.
    const engine = engineFor(
      { cron: '0 17 * * *', lastWorkingDayOfMonth: true, timezone: 'Europe/Berlin', calendar: { holidays: ['2026-10-30'] } },
      '2026-10-05T10:00:00.000Z',
    );
    const log = sent(engine);
    await engine.createDeal(deal('A'));
    await engine.advanceTo('2026-10-29T20:00:00.000Z');
    await engine.createDeal(deal('B'));
    await engine.advanceTo('2026-12-01T00:00:00.000Z');
    expect(log).toEqual(['Thu 29 Oct 17:00 Berlin (2026-10-29T16:00:00.000Z) A', 'Mon 30 Nov 17:00 Berlin (2026-11-30T16:00:00.000Z) B']);
  });

  it('without a timezone the cron is read in the recipient’s, like daily at HH:mm', async () => {
    const engine = createTestEngine({
      pipelines: [salesPipeline],
      rules: notifyManager,
      directory: new InMemoryDirectory([
        { id: 'anna', managerId: 'kenji' },
        { id: 'kenji', timezone: 'Asia/Tokyo' },
      ]),
      digests: { weekly: { cron: '0 9 * * MON' } },
      start: '2026-10-14T10:00:00.000Z',
    });
    await engine.createDeal(deal('A'));
    const held = (await engine.outbox()).filter((m) => m.kind === 'digest').map((m) => m.nextAttemptAt);
    expect(held).toEqual(['2026-10-19T00:00:00.000Z']); // 09:00 JST
  });

  it('a bad cron spec or calendar is INVALID_CONFIG at createEngine, located and with how to fix it', () => {
    const start = '2026-10-14T10:00:00.000Z';
    expect(() => engineFor({ cron: '0 25 * * MON' }, start)).toThrow(
      expect.objectContaining({
        code: 'INVALID_CONFIG',
        message: expect.stringContaining('five fields: minute hour day-of-month month day-of-week'),
        issues: [expect.objectContaining({ path: '$.digests.weekly.cron' })],
      }),
    );
    expect(() => engineFor({ cron: '0 9 * * MON', calendar: { workingDays: ['funday'] }, workingDaysOnly: true }, start)).toThrow(
      expect.objectContaining({
        code: 'INVALID_CONFIG',
        issues: [expect.objectContaining({ path: expect.stringMatching(/^\$\.digests\.weekly\.calendar\.workingDays/) })],
      }),
    );
    expect(() => engineFor({ cron: '0 9 * * MON', workingDaysOnly: 'yes' }, start)).toThrow(expect.objectContaining({ code: 'INVALID_CONFIG' }));
  });

  it('the config JSON Schema (schema/config.json) accepts the cron form and refuses a malformed one', () => {
    const validate = new Ajv2020({ strict: false, allErrors: true, validateFormats: false }).compile(configJsonSchema() as object);
    const weekly = { cron: '0 9 * * MON', timezone: 'Europe/Berlin' };
    const monthEnd = { cron: '0 17 * * *', lastWorkingDayOfMonth: true, calendar: { publicHolidays: { country: 'DE' } } };
    expect(validate({ digests: { weekly, monthEnd } })).toBe(true);
    expect(validate({ digests: { weekly: { cron: 9 } } })).toBe(false);
    expect(validate({ digests: { weekly: { ...weekly, workingDays: true } } })).toBe(false); // a misspelt option
  });
});
