import { describe, expect, it } from 'vitest';
import type { AnyHistoryEntry } from '../../src/index.js';
import { timelineItems } from '../../src/console/timeline.js';

const pipeline = {
  id: 'p',
  name: 'P',
  timezone: 'Europe/Berlin',
  calendar: undefined,
  stages: [
    { id: 'new', name: 'New deal', kind: 'open' },
    { id: 'proposal', name: 'Proposal', kind: 'open' },
  ],
} as never;
const rules = [
  { id: 'nudge', name: 'Nudge the owner', trigger: { type: 'stage.entered', stage: 'proposal' }, actions: [{ type: 'notify', params: {} }] },
] as never;
const names: Record<string, string> = { anna: 'Anna Berg', maria: 'Maria Vogt' };
const words = (entries: Array<Omit<AnyHistoryEntry, 'id' | 'dealId'>>) =>
  timelineItems(
    entries.map((e, i) => ({ id: `log-${i}`, dealId: 'D-1', ...e })),
    { pipeline, rules, userName: (id) => names[id] ?? id, zone: 'Europe/Berlin' },
  ).map((t) => [t.text, t.tone]);

describe('a deal’s history in words', () => {
  it('says what was scheduled for when, what was cancelled and why, and what was delivered or given up on', () => {
    expect(
      words([
        { at: '2026-03-02T08:00:00.000Z', type: 'stage.changed', data: { from: 'new', to: 'proposal', by: 'command' } },
        { at: '2026-03-02T08:00:00.000Z', type: 'rule.fired', ruleId: 'nudge', data: { trigger: { type: 'stage.entered', stage: 'proposal' } } },
        { at: '2026-03-02T08:00:00.000Z', type: 'job.scheduled', ruleId: 'nudge', data: { actionId: '0', type: 'notify', dueAt: '2026-03-05T08:00:00.000Z' } },
        { at: '2026-03-02T08:00:00.000Z', type: 'action.executed', ruleId: 'nudge', data: {} },
        {
          at: '2026-03-03T08:00:00.000Z',
          type: 'job.cancelled',
          ruleId: 'nudge',
          data: { actionId: '0', dueAt: '2026-03-05T08:00:00.000Z', reason: 'left-stage' },
        },
        {
          at: '2026-03-03T08:00:00.000Z',
          type: 'job.cancelled',
          ruleId: 'sla:proposal-5-days/breach',
          data: { actionId: 'breach', dueAt: '2026-03-07T08:00:00.000Z', reason: 'odd' },
        },
        { at: '2026-03-03T08:00:00.000Z', type: 'outbox.delivered', data: { recipientId: 'anna', kind: 'notification' } },
        { at: '2026-03-03T08:00:00.000Z', type: 'outbox.dead', data: { recipientId: 'maria', error: '554 relay down' } },
        { at: '2026-03-03T08:00:00.000Z', type: 'approval.decided', data: { name: 'more-time', decision: 'approved', decidedBy: 'maria' } },
        { at: '2026-03-03T08:00:00.000Z', type: 'something.newKind', data: {} },
      ]),
    ).toEqual([
      ['Moved from New deal to Proposal', 'good'],
      ['Rule “Nudge the owner” fired on stage.entered proposal', 'info'],
      ['Notify scheduled for Thu 5 Mar 09:00 (rule “Nudge the owner”)', 'info'],
      ['Notify of “Nudge the owner” due Thu 5 Mar 09:00 cancelled: the deal left the stage', 'muted'],
      ['Breach of deadline “proposal-5-days” due Sat 7 Mar 09:00 cancelled: odd', 'muted'],
      ['Notification delivered to Anna Berg', 'good'],
      ['Delivery to Maria Vogt given up: 554 relay down (a dead letter)', 'bad'],
      ['Approval “more-time” approved by Maria Vogt', 'good'],
      ['Something new kind', 'muted'],
    ]);
  });

  it('says what a rule change did to a job an earlier version scheduled: ran under which version, or cancelled by its onChange', () => {
    const job = (data: Record<string, unknown>) => ({
      at: '2026-03-05T08:00:00.000Z',
      ruleId: 'nudge',
      data: { actionId: '0', dueAt: '2026-03-05T08:00:00.000Z', ...data },
    });
    expect(
      words([
        { type: 'job.ran', ...job({ ruleVersion: 1 }) },
        { type: 'job.ran', ...job({ ruleVersion: 2, scheduledVersion: 1, currentVersion: 2, policy: 'recheck' }) },
        { type: 'job.ran', ...job({ ruleVersion: 1, scheduledVersion: 1, currentVersion: 2, policy: 'keep' }) },
        { type: 'job.cancelled', ...job({ reason: 'rule-changed', scheduledVersion: 1, version: 2, policy: 'cancel' }) },
        { type: 'job.cancelled', ...job({ reason: 'rule-removed' }) },
      ]).map(([text]) => text),
    ).toEqual([
      'Notify of “Nudge the owner” ran (due Thu 5 Mar 09:00)',
      'Notify of “Nudge the owner” ran (due Thu 5 Mar 09:00) re-checked under v2 (scheduled by v1; onChange: recheck)',
      'Notify of “Nudge the owner” ran (due Thu 5 Mar 09:00) as v1 scheduled it (onChange: keep)',
      'Notify of “Nudge the owner” due Thu 5 Mar 09:00 cancelled: its rule changed, and the new version cancels pending jobs (onChange: cancel)',
      'Notify of “Nudge the owner” due Thu 5 Mar 09:00 cancelled: its rule was removed',
    ]);
  });
});
