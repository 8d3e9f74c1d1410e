import { DateTime } from 'luxon';
import { GOAL_FEATURE, type GoalInput } from '../core/goals.js';
import { EXTERNAL_DEAL_RECORD, externalDealKeys } from '../core/system-deals.js';
import type { TaskInput } from '../core/tasks/feature.js';
import { TASK_FEATURE, TASK_RECORD } from '../core/tasks/lifecycle.js';
import type { RuleBook } from '../core/rulebook.js';
import type { CoreInput, Outcome } from '../core/transition.js';
import type { DealSnapshot } from '../core/types.js';
import type { Deal } from '../model/deal.js';
import { DealflowError, issuesFromZod, type DealflowIssue } from '../model/errors.js';
import type { ExternalEvent } from '../model/event.js';
import type { Pipeline } from '../model/pipeline.js';
import { PlaybookSchema, TaskSpecSchema, type Playbook, type PlaybookInput, type Task, type TaskSpecInput } from '../model/task.js';
import type { Actor } from '../ports/access.js';
import type { StorageTx, Storage } from '../ports/storage.js';
import type { AccessGuard, AccessOptions } from './access.js';
import type { DealChanges } from './deal-changes.js';
import { describeValue } from '../model/input.js';

/** Validates playbook config: INVALID_CONFIG with each problem at `$.playbooks[i]…`. */
export function parsePlaybooks(input: ReadonlyArray<PlaybookInput> = []): Map<string, Playbook> {
  const issues: DealflowIssue[] = [];
  const out = new Map<string, Playbook>();
  const seen = new Set<unknown>();
  input.forEach((raw, i) => {
    const id = (raw as { id?: unknown } | null)?.id;
    if (typeof id === 'string' && seen.has(id)) issues.push({ path: `$.playbooks[${i}].id`, message: `duplicate playbook id "${id}"` });
    seen.add(id);
    const parsed = PlaybookSchema.safeParse(raw);
    if (!parsed.success) issues.push(...issuesFromZod(parsed.error, ['playbooks', i]));
    else out.set(parsed.data.id, parsed.data);
  });
  if (issues.length > 0) {
    throw new DealflowError('INVALID_CONFIG', `the playbooks have ${issues.length} problem(s):\n${issues.map((x) => `  ${x.path}: ${x.message}`).join('\n')}`, {
      issues,
    });
  }
  return out;
}

/**
 * For an event without a deal: the deals earlier events created under the external ids its
 * `createDeal` actions name, read in the command's transaction (so a duplicate creates nothing).
 */
export async function eventInput(tx: StorageTx, rules: RuleBook, event: ExternalEvent): Promise<CoreInput> {
  if (event.dealId !== undefined) return { type: 'event', event };
  const externalDeals: Record<string, string> = {};
  for (const key of externalDealKeys(rules, event)) {
    const record = await tx.getRecord(EXTERNAL_DEAL_RECORD, key);
    if (record) externalDeals[key] = String(record.data.dealId);
  }
  return { type: 'event', event, externalDeals };
}

/** What the workflow commands need from the engine. */
export interface WorkflowHost {
  storage: Storage;
  access: AccessGuard;
  pipeline(id: string): Pipeline | undefined;
  command(dealId: string | null, input: CoreInput, authorize?: (before: DealSnapshot) => Promise<void>): Promise<Outcome>;
}

/** Filters for listing tasks: by deal, by status (one or several), by the user involved. */
export interface TaskQuery {
  dealId?: string;
  status?: Task['status'] | ReadonlyArray<Task['status']>;
  /** Tasks this user is the assignee, a co-assignee or the approver of. */
  userId?: string;
}

const isOnTask = (userId: string, task: Task) => task.assigneeId === userId || task.coAssigneeIds.includes(userId) || task.approverId === userId;

function taskIn(snapshot: DealSnapshot, taskId: string): Task | undefined {
  return snapshot.records?.find((r) => r.kind === TASK_RECORD && r.id === taskId)?.data as unknown as Task | undefined;
}

/**
 * Engine commands for tasks, playbooks and goals. Each is one engine command (one transaction)
 * carrying a feature input to the pure core; the AccessPolicy is asked inside the transaction.
 */
export class WorkflowCommands {
  constructor(private readonly host: WorkflowHost) {}

  async createTask(dealId: string, spec: TaskSpecInput & { dueAt?: string }, options: AccessOptions = {}): Promise<Task> {
    const { dueAt, ...rest } = spec;
    const parsed = TaskSpecSchema.safeParse(rest);
    if (!parsed.success) throw invalid('the task is invalid', parsed.error);
    // An instant needs its offset: "10:00" alone would depend on the server's timezone.
    const due = typeof dueAt === 'string' && /(?:[zZ]|[+-]\d{2}:?\d{2})$/.test(dueAt) ? DateTime.fromISO(dueAt, { setZone: true }) : undefined;
    if (dueAt !== undefined && !due?.isValid) {
      throw new DealflowError('INVALID_INPUT', `dueAt must be an ISO instant with its offset, such as 2026-03-16T10:00:00+01:00, not ${describeValue(dueAt)}`, {
        issues: [{ path: '$.dueAt', message: 'expected an ISO instant with an offset' }],
      });
    }
    const { actor } = options;
    const input: TaskInput = {
      op: 'create',
      spec: parsed.data,
      createdBy: actor?.id ?? 'system',
      ...(due ? { dueAt: due.toUTC().toISO()! } : {}),
    };
    const out = await this.host.command(
      dealId,
      { type: 'feature', feature: TASK_FEATURE, input },
      actor && (({ deal }) => this.host.access.requireOnDeal(actor, 'task.create', deal!)),
    );
    return (await this.stored(newTaskIds(out)))[0]!;
  }

  /**
   * Completes a task. For one that requires approval to close, the assignee's completion asks the
   * approver to confirm (`pending-approval`); the approver's completes it; anyone else is FORBIDDEN.
   */
  async completeTask(taskId: string, options: AccessOptions & { comment?: string } = {}): Promise<Task> {
    const { actor } = options;
    const input: TaskInput = { op: 'complete', taskId, actorId: actor?.id ?? null, ...(options.comment ? { comment: options.comment } : {}) };
    return this.onTask(taskId, input, actor, 'task.complete');
  }

  /** Reopens a completed task, or refuses a close request (the approver) / withdraws it (the requester). */
  async reopenTask(taskId: string, options: AccessOptions & { reason?: string } = {}): Promise<Task> {
    const { actor } = options;
    const input: TaskInput = { op: 'reopen', taskId, actorId: actor?.id ?? null, ...(options.reason ? { reason: options.reason } : {}) };
    return this.onTask(taskId, input, actor, 'task.reopen');
  }

  /** Launches a playbook on a deal by hand; returns the tasks it created (blocked steps included). */
  async launchPlaybook(dealId: string, playbookId: string, options: AccessOptions = {}): Promise<Task[]> {
    const { actor } = options;
    const input: TaskInput = { op: 'launchPlaybook', playbookId, launchedBy: actor?.id ?? 'system' };
    const out = await this.host.command(
      dealId,
      { type: 'feature', feature: TASK_FEATURE, input },
      actor && (({ deal }) => this.host.access.requireOnDeal(actor, 'playbook.launch', deal!, { name: playbookId })),
    );
    return this.stored(newTaskIds(out));
  }

  /** Marks a goal of the deal's current stage reached: the deal moves to the goal's stage. */
  async achieveGoal(dealId: string, goalId: string, options: AccessOptions = {}): Promise<Deal> {
    const { actor } = options;
    const input: GoalInput = { op: 'achieve', goalId, actorId: actor?.id ?? null };
    const out = await this.host.command(
      dealId,
      { type: 'feature', feature: GOAL_FEATURE, input },
      actor &&
        (async ({ deal }) => {
          const pipeline = this.host.pipeline(deal!.pipelineId);
          const goal = pipeline?.stages.find((s) => s.id === deal!.stageId)?.goals?.find((g) => g.id === goalId);
          // An unknown goal asks deal.move by the goal's id; the core then refuses the goal itself.
          const changes: DealChanges = goal ? { stageId: goal.moveTo } : {};
          await this.host.access.requireChange(actor, 'deal.move', deal!, changes, { pipeline, name: goal?.moveTo ?? goalId });
        }),
    );
    return structuredClone(out.snapshot.deal!);
  }

  /** Tasks as stored: with the people the engine looked up in the Directory. */
  private async stored(ids: string[]): Promise<Task[]> {
    const records = await this.host.storage.transaction(async (tx) => Promise.all(ids.map((id) => tx.getRecord(TASK_RECORD, id))));
    return records.map((r) => structuredClone(r!.data as unknown as Task));
  }

  /** Filters task records (already scoped to what the actor may read by the engine). */
  static filter(tasks: Task[], query: TaskQuery): Task[] {
    const statuses = query.status === undefined ? undefined : typeof query.status === 'string' ? [query.status] : query.status;
    return tasks
      .filter((t) => (statuses ? statuses.includes(t.status) : true) && (query.userId ? isOnTask(query.userId, t) : true))
      .sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.id < b.id ? -1 : 1));
  }

  private async onTask(taskId: string, input: TaskInput, actor: Actor | undefined, action: string): Promise<Task> {
    if (typeof taskId !== 'string' || taskId === '') throw new DealflowError('INVALID_INPUT', 'a task id is needed');
    const record = await this.host.storage.transaction((tx) => tx.getRecord(TASK_RECORD, taskId));
    if (!record?.dealId) throw new DealflowError('NOT_FOUND', `no task "${taskId}"`);
    await this.host.command(
      record.dealId,
      { type: 'feature', feature: TASK_FEATURE, input },
      actor &&
        (async (before) => {
          const task = taskIn(before, taskId);
          // People on the task may act on it; anyone else needs the policy's leave on the deal.
          if (task && isOnTask(actor.id, task)) return;
          await this.host.access.requireOnDeal(actor, action, before.deal!, { name: taskId });
        }),
    );
    return (await this.stored([taskId]))[0]!;
  }
}

/** The ids of the tasks a command created, in creation order. */
function newTaskIds(out: Outcome): string[] {
  const ids: string[] = [];
  for (const e of out.effects) if (e.type === 'log' && e.entry.type === 'task.created') ids.push(String(e.entry.data.taskId));
  return ids;
}

function invalid(what: string, error: { issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }> }): DealflowError {
  const issues = issuesFromZod(error);
  return new DealflowError('INVALID_INPUT', `${what}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, { issues });
}
