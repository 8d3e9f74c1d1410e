import { createEngine, type Engine, FakeClock, SequentialIds } from '../lib/dealflow.js';
import type { Deal } from '../../src/model/deal.js';
import type { RuleInput } from '../../src/model/rule.js';
import type { Workload } from '../harness.js';
import { benchPipeline, eventRules, newDeals } from '../lib/engine-rules.js';

/**
 * The trigger index: the per-event cost through the engine with 1,000 rules of which 10 match
 * the event's trigger, divided by the cost with those 10 rules alone. The other 990 listen to
 * other events, stage entries and field changes, so without an index each event would look at
 * all of them.
 */
const DEALS = 500;
const STAGES = ['new', 'qualification', 'proposal', 'negotiation', 'invoice'];

function otherRules(count: number): RuleInput[] {
  const base = eventRules(
    count,
    23,
    Array.from({ length: 50 }, (_, i) => `other.${i}`),
  );
  return base.map((rule, i) => {
    switch (i % 3) {
      case 0:
        return { ...rule, id: `other-${i}` };
      case 1:
        return { ...rule, id: `other-${i}`, trigger: { type: 'stage.entered', stage: STAGES[i % STAGES.length]! } };
      default:
        return { ...rule, id: `other-${i}`, trigger: { type: 'field.changed', field: 'fields.region' } };
    }
  }) as RuleInput[];
}

async function setup(rules: RuleInput[]): Promise<{ engine: Engine; deals: Deal[] }> {
  const engine = createEngine({ pipelines: [benchPipeline], rules, clock: new FakeClock('2026-03-02T09:00:00.000Z'), ids: new SequentialIds() });
  const deals: Deal[] = [];
  for (const d of newDeals(DEALS, 3)) deals.push(await engine.createDeal(d));
  return { engine, deals };
}

async function perEventUs(engine: Engine, deals: Deal[], events: number): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < events; i++) await engine.emit({ name: 'target', dealId: deals[(i * 13) % deals.length]!.id });
  return ((performance.now() - t0) * 1000) / events;
}

export default {
  name: 'index',
  async run({ quick }) {
    const events = quick ? 2_000 : 10_000;
    const rounds = quick ? 3 : 7;
    const target = eventRules(10, 31, ['target']);
    const small = await setup(target);
    const large = await setup([...otherRules(990), ...target]);
    // Alternate the two so drift in machine load hits both alike; the first pair warms up.
    const smallUs: number[] = [];
    const largeUs: number[] = [];
    for (let r = 0; r <= rounds; r++) {
      const s = await perEventUs(small.engine, small.deals, events);
      const l = await perEventUs(large.engine, large.deals, events);
      if (r > 0) {
        smallUs.push(s);
        largeUs.push(l);
      }
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const s = median(smallUs);
    const l = median(largeUs);
    // Each pair ran back to back, so the median of the per-pair ratios is steadier than the ratio of medians.
    const ratio = median(largeUs.map((x, i) => x / smallUs[i]!));
    return {
      table: [
        { rules: 10, 'matching the event': 10, 'µs/event': +s.toFixed(1), 'cost ratio': 1 },
        { rules: 1_000, 'matching the event': 10, 'µs/event': +l.toFixed(1), 'cost ratio': +ratio.toFixed(2) },
      ],
      keys: { 'index.cost_ratio_1000_vs_10': +ratio.toFixed(3), 'index.us_per_event_10_rules': +s.toFixed(1), 'index.us_per_event_1000_rules': +l.toFixed(1) },
      notes: [
        `${events.toLocaleString()} "target" events a round through engine.emit on ${DEALS} deals; ${rounds} alternating rounds, median of per-round ratios.`,
        'The 990 other rules: other event names, stage entries and field changes; the 10 target rules have criteria and act on a match.',
      ],
    };
  },
} satisfies Workload;
