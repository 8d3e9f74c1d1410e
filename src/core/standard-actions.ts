import type { Pipeline } from '../model/pipeline.js';
import type { Playbook } from '../model/task.js';
import type { AnyActionDefinition } from './actions.js';
import { BUILTIN_ACTIONS } from './builtin-actions.js';
import { createDealAction } from './system-deals.js';
import { taskActions } from './tasks/actions.js';

/**
 * Every action type an engine knows without custom ones: the built-ins, the task and playbook
 * actions, and `createDeal` — what `parseRules` and the JSON Schema of the rule language accept.
 */
export function standardActions(pipelines: ReadonlyArray<Pipeline> = [], playbooks: ReadonlyMap<string, Playbook> = new Map()): AnyActionDefinition[] {
  return [...BUILTIN_ACTIONS, ...taskActions(playbooks), createDealAction(pipelines)];
}
