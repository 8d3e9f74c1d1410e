import type { PipelineInput } from '../../src/model/pipeline.js';
import type { RuleInput } from '../../src/model/rule.js';

/**
 * A realistic rule set of 30 rules for the year simulation: the 5-day proposal rule, stage robots
 * with deadlines and escalations, field watchers, and reactions to external events.
 */
export const yearPipeline: PipelineInput = {
  id: 'sales',
  name: 'Sales',
  timezone: 'Europe/Berlin',
  stages: [
    { id: 'new', name: 'New' },
    { id: 'qualification', name: 'Qualification' },
    { id: 'proposal', name: 'Proposal' },
    { id: 'negotiation', name: 'Negotiation' },
    { id: 'invoice', name: 'Invoice' },
    { id: 'won', name: 'Won', kind: 'won' },
    { id: 'lost', name: 'Lost', kind: 'lost' },
  ],
  fields: {
    source: { type: 'string' },
    score: { type: 'number' },
    region: { type: 'string' },
    proposalSentAt: { type: 'date' },
    lastContact: { type: 'string' },
    hot: { type: 'boolean' },
  },
};

const notify = (to: string, template: string, timing: Record<string, unknown> = {}) => ({ type: 'notify', params: { to, template }, ...timing });
const deal = (path: string, operator: string, value: unknown) => ({ fact: 'deal', path, operator, value });
const event = (path: string, operator: string, value: unknown) => ({ fact: 'event', path, operator, value });

export const yearRules: RuleInput[] = [
  // Creation
  {
    id: 'proposal-within-5-days',
    trigger: { type: 'deal.created' },
    when: deal('$.amount', 'lessThan', 10_000),
    until: deal('$.fields.proposalSentAt', 'notEqual', null),
    actions: [
      notify('owner', 'proposal.requested'),
      notify('owner', 'proposal.reminder', { id: 'd1', after: { days: 1 } }),
      notify('owner', 'proposal.reminder', { id: 'd4', after: { days: 4 } }),
      notify('manager', 'proposal.missed', { id: 'd5', after: { days: 5 } }),
      { id: 'violation', type: 'recordViolation', after: { days: 5 }, params: { name: 'proposal-5-days' } },
    ],
  },
  { id: 'big-deal-alert', trigger: { type: 'deal.created' }, when: deal('$.amount', 'greaterThanInclusive', 50_000), actions: [notify('manager', 'big-deal')] },
  {
    id: 'partner-source',
    trigger: { type: 'deal.created' },
    when: deal('$.fields.source', 'in', ['partner', 'referral']),
    actions: [{ type: 'setFlag', params: { flag: 'partner' } }],
  },
  {
    id: 'initial-score',
    trigger: { type: 'deal.created' },
    when: { all: [deal('$.fields.source', 'equal', 'web'), deal('$.amount', 'greaterThan', 5_000)] },
    actions: [{ type: 'setField', params: { field: 'fields.score', value: 40 } }],
  },
  // Stage robots
  {
    id: 'qualify-within-2-days',
    trigger: { type: 'stage.entered', stage: 'qualification' },
    actions: [notify('owner', 'qualify.reminder', { after: { days: 2 } })],
  },
  {
    id: 'qualification-stalled',
    trigger: { type: 'stage.entered', stage: 'qualification' },
    actions: [notify('manager', 'qualification.stalled', { after: { days: 7 } })],
  },
  { id: 'proposal-stage-brief', trigger: { type: 'stage.entered', stage: 'proposal' }, actions: [notify('owner', 'proposal.brief')] },
  {
    id: 'proposal-stage-deadline',
    trigger: { type: 'stage.entered', stage: 'proposal' },
    until: deal('$.fields.proposalSentAt', 'notEqual', null),
    actions: [notify('owner', 'proposal.deadline', { after: { days: 3 } })],
  },
  {
    id: 'negotiation-followup',
    trigger: { type: 'stage.entered', stage: 'negotiation' },
    actions: [notify('owner', 'negotiation.followup', { after: { days: 3 } })],
  },
  {
    id: 'negotiation-escalate',
    trigger: { type: 'stage.entered', stage: 'negotiation' },
    when: deal('$.amount', 'greaterThan', 20_000),
    actions: [notify('manager', 'negotiation.escalate', { after: { days: 10 } })],
  },
  { id: 'invoice-sent', trigger: { type: 'stage.entered', stage: 'invoice' }, actions: [notify('owner', 'invoice.sent')] },
  { id: 'invoice-overdue', trigger: { type: 'stage.entered', stage: 'invoice' }, actions: [notify('owner', 'invoice.overdue', { after: { days: 14 } })] },
  { id: 'won-thanks', trigger: { type: 'stage.entered', stage: 'won' }, actions: [notify('owner', 'deal.won'), notify('manager', 'deal.won')] },
  {
    id: 'lost-review',
    trigger: { type: 'stage.entered', stage: 'lost' },
    when: deal('$.amount', 'greaterThan', 30_000),
    actions: [notify('manager', 'deal.lost.review')],
  },
  { id: 'left-new', trigger: { type: 'stage.left', stage: 'new' }, actions: [{ type: 'setField', params: { field: 'fields.lastContact', value: 'stage' } }] },
  // Field watchers
  {
    id: 'proposal-sent-note',
    trigger: { type: 'field.changed', field: 'fields.proposalSentAt' },
    when: deal('$.fields.proposalSentAt', 'notEqual', null),
    actions: [notify('manager', 'proposal.sent')],
  },
  {
    id: 'hot-lead',
    trigger: { type: 'field.changed', field: 'fields.score' },
    when: deal('$.fields.score', 'greaterThanInclusive', 70),
    actions: [{ type: 'setField', params: { field: 'fields.hot', value: true } }],
  },
  { id: 'hot-notify', trigger: { type: 'field.changed', field: 'fields.hot', to: true }, actions: [notify('owner', 'lead.hot')] },
  {
    id: 'cold-lead',
    trigger: { type: 'field.changed', field: 'fields.score' },
    when: deal('$.fields.score', 'lessThan', 20),
    actions: [{ type: 'setField', params: { field: 'fields.hot', value: false } }],
  },
  {
    id: 'amount-raised',
    trigger: { type: 'field.changed', field: 'amount' },
    when: deal('$.amount', 'greaterThan', 50_000),
    actions: [notify('manager', 'amount.raised')],
  },
  { id: 'owner-changed', trigger: { type: 'field.changed', field: 'ownerId' }, actions: [notify('owner', 'deal.assigned')] },
  // External events
  {
    id: 'email-opened',
    trigger: { type: 'event', name: 'email.opened' },
    actions: [{ type: 'setField', params: { field: 'fields.lastContact', value: 'email' } }],
  },
  {
    id: 'call-logged',
    trigger: { type: 'event', name: 'call.logged' },
    when: event('$.minutes', 'greaterThan', 10),
    actions: [{ type: 'setField', params: { field: 'fields.lastContact', value: 'call' } }],
  },
  {
    id: 'call-hot',
    trigger: { type: 'event', name: 'call.logged' },
    when: { all: [event('$.minutes', 'greaterThan', 30), deal('$.stageId', 'in', ['qualification', 'proposal'])] },
    actions: [{ type: 'setField', params: { field: 'fields.score', value: 80 } }],
  },
  {
    id: 'meeting-booked',
    trigger: { type: 'event', name: 'meeting.booked' },
    when: deal('$.stageId', 'equal', 'qualification'),
    actions: [{ type: 'moveStage', params: { stage: 'proposal' } }],
  },
  { id: 'meeting-reminder', trigger: { type: 'event', name: 'meeting.booked' }, actions: [notify('owner', 'meeting.prepare', { after: { days: 1 } })] },
  {
    id: 'invoice-paid',
    trigger: { type: 'event', name: 'invoice.paid' },
    when: deal('$.stageId', 'equal', 'invoice'),
    actions: [{ type: 'moveStage', params: { stage: 'won' } }],
  },
  {
    id: 'complaint',
    trigger: { type: 'event', name: 'complaint' },
    actions: [notify('manager', 'complaint'), { type: 'setFlag', params: { flag: 'complex' } }],
  },
  { id: 'vip-event', trigger: { type: 'event', name: 'email.opened' }, when: deal('$.flags.vip', 'equal', true), actions: [notify('owner', 'vip.engaged')] },
  { id: 'manual-nudge', trigger: { type: 'manual' }, actions: [notify('owner', 'nudge')] },
] as RuleInput[];
