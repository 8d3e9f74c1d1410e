import { describe, expect, it } from 'vitest';
import type { RuleInput } from '../../src/index.js';
import { engineWith, newDeal, notifyOwner } from '../helpers.js';

/** A rule that tells the owner `template` two days after a deal is created. */
function followUp(template: string, extra: Partial<RuleInput> = {}): RuleInput {
  return { id: 'follow-up', trigger: { type: 'deal.created' }, actions: [{ id: 'nudge', ...notifyOwner(template, { after: { days: 2 } }) }], ...extra };
}

async function cancelReasons(engine: ReturnType<typeof engineWith>, dealId: string) {
  return (await engine.history(dealId)).filter((e) => e.type === 'job.cancelled').map((e) => e.data);
}

describe('rule versions and pending jobs', () => {
  it('numbers versions itself: 1 at first, the same while unchanged, one more per change', async () => {
    const engine = engineWith([followUp('v1')]);
    expect(engine.rules[0]!.version).toBe(1);
    expect(await engine.setRules([followUp('v1')])).toEqual([]);
    expect(engine.rules[0]!.version).toBe(1);
    const changes = await engine.setRules([followUp('v2')]);
    expect(changes).toEqual([{ ruleId: 'follow-up', kind: 'changed', from: 1, to: 2, policy: 'recheck' }]);
    expect(engine.ruleVersions('follow-up').map((r) => r.version)).toEqual([1, 2]);
    const log = await engine.storage.transaction((tx) => tx.readLog({ types: ['rules.changed'] }));
    expect(log).toEqual([expect.objectContaining({ dealId: null, data: { changes } })]);
  });

  it('pins a job to the version that scheduled it: it is logged with that version', async () => {
    const engine = engineWith([followUp('v1')]);
    const deal = await engine.createDeal(newDeal);
    expect((await engine.pendingJobs(deal.id))[0]).toMatchObject({ ruleId: 'follow-up', ruleVersion: 1 });
    await engine.advance({ days: 2 });
    const ran = (await engine.history(deal.id)).find((e) => e.type === 'job.ran');
    expect(ran?.data).toMatchObject({ ruleVersion: 1 });
  });

  it('keep: a job of the old version finishes under it, while new deals get the new version', async () => {
    const engine = engineWith([followUp('v1')]);
    const before = await engine.createDeal(newDeal);
    await engine.advance({ days: 1 });
    await engine.setRules([followUp('v2', { onChange: 'keep' })]);
    const after = await engine.createDeal(newDeal);
    await engine.advance({ days: 3 });
    expect(engine.notifications.map((m) => [m.dealId, m.template])).toEqual([
      [before.id, 'v1'],
      [after.id, 'v2'],
    ]);
    const ran = (await engine.history(before.id)).find((e) => e.type === 'job.ran');
    expect(ran?.data).toMatchObject({ ruleVersion: 1, scheduledVersion: 1, currentVersion: 2, policy: 'keep' });
  });

  it('recheck: the old job runs under the new version, its criteria included', async () => {
    const engine = engineWith([followUp('v1')]);
    const small = await engine.createDeal({ ...newDeal, amount: 100 });
    const big = await engine.createDeal({ ...newDeal, amount: 50_000 });
    await engine.setRules([followUp('v2', { when: { fact: 'deal', path: '$.amount', operator: 'lessThan', value: 1000 } })]);
    await engine.advance({ days: 2 });
    expect(engine.notifications.map((m) => [m.dealId, m.template])).toEqual([[small.id, 'v2']]);
    expect(await cancelReasons(engine, big.id)).toEqual([expect.objectContaining({ reason: 'criteria-no-longer-hold' })]);
    const ran = (await engine.history(small.id)).find((e) => e.type === 'job.ran');
    expect(ran?.data).toMatchObject({ ruleVersion: 2, scheduledVersion: 1, policy: 'recheck' });
  });

  it('recheck: a job whose action the new version dropped is cancelled as action-removed', async () => {
    const engine = engineWith([followUp('v1')]);
    const deal = await engine.createDeal(newDeal);
    await engine.setRules([{ ...followUp('v2'), actions: [{ id: 'other', ...notifyOwner('other', { after: { days: 5 } }) }] }]);
    await engine.advance({ days: 2 });
    expect(engine.notifications).toEqual([]);
    expect(await cancelReasons(engine, deal.id)).toEqual([expect.objectContaining({ reason: 'action-removed', ruleVersion: 2 })]);
  });

  it('cancel: the old version’s pending jobs are dropped with the versions in the reason', async () => {
    const engine = engineWith([followUp('v1')]);
    const deal = await engine.createDeal(newDeal);
    await engine.setRules([followUp('v2', { onChange: 'cancel' })]);
    await engine.advance({ days: 3 });
    expect(engine.notifications).toEqual([]);
    expect(await cancelReasons(engine, deal.id)).toEqual([
      expect.objectContaining({ reason: 'rule-changed', scheduledVersion: 1, version: 2, policy: 'cancel' }),
    ]);
    expect(await engine.pendingJobs(deal.id)).toEqual([]);
  });

  it('walks every version in between: keep, then cancel, cancels', async () => {
    const engine = engineWith([followUp('v1')]);
    const deal = await engine.createDeal(newDeal);
    await engine.setRules([followUp('v2', { onChange: 'keep' })]);
    await engine.setRules([followUp('v3', { onChange: 'cancel' })]);
    await engine.advance({ days: 3 });
    expect(engine.notifications).toEqual([]);
    expect(await cancelReasons(engine, deal.id)).toEqual([expect.objectContaining({ reason: 'rule-changed', scheduledVersion: 1, version: 3 })]);
  });

  describe('disabling never leaves a job firing silently', () => {
    it('recheck (the default): the jobs are cancelled as rule-disabled', async () => {
      const engine = engineWith([followUp('v1')]);
      const deal = await engine.createDeal(newDeal);
      const changes = await engine.setRules([followUp('v1', { enabled: false })]);
      expect(changes).toEqual([{ ruleId: 'follow-up', kind: 'disabled', from: 1, to: 2, policy: 'recheck' }]);
      await engine.advance({ days: 3 });
      expect(engine.notifications).toEqual([]);
      expect(await cancelReasons(engine, deal.id)).toEqual([expect.objectContaining({ reason: 'rule-disabled', ruleVersion: 2 })]);
    });

    it('cancel: the jobs are cancelled as rule-disabled', async () => {
      const engine = engineWith([followUp('v1')]);
      const deal = await engine.createDeal(newDeal);
      await engine.setRules([followUp('v1', { enabled: false, onChange: 'cancel' })]);
      await engine.advance({ days: 3 });
      expect(await cancelReasons(engine, deal.id)).toEqual([expect.objectContaining({ reason: 'rule-disabled', policy: 'cancel' })]);
    });

    it('keep: they finish under the old version, and the history says the rule has moved on', async () => {
      const engine = engineWith([followUp('v1')]);
      const deal = await engine.createDeal(newDeal);
      await engine.setRules([followUp('v1', { enabled: false, onChange: 'keep' })]);
      const later = await engine.createDeal(newDeal);
      await engine.advance({ days: 3 });
      expect(engine.notifications.map((m) => m.dealId)).toEqual([deal.id]);
      const ran = (await engine.history(deal.id)).find((e) => e.type === 'job.ran');
      expect(ran?.data).toMatchObject({ ruleVersion: 1, currentVersion: 2, policy: 'keep', ruleDisabled: true });
      expect((await engine.history(later.id)).map((e) => e.type)).toEqual(['deal.created']);
    });
  });

  it('removing a rule cancels its jobs unless its last version said keep', async () => {
    const engine = engineWith([followUp('v1'), { ...followUp('kept', { onChange: 'keep' }), id: 'kept' }]);
    const deal = await engine.createDeal(newDeal);
    const changes = await engine.setRules([]);
    expect(changes.map((c) => [c.ruleId, c.kind, c.policy])).toEqual([
      ['follow-up', 'removed', 'recheck'],
      ['kept', 'removed', 'keep'],
    ]);
    await engine.advance({ days: 3 });
    expect(engine.notifications.map((m) => m.template)).toEqual(['kept']);
    expect(await cancelReasons(engine, deal.id)).toEqual([expect.objectContaining({ reason: 'rule-removed' })]);
  });

  it('refuses an explicit version that goes back, or stays while the rule changed', () => {
    const engine = engineWith([followUp('v1', { version: 3 })]);
    expect(() => engine.setRules([followUp('v2', { version: 3 })])).toThrow(
      expect.objectContaining({ code: 'INVALID_RULES', issues: [expect.objectContaining({ path: '$[0].version' })] }),
    );
    expect(() => engine.setRules([followUp('v1', { version: 2 })])).toThrow(expect.objectContaining({ code: 'INVALID_RULES' }));
    expect(engine.rules[0]).toMatchObject({ version: 3 });
  });
});
