import { DealflowError } from '../../model/errors.js';
import type { Playbook, Task, TaskSpec } from '../../model/task.js';
import type { CoreFeature, FeatureContext } from '../features.js';
import type { Job } from '../types.js';
import {
  OVERDUE_JOB,
  TASK_FEATURE,
  TASK_RECORD,
  cancelOverdue,
  createTask,
  findTask,
  saveTask,
  scheduleOverdue,
  startTask,
  taskPayload,
  tasksOf,
} from './lifecycle.js';
import { launchPlaybook, startReadySteps } from './playbooks.js';

/**
 * What the task feature accepts, from the engine's commands or from actions (`createTask`,
 * `launchPlaybook`). `actorId` null is a trusted system call; the engine has already asked the
 * AccessPolicy, so the core only enforces the task's own rule: the approver confirms closing.
 */
export type TaskInput =
  | { op: 'create'; spec: TaskSpec; createdBy: string; dueAt?: string }
  | { op: 'launchPlaybook'; playbookId: string; launchedBy: string }
  | { op: 'complete'; taskId: string; actorId: string | null; comment?: string }
  | { op: 'reopen'; taskId: string; actorId: string | null; reason?: string };

export interface TaskFeatureOptions {
  playbooks: ReadonlyMap<string, Playbook>;
}

/**
 * Tasks on deals: created by rules, playbooks or by hand; completed (with the approver's
 * confirmation when the task requires it) and reopened; overdue when their due time passes.
 * Raises `task.completed` and `task.overdue` for the rules, with `{ task }` as the event.
 */
export function taskFeature(options: TaskFeatureOptions): CoreFeature {
  return {
    name: TASK_FEATURE,
    recordKinds: [TASK_RECORD],
    onInput(ctx, raw) {
      const input = raw as TaskInput;
      switch (input.op) {
        case 'create':
          createTask(ctx, { spec: input.spec, createdBy: input.createdBy, ...(input.dueAt ? { dueAt: input.dueAt } : {}) });
          return;
        case 'launchPlaybook': {
          const playbook = options.playbooks.get(input.playbookId);
          if (!playbook) {
            const known = [...options.playbooks.keys()];
            throw new DealflowError(
              'NOT_FOUND',
              `no playbook "${input.playbookId}"; ${known.length ? `the playbooks are ${known.join(', ')}` : 'pass them in createEngine({ playbooks })'}`,
            );
          }
          launchPlaybook(ctx, playbook, input.launchedBy);
          return;
        }
        case 'complete':
          return complete(ctx, input.taskId, input.actorId, input.comment);
        case 'reopen':
          return reopen(ctx, input.taskId, input.actorId, input.reason);
      }
    },
    onJob(ctx, job) {
      if (job.ruleId === OVERDUE_JOB) overdue(ctx, job);
    },
  };
}

function complete(ctx: FeatureContext, taskId: string, actorId: string | null, comment?: string): void {
  const task = findTask(ctx, taskId);
  if (task.status === 'completed') throw new DealflowError('CONFLICT', `task "${task.id}" is already completed; reopen it first`);
  if (task.status === 'blocked') {
    throw new DealflowError('CONFLICT', `task "${task.id}" has not started: it waits for ${openBlockers(ctx, task).join(', ')}`, {
      details: { taskId, waitsFor: openBlockers(ctx, task) },
    });
  }
  const confirming = actorId === null || actorId === task.approverId;
  if (task.requiresApprovalToClose && !confirming) {
    if (task.status === 'pending-approval') {
      throw new DealflowError('FORBIDDEN', `only the approver (${task.approverId ?? 'unknown'}) can confirm closing task "${task.id}"`, {
        details: { taskId, actorId, approverId: task.approverId },
      });
    }
    const requested: Task = { ...task, status: 'pending-approval', closeRequestedAt: ctx.now, closeRequestedBy: actorId };
    saveTask(ctx, requested);
    ctx.log('task.closeRequested', { taskId, by: actorId, approverId: task.approverId, ...(comment ? { comment } : {}) }, TASK_FEATURE);
    ctx.notify(
      {
        to: task.approverId ? { user: task.approverId } : 'manager',
        template: 'task.approval-requested',
        text: 'Please confirm that the task "{{task.title}}" is done.',
        data: { taskId },
      },
      `${task.id}:close-requested:${ctx.now}`,
      TASK_FEATURE,
      { task: requested },
    );
    return;
  }
  const done: Task = { ...task, status: 'completed', completedAt: ctx.now, completedBy: actorId };
  saveTask(ctx, done);
  cancelOverdue(ctx, task, 'task-completed');
  ctx.log('task.completed', { taskId, key: task.key, by: actorId, approved: task.requiresApprovalToClose, ...(comment ? { comment } : {}) }, TASK_FEATURE);
  ctx.raise({ type: 'task.completed', key: task.key }, taskPayload(done));
  startReadySteps(ctx, done);
}

function reopen(ctx: FeatureContext, taskId: string, actorId: string | null, reason?: string): void {
  const task = findTask(ctx, taskId);
  if (task.status === 'open' || task.status === 'blocked') throw new DealflowError('CONFLICT', `task "${task.id}" is ${task.status}, not completed`);
  if (task.status === 'pending-approval') {
    // Refusing a close request: the approver's call, or the requester withdrawing it.
    const mayRefuse = actorId === null || actorId === task.approverId || actorId === task.closeRequestedBy;
    if (!mayRefuse)
      throw new DealflowError('FORBIDDEN', `only the approver (${task.approverId ?? 'unknown'}) can refuse closing task "${task.id}"`, {
        details: { taskId, actorId },
      });
  }
  const reopened: Task = { ...task, status: 'open', completedAt: null, completedBy: null, closeRequestedAt: null, closeRequestedBy: null };
  saveTask(ctx, reopened);
  const type = task.status === 'pending-approval' ? (actorId === task.closeRequestedBy ? 'task.closeWithdrawn' : 'task.closeRefused') : 'task.reopened';
  ctx.log(type, { taskId, by: actorId, ...(reason ? { reason } : {}) }, TASK_FEATURE);
  if (task.status === 'completed') scheduleOverdue(ctx, reopened);
}

function overdue(ctx: FeatureContext, job: Job): void {
  const task = tasksOf(ctx).find((t) => t.id === job.enrolmentId);
  // A stale job (the task was completed, or its due time moved) does nothing.
  if (!task || (task.status !== 'open' && task.status !== 'pending-approval') || task.dueAt !== job.dueAt) return;
  const late: Task = { ...task, overdueAt: task.overdueAt ?? ctx.now };
  saveTask(ctx, late);
  ctx.log('task.overdue', { taskId: task.id, key: task.key, dueAt: task.dueAt, assigneeId: task.assigneeId }, TASK_FEATURE);
  ctx.notify(
    {
      to: task.assigneeId ? { user: task.assigneeId } : 'owner',
      template: 'task.overdue',
      text: 'The task "{{task.title}}" is overdue.',
      data: { taskId: task.id },
    },
    `${task.id}:overdue:${task.dueAt}`,
    TASK_FEATURE,
    { task: late },
  );
  ctx.raise({ type: 'task.overdue', key: task.key }, taskPayload(late));
}

function openBlockers(ctx: FeatureContext, task: Task): string[] {
  const all = tasksOf(ctx);
  return task.dependsOn.filter((id) => all.find((t) => t.id === id)?.status !== 'completed');
}

export { startTask };
