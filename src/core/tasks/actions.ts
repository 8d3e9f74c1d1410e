import { z } from 'zod';
import { strictObject } from '../../model/objects.js';
import { TaskSpecSchema, type Playbook, type TaskSpec } from '../../model/task.js';
import { defineAction, type AnyActionDefinition } from '../actions.js';
import { TemplateString } from '../templates.js';
import type { TaskInput } from './feature.js';
import { TASK_FEATURE } from './lifecycle.js';

/** `createTask`: the params are a task spec; the title is a template checked when rules are parsed. */
export const CreateTaskParamsSchema = TaskSpecSchema.extend({ title: TemplateString.min(1) })
  .strict()
  .describe('createTask: creates a task on the deal.');

export const createTaskAction = defineAction({
  type: 'createTask',
  params: CreateTaskParamsSchema,
  apply(ctx, params) {
    const input: TaskInput = { op: 'create', spec: params as TaskSpec, createdBy: `rule:${ctx.rule.id}` };
    ctx.feature(TASK_FEATURE, input);
  },
});

/** `launchPlaybook`: its `playbook` must name a playbook passed to the engine (checked when rules are parsed, through `references`). */
export function launchPlaybookAction(playbooks: ReadonlyMap<string, Playbook>): AnyActionDefinition {
  return defineAction({
    type: 'launchPlaybook',
    params: strictObject({ playbook: z.string().min(1).describe('A playbook id from createEngine({ playbooks }).') }).describe(
      'launchPlaybook: creates the playbook’s tasks on the deal.',
    ),
    apply(ctx, params) {
      const input: TaskInput = { op: 'launchPlaybook', playbookId: params.playbook, launchedBy: `rule:${ctx.rule.id}` };
      ctx.feature(TASK_FEATURE, input);
    },
    references: (p) => [{ kind: 'playbook', name: p.playbook, path: ['playbook'], known: [...playbooks.keys()] }],
  });
}

export function taskActions(playbooks: ReadonlyMap<string, Playbook>): AnyActionDefinition[] {
  return [createTaskAction, launchPlaybookAction(playbooks)];
}
