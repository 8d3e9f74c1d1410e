import { Engine as RulesEngine } from 'json-rules-engine';
import { compileCondition, type Predicate } from '../../src/core/criteria.js';
import { makeFacts } from '../../src/core/facts.js';
import type { Deal } from '../../src/model/deal.js';
import { medianMs, type Workload } from '../harness.js';
import { benchDeals, criteriaCases, type BenchDeal } from '../lib/criteria-rules.js';

/**
 * Compiled criteria vs json-rules-engine's `engine.run` vs hand-written predicates: the same 20
 * and 100 rules on the same fact sets, in rule evaluations per second. Our side builds the facts
 * once per fact set (as the engine does per event) and evaluates every rule on them.
 */
const NOW = '2026-03-02T09:00:00.000Z';

function dealflowRound(predicates: Predicate[], deals: BenchDeal[]): number {
  let held = 0;
  for (const deal of deals) {
    const facts = makeFacts({ deal: deal as unknown as Deal, previous: null, event: null, now: NOW }, undefined, {});
    for (const p of predicates) if (p(facts)) held++;
  }
  return held;
}

function handwrittenRound(predicates: Array<(d: BenchDeal) => boolean>, deals: BenchDeal[]): number {
  let held = 0;
  for (const deal of deals) for (const p of predicates) if (p(deal)) held++;
  return held;
}

async function jsonRulesEngineRound(engine: RulesEngine, deals: BenchDeal[]): Promise<number> {
  let held = 0;
  for (const deal of deals) held += (await engine.run({ deal, now: NOW })).results.length;
  return held;
}

export default {
  name: 'criteria',
  async run({ quick }) {
    const factSets = quick ? 20_000 : 100_000;
    // json-rules-engine takes minutes for 100,000 runs of 100 rules, so its rounds are slices of
    // the same fact sets: together they cover every one, and the median slice rate is reported.
    const slices = 5;
    const rounds = quick ? 3 : 7;
    const deals = benchDeals(factSets, 42);
    const table: Array<Record<string, string | number>> = [];
    const keys: Record<string, number> = {};
    const speedups: number[] = [];
    const ratios: number[] = [];
    for (const ruleCount of [20, 100]) {
      const cases = criteriaCases(ruleCount, 7 + ruleCount);
      const predicates = cases.map((c) => compileCondition(c.condition));
      const handwritten = cases.map((c) => c.handwritten);
      const engine = new RulesEngine([], { allowUndefinedFacts: true });
      cases.forEach((c, i) =>
        engine.addRule({ name: `r${i}`, conditions: ('all' in c.condition ? c.condition : { any: [c.condition] }) as never, event: { type: `r${i}` } }),
      );

      const held = dealflowRound(predicates, deals);
      if (held !== handwrittenRound(handwritten, deals)) throw new Error('dealflow and the hand-written predicates disagree');
      const evals = factSets * ruleCount;
      const oursMs = await medianMs(rounds, () => dealflowRound(predicates, deals));
      const handMs = await medianMs(rounds, () => handwrittenRound(handwritten, deals));

      const sliceSize = Math.ceil(factSets / slices);
      const sliceMs: number[] = [];
      let theirsHeld = 0;
      for (let s = 0; s < slices; s++) {
        const slice = deals.slice(s * sliceSize, (s + 1) * sliceSize);
        const t0 = performance.now();
        theirsHeld += await jsonRulesEngineRound(engine, slice);
        sliceMs.push((performance.now() - t0) / slice.length);
      }
      if (theirsHeld !== held) throw new Error(`json-rules-engine matched ${theirsHeld} times, dealflow ${held}`);
      sliceMs.sort((a, b) => a - b);
      const theirsPerSet = sliceMs[Math.floor(sliceMs.length / 2)]!;

      const ours = evals / (oursMs / 1000);
      const hand = evals / (handMs / 1000);
      const theirs = ruleCount / (theirsPerSet / 1000);
      speedups.push(ours / theirs);
      ratios.push(hand / ours);
      table.push(
        {
          rules: ruleCount,
          evaluator: 'dealflow compiled',
          'evals/s': Math.round(ours),
          'vs json-rules-engine': +(ours / theirs).toFixed(1),
          'hand-written ÷ this': +(hand / ours).toFixed(2),
        },
        {
          rules: ruleCount,
          evaluator: 'json-rules-engine engine.run',
          'evals/s': Math.round(theirs),
          'vs json-rules-engine': 1,
          'hand-written ÷ this': +(hand / theirs).toFixed(0),
        },
        {
          rules: ruleCount,
          evaluator: 'hand-written JS',
          'evals/s': Math.round(hand),
          'vs json-rules-engine': +(hand / theirs).toFixed(1),
          'hand-written ÷ this': 1,
        },
      );
      keys[`criteria.rules_${ruleCount}.dealflow_evals_per_s`] = Math.round(ours);
      keys[`criteria.rules_${ruleCount}.json_rules_engine_evals_per_s`] = Math.round(theirs);
      keys[`criteria.rules_${ruleCount}.handwritten_evals_per_s`] = Math.round(hand);
    }
    // The headline figures are the less favourable of the two rule counts.
    keys['criteria.speedup_vs_json_rules_engine'] = +Math.min(...speedups).toFixed(1);
    keys['criteria.ratio_to_handwritten'] = +Math.max(...ratios).toFixed(2);
    return {
      table,
      keys,
      notes: [
        `${factSets.toLocaleString()} fact sets (seeded), rules from 5 templates (all/any/not, in, contains, comparisons on paths); medians of ${rounds} rounds.`,
        `json-rules-engine (default options, allowUndefinedFacts) runs every fact set once, in ${slices} slices; the median slice rate is used. All three agree on every match count.`,
        'Headline keys take the worse of 20 and 100 rules.',
      ],
    };
  },
} satisfies Workload;
