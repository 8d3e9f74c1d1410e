import type { IdGenerator } from '../model/ids.js';
import type { ActionRegistry } from './actions.js';
import type { DigestPolicy } from './digest-policy.js';
import type { DirectoryView } from './effects/directory-view.js';
import type { HostFacts } from './facts.js';
import type { FallbackAnswers } from './fallback.js';
import type { CoreFeature } from './features.js';
import type { PipelineIndex } from './pipelines.js';
import type { RuleBook } from './rulebook.js';
import type { CalendarBook, UserTimes } from './time/calendars.js';

// The transition's environment: the services it reads (rule book, actions, features, calendars),
// built from the data types in core/types.ts. A module of its own, above those services, so
// that they can import core/types.ts without forming a cycle through this type.

/** Everything the core reads besides the snapshot and the input. No I/O behind any of it. */
export interface CoreEnv {
  now: string;
  ids: IdGenerator;
  pipelines: PipelineIndex;
  rules: RuleBook;
  actions: ActionRegistry;
  facts: HostFacts;
  /** How deep a cascade may go before the command is rolled back. */
  maxDepth: number;
  /** Core features (SLAs, approvals, …): called after every occurrence, own their jobs and inputs. */
  features?: ReadonlyArray<CoreFeature>;
  /** json-rules-engine's verdicts for fallback criteria so far (see core/fallback.ts); the engine supplies them. */
  fallback?: FallbackAnswers;
  /** Business calendars (named, per pipeline, owners'). Default: each pipeline's, no named ones. */
  calendars?: CalendarBook;
  /** Directory records the engine loaded for this command (the deal's owner), for `owner` calendars. */
  users?: UserTimes;
  /**
   * The Directory records and open digests the effects read (recipients, digest holds, task
   * people), loaded before the step (core/effects/directory-view.ts). Default: none, which is
   * enough for notifications to the owner or a user without a digest; anything else it lacks
   * makes `transition` throw EffectDataNeeded, naming what to load.
   */
  directory?: DirectoryView;
  /** The named digest policies of `createEngine({ digests })`; a notification's `digest` may also be a spec. */
  digests?: ReadonlyMap<string, DigestPolicy>;
}
