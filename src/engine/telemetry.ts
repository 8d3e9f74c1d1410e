import type { CoreInput } from '../core/transition.js';
import type { Effect, Job, AnyHistoryEntry } from '../core/types.js';
import type { JobRunResult } from '../ports/telemetry.js';

/*
 * What the engine reports to the telemetry port (src/ports/telemetry.ts), read off a command's
 * input and the effects the core returned: pure, so the call sites in engine.ts stay one line.
 */

/** The command's name for telemetry: the core input's type, or `feature.<name>` for a feature's command. */
export function commandName(input: CoreInput | ((...args: never[]) => unknown)): string {
  // The one input read inside the transaction is an external event's (engine.emit).
  if (typeof input === 'function') return 'event';
  return input.type === 'feature' ? `feature.${input.feature}` : input.type;
}

/** The rules that fired in a cascade, in firing order, each once. */
export function rulesFired(effects: ReadonlyArray<Effect>): string[] {
  const out = new Set<string>();
  for (const e of effects) if (e.type === 'log' && e.entry.type === 'rule.fired' && e.entry.ruleId) out.add(e.entry.ruleId);
  return [...out];
}

/** How a due job's run ended, from its outcome's effects: ran, or cancelled on its re-check (with the reason). */
export function jobRunResult(job: Job, effects: ReadonlyArray<Effect>): JobRunResult {
  const fired = rulesFired(effects);
  for (const e of effects) {
    if (e.type === 'log' && e.entry.type === 'job.cancelled' && e.entry.data.jobId === job.id) {
      return { outcome: 'cancelled', reason: String(e.entry.data.reason), rulesFired: fired };
    }
  }
  return { outcome: 'ran', rulesFired: fired };
}

/** How a job whose cascade threw ended, from the `job.failed` entry the engine wrote for it. */
export function jobFailedResult(entry: AnyHistoryEntry): JobRunResult {
  return { outcome: 'failed', errorCode: (entry.data.code as string | null) ?? null, errorMessage: String(entry.data.error), rulesFired: [] };
}
