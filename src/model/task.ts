import { z } from 'zod';
import { DurationSchema } from './duration.js';
import { hinted } from './hints.js';
import { oneOf, strictObject } from './objects.js';

/**
 * Who a task goes to. `owner` is the deal's owner when the task is created, `manager` the
 * owner's manager in the Directory (the head of department), `{ user }` a user id.
 */
export const TaskPersonSchema = z
  .union(
    [
      z.literal('owner').describe('The deal’s owner when the task is created.'),
      z.literal('manager').describe('The owner’s manager in the Directory.'),
      strictObject({ user: z.string().min(1).describe('A user id.') }),
    ],
    { error: () => hinted('a person is "owner", "manager" or { "user": id }', 'e.g. "assignee": "owner"') },
  )
  .describe('A person: "owner", "manager" or { "user": id }.');
/** Who a task goes to: `owner`, `manager`, or `{ user }`. */
export type TaskPerson = z.infer<typeof TaskPersonSchema>;

/** Co-assignees may also be everyone with a role (the assignee left out). */
export const CoAssigneeSchema = z
  .union([TaskPersonSchema, strictObject({ role: z.string().min(1).describe('Everyone with this role (the assignee left out).') })], {
    error: () => hinted('a co-assignee is "owner", "manager", { "user": id } or { "role": name }', 'e.g. "coAssignees": [{ "role": "seller" }]'),
  })
  .describe('A co-assignee: "owner", "manager", { "user": id } or { "role": name }.');
/** A co-assignee: a TaskPerson or `{ role }`. */
export type CoAssignee = z.infer<typeof CoAssigneeSchema>;

/** A task's priority: `low`, `normal` or `high`. */
export const TaskPrioritySchema = oneOf(['low', 'normal', 'high']).describe('The task’s priority: low, normal or high.');
/** A task's priority: `low`, `normal` or `high`. */
export type TaskPriority = z.infer<typeof TaskPrioritySchema>;

const taskShape = {
  key: z.string().min(1).optional().describe('A name task.completed / task.overdue triggers can match ({ "task": "sign-contract" }).'),
  title: z.string().min(1).describe('The title, a template over the deal and the event ("Prepare the proposal for {{title}}").'),
  description: z.string().optional().describe('More text for the assignee.'),
  assignee: TaskPersonSchema.default('owner'),
  coAssignees: z.array(CoAssigneeSchema).default([]).describe('Others who work on it.'),
  due: DurationSchema.optional().describe('When it is due, counted from when it starts: calendar or business units (the pipeline’s calendar).'),
  priority: TaskPrioritySchema.default('normal'),
  requiresApprovalToClose: z.boolean().default(false).describe('Closing needs the approver’s confirmation; anyone else’s completion only asks for it.'),
  approver: TaskPersonSchema.optional().describe('Who confirms the close. Default: the owner’s manager.'),
};

/**
 * One task as rules, playbooks and the `createTask` command describe it. `title` is a template
 * over the deal and the event (`Prepare the proposal for {{title}}`). `due` counts from the
 * moment the task starts: its creation, or for a playbook step the completion of the steps it
 * depends on; in calendar units or business units (the pipeline's calendar).
 */
export const TaskSpecSchema = strictObject(taskShape).describe('A task.');
/** A parsed task description; see TaskSpecSchema. */
export type TaskSpec = z.infer<typeof TaskSpecSchema>;
/** A task description as written. */
export type TaskSpecInput = z.input<typeof TaskSpecSchema>;

/** A playbook step: a task template, started when every step it depends on is completed. */
export const PlaybookStepSchema = strictObject({
  ...taskShape,
  key: z.string().min(1).describe('The step’s key, unique in the playbook; other steps depend on it by this key.'),
  dependsOn: z.array(z.string().min(1)).default([]).describe('Keys of the steps that must be completed before this one starts.'),
}).describe('A playbook step: a task started when the steps it depends on are completed.');
/** A parsed playbook step; see PlaybookStepSchema. */
export type PlaybookStep = z.infer<typeof PlaybookStepSchema>;

/**
 * A named set of task templates with dependencies ("B starts when A is done") and due dates
 * relative to each step's start; launched by a rule (`launchPlaybook`) or by hand.
 */
export const PlaybookSchema = strictObject({
  id: z.string().min(1).describe('The playbook id, named by launchPlaybook.'),
  name: z.string().min(1).describe('A name for people.'),
  tasks: z.array(PlaybookStepSchema).min(1).describe('Its steps.'),
})
  .superRefine((p, ctx) => {
    const index = new Map<string, number>();
    p.tasks.forEach((t, i) => {
      if (index.has(t.key))
        ctx.addIssue({ code: 'custom', path: ['tasks', i, 'key'], message: `duplicate step key "${t.key}"`, params: { code: 'duplicate-id' } });
      else index.set(t.key, i);
    });
    p.tasks.forEach((t, i) => {
      t.dependsOn.forEach((dep, j) => {
        if (!index.has(dep)) ctx.addIssue({ code: 'custom', path: ['tasks', i, 'dependsOn', j], message: `no step "${dep}" in playbook "${p.id}"` });
        else if (dep === t.key) ctx.addIssue({ code: 'custom', path: ['tasks', i, 'dependsOn', j], message: `step "${dep}" cannot depend on itself` });
      });
    });
    const cycle = findCycle(p.tasks);
    if (cycle)
      ctx.addIssue({
        code: 'custom',
        path: ['tasks', index.get(cycle[0]!)!, 'dependsOn'],
        message: `steps depend on each other in a loop: ${cycle.join(' → ')}`,
      });
  })
  .describe('A playbook: named task templates with dependencies.');
/** A parsed playbook; see PlaybookSchema. */
export type Playbook = z.infer<typeof PlaybookSchema>;
/** A playbook as written, before defaults are filled in. */
export type PlaybookInput = z.input<typeof PlaybookSchema>;

/** A dependency loop among steps, as the keys along it (first repeated at the end), or undefined. */
function findCycle(steps: ReadonlyArray<{ key: string; dependsOn: string[] }>): string[] | undefined {
  const deps = new Map(steps.map((s) => [s.key, s.dependsOn]));
  const state = new Map<string, 'visiting' | 'done'>();
  const path: string[] = [];
  const visit = (key: string): string[] | undefined => {
    if (state.get(key) === 'done') return undefined;
    if (state.get(key) === 'visiting') return [...path.slice(path.indexOf(key)), key];
    state.set(key, 'visiting');
    path.push(key);
    for (const d of deps.get(key) ?? []) {
      if (d === key || !deps.has(d)) continue;
      const found = visit(d);
      if (found) return found;
    }
    path.pop();
    state.set(key, 'done');
    return undefined;
  };
  for (const s of steps) {
    const found = visit(s.key);
    if (found) return found;
  }
  return undefined;
}

/**
 * A task's life: `blocked` (a playbook step waiting for the steps it depends on), `open`,
 * `pending-approval` (completion asked for, the approver has not confirmed), `completed`.
 */
export type TaskStatus = 'blocked' | 'open' | 'pending-approval' | 'completed';

/** A task as stored (a record of kind `task`) and returned by the engine. */
export interface Task {
  id: string;
  dealId: string;
  key: string | null;
  title: string;
  description: string | null;
  status: TaskStatus;
  priority: TaskPriority;
  /** Null only until the engine resolves `manager` through the Directory, in the same transaction. */
  assigneeId: string | null;
  coAssigneeIds: string[];
  requiresApprovalToClose: boolean;
  approverId: string | null;
  /** Null for a task without a due date, and for a blocked step (its due date is set when it starts). */
  dueAt: string | null;
  /** The relative due time, kept so a blocked step gets its due date when it starts. */
  due: z.infer<typeof DurationSchema> | null;
  createdAt: string;
  /** `rule:<id>` for a task a rule created, the actor's id, or `system`. */
  createdBy: string;
  startedAt: string | null;
  completedAt: string | null;
  completedBy: string | null;
  closeRequestedAt: string | null;
  closeRequestedBy: string | null;
  /** When it became overdue (the first time), or null. */
  overdueAt: string | null;
  playbook: { id: string; runId: string } | null;
  /** Task ids this one waits for (playbook steps). */
  dependsOn: string[];
  /** People the engine still has to look up (`manager`, roles); empty once resolved. */
  unresolved: { assignee?: TaskPerson; coAssignees?: CoAssignee[]; approver?: TaskPerson } | null;
}
