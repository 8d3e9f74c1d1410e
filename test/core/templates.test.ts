import { describe, expect, it } from 'vitest';
import { render, renderTemplate, templateProblem } from '../../src/core/templates.js';
import type { Deal, Pipeline } from '../../src/index.js';
import { engineWith, newDeal, salesPipeline } from '../helpers.js';

const pipeline = {
  id: 'sales',
  name: 'Sales',
  timezone: 'America/New_York',
  stages: [{ id: 'new', name: 'New deals', kind: 'open' }],
} as Pipeline;

const deal: Deal = {
  id: 'D-1',
  pipelineId: 'sales',
  stageId: 'new',
  ownerId: 'anna',
  title: 'Bakery POS',
  amount: 4000,
  currency: 'EUR',
  fields: { product: 'POS terminal', closeDate: '2026-03-20', visitAt: '2026-03-09T14:30:00.000Z' },
  flags: { complex: true },
  createdAt: '2026-03-02T09:00:00.000Z',
  stageEnteredAt: '2026-03-02T09:00:00.000Z',
  updatedAt: '2026-03-02T09:00:00.000Z',
  closedAt: null,
  version: 1,
};

const scope = (facts = {}, extra = {}) => ({ deal, event: { caller: 'Ann Lee' }, now: '2026-03-02T09:00:00.000Z', pipeline, facts, extra });

describe('templates', () => {
  it('renders deal properties, fields, flags, the stage name, the event and host facts', () => {
    const facts = { contact: () => ({ company: 'Acme & Sons <GmbH>' }) };
    const out = render(
      '{{contact.company}} — {{fields.product}} ({{amount}} {{currency}}, {{stage}}){{#flags.complex}} [complex]{{/flags.complex}} via {{event.caller}}',
      scope(facts),
    );
    // Plain text: no HTML escaping of "&" or "<".
    expect(out).toEqual({ text: 'Acme & Sons <GmbH> — POS terminal (4000 EUR, New deals) [complex] via Ann Lee', missing: [] });
  });

  it('computes a host fact only when the template names it', () => {
    let calls = 0;
    const facts = {
      contact: () => {
        calls++;
        return { company: 'Acme' };
      },
    };
    render('{{title}}', scope(facts));
    expect(calls).toBe(0);
    render('{{contact.company}} {{contact.company}}', scope(facts));
    expect(calls).toBe(1);
  });

  it('renders missing values as empty and reports each once, in template order', () => {
    const out = render('{{contact.company}} — {{fields.missing}} — {{fields.missing}} — {{title}}', scope());
    expect(out).toEqual({ text: ' —  —  — Bakery POS', missing: ['contact.company', 'fields.missing'] });
  });

  it('does not report a section over a missing flag, which is just false', () => {
    expect(render('{{#flags.vip}}VIP {{/flags.vip}}{{^flags.vip}}regular{{/flags.vip}}', scope()).missing).toEqual([]);
  });

  it('renders instants in the calendar timezone; date-only values stay as they are', () => {
    const out = render(
      'created {{createdAt}}, visit {{fields.visitAt}}, close {{fields.closeDate}}, now {{now}}, due {{sla.dueAt}}',
      scope({}, { sla: { dueAt: '2026-03-07T14:00:00Z' } }),
    );
    // 09:00Z is 04:00 in New York (EST, UTC-5); 2026-03-09 is after the DST change (EDT, UTC-4).
    expect(out.text).toBe('created 2026-03-02 04:00, visit 2026-03-09 10:30, close 2026-03-20, now 2026-03-02 04:00, due 2026-03-07 09:00');
  });

  it('runs no code: prototype names and functions in the data are not reachable', () => {
    const facts = { evil: () => ({ run: () => 'ran', name: 'x' }) };
    const out = render('[{{constructor}}][{{title.constructor.name}}][{{__proto__}}][{{evil.run}}][{{#constructor}}x{{/constructor}}]', scope(facts));
    expect(out.text).toBe('[][][][][]');
    expect(out.missing).toEqual(['constructor', 'title.constructor.name', '__proto__', 'evil.run']);
  });

  it('leaves an unparsable template as it is and says why', () => {
    const out = renderTemplate('Hello {{#open}}', {});
    expect(out.text).toBe('Hello {{#open}}');
    expect(out.error).toMatch(/Unclosed section "open"/);
    expect(templateProblem('Hello {{#open}}')).toMatch(/not a valid template/);
    expect(templateProblem('Hello {{name}}')).toBeUndefined();
  });
});

describe('templates in the engine', () => {
  const facts = { contact: ({ deal }: { deal: Readonly<Deal> | null }) => ({ company: deal?.fields.company ?? null }) };

  it('setTitle renames the deal from a template and logs what was missing', async () => {
    const engine = engineWith(
      [
        {
          id: 'rename',
          trigger: { type: 'deal.created' },
          actions: [{ type: 'setTitle', params: { template: '{{contact.company}} — {{fields.note}} ({{amount}})' } }],
        },
      ],
      { facts },
    );
    const deal = await engine.createDeal({ ...newDeal, fields: { note: 'POS' } });
    expect(deal.title).toBe(' — POS (1000)');
    const missing = (await engine.history(deal.id)).filter((e) => e.type === 'template.missing');
    expect(missing).toHaveLength(1);
    expect(missing[0]).toMatchObject({
      ruleId: 'rename',
      data: { template: '{{contact.company}} — {{fields.note}} ({{amount}})', missing: ['contact.company'] },
    });
  });

  it('renders notification subject and text when the action runs, in the pipeline timezone', async () => {
    const engine = engineWith([
      {
        id: 'welcome',
        trigger: { type: 'stage.entered', stage: 'proposal' },
        actions: [
          {
            type: 'notify',
            after: { hours: 2 },
            params: { to: 'owner', template: 't', subject: 'Deal {{title}}', text: '{{title}} entered {{stage}} at {{stageEnteredAt}}; amount {{amount}}' },
          },
        ],
      },
    ]);
    const deal = await engine.createDeal(newDeal);
    await engine.moveDeal(deal.id, 'proposal');
    await engine.updateDeal(deal.id, { title: 'Renamed', amount: 1500 });
    await engine.advance({ hours: 3 });
    expect(engine.notifications).toHaveLength(1);
    // The text is rendered when the job runs, so it shows the deal as it is then.
    expect(engine.notifications[0]).toMatchObject({ subject: 'Deal Renamed', text: 'Renamed entered Proposal at 2026-03-02 09:00; amount 1500' });
  });

  it('renders dates in the timezone of the pipeline’s calendar when it has its own', async () => {
    const pipeline = { ...salesPipeline, timezone: 'UTC', calendar: { timezone: 'Asia/Kolkata' } };
    const engine = engineWith([{ id: 'r', trigger: { type: 'deal.created' }, actions: [{ type: 'setTitle', params: { template: 'opened {{createdAt}}' } }] }], {
      pipelines: [pipeline],
    });
    expect((await engine.createDeal(newDeal)).title).toBe('opened 2026-03-02 14:30');
  });

  it('refuses a notification text that does not parse when the rules are loaded', () => {
    expect(() =>
      engineWith([
        { id: 'bad', trigger: { type: 'deal.created' }, actions: [{ type: 'notify', params: { to: 'owner', template: 't', text: 'Hi {{/name}}' } }] },
      ]),
    ).toThrow(expect.objectContaining({ code: 'INVALID_RULES', issues: [expect.objectContaining({ path: '$[0].actions[0].params.text' })] }));
  });

  it('refuses a setTitle template that does not parse when the rules are loaded', () => {
    expect(() => engineWith([{ id: 'bad', trigger: { type: 'deal.created' }, actions: [{ type: 'setTitle', params: { template: '{{#x}}' } }] }])).toThrow(
      expect.objectContaining({ code: 'INVALID_RULES', issues: [expect.objectContaining({ path: '$[0].actions[0].params.template' })] }),
    );
  });
});
