import type { ActionRegistry } from '../core/actions.js';
import { ApprovalFeature } from '../core/approvals/feature.js';
import type { CoreFeature } from '../core/features.js';
import { SlaBook, stopTriggerOf } from '../core/sla/book.js';
import { SlaFeature } from '../core/sla/feature.js';
import { DealflowError, type DealflowIssue } from '../model/errors.js';
import type { Pipeline } from '../model/pipeline.js';
import type { Rule } from '../model/rule.js';
import { SlaSchema, type Sla, type SlaInput } from '../model/sla.js';
import type { Trigger } from '../model/trigger.js';
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
    if (!parsed.success) return void issues.push(...issuesFromZod(parsed.error, ['slas', i]));
    const sla = parsed.data;
    if (ids.has(sla.id)) issues.push({ path: `${at}.id`, message: `duplicate SLA id "${sla.id}"` });
    ids.add(sla.id);
    // Each part as a rule the validator knows, with its paths mapped back onto the SLA.
    const parts: Array<{ where: string; rule: Partial<Rule> & { trigger: Trigger }; map: Record<string, string> }> = [
      {
        where: `${at}.start`,
        rule: { trigger: sla.start.trigger, ...(sla.start.when ? { when: sla.start.when } : {}) },
        map: { trigger: 'trigger', when: 'when' },
      },
    ];
    const stop = stopTriggerOf(sla);
    if (sla.stop) {
      parts.push({
        where: `${at}.stop`,
        rule: { trigger: stop ?? sla.start.trigger, ...(sla.stop.when ? { when: sla.stop.when } : {}) },
        map: { trigger: sla.stop.event ? 'event' : 'trigger', when: 'when' },
      });
    }
    if (sla.exemptWhen)
      parts.push({ where: at, rule: { trigger: sla.start.trigger, when: sla.exemptWhen }, map: { trigger: 'start.trigger', when: 'exemptWhen' } });
    sla.reminders.forEach((r, k) =>
      parts.push({ where: `${at}.reminders[${k}]`, rule: { trigger: sla.start.trigger, actions: r.actions as Rule['actions'] }, map: { actions: 'actions' } }),
    );
    sla.escalations.forEach((e, k) =>
      parts.push({
        where: `${at}.escalations[${k}]`,
        rule: { trigger: sla.start.trigger, actions: e.actions as Rule['actions'] },
        map: { actions: 'actions' },
      }),
    );
    for (const part of parts) {
      const rule = {
        id: sla.id,
        ...(sla.pipelineId ? { pipelineId: sla.pipelineId } : {}),
        actions: [{ type: 'notify', params: { to: 'owner', template: 'x' } }],
        ...part.rule,
      };
      try {
        parseRules([rule], { pipelines: ctx.pipelines, actions: ctx.actions, facts: ctx.facts });
      } catch (e) {
        if (!(e instanceof DealflowError)) throw e;
        for (const issue of e.issues) issues.push({ path: mapPath(issue.path, part.where, part.map), message: issue.message });
      }
    }
    out.push(sla);
  });
  if (issues.length > 0) {
    throw new DealflowError('INVALID_CONFIG', `the SLAs have ${issues.length} problem(s):\n${issues.map((x) => `  ${x.path}: ${x.message}`).join('\n')}`, {
      issues,
    });
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

/** The SLA and approval features of an engine, from its config. */
export function slaParts(slas: ReadonlyArray<SlaInput | Sla> | undefined, ctx: SlaCheckContext): { features: CoreFeature[]; book: SlaBook } {
  const book = new SlaBook(parseSlas(slas, ctx), ctx.actions);
  const sla = new SlaFeature(book);
  return { features: [sla, new ApprovalFeature(sla)], book };
}
