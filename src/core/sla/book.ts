import { ActionSpecSchema } from '../../model/action.js';
import { RuleSchema, type Rule } from '../../model/rule.js';
import type { Sla, SlaAction, SlaEscalation, SlaReminder } from '../../model/sla.js';
import type { Trigger } from '../../model/trigger.js';
import type { ActionRegistry } from '../actions.js';
import { compileValidCondition, type Predicate } from '../criteria.js';
import { RuleBook, type CompiledRule } from '../rulebook.js';

/** The prefix of SLA job rule ids (`sla:<sla id>`), by which the core routes jobs to the SLA feature. */
export const SLA_FEATURE = 'sla';
export const SLA_RECORD = 'sla';

export interface CompiledStep<S> {
  id: string;
  spec: S;
  /** The step's actions as a rule the core can run (`sla:<sla id>/<kind>:<step id>`). */
  rule: CompiledRule;
}

export interface CompiledSla {
  sla: Sla;
  /** `sla:<id>`: on jobs and log entries. */
  ruleId: string;
  /** A condition stop without a trigger: checked after every change. */
  stopWhen: Predicate | null;
  /** A trigger stop: matched through `stops`; its `when` is the trigger's criteria. */
  stopTrigger: Trigger | null;
  exemptWhen: Predicate | null;
  reminders: Array<CompiledStep<SlaReminder>>;
  escalations: Array<CompiledStep<SlaEscalation>>;
}

/** A rule-shaped carrier, so SLA triggers and actions reuse the rule book's matching and compiling. */
function carrier(id: string, trigger: Trigger, pipelineId: string | undefined, when: Rule['when'], actions: SlaAction[]): Rule {
  const specs = actions.map((a) => ActionSpecSchema.parse({ type: a.type, id: a.id, params: a.params }));
  // Carrier ids keep the feature's `sla:` prefix, which rule ids may not have: parsed under a stand-in id.
  const base = RuleSchema.parse({
    id: 'sla-carrier',
    trigger,
    ...(pipelineId ? { pipelineId } : {}),
    ...(when ? { when } : {}),
    actions: specs.length > 0 ? specs : [{ type: 'notify' }],
  });
  return { ...base, id, actions: specs };
}

const stepId = (id: string | undefined, i: number) => id ?? String(i);

/** The stop trigger of an SLA: explicit, an event by name, or leaving the stage it starts on. */
export function stopTriggerOf(sla: Sla): Trigger | null {
  if (sla.stop?.trigger) return sla.stop.trigger;
  if (sla.stop?.event) return { type: 'event', name: sla.stop.event };
  if (!sla.stop && sla.start.trigger.type === 'stage.entered') return { type: 'stage.left', stage: sla.start.trigger.stage };
  return null;
}

/**
 * Every SLA of an engine, compiled once: start and stop triggers indexed like rules, conditions
 * compiled to predicates, reminder and escalation actions compiled against the action registry.
 */
export class SlaBook {
  private readonly byId = new Map<string, CompiledSla>();
  private readonly starts: RuleBook;
  private readonly stops: RuleBook;
  readonly all: ReadonlyArray<CompiledSla>;

  constructor(slas: ReadonlyArray<Sla>, actions: ActionRegistry) {
    const enabled = slas.filter((s) => s.enabled);
    const startRules: Rule[] = [];
    const stopRules: Rule[] = [];
    for (const sla of enabled) {
      const ruleId = `${SLA_FEATURE}:${sla.id}`;
      const stopTrigger = stopTriggerOf(sla);
      startRules.push({ ...carrier(sla.id, sla.start.trigger, sla.pipelineId, sla.start.when, []) });
      if (stopTrigger) stopRules.push(carrier(sla.id, stopTrigger, sla.pipelineId, sla.stop?.when, []));
      const steps = <S extends { id?: string | undefined; actions: SlaAction[] }>(list: S[], kind: string): Array<CompiledStep<S>> =>
        list.map((spec, i) => {
          const id = stepId(spec.id, i);
          const rule = carrier(`${ruleId}/${kind}:${id}`, { type: 'manual' }, sla.pipelineId, undefined, spec.actions);
          return { id, spec, rule: new RuleBook([rule], actions).get(rule.id)! };
        });
      this.byId.set(sla.id, {
        sla,
        ruleId,
        stopWhen: !stopTrigger && sla.stop?.when ? compileValidCondition(sla.stop.when) : null,
        stopTrigger,
        exemptWhen: sla.exemptWhen ? compileValidCondition(sla.exemptWhen) : null,
        reminders: steps(sla.reminders, 'reminder'),
        escalations: steps(sla.escalations, 'escalation'),
      });
    }
    this.starts = new RuleBook(startRules, actions);
    this.stops = new RuleBook(stopRules, actions);
    this.all = [...this.byId.values()];
  }

  get(id: string): CompiledSla | undefined {
    return this.byId.get(id);
  }

  get size(): number {
    return this.byId.size;
  }

  /** SLAs an occurrence starts, with their start criteria compiled (evaluate `when` before starting). */
  starting(occ: Parameters<RuleBook['match']>[0], pipelineId: string | null): ReadonlyArray<CompiledRule> {
    return this.starts.match(occ, pipelineId);
  }

  /** SLAs whose stop trigger an occurrence matches (criteria still to evaluate). */
  stopping(occ: Parameters<RuleBook['match']>[0], pipelineId: string | null): ReadonlyArray<CompiledRule> {
    return this.stops.match(occ, pipelineId);
  }
}
