import type { IdGenerator } from '../ports/ids.js';
import type { ActionRegistry } from './actions.js';
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
}
