/**
 * The bench harness contract. Each file in bench/workloads/ default-exports a Workload; `npm run
 * bench` runs them all in one process (or those named: `npm run bench -- sql time`), prints each
 * table, and merges every workload's `keys` into bench/results/latest.json.
 */
export interface BenchOptions {
  /** `--quick`: fewer rounds and smaller data, for a smoke run. */
  quick: boolean;
}

export interface BenchResult {
  /** Rows printed as a table; side-by-side comparisons go in one table. */
  table: Array<Record<string, string | number>>;
  /** Figures written to bench/results/latest.json, e.g. `{ 'criteria.speedup_vs_json_rules_engine': 61.2 }`. */
  keys: Record<string, number>;
  /** Notes printed under the table (what was measured, on what data). */
  notes?: string[];
}

export interface Workload {
  name: string;
  run(options: BenchOptions): Promise<BenchResult>;
}

/** The median of several timed rounds, in ms. Benchmarks report medians, never a single run. */
export async function medianMs(rounds: number, fn: () => unknown | Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}
