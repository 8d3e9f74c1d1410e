import type { Pipeline } from '../model/pipeline.js';
import type { Playbook } from '../model/task.js';
import type { AnyActionDefinition } from './actions.js';
import { DEAL_ACTIONS } from './builtin-actions.js';
import { featureActions } from './feature-list.js';
import { createDealAction } from './system-deals.js';

/**
 * Every action type an engine knows without custom ones: the deal actions, each feature's (SLAs,
 * approvals, tasks and playbooks, from core/feature-list.ts), and `createDeal` — what an engine
 * registers, and what `parseRules` and the JSON Schema of the rule language accept.
 */
export function standardActions(pipelines: ReadonlyArray<Pipeline> = [], playbooks: ReadonlyMap<string, Playbook> = new Map()): AnyActionDefinition[] {
  return [...DEAL_ACTIONS, ...featureActions(playbooks), createDealAction(pipelines)];
}
