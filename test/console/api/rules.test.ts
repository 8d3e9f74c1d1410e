import { describe, expect, it } from 'vitest';
import { type InMemoryStorage, rulesJsonSchema } from '../../../src/index.js';
import { call, setup, type Who } from './helpers.js';

/** The rule set as the rules page edits it: the demo's rules as `GET api/rules` gives them. */
async function editable(handler: Awaited<ReturnType<typeof setup>>['handler']) {
  return (await call(handler, 'admin', 'GET', 'rules')).body.rules as Array<Record<string, any>>;
}

describe('the rules API', () => {
  it('reading the rules is for whoever may read reports; activating for whoever may change rules', async () => {
    const { handler } = await setup();
    const expected: Record<Who, [number, boolean | undefined]> = { seller: [200, false], manager: [200, false], admin: [200, true], none: [401, undefined] };
    for (const who of Object.keys(expected) as Who[]) {
      const res = await call(handler, who, 'GET', 'rules');
      expect(res.status, who).toBe(expected[who][0]);
      expect(res.body.can?.activate, who).toBe(expected[who][1]);
      if (who !== 'none') expect((await call(handler, who, 'GET', 'session')).body.can).toMatchObject({ rules: true, activateRules: who === 'admin' });
    }
  });

  it('shows the rules as people write them (no versions, no defaults), which check as unchanged; stages and fields to complete', async () => {
    const { handler, demo } = await setup();
    const view = (await call(handler, 'manager', 'GET', 'rules')).body;
    expect(view.rules.map((r: any) => r.id)).toEqual(demo.engine.rules.map((r) => r.id));
    for (const r of view.rules) {
      expect(r).not.toHaveProperty('version');
      expect(r).not.toHaveProperty('once');
      expect(r).not.toHaveProperty('enabled');
    }
    // The schema the package ships (dealflow/schema/rules.json): the demo registers no actions or operators of its own.
    expect(view.schema).toEqual(rulesJsonSchema());
    expect(view.stages).toContainEqual({ pipelineId: 'funnel', id: 'negotiation', detail: 'Negotiation' });
    expect(view.fields).toContainEqual({ pipelineId: 'sales', id: 'proposalSentAt', detail: 'date' });
    expect(view.revision).toBe(0);
    const check = (await call(handler, 'manager', 'POST', 'rules/check', { rules: view.rules })).body;
    expect(check).toMatchObject({ errors: 0, changes: [] });
  });

  it('check reports every problem at its path; the document form { $schema, rules } is accepted', async () => {
    const { handler } = await setup();
    const rules = await editable(handler);
    rules[1]!.trigger.stage = 'nowhere';
    rules[2]!.actions[0].type = 'sendFax';
    const res = await call(handler, 'seller', 'POST', 'rules/check', { rules: { $schema: 'https://example.test/rules.json', rules } });
    expect(res.status).toBe(200);
    expect(res.body.changes).toBeNull();
    expect(res.body.findings.map((f: any) => [f.path, f.code])).toEqual(
      expect.arrayContaining([
        ['$[1].trigger.stage', 'invalid'],
        ['$[2].actions[0].type', 'invalid'],
      ]),
    );
  });

  it('activation: a manager is refused (403, nothing changes); an admin gets the new versions, with what each onChange does to pending jobs', async () => {
    const { handler, demo } = await setup();
    const rules = await editable(handler);
    const callAgain = rules.find((r) => r.id === 'call-again')!;
    callAgain.onChange = 'cancel';
    callAgain.actions[0].after = { businessDays: 8 };
    const pending = (await demo.engine.dueJobs({ until: '2030-01-01T00:00:00.000Z', limit: 10_000 })).filter((j) => j.ruleId === 'call-again');
    expect(pending.length).toBeGreaterThan(0);
    const preview = (await call(handler, 'admin', 'POST', 'rules/check', { rules })).body.changes;
    expect(preview).toEqual([
      expect.objectContaining({ ruleId: 'call-again', kind: 'changed', from: 1, to: 2, policy: 'cancel', pendingJobs: pending.length }),
    ]);
    expect(preview[0].effect).toBe(`${pending.length} pending job(s): they are cancelled when they come due (cancel)`);
    expect(preview[0].deals).toEqual([...new Set(pending.map((j) => j.dealId))].sort().slice(0, 50));

    const log = (demo.engine.storage as InMemoryStorage).log.length;
    const refused = await call(handler, 'manager', 'POST', 'rules/activate', { rules, revision: 0 });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('FORBIDDEN');
    expect(demo.engine.rules.find((r) => r.id === 'call-again')!.version).toBe(1);
    expect((demo.engine.storage as InMemoryStorage).log.length).toBe(log);

    const done = await call(handler, 'admin', 'POST', 'rules/activate', { rules, revision: 0 });
    expect(done.status).toBe(200);
    expect(done.body.revision).toBe(1);
    // What activating did is what the preview said it would.
    expect(done.body.changes).toEqual(preview);
    expect(demo.engine.rules.find((r) => r.id === 'call-again')!.version).toBe(2);
    // A second activation from the same (now stale) revision is refused; the rules stay.
    const stale = await call(handler, 'admin', 'POST', 'rules/activate', { rules: await editable(handler), revision: 0 });
    expect(stale.status).toBe(409);
    expect(stale.body.error.code).toBe('CONFLICT');
    // Versions and activations.
    const view = (await call(handler, 'seller', 'GET', 'rules')).body;
    expect(view.revision).toBe(1);
    expect(view.versions.find((v: any) => v.ruleId === 'call-again')).toMatchObject({ versions: [1, 2], current: 2 });
    expect(view.activations[0]).toMatchObject({ revision: 1, changes: [{ ruleId: 'call-again', kind: 'changed', from: 1, to: 2, policy: 'cancel' }] });
    const versions = (await call(handler, 'seller', 'GET', 'rules/call-again/versions')).body;
    expect(versions.versions.map((v: any) => [v.version, v.rule.onChange ?? 'recheck'])).toEqual([
      [1, 'recheck'],
      [2, 'cancel'],
    ]);
    expect((await call(handler, 'seller', 'GET', 'rules/nothing/versions')).status).toBe(404);
  });

  it('invalid rules are refused by activation with every problem at its path, and change nothing', async () => {
    const { handler, demo } = await setup();
    const rules = await editable(handler);
    rules[0]!.trigger = { type: 'stage.entered', stage: 'nowhere' };
    const res = await call(handler, 'admin', 'POST', 'rules/activate', { rules });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('INVALID_RULES');
    expect(res.body.error.details.issues.map((i: any) => i.path)).toContain('$[0].trigger.stage');
    expect(demo.engine.rules[0]!.trigger).toEqual({ type: 'deal.created' });
  });

  it('a rule set larger than other bodies is taken, up to maxRulesBytes (413 beyond)', async () => {
    const { handler } = await setup({ maxRulesBytes: 64 * 1024 });
    const rules = await editable(handler);
    const big = [
      ...rules,
      ...Array.from({ length: 80 }, (_, i) => ({ ...rules[1], id: `copy-${i}`, name: `A copy, to make the set large: ${'x'.repeat(100)}` })),
    ];
    expect(JSON.stringify({ rules: big }).length).toBeGreaterThan(16 * 1024);
    expect((await call(handler, 'admin', 'POST', 'rules/check', { rules: big })).status).toBe(200);
    const huge = [...big, ...big, ...big, ...big];
    expect(JSON.stringify({ rules: huge }).length).toBeGreaterThan(64 * 1024);
    const res = await call(handler, 'admin', 'POST', 'rules/check', { rules: huge });
    expect(res.status).toBe(413);
    // Other requests keep the small limit.
    expect((await call(handler, 'admin', 'POST', 'deals', { title: 'x'.repeat(20_000) })).status).toBe(413);
  });
});
