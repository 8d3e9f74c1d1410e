import { describe, expect, it } from 'vitest';
import { InMemoryDirectory, type ApprovalData, type ExceptionData, type SlaInput, type StoredRecord } from '../../src/index.js';
import { engineWith, newDeal } from '../helpers.js';

const people = () =>
  new InMemoryDirectory([
    { id: 'anna', managerId: 'maria', roles: ['seller'], teamId: 'north' },
    { id: 'boris', managerId: 'maria', roles: ['seller'], teamId: 'north' },
    { id: 'maria', roles: ['manager'], teamId: 'north' },
    { id: 'mark', roles: ['manager'], teamId: 'north' },
    { id: 'sam', managerId: 'sven', roles: ['seller'], teamId: 'south' },
    { id: 'sven', roles: ['manager'], teamId: 'south' },
  ]);
const actor = {
  anna: { id: 'anna', roles: ['seller'], teamId: 'north' },
  boris: { id: 'boris', roles: ['seller'], teamId: 'north' },
  maria: { id: 'maria', roles: ['manager'], teamId: 'north' },
  mark: { id: 'mark', roles: ['manager'], teamId: 'north' },
  sven: { id: 'sven', roles: ['manager'], teamId: 'south' },
};

const sla: SlaInput = {
  id: 'proposal-5-days',
  start: { trigger: { type: 'deal.created' } },
  stop: { when: { fact: 'deal', path: '$.fields.proposalSentAt', operator: 'notEqual', value: null } },
  within: { days: 5 },
  reminders: [{ id: 'day-before', before: { days: 1 }, actions: [{ type: 'notify', params: { to: 'owner', template: 'reminder' } }] }],
  escalations: [{ actions: [{ type: 'notify', params: { to: 'manager', template: 'missed' } }] }],
};

const extensionRequest = {
  name: 'extension',
  subject: 'More time for {{title}}',
  approvers: ['manager'],
  exception: 'complex',
  onApprove: { set: { 'flags.extensionApproved': true }, extendSla: { sla: 'proposal-5-days', by: { days: 5 } } },
  onReject: { set: { 'flags.extensionApproved': false } },
};

const rules = [
  {
    id: 'complex-asks',
    trigger: { type: 'field.changed', field: 'flags.complex', to: true },
    actions: [{ type: 'requestApproval', params: extensionRequest }],
  },
  {
    id: 'approved',
    trigger: { type: 'approval.decided', name: 'extension', decision: 'approved' },
    actions: [{ type: 'setField', params: { field: 'fields.note', value: 'approved' } }],
  },
  {
    id: 'told',
    trigger: { type: 'approval.decided' },
    actions: [
      { type: 'notify', params: { to: 'owner', template: 'decided', text: '{{event.subject}}: {{event.status}} by {{event.decidedBy}} ({{event.comment}})' } },
    ],
  },
];

function setup() {
  return engineWith(rules as never, { slas: [sla], directory: people(), exceptions: { complex: { reasons: ['special-warranty', 'payment-terms'] } } });
}

const approvalsOf = async (engine: ReturnType<typeof setup>) =>
  (await engine.records('approval')).map((r: StoredRecord) => ({ id: r.id, ...(r.data as unknown as ApprovalData) }));
const snapshot = async (engine: ReturnType<typeof setup>, dealId: string) =>
  JSON.stringify([
    await engine.getDeal(dealId),
    await engine.records('approval'),
    await engine.records('sla'),
    await engine.records('exception'),
    await engine.pendingJobs(dealId),
  ]);

describe('exceptions and approvals', () => {
  it('engine.exceptions: the configured flags and reasons, as a copy', async () => {
    const engine = await setup();
    expect(engine.exceptions).toEqual({ complex: { reasons: ['special-warranty', 'payment-terms'] } });
    engine.exceptions.complex!.reasons = [];
    expect(engine.exceptions.complex!.reasons).toEqual(['special-warranty', 'payment-terms']);
  });

  it('marking a deal complex records the exception with its reason and asks the owner’s manager', async () => {
    const engine = setup();
    const deal = await engine.createDeal(newDeal);
    const ex = await engine.markException(deal.id, { flag: 'complex', reason: 'payment-terms' }, { actor: actor.anna });
    expect((await engine.getDeal(deal.id))!.flags.complex).toBe(true);
    const [approval] = await approvalsOf(engine);
    expect(approval).toMatchObject({
      name: 'extension',
      subject: 'More time for Deal',
      status: 'pending',
      requesterId: 'anna',
      approvers: ['manager'],
      ruleId: 'complex-asks',
      exceptionId: ex.id,
    });
    expect(ex.data as unknown as ExceptionData).toMatchObject({
      flag: 'complex',
      reason: 'payment-terms',
      note: null,
      requestedBy: 'anna',
      ownerId: 'anna',
      status: 'pending',
      approvalId: approval!.id,
    });
    expect(engine.notifications.map((m) => [m.recipient.id, m.template, m.text, m.data.approvalId])).toEqual([
      ['maria', 'approval.requested', 'More time for Deal', approval!.id],
    ]);
  });

  it('takes free text when no listed reason fits, and refuses a reason not on the list', async () => {
    const engine = setup();
    const deal = await engine.createDeal(newDeal);
    await expect(engine.markException(deal.id, { flag: 'complex', reason: 'gut-feeling' })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      issues: [{ path: '$.reason' }],
    });
    await expect(engine.markException(deal.id, { flag: 'complex' })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    expect(await engine.records('exception')).toEqual([]);
    const ex = await engine.markException(deal.id, { flag: 'complex', note: 'the client wants a 5-year warranty' });
    expect(ex.data).toMatchObject({ reason: null, note: 'the client wants a 5-year warranty', requestedBy: 'anna' });
    await expect(engine.markException(deal.id, { flag: 'complex', note: 'again' })).rejects.toMatchObject({ code: 'CONFLICT' });
  });

  it('approval sets the flag, moves the SLA out, stops the old reminders and raises approval.decided', async () => {
    const engine = setup();
    const deal = await engine.createDeal(newDeal);
    await engine.advance({ days: 1 });
    await engine.markException(deal.id, { flag: 'complex', reason: 'special-warranty' }, { actor: actor.anna });
    const [pending] = await approvalsOf(engine);
    const decided = await engine.decideApproval(pending!.id, { decision: 'approve', actor: actor.maria, comment: 'fine' });
    expect(decided.data).toMatchObject({
      status: 'approved',
      decidedBy: 'maria',
      decidedAt: '2026-03-03T09:00:00.000Z',
      comment: 'fine',
      applied: {
        set: { 'flags.extensionApproved': true },
        extendedSla: { sla: 'proposal-5-days', from: '2026-03-07T09:00:00.000Z', to: '2026-03-12T09:00:00.000Z' },
        skipped: [],
      },
    });
    const after = await engine.getDeal(deal.id);
    expect(after!.flags).toEqual({ complex: true, extensionApproved: true });
    expect(after!.fields.note).toBe('approved'); // rules on approval.decided ran (with the decision filter)
    const [inst] = await engine.records('sla');
    expect(inst!.data).toMatchObject({
      dueAt: '2026-03-12T09:00:00.000Z',
      extended: true,
      extensions: [expect.objectContaining({ by: 'maria', approvalId: pending!.id })],
    });
    const [ex] = await engine.records('exception');
    expect(ex!.data).toMatchObject({
      status: 'approved',
      decidedBy: 'maria',
      slaId: 'proposal-5-days',
      slas: [{ sla: 'proposal-5-days', effect: 'extended', dueAt: '2026-03-12T09:00:00.000Z' }],
    });
    await engine.advance({ days: 12 });
    // The day-before reminder comes for the new deadline only; the breach too.
    expect(engine.notifications.map((m) => [m.recipient.id, m.template])).toEqual([
      ['maria', 'approval.requested'],
      ['anna', 'decided'],
      ['anna', 'reminder'],
      ['maria', 'missed'],
    ]);
    expect(engine.notifications[1]!.text).toBe('More time for Deal: approved by maria (fine)');
    const reminders = (await engine.history(deal.id)).filter((e) => e.type === 'sla.reminder' || e.type === 'sla.breached').map((e) => [e.type, e.at]);
    expect(reminders).toEqual([
      ['sla.reminder', '2026-03-11T09:00:00.000Z'],
      ['sla.breached', '2026-03-12T09:00:00.000Z'],
    ]);
  });

  it('rejection keeps the original deadline and applies onReject', async () => {
    const engine = setup();
    const deal = await engine.createDeal(newDeal);
    await engine.markException(deal.id, { flag: 'complex', reason: 'special-warranty' }, { actor: actor.anna });
    const [pending] = await approvalsOf(engine);
    await engine.decideApproval(pending!.id, { decision: 'reject', actor: actor.maria, comment: 'standard terms' });
    expect((await engine.getDeal(deal.id))!.flags).toEqual({ complex: true, extensionApproved: false });
    expect((await engine.getDeal(deal.id))!.fields.note).toBeUndefined(); // the approved-only rule did not fire
    await engine.advance({ days: 6 });
    const [inst] = await engine.records('sla');
    expect(inst!.data).toMatchObject({ status: 'breached', dueAt: '2026-03-07T09:00:00.000Z', extended: false });
    expect((await engine.records('exception'))[0]!.data).toMatchObject({ status: 'rejected', decidedBy: 'maria', slas: [] });
  });

  it('the requester may never decide their own request, and nothing changes', async () => {
    const engine = setup();
    const deal = await engine.createDeal({ ...newDeal, ownerId: 'maria' }); // maria's own deal: she asks
    await engine.markException(deal.id, { flag: 'complex', reason: 'payment-terms' }, { actor: actor.maria });
    const [pending] = await approvalsOf(engine);
    const before = await snapshot(engine, deal.id);
    await expect(engine.decideApproval(pending!.id, { decision: 'approve', actor: actor.maria })).rejects.toMatchObject({
      code: 'FORBIDDEN',
      message: expect.stringContaining('may not decide it'),
    });
    expect(await snapshot(engine, deal.id)).toBe(before);
  });

  it('only an approver decides: not another seller, not a manager who is not the owner’s', async () => {
    const engine = setup();
    const deal = await engine.createDeal(newDeal);
    await engine.markException(deal.id, { flag: 'complex', reason: 'payment-terms' }, { actor: actor.anna });
    const [pending] = await approvalsOf(engine);
    const before = await snapshot(engine, deal.id);
    for (const who of [actor.boris, actor.mark, actor.sven]) {
      await expect(engine.decideApproval(pending!.id, { decision: 'approve', actor: who })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    }
    expect(await snapshot(engine, deal.id)).toBe(before);
    await engine.decideApproval(pending!.id, { decision: 'approve', actor: actor.maria });
    await expect(engine.decideApproval(pending!.id, { decision: 'reject', actor: actor.maria })).rejects.toMatchObject({ code: 'CONFLICT' });
  });

  it('"manager" is notified as resolved at the request, and decides as resolved at the decision (docs/approvals.md)', async () => {
    const directory = people();
    const engine = engineWith(rules as never, { slas: [sla], directory, exceptions: { complex: { reasons: ['payment-terms'] } } });
    const deal = await engine.createDeal(newDeal);
    await engine.markException(deal.id, { flag: 'complex', reason: 'payment-terms' }, { actor: actor.anna });
    expect(engine.notifications.filter((m) => m.template === 'approval.requested').map((m) => m.recipient.id)).toEqual(['maria']);
    // Anna now reports to Mark: the request is his to decide, no longer Maria's.
    directory.add({ id: 'anna', managerId: 'mark', roles: ['seller'], teamId: 'north' });
    const [pending] = await approvalsOf(engine);
    await expect(engine.decideApproval(pending!.id, { decision: 'approve', actor: actor.maria })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await engine.decideApproval(pending!.id, { decision: 'approve', actor: actor.mark });
    expect((await approvalsOf(engine))[0]).toMatchObject({ status: 'approved', decidedBy: 'mark' });
  });

  it('approvers by role and by user id; the AccessPolicy is asked as well', async () => {
    const engine = setup();
    const deal = await engine.createDeal(newDeal);
    const byRole = await engine.requestApproval(deal.id, { name: 'discount', subject: 'Discount', approvers: [{ role: 'manager' }] }, { actor: actor.anna });
    const byUser = await engine.requestApproval(deal.id, { name: 'legal', subject: 'Contract', approvers: [{ user: 'mark' }] }, { actor: actor.anna });
    expect(byRole.data).toMatchObject({ requesterId: 'anna', ruleId: null, status: 'pending' });
    // mark has the role: he may decide the role request…
    await engine.decideApproval(byRole.id, { decision: 'approve', actor: actor.mark });
    // …maria is a manager but not the named user.
    await expect(engine.decideApproval(byUser.id, { decision: 'approve', actor: actor.maria })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await engine.decideApproval(byUser.id, { decision: 'reject', actor: actor.mark });
    // sven has the role, but the default policy keeps him out of another team's deals.
    const third = await engine.requestApproval(deal.id, { name: 'third', subject: 'x', approvers: [{ role: 'manager' }] });
    await expect(engine.decideApproval(third.id, { decision: 'approve', actor: actor.sven })).rejects.toMatchObject({
      code: 'FORBIDDEN',
      message: expect.stringContaining('approval.decide'),
    });
    expect((await approvalsOf(engine)).map((a) => [a.name, a.status, a.decidedBy])).toEqual([
      ['discount', 'approved', 'mark'],
      ['legal', 'rejected', 'mark'],
      ['third', 'pending', null],
    ]);
  });

  it('one pending request per name: a rule repeating it is skipped, the command is refused', async () => {
    const engine = setup();
    const deal = await engine.createDeal(newDeal);
    await engine.updateDeal(deal.id, { flags: { complex: true } });
    await engine.updateDeal(deal.id, { flags: { complex: false } });
    await engine.updateDeal(deal.id, { flags: { complex: true } });
    expect(await engine.records('approval')).toHaveLength(1);
    expect((await engine.history(deal.id)).filter((e) => e.type === 'approval.skipped').map((e) => e.data.reason)).toEqual(['already-pending']);
    await expect(engine.requestApproval(deal.id, { ...extensionRequest, approvers: ['manager'] } as never)).rejects.toMatchObject({ code: 'CONFLICT' });
  });

  it('a flag set without markException still links an exception, asked by the owner', async () => {
    const engine = setup();
    const deal = await engine.createDeal(newDeal);
    await engine.updateDeal(deal.id, { flags: { complex: true } });
    const [ex] = await engine.records('exception');
    expect(ex!.data).toMatchObject({ flag: 'complex', reason: null, note: null, requestedBy: 'anna', status: 'pending' });
  });

  it('refuses bad requests and decisions with typed errors', async () => {
    const engine = setup();
    const deal = await engine.createDeal(newDeal);
    await expect(engine.requestApproval(deal.id, { subject: 'x', approvers: [] } as never)).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      issues: [{ path: '$.approvers' }],
    });
    await expect(engine.requestApproval(deal.id, { subject: '{{#x}}', approvers: ['manager'] })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      issues: [{ path: '$.subject' }],
    });
    await expect(
      engine.requestApproval(deal.id, { subject: 'x', approvers: ['manager'], onApprove: { extendSla: { sla: 'nope', by: { days: 1 } } } }),
    ).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      issues: [{ path: '$.onApprove.extendSla.sla' }],
    });
    await expect(engine.decideApproval('approval-404', { decision: 'approve', actor: actor.maria })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const a = await engine.requestApproval(deal.id, { subject: 'x', approvers: ['manager'] });
    await expect(engine.decideApproval(a.id, { decision: 'maybe', actor: actor.maria } as never)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(engine.decideApproval(a.id, { decision: 'approve' } as never)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    expect(() =>
      engineWith([
        { id: 'r', trigger: { type: 'deal.created' }, actions: [{ type: 'requestApproval', params: { subject: 'x', approvers: ['nobody'] } }] },
      ] as never),
    ).toThrow(expect.objectContaining({ code: 'INVALID_RULES' }));
  });

  it('validates what a decision would do when the approval is requested, not at each attempt to decide (command and action)', async () => {
    const engine = setup();
    const deal = await engine.createDeal(newDeal);
    const before = await snapshot(engine, deal.id);
    await expect(engine.requestApproval(deal.id, { subject: 'x', approvers: ['manager'], onApprove: { moveStage: 'heaven' } })).rejects.toMatchObject({
      code: 'UNKNOWN_STAGE',
      issues: [{ path: '$.onApprove.moveStage' }],
    });
    await expect(engine.requestApproval(deal.id, { subject: 'x', approvers: ['manager'], onReject: { set: { 'fields.nope': 1 } } })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      issues: [{ path: '$.onReject.set["fields.nope"]' }],
    });
    await expect(engine.requestApproval(deal.id, { subject: 'x', approvers: ['manager'], onApprove: { set: { 'flags.vip': 'yes' } } })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
    });
    await expect(engine.requestApproval(deal.id, { subject: 'x', approvers: ['manager'], onApprove: { set: { amount: 'lots' } } })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
    });
    expect(await snapshot(engine, deal.id)).toBe(before);
    // The action form: an unknown stage is refused when the rules are parsed (issue 17), so no rule
    // can request an approval nobody could decide.
    const ask = (onApprove: unknown) => [
      {
        id: 'ask',
        trigger: { type: 'field.changed', field: 'flags.complex', to: true },
        actions: [{ type: 'requestApproval', params: { subject: 'x', approvers: ['manager'], onApprove } }],
      },
    ];
    expect(() => engineWith(ask({ moveStage: 'heaven' }) as never, { directory: people() })).toThrow(
      expect.objectContaining({ code: 'INVALID_RULES', message: expect.stringContaining('onApprove.moveStage: unknown stage "heaven"') }),
    );
    // What parsing cannot know is checked when the rule asks: the command that would have asked is refused, nothing is requested.
    const byRule = engineWith(ask({ set: { amount: 'lots' } }) as never, { directory: people() });
    const other = await byRule.createDeal(newDeal);
    await expect(byRule.updateDeal(other.id, { flags: { complex: true } })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    expect(await byRule.records('approval')).toEqual([]);
  });

  it('emits exception, approval and SLA events after commit, never for a refused decision', async () => {
    const engine = setup();
    const seen: string[] = [];
    for (const name of ['exception.marked', 'approval.requested', 'approval.decided', 'sla.extended'] as const)
      engine.on(name, (e) => seen.push(`${name}:${e.dealId}`));
    const deal = await engine.createDeal(newDeal);
    await engine.markException(deal.id, { flag: 'complex', reason: 'payment-terms' }, { actor: actor.anna });
    const [pending] = await approvalsOf(engine);
    await engine.decideApproval(pending!.id, { decision: 'approve', actor: actor.anna }).catch(() => undefined);
    expect(seen).toEqual([`exception.marked:${deal.id}`, `approval.requested:${deal.id}`]);
    await engine.decideApproval(pending!.id, { decision: 'approve', actor: actor.maria });
    expect(seen.slice(2)).toEqual([`sla.extended:${deal.id}`, `approval.decided:${deal.id}`]);
  });

  it('pending approvals are reminded and escalated like any SLA', async () => {
    const answer: SlaInput = {
      id: 'answer-in-a-day',
      start: { trigger: { type: 'approval.requested' } },
      stop: { trigger: { type: 'approval.decided' } },
      within: { days: 1 },
      reminders: [
        { after: { hours: 4 }, actions: [{ type: 'notify', params: { to: 'manager', template: 'approval.reminder', text: 'Waiting: {{event.subject}}' } }] },
      ],
      escalations: [{ actions: [{ type: 'notify', params: { to: { user: 'mark' }, template: 'approval.overdue' } }] }],
    };
    const engine = engineWith([], { slas: [answer], directory: people() });
    const fast = await engine.createDeal(newDeal);
    const slow = await engine.createDeal(newDeal);
    const a = await engine.requestApproval(fast.id, { subject: 'Fast one', approvers: ['manager'] });
    await engine.requestApproval(slow.id, { subject: 'Slow one', approvers: ['manager'] });
    await engine.advance({ hours: 2 });
    await engine.decideApproval(a.id, { decision: 'approve', actor: actor.maria });
    await engine.advance({ days: 2 });
    expect(engine.notifications.map((m) => [m.dealId, m.recipient.id, m.template, m.text])).toEqual([
      [fast.id, 'maria', 'approval.requested', 'Fast one'],
      [slow.id, 'maria', 'approval.requested', 'Slow one'],
      [slow.id, 'maria', 'approval.reminder', 'Waiting: Slow one'],
      [slow.id, 'mark', 'approval.overdue', null],
    ]);
    const statuses = (await engine.records('sla')).map((r) => [r.dealId, r.data.status]);
    expect(statuses).toEqual([
      [fast.id, 'met'],
      [slow.id, 'breached'],
    ]);
  });
});
