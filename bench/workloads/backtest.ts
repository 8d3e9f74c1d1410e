import { proposalRules } from '../../examples/proposal-deadline/setup.js';
import { diff } from '../../src/simulation/diff.js';
import { generateHistory, GENERATED_PIPELINE } from '../../src/simulation/generate.js';
import { simulate } from '../../src/simulation/simulate.js';
import type { Workload } from '../harness.js';

/**
 * A backtest as `dealflow simulate` runs it: a generated year of deals (the seed scenario's
 * pipeline, seed 42) replayed through the 5-day proposal rule, and `diff` against a 3-day edit of
 * it. One round each (a year is long enough to be stable); CPU time beside wall time because the
 * machine may be shared.
 */
export default {
  name: 'backtest',
  async run({ quick }) {
    const deals = quick ? 1000 : 10_000;
    const events = generateHistory({ deals, days: 365, seed: 42 });
    const to = '2026-01-06T00:00:00.000Z';
    const pipelines = [GENERATED_PIPELINE];

    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const result = await simulate({ rules: proposalRules, pipelines, events, to });
    const simMs = performance.now() - t0;
    const simCpu = cpuMs(process.cpuUsage(cpu0));

    const threeDays = JSON.parse(JSON.stringify(proposalRules).replaceAll('"days":5', '"days":3').replaceAll('"days":4', '"days":2'));
    const cpu1 = process.cpuUsage();
    const t1 = performance.now();
    const d = await diff(proposalRules, threeDays, { pipelines, events, to });
    const diffMs = performance.now() - t1;
    const diffCpu = cpuMs(process.cpuUsage(cpu1));

    return {
      table: [
        {
          run: 'simulate',
          deals,
          events: events.length,
          'log entries': result.log.length,
          'wall ms': Math.round(simMs),
          'cpu ms': Math.round(simCpu),
          'events/s (cpu)': Math.round(events.length / (simCpu / 1000)),
        },
        {
          run: 'diff (2 simulations)',
          deals,
          events: events.length,
          'log entries': result.log.length * 2,
          'wall ms': Math.round(diffMs),
          'cpu ms': Math.round(diffCpu),
          'events/s (cpu)': Math.round((2 * events.length) / (diffCpu / 1000)),
        },
      ],
      keys: {
        'backtest.deals': deals,
        'backtest.simulate_cpu_ms': Math.round(simCpu),
        'backtest.events_per_cpu_second': Math.round(events.length / (simCpu / 1000)),
        'backtest.diff_cpu_ms': Math.round(diffCpu),
        'backtest.diff_deals_changed': d.totals.dealsChanged,
      },
      notes: [`${deals} generated deals over 365 days (seed 42), the 5-day proposal rule; diff against a 3-day edit changed ${d.totals.dealsChanged} deals.`],
    };
  },
} satisfies Workload;

function cpuMs(u: NodeJS.CpuUsage): number {
  return (u.user + u.system) / 1000;
}
