import type { SimulationProgress } from '../simulation/simulate.js';
import type { CliIo } from './io.js';

/** How progress is shown: a bar on a terminal; lines when stderr is not one (a CI log, a file). */
export interface ProgressOptions {
  /** `--progress`: a line every second, and a last one at the end, even when not on a terminal. */
  lines?: boolean;
}

/** Seconds as `m:ss` (or `h:mm:ss`). */
export function formatSeconds(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/**
 * Progress on stderr — events done, the simulated date, events per second and the time left.
 * On a terminal a one-line bar, redrawn at most ten times a second and cleared at the end. Not on
 * a terminal, plain lines: one every 5 seconds (a short run prints none), or with `--progress` one
 * every second and a last one when done, so a long run in CI shows it is alive and how long it
 * still needs.
 */
export function progressBar(io: CliIo, label: string, options: ProgressOptions = {}): { update(p: SimulationProgress): void; done(): void } {
  const out = io.stderr;
  const now = io.now ?? (() => performance.now());
  const started = now();
  const tty = out.isTTY === true;
  const every = tty ? 100 : options.lines ? 1000 : 5000;
  let last = started;
  let drawn = false;
  let latest: SimulationProgress | undefined;
  const describe = (p: SimulationProgress, t: number) => {
    const seconds = Math.max(0.001, (t - started) / 1000);
    const rate = p.done / seconds;
    const left = rate > 0 ? (p.total - p.done) / rate : 0;
    const share = p.total === 0 ? 1 : p.done / p.total;
    return { rate: Math.round(rate), eta: formatSeconds(left), share, at: p.at.slice(0, 10) };
  };
  return {
    update(p) {
      latest = p;
      const t = now();
      // The bar always shows the last update; lines keep to their pace (done() writes the end).
      if (t - last < every && !(tty && p.done >= p.total)) return;
      last = t;
      const d = describe(p, t);
      if (tty) {
        const width = 24;
        const filled = Math.round(d.share * width);
        out.write(`\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${p.done}/${p.total} events  ${d.at}  ${d.rate}/s  ETA ${d.eta} `);
      } else {
        out.write(`${label}: ${p.done}/${p.total} events (${Math.round(d.share * 100)}%), at ${d.at}, ${d.rate}/s, ETA ${d.eta}\n`);
      }
      drawn = true;
    },
    done() {
      if (tty && drawn) out.write('\r\x1b[2K');
      if (!tty && options.lines && latest) {
        out.write(`${label}: done, ${latest.total} events in ${formatSeconds((now() - started) / 1000)}\n`);
      }
    },
  };
}
