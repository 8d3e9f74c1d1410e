import { z } from 'zod';
import { TaskSpecSchema, type Playbook, type TaskSpec } from '../../model/task.js';
import { defineAction, type AnyActionDefinition } from '../actions.js';
import { TemplateString } from '../templates.js';
import type { TaskInput } from './feature.js';
import { TASK_FEATURE } from './lifecycle.js';

/** `createTask`: the params are a task spec; the title is a template checked when rules are parsed. */
export const CreateTaskParamsSchema = TaskSpecSchema.extend({ title: TemplateString.min(1) }).strict();

export const createTaskAction = defineAction({
  type: 'createTask',
  params: CreateTaskParamsSchema,
  apply(ctx, params) {
    const input: TaskInput = { op: 'create', spec: params as TaskSpec, createdBy: `rule:${ctx.rule.id}` };
    ctx.feature(TASK_FEATURE, input);
  },
});

/** `launchPlaybook`: its `playbook` must name a playbook passed to the engine (checked when rules are parsed). */
export function launchPlaybookAction(playbooks: ReadonlyMap<string, Playbook>): AnyActionDefinition {
  const known = () => [...playbooks.keys()];
  return defineAction({
    type: 'launchPlaybook',
    params: z
      .object({
        playbook: z.string().superRefine((id, ctx) => {
          if (!playbooks.has(id)) {
            ctx.addIssue({
              code: 'custom',
              message: `unknown playbook "${id}"; ${known().length ? `the playbooks are ${known().join(', ')}` : 'pass playbooks to createEngine({ playbooks })'}`,
            });
          }
        }),
      })
      .strict(),
    apply(ctx, params) {
      const input: TaskInput = { op: 'launchPlaybook', playbookId: params.playbook, launchedBy: `rule:${ctx.rule.id}` };
      ctx.feature(TASK_FEATURE, input);
    },
  });
}

export function taskActions(playbooks: ReadonlyMap<string, Playbook>): AnyActionDefinition[] {
  return [createTaskAction, launchPlaybookAction(playbooks)];
}
