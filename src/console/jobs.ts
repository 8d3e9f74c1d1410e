import type { Job } from '../core/types.js';
import type { Engine } from '../engine/engine.js';
import { recipientText } from '../simulation/timeline.js';
import type { JobView } from './views.js';

/** A job in words: what its action will do (notify whom, set what), or the feature's step (`breach`, `reminder`). */
export function jobView(engine: Engine, job: Job, dealTitle: string | null): JobView {
  const rule = engine.rules.find((r) => r.id === job.ruleId);
  const action = rule?.actions[job.actionIndex];
  let what = job.actionId;
  if (action) {
    const params = (action.params ?? {}) as Record<string, unknown>;
    what = action.type === 'notify' && params.to !== undefined ? `notify ${recipientText(params.to)}` : action.type;
  }
  const sla = /^sla:([^/]+)/.exec(job.ruleId);
  const owner = rule ? (rule.name ?? rule.id) : sla ? `deadline ${sla[1]}` : job.ruleId;
  return { id: job.id, dealId: job.dealId, dealTitle, ruleId: job.ruleId, what: `${what} (${owner})`, dueAt: job.dueAt };
}
