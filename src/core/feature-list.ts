import type { Playbook } from '../model/task.js';
import type { AnyActionDefinition } from './actions.js';
import { APPROVALS } from './approvals/registration.js';
import { DEAL_ACTIONS } from './builtin-actions.js';
import type { CoreFeature, FeatureRegistration, FeatureSetup } from './features.js';
import { GOALS } from './goals.js';
import { SLAS } from './sla/registration.js';
import { TASKS } from './tasks/registration.js';

// The one list of the core's features. Each brings its actions, record kinds and hooks through
// its registration; nothing else adds feature actions or builds features. The order is the
// order the core calls their hooks after each occurrence, and the order of their record kinds
// in a snapshot: history and snapshots depend on it, so a new feature goes at the end.

/** Every feature of an engine, in the order their hooks run: tasks, goals, SLAs, approvals. */
export const FEATURES: ReadonlyArray<FeatureRegistration> = [TASKS, GOALS, SLAS, APPROVALS];

/** The action types the features add to the rule language, in the order of FEATURES. */
export function featureActions(playbooks: ReadonlyMap<string, Playbook> = new Map()): AnyActionDefinition[] {
  return FEATURES.flatMap((f) => f.actions(playbooks));
}

/** Builds the features of an engine, in the order of FEATURES. */
export function buildFeatures(setup: FeatureSetup): CoreFeature[] {
  const built = new Map<string, CoreFeature>();
  for (const registration of FEATURES) built.set(registration.name, registration.build(setup, built));
  return [...built.values()];
}

/**
 * The action types that need no configuration: the deal actions and the approval and SLA
 * features'. For hosts that build an ActionRegistry by hand (`transition` on its own); an
 * engine builds its registry from DEAL_ACTIONS and FEATURES (core/standard-actions.ts).
 */
export const BUILTIN_ACTIONS: AnyActionDefinition[] = [...DEAL_ACTIONS, ...APPROVALS.actions(new Map()), ...SLAS.actions(new Map())];
