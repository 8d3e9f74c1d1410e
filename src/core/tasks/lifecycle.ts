import type { Deal, Json } from '../../model/deal.js';
import { DealflowError } from '../../model/errors.js';
import type { CoAssignee, Task, TaskPerson, TaskSpec } from '../../model/task.js';
import type { FeatureContext } from '../features.js';

/** The task feature's name: its inputs go to `feature('task', …)`, its jobs are `task:<…>`. */
export const TASK_FEATURE = 'task';
export const TASK_RECORD = 'task';
export const OVERDUE_JOB = `${TASK_FEATURE}:overdue`;

/** What a new task needs beyond its spec. */
export interface NewTask {
  spec: TaskSpec;
  createdBy: string;
  /** An explicit due instant (the `createTask` command); wins over `spec.due`. */
  dueAt?: string;
  /** A playbook step: blocked until these tasks are completed. */
  blockedBy?: string[];
  playbook?: { id: string; runId: string };
  id?: string;
}

export function requireDeal(ctx: FeatureContext): Readonly<Deal> {
  if (!ctx.deal) throw new DealflowError('NOT_FOUND', 'tasks belong to a deal, and there is none');
  return ctx.deal;
}

export function tasksOf(ctx: FeatureContext): Task[] {
  return ctx.records(TASK_RECORD).map((r) => r.data as unknown as Task);
}

export function findTask(ctx: FeatureContext, taskId: string): Task {
  const record = ctx.records(TASK_RECORD).find((r) => r.id === taskId);
  if (!record) throw new DealflowError('NOT_FOUND', `no task "${taskId}" on deal "${ctx.deal?.id ?? '?'}"`);
  return record.data as unknown as Task;
}

export function saveTask(ctx: FeatureContext, task: Task): void {
  ctx.putRecord(TASK_RECORD, task.id, task as unknown as Record<string, unknown>);
}

/** What rules see as `event` when a task trigger fires: `{ task: {...} }`. */
export function taskPayload(task: Task): Record<string, Json> {
  return { task: task as unknown as Json };
}

/** The people a deal's owner makes concrete now; `manager` and roles wait for the Directory. */
function person(p: TaskPerson, deal: Readonly<Deal>): string | null {
  if (p === 'owner') return deal.ownerId;
  if (p === 'manager') return null;
  return p.user;
}

/**
 * Creates a task on the deal. People the core can name (the owner, user ids) are set now;
 * `manager` and roles are left in `unresolved` for the engine to look up in the Directory in
 * the same transaction. An open task with a due time gets an overdue job.
 */
export function createTask(ctx: FeatureContext, input: NewTask): Task {
  const deal = requireDeal(ctx);
  const { spec } = input;
  const id = input.id ?? ctx.newId('task');
  const blocked = (input.blockedBy ?? []).length > 0;
  const title = ctx.render(spec.title, { task: { key: spec.key ?? null, priority: spec.priority } }, TASK_FEATURE);
  const unresolved: NonNullable<Task['unresolved']> = {};
  const assigneeId = person(spec.assignee, deal);
  if (assigneeId === null) unresolved.assignee = spec.assignee;
  const coAssigneeIds: string[] = [];
  const pendingCo: CoAssignee[] = [];
  for (const c of spec.coAssignees) {
    const id = typeof c === 'object' && 'role' in c ? null : person(c, deal);
    if (id === null) pendingCo.push(c);
    else if (id !== assigneeId && !coAssigneeIds.includes(id)) coAssigneeIds.push(id);
  }
  if (pendingCo.length > 0) unresolved.coAssignees = pendingCo;
  let approverId: string | null = null;
  if (spec.requiresApprovalToClose) {
    const approver = spec.approver ?? 'manager';
    approverId = person(approver, deal);
    if (approverId === null) unresolved.approver = approver;
  }
  const task: Task = {
    id,
    dealId: deal.id,
    key: spec.key ?? null,
    title,
    description: spec.description ?? null,
    status: blocked ? 'blocked' : 'open',
    priority: spec.priority,
    assigneeId,
    coAssigneeIds,
    requiresApprovalToClose: spec.requiresApprovalToClose,
    approverId,
    dueAt: null,
    due: spec.due ?? null,
    createdAt: ctx.now,
    createdBy: input.createdBy,
    startedAt: null,
    completedAt: null,
    completedBy: null,
    closeRequestedAt: null,
    closeRequestedBy: null,
    overdueAt: null,
    playbook: input.playbook ?? null,
    dependsOn: input.blockedBy ?? [],
    unresolved: Object.keys(unresolved).length > 0 ? unresolved : null,
  };
  ctx.log('task.created', { taskId: id, key: task.key, title, status: task.status, createdBy: input.createdBy, playbook: task.playbook }, TASK_FEATURE);
  if (blocked) {
    saveTask(ctx, task);
    return task;
  }
  return startTask(ctx, task, input.dueAt);
}

/**
 * Opens a task (at creation, or when the last step it waits for is completed): its due time
 * counts from now in the deal's calendar (business units in working time, due exactly then), and
 * an overdue job waits for it. `task.assigned` in the log tells the engine
 * to notify the assignee and co-assignees once their ids are known.
 */
export function startTask(ctx: FeatureContext, task: Task, explicitDueAt?: string): Task {
  requireDeal(ctx);
  const dueAt = explicitDueAt ?? (task.due ? ctx.addTime(ctx.now, task.due, { policy: 'exact' }) : null);
  const started: Task = { ...task, status: 'open', startedAt: ctx.now, dueAt };
  saveTask(ctx, started);
  if (dueAt !== null) scheduleOverdue(ctx, started);
  ctx.log('task.assigned', { taskId: started.id, title: started.title, dueAt }, TASK_FEATURE);
  return started;
}

export function scheduleOverdue(ctx: FeatureContext, task: Task): void {
  if (task.dueAt === null || task.dueAt <= ctx.now) return;
  ctx.schedule({ ruleId: OVERDUE_JOB, actionId: 'overdue', enrolmentId: task.id, dueAt: task.dueAt, event: { taskId: task.id } });
}

export function cancelOverdue(ctx: FeatureContext, task: Task, reason: string): void {
  for (const job of ctx.jobs()) {
    if (job.ruleId === OVERDUE_JOB && job.enrolmentId === task.id) ctx.cancelJob(job.id, reason);
  }
}
