import type { Playbook, Task } from '../../model/task.js';
import type { FeatureContext } from '../features.js';
import { TASK_FEATURE, createTask, requireDeal, startTask, tasksOf } from './lifecycle.js';

export const PLAYBOOK_RUN_RECORD = 'playbook-run';

/**
 * Creates a playbook's tasks on the deal. Steps without dependencies start now; the others are
 * `blocked` until every step they depend on is completed, and their due times count from then.
 * Each launch is a run of its own (a deal can run a playbook twice, e.g. for two services sold).
 */
export function launchPlaybook(ctx: FeatureContext, playbook: Playbook, launchedBy: string): Task[] {
  const deal = requireDeal(ctx);
  const runId = ctx.newId('playbook-run');
  const ids = new Map(playbook.tasks.map((step) => [step.key, ctx.newId('task')]));
  const tasks = playbook.tasks.map((step) => {
    const { dependsOn, ...spec } = step;
    return createTask(ctx, {
      id: ids.get(step.key)!,
      spec,
      createdBy: launchedBy,
      blockedBy: dependsOn.map((key) => ids.get(key)!),
      playbook: { id: playbook.id, runId },
    });
  });
  ctx.putRecord(PLAYBOOK_RUN_RECORD, runId, {
    playbookId: playbook.id,
    dealId: deal.id,
    launchedBy,
    launchedAt: ctx.now,
    taskIds: tasks.map((t) => t.id),
  });
  ctx.log('playbook.launched', { playbookId: playbook.id, runId, launchedBy, taskIds: tasks.map((t) => t.id) }, TASK_FEATURE);
  return tasks;
}

/** Starts the blocked steps of `done`'s run whose dependencies are now all completed. */
export function startReadySteps(ctx: FeatureContext, done: Task): void {
  if (!done.playbook) return;
  const all = tasksOf(ctx);
  const completed = new Set(all.filter((t) => t.status === 'completed').map((t) => t.id));
  for (const task of all) {
    if (task.status !== 'blocked' || task.playbook?.runId !== done.playbook.runId || !task.dependsOn.includes(done.id)) continue;
    if (task.dependsOn.every((id) => completed.has(id))) startTask(ctx, task);
  }
}
