import { Engine as RulesEngine } from 'json-rules-engine';
import { createEngine, type Engine, FakeClock, SequentialIds } from '../lib/dealflow.js';
import type { Deal } from '../../src/model/deal.js';
import { medianMs, type Workload } from '../harness.js';
import { benchPipeline, EVENT_NAMES, eventRules, newDeals } from '../lib/engine-rules.js';
import { Random } from '../lib/random.js';

/**
 * Events per second through the whole engine (validate, load, pure transition, write in one
 * in-memory transaction, emit, deliver) with 10, 100 and 1,000 event-triggered rules, beside
 * json-rules-engine's `engine.run` on the same rules and facts. json-rules-engine has no triggers,
 * so each of its rules starts with a higher-priority "event name is …" condition.
 */
const DEALS = 1_000;

async function dealflowEngine(ruleCount: number): Promise<{ engine: Engine; deals: Deal[] }> {
  const engine = createEngine({
    pipelines: [benchPipeline],
    rules: eventRules(ruleCount, 11),
    clock: new FakeClock('2026-03-02T09:00:00.000Z'),
    ids: new SequentialIds(),
  });
  const deals: Deal[] = [];
  for (const d of newDeals(DEALS, 5)) deals.push(await engine.createDeal(d));
  return { engine, deals };
}

function rulesEngine(ruleCount: number): RulesEngine {
  const engine = new RulesEngine([], { allowUndefinedFacts: true });
  eventRules(ruleCount, 11).forEach((rule, i) => {
    const name = (rule.trigger as { name: string }).name;
    engine.addRule({
      name: rule.id,
      conditions: { all: [{ fact: 'event', path: '$.name', operator: 'equal', value: name, priority: 10 }, rule.when!] } as never,
      event: { type: `rule-${i}` },
    });
  });
  return engine;
}

function events(count: number, seed: number): Array<{ name: string; deal: number }> {
  const r = new Random(seed);
  return Array.from({ length: count }, () => ({ name: r.pick(EVENT_NAMES), deal: r.int(0, DEALS - 1) }));
}

export default {
  name: 'engine',
  async run({ quick }) {
    const rounds = quick ? 3 : 5;
    const table: Array<Record<string, string | number>> = [];
    const keys: Record<string, number> = {};
    for (const ruleCount of [10, 100, 1_000]) {
      const { engine, deals } = await dealflowEngine(ruleCount);
      // Every rule an event selects leaves a history line with its criteria, kept in memory: with
      // 1,000 rules (100 per event) fewer events a round keep the heap in bounds.
      const ourEvents = Math.max(quick ? 200 : 500, Math.round((quick ? 20_000 : 100_000) / ruleCount));
      const stream = events(ourEvents, ruleCount);
      let round = 0;
      const oursMs = await medianMs(rounds + 1, async () => {
        // The first round warms up; every round replays the same events on the same deals.
        round++;
        for (const e of stream) await engine.emit({ name: e.name, dealId: deals[e.deal]!.id, payload: { round } });
      });
      const theirEvents = Math.max(200, Math.round((quick ? 20_000 : 100_000) / ruleCount));
      const theirStream = events(theirEvents, ruleCount + 1);
      const jre = rulesEngine(ruleCount);
      const theirsMs = await medianMs(rounds, async () => {
        for (const e of theirStream) await jre.run({ deal: deals[e.deal], event: { name: e.name, payload: {} } });
      });
      const ours = ourEvents / (oursMs / 1000);
      const theirs = theirEvents / (theirsMs / 1000);
      table.push({
        rules: ruleCount,
        'events/round': ourEvents,
        'dealflow events/s (full command)': Math.round(ours),
        'json-rules-engine runs/s (criteria only)': Math.round(theirs),
        ratio: +(ours / theirs).toFixed(1),
      });
      keys[`engine.events_per_s_${ruleCount}_rules`] = Math.round(ours);
      keys[`engine.json_rules_engine_runs_per_s_${ruleCount}_rules`] = Math.round(theirs);
      keys[`engine.speedup_vs_json_rules_engine_${ruleCount}_rules`] = +(ours / theirs).toFixed(1);
    }
    return {
      table,
      keys,
      notes: [
        `${DEALS.toLocaleString()} deals; events over 10 event names (seeded), so 1, 10 and 100 rules match each; medians of ${rounds} rounds.`,
        'dealflow: engine.emit on InMemoryStorage with sequential ids — validation, the pure transition (rules indexed by event name),',
        '  the deal, log, jobs and outbox written in one transaction, then delivery of notifications to the in-memory notifier.',
        'json-rules-engine: engine.run on the same deal and event, evaluating every rule (it has no triggers); no actions, no storage.',
      ],
    };
  },
} satisfies Workload;
