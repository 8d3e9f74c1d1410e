import { TASK_RECORD } from '../core/tasks/lifecycle.js';
import { render } from '../core/templates.js';
import type { Effect, LogEntry, OutboxMessage, StoredRecord } from '../core/types.js';
import type { Deal } from '../model/deal.js';
import type { Pipeline } from '../model/pipeline.js';
import type { CoAssignee, Task, TaskPerson } from '../model/task.js';
import type { Directory } from '../ports/directory.js';
import type { IdGenerator } from '../ports/ids.js';

/**
 * The engine's half of tasks: the Directory is a port that may do I/O, so the pure core leaves
 * `manager` and roles unresolved, and this fills them in inside the same transaction, before the
 * task is stored. It also writes the "you have a new task" notifications, once everyone on the
 * task is known.
 */
export class TaskPeople {
  constructor(
    private readonly directory: Directory,
    private readonly ids: IdGenerator,
  ) {}

  /** Resolves a task record's people; other records pass through. Log entries say what fell back. */
  async resolve(record: StoredRecord, deal: Deal | null, now: string): Promise<{ record: StoredRecord; log: LogEntry[] }> {
    const task = record.data as unknown as Task;
    if (record.kind !== TASK_RECORD || !task.unresolved || !deal) return { record, log: [] };
    const log: LogEntry[] = [];
    const note = (data: Record<string, unknown>) => log.push(this.entry(now, deal.id, 'task.personUnresolved', { taskId: task.id, ...data }));
    const { unresolved } = task;
    let assigneeId = task.assigneeId;
    if (unresolved.assignee) {
      assigneeId = await this.person(unresolved.assignee, deal);
      if (assigneeId === null) {
        note({ role: 'assignee', wanted: unresolved.assignee, reason: await this.why(unresolved.assignee, deal), fallback: deal.ownerId });
        assigneeId = deal.ownerId;
      }
    }
    const coAssigneeIds = task.coAssigneeIds.filter((id) => id !== assigneeId);
    for (const c of unresolved.coAssignees ?? []) {
      const ids = await this.people(c, deal);
      if (ids.length === 0) note({ role: 'coAssignee', wanted: c, reason: await this.why(c, deal) });
      for (const id of ids) if (id !== assigneeId && !coAssigneeIds.includes(id)) coAssigneeIds.push(id);
    }
    let approverId = task.approverId;
    if (unresolved.approver) {
      approverId = await this.person(unresolved.approver, deal);
      if (approverId === null)
        note({ role: 'approver', wanted: unresolved.approver, reason: await this.why(unresolved.approver, deal), fallback: 'only a system call can close it' });
    }
    const resolved: Task = { ...task, assigneeId, coAssigneeIds, approverId, unresolved: null };
    return { record: { ...record, data: resolved as unknown as Record<string, unknown> }, log };
  }

  /**
   * "You have a new task" for each person on every task the command started (a `task.assigned`
   * log entry), read from the task as it was stored. The key is stable per task start, so a
   * retried delivery is dropped by the receiver.
   */
  notifications(
    effects: ReadonlyArray<Effect>,
    stored: ReadonlyMap<string, StoredRecord>,
    deal: Deal | null,
    pipeline: Pipeline | undefined,
    now: string,
  ): { messages: OutboxMessage[]; log: LogEntry[] } {
    const messages: OutboxMessage[] = [];
    const log: LogEntry[] = [];
    if (!deal) return { messages, log };
    for (const effect of effects) {
      if (effect.type !== 'log' || effect.entry.type !== 'task.assigned') continue;
      const task = stored.get(String(effect.entry.data.taskId))?.data as unknown as Task | undefined;
      if (task?.status !== 'open') continue;
      const people: Array<[string, 'assignee' | 'co-assignee']> = [];
      if (task.assigneeId) people.push([task.assigneeId, 'assignee']);
      for (const id of task.coAssigneeIds) people.push([id, 'co-assignee']);
      const text = render('New task: {{task.title}}{{#task.dueAt}} (due {{task.dueAt}}){{/task.dueAt}}', {
        deal,
        event: null,
        now,
        pipeline,
        facts: {},
        extra: { task },
      }).text;
      for (const [userId, as] of people) {
        const message: OutboxMessage = {
          id: this.ids.next('msg'),
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
        log.push(this.entry(now, deal.id, 'notification.queued', { messageId: message.id, key: message.key, to: { user: userId }, template: 'task.assigned' }));
      }
    }
    return { messages, log };
  }

  private async person(p: TaskPerson, deal: Deal): Promise<string | null> {
    if (p === 'owner') return deal.ownerId;
    if (p === 'manager') return (await this.directory.get(deal.ownerId))?.managerId ?? null;
    return p.user;
  }

  private async people(c: CoAssignee, deal: Deal): Promise<string[]> {
    if (typeof c === 'object' && 'role' in c) return (await this.directory.withRole(c.role)).map((u) => u.id);
    const id = await this.person(c, deal);
    return id === null ? [] : [id];
  }

  private async why(p: CoAssignee, deal: Deal): Promise<string> {
    if (typeof p === 'object' && 'role' in p) return `no user has the role "${p.role}"`;
    const owner = await this.directory.get(deal.ownerId);
    return owner ? `owner "${deal.ownerId}" has no managerId in the directory` : `owner "${deal.ownerId}" is not in the directory`;
  }

  private entry(at: string, dealId: string, type: string, data: Record<string, unknown>): LogEntry {
    return { id: this.ids.next('log'), at, dealId, type, ruleId: 'task', data };
  }
}
