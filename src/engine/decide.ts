import type { ActionRegistry } from '../core/actions.js';
import type { CoreFeature } from '../core/features.js';
import type { HostFacts } from '../core/facts.js';
import type { PipelineIndex } from '../core/pipelines.js';
import type { SlaBook } from '../core/sla/book.js';
import type { CalendarBook, UserTimes } from '../core/time/calendars.js';
import { toIsoString } from '../core/time/iso.js';
import { draftTransition, type CoreEnv, type CoreInput, type Outcome } from '../core/transition.js';
import type { DealSnapshot } from '../core/types.js';
import type { DigestPolicy } from '../core/digest-policy.js';
import type { StorageTx } from '../ports/storage.js';
import { emptyView, finalOutcome, type LoadedView } from './effect-data.js';
import type { Directory } from '../ports/directory.js';
import type { IdGenerator } from '../ports/ids.js';
import type { FallbackEvaluator } from './fallback.js';
import { loadUsers, ownersToLoad, userTimes } from './owner-times.js';
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
  /** Digest policies by name: the core decides what a digest holds. */
  digests: Map<string, DigestPolicy>;
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
  /** With `tx`, the outcome with final effects; without, the draft, which the job batch makes final itself (job-batch.ts). */
  decide(before: DealSnapshot, input: CoreInput, now: Date, tx: StorageTx | null): Outcome | Promise<Outcome> {
    // Owner calendars need the owner's Directory record; the core is sync, so load it first.
    const owners = ownersToLoad(this.deps.rules.book, before, input, this.slaUsesOwner);
    // One load of Directory records per command: the owners read here are there for the effects too.
    const view = emptyView();
    if (owners.length > 0) return loadUsers(this.deps.directory, owners, view.users).then(() => this.decideWith(before, input, now, tx, view));
    return this.decideWith(before, input, now, tx, view);
  }

  /** The core's environment for a command at `now`. */
  env(now: Date, users?: UserTimes, directory?: LoadedView): CoreEnv {
    const { deps } = this;
    // One shape for every command (no spreads): the core reads these on every occurrence.
    return {
      calendars: deps.calendars,
      users,
      directory,
      now: toIsoString(now.getTime()),
      ids: deps.ids,
      pipelines: deps.pipelines,
      rules: deps.rules.book,
      actions: deps.actions,
      facts: deps.facts,
      maxDepth: deps.maxDepth,
      features: deps.features,
      digests: deps.digests,
    };
  }

  /** The core's decisions, then what its effects read loaded (src/engine/effect-data.ts) and the effects made final by the core. */
  private decideWith(before: DealSnapshot, input: CoreInput, now: Date, tx: StorageTx | null, view: LoadedView): Outcome | Promise<Outcome> {
    const loaded = Object.keys(view.users).length > 0;
    const env = this.env(now, loaded ? userTimes(view.users) : undefined, view);
    const { directory } = this.deps;
    if (!env.rules.hasFallback) {
      const draft = draftTransition(before, input, env);
      return tx ? finalOutcome(before, draft, env, directory, tx, view) : draft;
    }
    const settled = this.deps.fallback.settle(env.ids, (fallback, ids) => draftTransition(before, input, { ...env, ids, fallback }));
    return tx ? settled.then((draft) => finalOutcome(before, draft, env, directory, tx, view)) : settled;
  }

  /** A job batch's draft made final: what its effects read loaded through the batch's `tx` (src/engine/effect-data.ts). */
  finalize(tx: StorageTx, before: DealSnapshot, draft: Outcome, now: Date): Outcome | Promise<Outcome> {
    return finalOutcome(before, draft, this.env(now, undefined, emptyView()), this.deps.directory, tx);
  }
}
