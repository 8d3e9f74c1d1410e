import type { ExternalEvent } from '../model/event.js';
import { DealflowError } from '../model/errors.js';
import { DueJobs } from './due-jobs.js';
import type { CoreEnv } from './env.js';
import { EffectDataNeeded, EMPTY_DIRECTORY_VIEW, Lookup } from './effects/directory-view.js';
import { finalizeOwnDraft } from './effects/finalize.js';
import type { CoreInput, DealSnapshot, Outcome } from './types.js';
import { COMMAND } from './work.js';

// The pure transition's entry point. Its types are in core/types.ts (data) and core/env.ts (the
// services it reads), re-exported here for the modules that import them from this one. Its
// working state is built in layers, one concern per module: core/work.ts (state and output),
// core/deal-changes.ts, core/cascade.ts, core/due-jobs.ts; this module adds the inputs.

export type { CoreEnv } from './env.js';
export type { CoreInput, DealDraft, Outcome } from './types.js';
export { EffectDataNeeded, type DirectoryView, type EffectNeeds } from './effects/directory-view.js';

/**
 * The pure transition: (snapshot, input, env) → (next snapshot, effects). It runs nothing:
 * jobs to schedule or cancel, log lines, outbox messages (one per recipient, or held in a
 * digest) and records are returned, final, for the engine to write in one transaction. Throws a
 * DealflowError for bad input; the caller then discards everything, so a rejected command
 * changes nothing. Throws EffectDataNeeded when the effects read Directory records or open
 * digests that `env.directory` does not hold.
 */
export function transition(snapshot: DealSnapshot, input: CoreInput, env: CoreEnv): Outcome {
  const draft = draftTransition(snapshot, input, env);
  const lookup = new Lookup(env.directory ?? EMPTY_DIRECTORY_VIEW);
  // The draft is this call's own: its effects are made final in place where they can be.
  const out = finalizeOwnDraft(snapshot, draft, env, lookup, env.ids);
  if (lookup.needs) throw new EffectDataNeeded(lookup.needs);
  return out;
}

/**
 * The transition's decisions before its effects are made final: notifications still name their
 * recipient spec, tasks their unresolved people. `transition` is this and then `finalizeEffects`
 * (core/effects/finalize.ts; in place there, finalizeOwnDraft); the engine runs the two apart to
 * load what the second reads.
 */
export function draftTransition(snapshot: DealSnapshot, input: CoreInput, env: CoreEnv): Outcome {
  const work = new Work(snapshot, env);
  work.start(input);
  work.drain();
  return work.finish();
}

/** The working state with its inputs: the top layer, the one `transition` makes. */
class Work extends DueJobs {
  start(input: CoreInput): void {
    switch (input.type) {
      case 'create':
        return this.create(input.draft);
      case 'update':
        this.checkVersion(input.expectedVersion);
        return this.update(input.patch);
      case 'move':
        this.checkVersion(input.expectedVersion);
        return this.moveStage(input.stageId);
      case 'delete':
        return this.remove();
      case 'event':
        this.externalDeals = input.externalDeals ?? {};
        return this.receive(input.event);
      case 'launch':
        return this.launch(input.ruleId);
      case 'job':
        return this.runJob(input.job);
      case 'signal':
        if (input.log) this.log(input.log.type, input.log.data);
        return this.enqueue(input.occurrence, this.deal, input.payload, COMMAND);
      case 'feature': {
        const feature = this.env.features?.find((f) => f.name === input.feature);
        if (!feature?.onInput) throw new DealflowError('INVALID_INPUT', `no core feature "${input.feature}" takes commands`);
        return feature.onInput(this.featureContext(feature, null), input.input);
      }
    }
  }

  private receive(event: ExternalEvent): void {
    this.log('event.received', { name: event.name, id: event.id ?? null, payload: event.payload });
    this.enqueue({ type: 'event', name: event.name }, this.deal, event.payload, COMMAND);
  }

  private launch(ruleId: string): void {
    const cr = this.env.rules.get(ruleId);
    if (!cr) throw new DealflowError('UNKNOWN_RULE', `no rule with id "${ruleId}"`);
    if (cr.rule.trigger.type !== 'manual') {
      throw new DealflowError('INVALID_INPUT', `rule "${ruleId}" has a ${cr.rule.trigger.type} trigger; only manual rules can be launched`);
    }
    if (!cr.rule.enabled) throw new DealflowError('INVALID_INPUT', `rule "${ruleId}" is disabled`);
    this.requireDeal();
    this.enqueue({ type: 'manual', ruleId }, this.deal, null, COMMAND);
  }
}
