import type { Deal } from '../../model/deal.js';
import type { Pipeline } from '../../model/pipeline.js';
import type { CoAssignee, Task, TaskPerson } from '../../model/task.js';
import type { IdGenerator } from '../../model/ids.js';
import { TASK_RECORD } from '../tasks/lifecycle.js';
import { render } from '../templates.js';
import type { Effect, AnyHistoryEntry, OutboxMessage, StoredRecord } from '../types.js';
import type { Lookup } from './directory-view.js';

// Who is on a task, and the "you have a new task" notices, decided in the core: the task feature
// leaves `manager` and roles unresolved while it runs (the Directory is a port), and they are
// filled in here from the Directory records loaded before (a DirectoryView).

/** A task record's people resolved; other records pass through. Log entries say what fell back. */
export function resolveTaskPeople(
  record: StoredRecord,
  deal: Deal | null,
  lookup: Lookup,
  ids: IdGenerator,
  now: string,
): { record: StoredRecord; log: AnyHistoryEntry[] } {
  const task = record.data as unknown as Task;
  if (record.kind !== TASK_RECORD || !task.unresolved || !deal) return { record, log: [] };
  const log: AnyHistoryEntry[] = [];
  const note = (data: Record<string, unknown>) => log.push(entry(ids, now, deal.id, 'task.personUnresolved', { taskId: task.id, ...data }));
  const { unresolved } = task;
  let assigneeId = task.assigneeId;
  if (unresolved.assignee) {
    assigneeId = person(unresolved.assignee, deal, lookup);
    if (assigneeId === null) {
      note({ role: 'assignee', wanted: unresolved.assignee, reason: why(unresolved.assignee, deal, lookup), fallback: deal.ownerId });
      assigneeId = deal.ownerId;
    }
  }
  const coAssigneeIds = task.coAssigneeIds.filter((id) => id !== assigneeId);
  for (const c of unresolved.coAssignees ?? []) {
    const found = people(c, deal, lookup);
    if (found.length === 0) note({ role: 'coAssignee', wanted: c, reason: why(c, deal, lookup) });
    for (const id of found) if (id !== assigneeId && !coAssigneeIds.includes(id)) coAssigneeIds.push(id);
  }
  let approverId = task.approverId;
  if (unresolved.approver) {
    approverId = person(unresolved.approver, deal, lookup);
    if (approverId === null)
      note({ role: 'approver', wanted: unresolved.approver, reason: why(unresolved.approver, deal, lookup), fallback: 'only a system call can close it' });
  }
  const resolved: Task = { ...task, assigneeId, coAssigneeIds, approverId, unresolved: null };
  return { record: { ...record, data: resolved as unknown as Record<string, unknown> }, log };
}

/**
 * "You have a new task" for each person on every task the transition started (a `task.assigned`
 * log entry), read from the task as it is stored (people resolved). The key is stable per task
 * start, so a retried delivery is dropped by the receiver. Messages go to `{ user }`: no lookup.
 */
export function taskNotices(
  effects: ReadonlyArray<Effect>,
  tasks: ReadonlyMap<string, StoredRecord>,
  deal: Deal | null,
  pipeline: Pipeline | undefined,
  ids: IdGenerator,
  now: string,
): { messages: OutboxMessage[]; log: AnyHistoryEntry[] } {
  const messages: OutboxMessage[] = [];
  const log: AnyHistoryEntry[] = [];
  if (!deal) return { messages, log };
  for (const effect of effects) {
    if (effect.type !== 'log' || effect.entry.type !== 'task.assigned') continue;
    const task = tasks.get(String(effect.entry.data.taskId))?.data as unknown as Task | undefined;
    if (task?.status !== 'open') continue;
    const onTask: Array<[string, 'assignee' | 'co-assignee']> = [];
    if (task.assigneeId) onTask.push([task.assigneeId, 'assignee']);
    for (const id of task.coAssigneeIds) onTask.push([id, 'co-assignee']);
    const text = render('New task: {{task.title}}{{#task.dueAt}} (due {{task.dueAt}}){{/task.dueAt}}', {
      deal,
      event: null,
      now,
      pipeline,
      facts: {},
      extra: { task },
    }).text;
    for (const [userId, as] of onTask) {
      const message: OutboxMessage = {
        id: ids.next('msg'),
        key: `${task.id}:assigned:${task.startedAt ?? now}`,
        kind: 'notification',
        dealId: deal.id,
        ruleId: 'task',
        createdAt: now,
        status: 'pending',
        attempts: 0,
        nextAttemptAt: now,
        lastError: null,
        payload: {
          to: { user: userId },
          ownerId: deal.ownerId,
          template: 'task.assigned',
          subject: null,
          text,
          data: { taskId: task.id, as, title: task.title, dueAt: task.dueAt, priority: task.priority },
          digest: null,
          deal: { id: deal.id, title: deal.title, amount: deal.amount, currency: deal.currency, stageId: deal.stageId, ownerId: deal.ownerId },
        },
      };
      messages.push(message);
      log.push(entry(ids, now, deal.id, 'notification.queued', { messageId: message.id, key: message.key, to: { user: userId }, template: 'task.assigned' }));
    }
  }
  return { messages, log };
}

function person(p: TaskPerson, deal: Deal, lookup: Lookup): string | null {
  if (p === 'owner') return deal.ownerId;
  if (p === 'manager') return lookup.user(deal.ownerId)?.managerId ?? null;
  return p.user;
}

function people(c: CoAssignee, deal: Deal, lookup: Lookup): ReadonlyArray<string> {
  if (typeof c === 'object' && 'role' in c) return lookup.withRole(c.role);
  const id = person(c, deal, lookup);
  return id === null ? [] : [id];
}

function why(p: CoAssignee, deal: Deal, lookup: Lookup): string {
  if (typeof p === 'object' && 'role' in p) return `no user has the role "${p.role}"`;
  return lookup.user(deal.ownerId) ? `owner "${deal.ownerId}" has no managerId in the directory` : `owner "${deal.ownerId}" is not in the directory`;
}

function entry(ids: IdGenerator, at: string, dealId: string, type: string, data: Record<string, unknown>): AnyHistoryEntry {
  return { id: ids.next('log'), at, dealId, type, ruleId: 'task', data };
}
