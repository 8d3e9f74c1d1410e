import type { ActionRegistry } from '../core/actions.js';
import type { CoreFeature } from '../core/features.js';
import type { HostFacts } from '../core/facts.js';
import type { PipelineIndex } from '../core/pipelines.js';
import type { SlaBook } from '../core/sla/book.js';
import type { CalendarBook, UserTimes } from '../core/time/calendars.js';
import { toIsoString } from '../core/time/iso.js';
import { transition, type CoreEnv, type CoreInput, type Outcome } from '../core/transition.js';
import type { DealSnapshot } from '../core/types.js';
import type { Directory } from '../ports/directory.js';
import type { IdGenerator } from '../ports/ids.js';
import type { FallbackEvaluator } from './fallback.js';
import { loadUserTimes, ownersToLoad } from './owner-times.js';
import type { RuleSet } from './rule-set.js';

/** What the pure step runs against: the engine's configuration and the rules in force. */
export interface DeciderDeps {
  calendars: CalendarBook;
  ids: IdGenerator;
  pipelines: PipelineIndex;
  rules: RuleSet;
  actions: ActionRegistry;
  facts: HostFacts;
  maxDepth: number;
  features: ReadonlyArray<CoreFeature>;
  fallback: FallbackEvaluator;
  slas: SlaBook;
  directory: Directory;
}

/**
 * The executor's decide step: the pure transition, synchronous unless something must be read
 * first (owner calendars from the Directory) or rules are left to json-rules-engine, which is
 * async. Commands and jobs of a batch decide here alike.
 */
export class Decider {
  /** Whether some SLA follows the owner's calendar (then owners are loaded for every command). */
  private readonly slaUsesOwner: boolean;

  constructor(private readonly deps: DeciderDeps) {
    this.slaUsesOwner = deps.slas.all.some((c) => c.sla.calendar === 'owner');
  }

  /** The pure transition; with rules left to json-rules-engine, re-run until their verdicts are all in (core/fallback.ts). */
  decide(before: DealSnapshot, input: CoreInput, now: Date): Outcome | Promise<Outcome> {
    // Owner calendars need the owner's Directory record; the core is sync, so load it first.
    const owners = ownersToLoad(this.deps.rules.book, before, input, this.slaUsesOwner);
    if (owners.length > 0) return loadUserTimes(this.deps.directory, owners).then((users) => this.decideWith(before, input, now, users));
    return this.decideWith(before, input, now, undefined);
  }

  /** The core's environment for a command at `now`. */
  env(now: Date, users?: UserTimes): CoreEnv {
    const { deps } = this;
    // One shape for every command (no spreads): the core reads these on every occurrence.
    return {
      calendars: deps.calendars,
      users,
      now: toIsoString(now.getTime()),
      ids: deps.ids,
      pipelines: deps.pipelines,
      rules: deps.rules.book,
      actions: deps.actions,
      facts: deps.facts,
      maxDepth: deps.maxDepth,
      features: deps.features,
    };
  }

  private decideWith(before: DealSnapshot, input: CoreInput, now: Date, users: UserTimes | undefined): Outcome | Promise<Outcome> {
    const env = this.env(now, users);
    if (!env.rules.hasFallback) return transition(before, input, env);
    return this.deps.fallback.settle(env.ids, (fallback, ids) => transition(before, input, { ...env, ids, fallback }));
  }
}
