import type { Workload } from '../harness.js';
import { runChild } from '../lib/child.js';

interface YearResult {
  deals: number;
  commands: number;
  rejected: number;
  jobsScheduled: number;
  jobsRun: number;
  jobsCancelled: number;
  notifications: number;
  wallS: number;
  cpuS: number;
  rssMb: number;
  heapMb: number;
  /** Heap still reachable when the year is over (after a full GC). */
  liveMb: number | null;
}

/** The same year through the pure transition alone (bench/lib/year-floor-child.ts). */
interface FloorResult {
  deals: number;
  commands: number;
  jobsScheduled: number;
  jobsRun: number;
  outbox: number;
  wallS: number;
  /** Time inside the `transition` calls alone, without the driver's own bookkeeping. */
  coreS: number;
  rssMb: number;
}

/**
 * One simulated year of a 100,000-deal pipeline in memory (bench/lib/year-child.ts), in a child
 * process so its peak RSS is its own. `--quick` simulates 2,000 deals. YEAR_DEALS overrides.
 */
export default {
  name: 'year',
  async run({ quick }) {
    const deals = Number(process.env.YEAR_DEALS ?? (quick ? 2_000 : 100_000));
    // Node's own heap limit, as a user's process has; YEAR_HEAP_MB sets another. --expose-gc only
    // lets the child measure its live heap once the year is over.
    const heapMb = process.env.YEAR_HEAP_MB;
    const r = await runChild<YearResult>('./year-child.ts', [String(deals)], ['--expose-gc', ...(heapMb ? [`--max-old-space-size=${heapMb}`] : [])]);
    // The floor: same commands, same rules, the pure transition alone. It must do what the engine did.
    const f = await runChild<FloorResult>('./year-floor-child.ts', [String(deals)]);
    if (f.commands !== r.commands || f.jobsScheduled !== r.jobsScheduled || f.jobsRun !== r.jobsRun || f.outbox !== r.notifications) {
      throw new Error(`the year's floor did different work: ${JSON.stringify(f)} vs the engine's ${JSON.stringify(r)}`);
    }
    const full = r.deals === 100_000;
    const perDealKb = (r.rssMb * 1024) / r.deals;
    return {
      table: [
        {
          'the year through': 'the engine (InMemoryStorage, FakeClock)',
          deals: r.deals,
          commands: r.commands,
          rejected: r.rejected,
          'jobs scheduled': r.jobsScheduled,
          'jobs run': r.jobsRun,
          'jobs cancelled': r.jobsCancelled,
          notifications: r.notifications,
          'wall s': +r.wallS.toFixed(1),
          'cpu s': +r.cpuS.toFixed(1),
          'peak RSS MB': Math.round(r.rssMb),
          'live heap MB at the end': r.liveMb === null ? 'n/a' : Math.round(r.liveMb),
        },
        {
          'the year through': 'the pure transition alone (floor)',
          deals: f.deals,
          commands: f.commands,
          rejected: '',
          'jobs scheduled': f.jobsScheduled,
          'jobs run': f.jobsRun,
          'jobs cancelled': '',
          notifications: f.outbox,
          'wall s': `${f.wallS.toFixed(1)} (${f.coreS.toFixed(1)} in transition)`,
          'cpu s': '',
          'peak RSS MB': Math.round(f.rssMb),
          'live heap MB at the end': '',
        },
      ],
      keys: full
        ? {
            'year.wall_s': +r.wallS.toFixed(1),
            'year.rss_mb': Math.round(r.rssMb),
            'year.cpu_s': +r.cpuS.toFixed(1),
            'year.commands': r.commands,
            'year.jobs_scheduled': r.jobsScheduled,
            ...(r.liveMb === null ? {} : { 'year.live_heap_mb': Math.round(r.liveMb) }),
            'year.pure_transition_s': +f.coreS.toFixed(1),
            'year.floor_wall_s': +f.wallS.toFixed(1),
          }
        : {
            [`year.deals_${r.deals}.wall_s`]: +r.wallS.toFixed(1),
            [`year.deals_${r.deals}.rss_mb`]: Math.round(r.rssMb),
            [`year.deals_${r.deals}.pure_transition_s`]: +f.coreS.toFixed(1),
          },
      notes: [
        `${r.deals.toLocaleString()} deals created evenly over 365 days, ~10 commands each (stage moves, proposal, score, calls, e-mails, meetings, invoice),`,
        '30 rules (bench/lib/year-rules.ts), every job fired at its due time on the FakeClock; InMemoryStorage keeps every deal, job, once-rule enrolment and record,',
        'the history lines its funnel report reads (deal.created, stage.changed; YEAR_KEEP_ALL=1 keeps all) and undelivered messages; the funnel runs at the end.',
        `Child process with ${heapMb ? `--max-old-space-size=${heapMb}` : "Node's default heap limit"}; peak RSS from process.resourceUsage(). ${perDealKb.toFixed(0)} KB of RSS per deal.`,
        'The second row is a floor, not a way to run dealflow: the same commands through core/transition.ts alone, jobs from a heap, effects',
        'counted, nothing stored or delivered (checked to schedule, run and notify exactly what the engine did). "in transition": the time inside',
        "the transition calls alone (year.pure_transition_s), without generating the commands or the floor's own job heap; no engine can go below it.",
        ...(full ? [] : ['Not the 100,000-deal year: keys are written under year.deals_<n>.* only.']),
      ],
    };
  },
} satisfies Workload;
