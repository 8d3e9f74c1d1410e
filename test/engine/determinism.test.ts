import { describe, expect, it } from 'vitest';
import { InMemoryStorage } from '../../src/index.js';
import { proposalDirectory, proposalPipeline, proposalRules } from '../../examples/proposal-deadline/setup.js';
import { createTestEngine } from '../../src/testing/index.js';
import { createEngine, InMemoryNotifier, SequentialIds } from '../../src/index.js';
import { FakeClock } from '../../src/testing/index.js';
import { generateHistory, GENERATED_PIPELINE, placeholderDirectory, simulate, type HistoryEvent } from '../../src/simulation/index.js';
import { slaConfig } from '../../examples/proposal-sla-with-exception/setup.js';

async function run() {
  const storage = new InMemoryStorage();
  const engine = createTestEngine({
    pipelines: [proposalPipeline],
    rules: proposalRules,
    directory: proposalDirectory(),
    storage,
    start: '2026-03-02T08:00:00.000Z',
  });
  for (let i = 0; i < 20; i++) {
    await engine.createDeal({ pipelineId: 'sales', ownerId: i % 2 ? 'anna' : 'boris', title: `Deal ${i}`, amount: 2000 * i });
    await engine.advance({ hours: 7 });
    if (i % 3 === 0) await engine.updateDeal(`deal-${i + 1}`, { fields: { proposalSentAt: engine.clock.now().toISOString() } });
    if (i % 5 === 0) await engine.moveDeal(`deal-${i + 1}`, 'proposal');
  }
  await engine.advance({ days: 7 });
  return { log: JSON.stringify(storage.log), outbox: JSON.stringify([...storage.outbox.values()]), sent: JSON.stringify(engine.notifications) };
}

describe('determinism', () => {
  it('the same rules, inputs and clock readings give byte-identical logs and outboxes', async () => {
    const a = await run();
    const b = await run();
    expect(a.log.length).toBeGreaterThan(10_000);
    expect(a.log).toBe(b.log);
    expect(a.outbox).toBe(b.outbox);
    expect(a.sent).toBe(b.sent);
  });
});

// The simulation (dealflow/simulation) is meant to be the engine replaying a history, nothing
// more: the same inputs through `simulate` and through an engine a host drives itself (commands at
// their times, due work run at its due times, on the in-memory store and a fake clock) give the
// same history, entry for entry, byte for byte. A difference is a simulation that does not
// predict production.
const window = { from: '2025-01-06T00:00:00.000Z', to: '2025-03-14T00:00:00.000Z' };
const history = generateHistory({ deals: 40, days: 60, seed: 'determinism', start: window.from });
// The seed rules and SLA, plus a manager's morning digest, an external event's rule and a task, so those are compared too.
const extraRules = [
  {
    id: 'won-digest',
    trigger: { type: 'stage.entered', stage: 'won' },
    actions: [{ type: 'notify', params: { to: 'manager', template: 'deal.won', text: '{{title}} won', digest: 'morning' } }],
  },
  { id: 'paid', trigger: { type: 'event', name: 'invoice.paid' }, actions: [{ type: 'setFlag', params: { flag: 'paid' } }] },
  {
    id: 'negotiation-task',
    trigger: { type: 'stage.entered', stage: 'negotiation' },
    actions: [{ type: 'createTask', params: { key: 'terms', title: 'Agree the terms of {{title}}', due: { businessHours: 8 } } }],
  },
];
const config = {
  pipelines: [GENERATED_PIPELINE],
  rules: [...(proposalRules as unknown[]), ...extraRules],
  slas: slaConfig,
  digests: { morning: { daily: '09:00', subject: 'Won yesterday: {{count}}' } },
  directory: placeholderDirectory,
};

async function throughSimulation() {
  const { pipelines, rules, ...engine } = config;
  const result = await simulate({ pipelines, rules, events: history, ...window, engine });
  return { log: JSON.stringify(result.log), outbox: JSON.stringify(result.outbox), errors: result.errors.length };
}

async function throughEngine() {
  const storage = new InMemoryStorage();
  const clock = new FakeClock(window.from);
  const engine = createEngine({ ...config, storage, clock, ids: new SequentialIds(), notifier: new InMemoryNotifier() });
  // What a host's runner does on time: everything due up to `at`, each at its own due time.
  const runUntil = async (at: string) => {
    for (let next = await engine.nextDueAt(); next && next.toISOString() <= at; next = await engine.nextDueAt()) {
      if (next.getTime() > clock.now().getTime()) clock.set(next);
      const ran = await engine.runDue();
      if (ran.jobsRun + ran.jobsFailed + ran.delivered === 0) break;
    }
    clock.set(new Date(at));
    await engine.runDue();
  };
  let errors = 0;
  for (const event of history as HistoryEvent[]) {
    await runUntil(event.at);
    try {
      if (event.type === 'created') await engine.createDeal(event.deal);
      else if (event.type === 'updated') await engine.updateDeal(event.dealId, event.patch);
      else if (event.type === 'moved') await engine.moveDeal(event.dealId, event.stage);
      else if (event.type === 'deleted') await engine.deleteDeal(event.dealId);
      else if (event.type === 'launched') await engine.launch(event.ruleId, event.dealId);
      else await engine.emit({ name: event.name, dealId: event.dealId, id: event.id, payload: event.payload });
    } catch {
      errors++;
    }
  }
  await runUntil(window.to);
  return { log: JSON.stringify(storage.log), outbox: JSON.stringify([...storage.outbox.values()]), errors };
}

describe('determinism: simulation against engine', () => {
  it('the same history through simulate and through the engine gives the same log, entry for entry', async () => {
    const sim = await throughSimulation();
    const eng = await throughEngine();
    expect([sim.errors, eng.errors]).toEqual([0, 0]);
    expect(sim.log.length).toBeGreaterThan(100_000);
    const a = JSON.parse(sim.log) as Array<{ type: string }>;
    const b = JSON.parse(eng.log) as Array<{ type: string }>;
    // The history is a rich one: rules, SLAs, violations, digests and tasks all wrote to it.
    const types = new Set(a.map((e) => e.type));
    for (const t of [
      'rule.fired',
      'event.received',
      'job.ran',
      'sla.breached',
      'violation.recorded',
      'notification.held',
      'task.created',
      'outbox.delivered',
    ]) {
      expect(types, t).toContain(t);
    }
    // Entry by entry first, so a difference names its first entry rather than a 1 MB string.
    for (let i = 0; i < Math.max(a.length, b.length); i++) expect(b[i], `entry ${i}`).toEqual(a[i]);
    expect(eng.log).toBe(sim.log);
    expect(eng.outbox).toBe(sim.outbox);
  }, 120_000);
});
