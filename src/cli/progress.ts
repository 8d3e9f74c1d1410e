import type { SimulationProgress } from '../simulation/simulate.js';
import type { CliIo } from './io.js';

/**
 * A one-line progress bar on stderr — events done, the simulated date, events per second — shown
 * only when stderr is a terminal; piped or redirected, it writes nothing. Redraws at most ten
 * times a second and clears itself at the end.
 */
export function progressBar(io: CliIo, label: string): { update(p: SimulationProgress): void; done(): void } {
  const out = io.stderr;
  if (!out.isTTY) return { update() {}, done() {} };
  const started = performance.now();
  let last = 0;
  let drawn = false;
  return {
    update(p) {
      const now = performance.now();
      if (now - last < 100 && p.done < p.total) return;
      last = now;
      const share = p.total === 0 ? 1 : p.done / p.total;
      const width = 24;
      const filled = Math.round(share * width);
      const rate = p.done / Math.max(0.001, (now - started) / 1000);
      out.write(`\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${p.done}/${p.total} events  ${p.at.slice(0, 10)}  ${Math.round(rate)}/s `);
      drawn = true;
    },
    done() {
      if (drawn) out.write('\r\x1b[2K');
    },
  };
}
