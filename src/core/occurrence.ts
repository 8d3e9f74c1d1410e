import type { Json } from '../model/deal.js';

// The leaves of the core's boundary types, in a module that imports only src/model so that
// core/history.ts and core/types.ts can both build on them. Import them from core/types.ts.

/** Who a notification goes to. `manager` is the owner's manager, found through the Directory. */
export type Recipient = 'owner' | 'manager' | { user: string } | { role: string };

/** A trigger as it happened: the rule trigger it can match, plus what changed. */
export type Occurrence =
  | { type: 'deal.created' }
  | { type: 'stage.entered'; stage: string }
  | { type: 'stage.left'; stage: string }
  | { type: 'field.changed'; field: string; from: Json | undefined; to: Json | undefined }
  | { type: 'event'; name: string }
  | { type: 'manual'; ruleId: string }
  /** A task was completed (confirmed by its approver when it needs one) or went past its due time; `key` is the task's key. */
  | { type: 'task.completed'; key: string | null }
  | { type: 'task.overdue'; key: string | null }
  /** An SLA instance ended met, or its due time passed first. */
  | { type: 'sla.met'; sla: string }
  | { type: 'sla.breached'; sla: string }
  /** An approval was requested, or decided. */
  | { type: 'approval.requested'; name: string }
  | { type: 'approval.decided'; name: string; decision: 'approved' | 'rejected' }
  /** A `stage.idle` timer came due: the deal sat in `stage` without activity since `since`. For rule `ruleId` only. */
  | { type: 'stage.idle'; stage: string; ruleId: string; since: string }
  /** A `date.reached` timer came due; `value` is the date field's value. For rule `ruleId` only. */
  | { type: 'date.reached'; field: string; ruleId: string; value: string | null }
  /** A `schedule` trigger's cron time came; `at` is that time. For rule `ruleId` only. */
  | { type: 'schedule'; ruleId: string; at: string };
