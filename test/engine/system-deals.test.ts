import { describe, expect, it } from 'vitest';
import { isDealflowError, type AnyHistoryEntry, type PlaybookInput, type RuleInput } from '../../src/index.js';
import { directory, engineWith } from '../helpers.js';

const incomingCall: RuleInput = {
  id: 'incoming-call',
  trigger: { type: 'event', name: 'call.incoming' },
  actions: [
    {
      type: 'createDeal',
      params: {
        pipeline: 'sales',
        owner: { fromEvent: '$.answeredBy' },
        title: 'Call from {{event.phone}}',
        fields: { note: { fromEvent: '$.summary' } },
        externalId: '$.callId',
      },
    },
  ],
};

const welcome: RuleInput = {
  id: 'welcome-new-deal',
  trigger: { type: 'deal.created' },
  actions: [{ type: 'notify', params: { to: 'owner', template: 'deal.new', text: 'New deal: {{title}}' } }],
};

const onboarding: PlaybookInput = {
  id: 'web-order',
  name: 'Web order fulfilment',
  tasks: [
    { key: 'confirm', title: 'Confirm order {{event.orderId}}', due: { hours: 4 } },
    { key: 'ship', title: 'Ship {{event.product}}', dependsOn: ['confirm'], due: { days: 2 } },
  ],
};

const webOrder: RuleInput = {
  id: 'web-order',
  trigger: { type: 'event', name: 'order.placed' },
  actions: [
    {
      type: 'createDeal',
      params: {
        pipeline: 'sales',
        stage: 'new',
        owner: { fromEvent: '$.assignedTo', default: 'boris' },
        title: '{{event.customer}} — {{event.product}}',
        amount: { fromEvent: '$.total' },
        externalId: '$.orderId',
      },
    },
    { type: 'launchPlaybook', params: { playbook: 'web-order' } },
  ],
};

function setup(rules: RuleInput[]) {
  const engine = engineWith(rules, { playbooks: [onboarding] });
  const log: AnyHistoryEntry[] = [];
  engine.on('log', (e) => log.push(e));
  return { engine, log };
}

describe('an incoming call creates a deal', () => {
  it('in the inbox stage, owned by the seller who answered, named from the call', async () => {
    const { engine } = setup([incomingCall, welcome]);
    const deal = await engine.emit({ name: 'call.incoming', payload: { callId: 'C-77', phone: '+49 30 1234', answeredBy: 'boris', summary: 'wants a quote' } });
    expect(deal).toMatchObject({ stageId: 'unsorted', ownerId: 'boris', title: 'Call from +49 30 1234', fields: { note: 'wants a quote' }, version: 1 });
    expect(await engine.listDeals()).toHaveLength(1);
    // The new deal's own rules ran in the same command.
    expect(engine.notifications.map((m) => [m.recipient.id, m.text])).toEqual([['boris', 'New deal: Call from +49 30 1234']]);
    const history = await engine.history(deal!.id);
    expect(history.find((e) => e.type === 'deal.created')).toMatchObject({ ruleId: 'incoming-call', data: { by: 'incoming-call' } });
  });

  it('creates one deal for a call reported twice, and notes the duplicate on it', async () => {
    const { engine } = setup([incomingCall, welcome]);
    const call = { name: 'call.incoming', payload: { callId: 'C-77', phone: '+49 30 1234', answeredBy: 'boris' } };
    const first = await engine.emit(call);
    const second = await engine.emit({ ...call, payload: { ...call.payload, answeredBy: 'anna' } });
    expect(second).toBeNull();
    expect((await engine.listDeals()).map((d) => d.id)).toEqual([first!.id]);
    expect(engine.notifications).toHaveLength(1);
    const duplicate = (await engine.history(first!.id)).find((e) => e.type === 'deal.duplicate');
    expect(duplicate?.data).toEqual({ externalId: 'C-77', pipelineId: 'sales', dealId: first!.id });
    // A different call is a different deal.
    expect(await engine.emit({ ...call, payload: { ...call.payload, callId: 'C-78' } })).not.toBeNull();
    expect(await engine.listDeals()).toHaveLength(2);
  });

  it('creates nothing, and says why, when the event names no owner and no default is given', async () => {
    const { engine, log } = setup([incomingCall]);
    expect(await engine.emit({ name: 'call.incoming', payload: { callId: 'C-1', phone: '112' } })).toBeNull();
    expect(await engine.listDeals()).toEqual([]);
    expect(log.find((e) => e.type === 'deal.notCreated')?.data.reason).toBe('the event has no owner at $.answeredBy and no default is given');
  });

  it('does nothing for an event that already has a deal', async () => {
    const { engine } = setup([incomingCall]);
    const existing = await engine.createDeal({ pipelineId: 'sales', ownerId: 'anna' });
    await engine.emit({ name: 'call.incoming', dealId: existing.id, payload: { callId: 'C-2', answeredBy: 'boris' } });
    expect(await engine.listDeals()).toHaveLength(1);
    expect((await engine.history(existing.id)).find((e) => e.type === 'deal.notCreated')?.data.reason).toMatch(/already has deal/);
  });
});

describe('a web order creates a deal and launches a playbook', () => {
  it('in New, titled from the template, with the playbook’s first step open and the next one waiting', async () => {
    const { engine } = setup([webOrder]);
    const order = { orderId: 'W-1001', customer: 'Café Blau', product: 'Espresso machine', total: 2490 };
    const deal = await engine.emit({ name: 'order.placed', payload: order });
    expect(deal).toMatchObject({ stageId: 'new', ownerId: 'boris', title: 'Café Blau — Espresso machine', amount: 2490 });
    const tasks = await engine.tasks({ dealId: deal!.id });
    expect(tasks.map((t) => [t.key, t.title, t.status, t.dueAt])).toEqual([
      ['confirm', 'Confirm order W-1001', 'open', '2026-03-02T13:00:00.000Z'],
      ['ship', 'Ship Espresso machine', 'blocked', null],
    ]);
    expect(tasks[1]!.playbook).toEqual(tasks[0]!.playbook);
    // The shop retries its webhook: still one deal, one set of tasks.
    await engine.emit({ name: 'order.placed', payload: order });
    expect(await engine.listDeals()).toHaveLength(1);
    expect(await engine.tasks()).toHaveLength(2);
  });

  it('rejects an order whose total is not a number, changing nothing', async () => {
    const { engine } = setup([webOrder]);
    const error = await engine.emit({ name: 'order.placed', payload: { orderId: 'W-1', customer: 'X', product: 'Y', total: 'lots' } }).catch((e) => e);
    expect(isDealflowError(error, 'INVALID_INPUT')).toBe(true);
    expect(error.message).toBe('createDeal (rule "web-order"): the event\'s amount "lots" is not a number');
    expect(await engine.listDeals()).toEqual([]);
    expect(await engine.records('external-deal')).toEqual([]);
  });
});

describe('createDeal params', () => {
  it('are checked when the rules are parsed, with JSON paths', () => {
    const bad: RuleInput = {
      id: 'bad',
      trigger: { type: 'event', name: 'call.incoming' },
      actions: [
        { type: 'createDeal', params: { pipeline: 'sales', stage: 'limbo', owner: { fromEvent: '$..who' }, externalId: '$[*]' } },
        { type: 'createDeal', params: { pipeline: 'support', owner: 'anna' } },
      ],
    };
    let error: unknown;
    try {
      engineWith([bad], { directory: directory() });
    } catch (e) {
      error = e;
    }
    expect(isDealflowError(error, 'INVALID_RULES')).toBe(true);
    expect((error as { issues: Array<{ path: string }> }).issues.map((i) => i.path).sort()).toEqual([
      '$[0].actions[0].params.externalId',
      '$[0].actions[0].params.owner.fromEvent',
      '$[0].actions[0].params.stage',
      '$[0].actions[1].params.pipeline',
    ]);
  });
});
