import { describe, expect, it } from 'vitest';
import { actors, directory, pipelineConfig, playbookConfig, ruleConfig, slaConfig } from '../../examples/incoming-call/setup.js';
import { createTestEngine } from '../../src/testing/index.js';

function setup() {
  return createTestEngine({
    pipelines: [pipelineConfig],
    rules: ruleConfig,
    slas: slaConfig,
    playbooks: playbookConfig,
    directory: directory(),
    start: '2026-03-02T08:05:00.000Z', // Monday 09:05 in Berlin
  });
}

const call = (callId: string, answeredBy?: string) => ({
  name: 'call.answered',
  payload: { callId, from: '+49 30 555 0101', callerName: 'Hotel Adler', ...(answeredBy ? { answeredBy } : {}) },
});

describe('an incoming call creates an Unsorted deal owned by the answering seller (scenario 003)', () => {
  it('lands in Unsorted, owned by who picked up, named after the caller, and tells them', async () => {
    const engine = setup();
    const deal = await engine.emit(call('C-1', 'boris'));
    expect(deal).toMatchObject({
      stageId: 'unsorted',
      ownerId: 'boris',
      title: 'Call from Hotel Adler (+49 30 555 0101)',
      fields: { phone: '+49 30 555 0101' },
    });
    expect(engine.notifications.map((m) => [m.recipient.id, m.template])).toEqual([['boris', 'deal.unsorted']]);
    expect((await engine.records('sla', { dealId: deal!.id }))[0]?.data).toMatchObject({
      slaId: 'sort-within-2h',
      status: 'open',
      dueAt: '2026-03-02T10:05:00.000Z',
    });
  });

  it('gives a missed call to the head of sales', async () => {
    const engine = setup();
    expect(await engine.emit(call('C-2'))).toMatchObject({ ownerId: 'maria', stageId: 'unsorted' });
  });

  it('creates one deal when the phone system reports the same call twice', async () => {
    const engine = setup();
    const first = await engine.emit(call('C-1', 'anna'));
    await engine.advance({ minutes: 1 });
    expect(await engine.emit(call('C-1', 'boris'))).toBeNull();
    expect((await engine.listDeals()).map((d) => [d.id, d.ownerId])).toEqual([[first!.id, 'anna']]);
    expect(engine.notifications).toHaveLength(1);
    expect((await engine.history(first!.id)).filter((e) => e.type === 'deal.duplicate')).toHaveLength(1);
  });

  it('is met when the seller sorts it in time, and escalated with a violation when not', async () => {
    const engine = setup();
    const sorted = await engine.emit(call('C-1', 'anna'));
    const forgotten = await engine.emit(call('C-2', 'boris'));
    await engine.advance({ hours: 1 });
    await engine.moveDeal(sorted!.id, 'new', { actor: actors.anna });
    await engine.advance({ hours: 2 });
    const status = Object.fromEntries((await engine.records('sla')).map((r) => [r.dealId, r.data.status]));
    expect(status).toEqual({ [sorted!.id]: 'met', [forgotten!.id]: 'breached' });
    expect((await engine.records('violation')).map((v) => [v.dealId, v.data.name])).toEqual([[forgotten!.id, 'sort-within-2h']]);
    expect(engine.notifications.filter((m) => m.template === 'deal.unsorted.late').map((m) => m.recipient.id)).toEqual(['maria']);
  });
});

describe('a web order creates a deal in New with the fulfilment playbook (scenario 003)', () => {
  const order = { orderId: 'W-5001', customer: 'Café Blau', product: 'Espresso machine', total: 2490 };

  it('names it from the order and starts the first step; a retried webhook changes nothing', async () => {
    const engine = setup();
    const deal = await engine.emit({ name: 'order.placed', payload: order });
    expect(deal).toMatchObject({
      stageId: 'new',
      ownerId: 'boris',
      title: 'Web order W-5001: Café Blau — Espresso machine',
      amount: 2490,
      currency: 'EUR',
      fields: { orderId: 'W-5001', product: 'Espresso machine' },
    });
    const tasks = () => engine.tasks({ dealId: deal!.id });
    expect((await tasks()).map((t) => [t.title, t.status, t.assigneeId, t.dueAt])).toEqual([
      ['Confirm order W-5001 with Café Blau', 'open', 'boris', '2026-03-02T12:05:00.000Z'],
      ['Ship Espresso machine', 'blocked', 'tim', null],
    ]);
    await engine.emit({ name: 'order.placed', payload: order });
    expect(await engine.listDeals()).toHaveLength(1);
    expect(await engine.tasks()).toHaveLength(2);

    await engine.completeTask((await tasks())[0]!.id, { actor: actors.boris });
    expect((await tasks())[1]).toMatchObject({ status: 'open', dueAt: '2026-03-04T08:05:00.000Z' });
  });
});
