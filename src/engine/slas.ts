import type { ActionRegistry } from '../core/actions.js';
import { SlaBook, stopTriggerOf } from '../core/sla/book.js';
import { DealflowError, formatIssues, type DealflowIssue } from '../model/errors.js';
import type { Pipeline } from '../model/pipeline.js';
import { SlaSchema, type Sla, type SlaInput } from '../model/sla.js';
import { TriggerSchema, type Trigger } from '../model/trigger.js';
import { issuesFromZod } from '../model/errors.js';
import { parseRules } from './parse-rules.js';

export interface SlaCheckContext {
  pipelines: ReadonlyArray<Pipeline>;
  actions: ActionRegistry;
  /** Host fact names. */
  facts: ReadonlyArray<string>;
}

/**
 * Validates SLA definitions completely: their shape, and — through the rule validator, so SLAs and
 * rules accept exactly the same language — stages, conditions (facts, operators, paths) and the
 * params of reminder and escalation actions. Every problem at once, at `$.slas[i]…`.
 */
export function parseSlas(input: ReadonlyArray<SlaInput | Sla> | undefined, ctx: SlaCheckContext): Sla[] {
  const issues: DealflowIssue[] = [];
  const out: Sla[] = [];
  const ids = new Set<string>();
  (input ?? []).forEach((raw, i) => {
    const at = `$.slas[${i}]`;
    const parsed = SlaSchema.safeParse(raw);
    if (!parsed.success) issues.push(...issuesFromZod(parsed.error, ['slas', i]));
    // A shape problem in one part does not hide the problems of the others: each part that is
    // well-formed on its own is still checked.
    const sla = (parsed.success ? parsed.data : raw) as Partial<Sla> & Record<string, unknown>;
    if (sla === null || typeof sla !== 'object') return;
    if (typeof sla.id === 'string') {
      if (ids.has(sla.id)) issues.push({ path: `${at}.id`, message: `duplicate SLA id "${sla.id}"`, code: 'duplicate-id' });
      ids.add(sla.id);
    }
    const startTrigger = TriggerSchema.safeParse(sla.start?.trigger);
    const manual: Trigger = { type: 'manual' };
    // Each part as a rule the validator knows, with its paths mapped back onto the SLA.
    const parts: Array<{ where: string; rule: Record<string, unknown> & { trigger: unknown }; map: Record<string, string> }> = [
      {
        where: `${at}.start`,
        rule: { trigger: startTrigger.success ? startTrigger.data : manual, ...(sla.start?.when ? { when: sla.start.when } : {}) },
        map: { trigger: 'trigger', when: 'when' },
      },
    ];
    if (sla.stop) {
      const stop = parsed.success ? stopTriggerOf(parsed.data) : undefined;
      parts.push({
        where: `${at}.stop`,
        rule: { trigger: stop ?? manual, ...(sla.stop.when ? { when: sla.stop.when } : {}) },
        map: { trigger: sla.stop.event ? 'event' : 'trigger', when: 'when' },
      });
    }
    if (sla.exemptWhen) parts.push({ where: at, rule: { trigger: manual, when: sla.exemptWhen }, map: { when: 'exemptWhen' } });
    const steps = (list: unknown, name: string) => {
      if (!Array.isArray(list)) return;
      list.forEach((step: { actions?: unknown } | null, k) => {
        if (step && Array.isArray(step.actions))
          parts.push({ where: `${at}.${name}[${k}]`, rule: { trigger: manual, actions: step.actions }, map: { actions: 'actions' } });
      });
    };
    steps(sla.reminders, 'reminders');
    steps(sla.escalations, 'escalations');
    for (const part of parts) {
      const rule = {
        id: 'sla',
        ...(typeof sla.pipelineId === 'string' && sla.pipelineId !== '' ? { pipelineId: sla.pipelineId } : {}),
        actions: [{ type: 'notify', params: { to: 'owner', template: 'x' } }],
        ...part.rule,
      };
      try {
        parseRules([rule], { pipelines: ctx.pipelines, actions: ctx.actions, facts: ctx.facts });
      } catch (e) {
        if (!(e instanceof DealflowError)) throw e;
        for (const issue of e.issues) issues.push({ ...issue, path: mapPath(issue.path, part.where, part.map) });
      }
    }
    if (parsed.success) out.push(parsed.data);
  });
  // A part's shape problem is found by the SLA's schema and again by the rule validator: once is enough.
  const unique = [...new Map(issues.map((x) => [`${x.path}\u0000${x.message}`, x])).values()];
  if (unique.length > 0) {
    throw new DealflowError('INVALID_CONFIG', `the SLAs have ${unique.length} problem(s):\n${formatIssues(unique)}`, { issues: unique });
  }
  return out;
}

/** `$[0].when.all[1]` → `<where>.<mapped when>.all[1]`. */
function mapPath(path: string, where: string, map: Record<string, string>): string {
  const m = /^\$\[0\]\.?([A-Za-z]+)(.*)$/.exec(path);
  if (!m) return where;
  const head = map[m[1]!] ?? m[1]!;
  return `${where}.${head}${m[2]}`;
}

/** The SLAs of an engine, from its config, compiled (their features are built from the feature list, core/feature-list.ts). */
export function compileSlas(slas: ReadonlyArray<SlaInput | Sla> | undefined, ctx: SlaCheckContext): SlaBook {
  return new SlaBook(parseSlas(slas, ctx), ctx.actions);
}
