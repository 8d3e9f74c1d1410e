import type { Deal, DealPatch, Json } from '../model/deal.js';
import type { ExternalEvent } from '../model/event.js';
import type { Trigger } from '../model/trigger.js';
import type { HistoryType } from './history.js';
import type { Occurrence } from './occurrence.js';

// The core's boundary: the data that goes into the pure transition and comes out of it (snapshot,
// input, outcome, effects, history). This module imports only src/model, so everything in the
// core (and beyond it) can import it without an import cycle. The transition's environment
// (`CoreEnv`: rule book, actions, features, calendars) names services built from these types;
// it lives in core/env.ts, one step up, for the same reason.

/** A scheduled action waiting for its due time. Durable: it lives in storage until it runs or is cancelled. */
export interface Job {
  id: string;
  dealId: string;
  ruleId: string;
  /**
   * The version of the rule that scheduled the job: it runs under that version, or follows the
   * newer version's `onChange` policy (keep / recheck / cancel). Absent on feature jobs.
   */
  ruleVersion?: number;
  enrolmentId: string;
  actionIndex: number;
  actionId: string;
  dueAt: string;
  /** The stage the deal was in when the rule fired, for stage-triggered rules; else null. */
  stageId: string | null;
  cancelOnStageLeave: boolean;
  /** For `at` actions: the deal date field the due time is anchored to. */
  anchorField: string | null;
  /** The trigger's event payload, so re-checks see the same `event` fact. */
  event: Record<string, Json> | null;
  createdAt: string;
}

/** A deal's enrolment in a `once` rule, kept so the rule never fires for the deal again (docs/design.md, amendments). */
export interface Enrolment {
  ruleId: string;
  /** The enrolment's id (the `enrolmentId` of its `rule.fired` entry); jobs carry it. */
  id: string;
  // Earlier versions stored enrolments with `count` (always 1), `firstAt` and `lastAt`, which
  // nothing read. No migration: an enrolment is only ever tested for being there (a `once` rule's
  // guard), so the stores hand such an old one back as stored (SQL: its JSON document, memory: the
  // object) and the core ignores the extra keys; test/storage/contract.ts and
  // test/core/semantics.test.ts load one.
}

/**
 * A history entry's type: one of the typed entries (`HistoryType`, listed in `HISTORY_TYPES` and
 * docs/engine.md), or a custom action's or feature's own.
 */
export type AnyHistoryType = HistoryType | (string & {});

/**
 * One line of a deal's history as stored, read back (`engine.history(dealId)`) and emitted on
 * `log`: what happened, and why (rule, trigger, criteria values, reason). Its `data` is untyped
 * here, as custom actions and features log types of their own; every entry the core and engine
 * write is one of the typed `HistoryEntry` union (core/history.ts), which `isHistoryEntry(entry,
 * type)` narrows it to, and the engine's event of a type hands its listener the typed entry. (An
 * entry type that *is* the union would break every reader that takes `entry.data.x` without
 * narrowing first — the engine's and users'.)
 */
export interface AnyHistoryEntry {
  id: string;
  at: string;
  dealId: string | null;
  type: AnyHistoryType;
  /** The rule (or feature: `sla`, `task`, `approval`, …) the entry is about. */
  ruleId?: string;
  data: Record<string, unknown>;
}

// The names the history had before it was called the history everywhere; kept so code written
// against them still compiles.
/** @deprecated The history's entry is `AnyHistoryEntry` (stored, any type) or `HistoryEntry` (typed); this is `AnyHistoryEntry`. */
export type LogEntry = AnyHistoryEntry;
/** @deprecated Use `AnyHistoryType` (any entry type) or `HistoryType` (the typed ones). */
export type LogType = AnyHistoryType;

/**
 * `pending` waits for its next attempt; `held` is a digest still collecting items (not due yet);
 * `delivered` and `discarded` are final; `dead` waits for a person to retry or discard it.
 */
export type OutboxStatus = 'pending' | 'held' | 'delivered' | 'dead' | 'discarded';

/** A side effect waiting to be delivered after commit. `key` is stable across retries and restarts. */
export interface OutboxMessage {
  id: string;
  key: string;
  /** `digest`: one message listing the notifications held for a recipient under a digest policy. */
  kind: 'notification' | 'action' | 'digest';
  dealId: string | null;
  ruleId: string | null;
  createdAt: string;
  status: OutboxStatus;
  attempts: number;
  nextAttemptAt: string;
  lastError: string | null;
  payload: Record<string, unknown>;
}

/** A domain record kept beside deals: violations, SLA instances, tasks, approvals. */
export interface StoredRecord {
  kind: string;
  id: string;
  dealId: string | null;
  at: string;
  data: Record<string, unknown>;
}

/** What a transition asks the engine to do after it returns: schedule, cancel or finish jobs, queue outbox messages, keep records, append history. */
export type Effect =
  /** `fresh`: a new job whose id was just made up; stored as an insert, never over a stored job. */
  | { type: 'job.schedule'; job: Job; fresh?: true }
  | { type: 'job.cancel'; jobId: string; reason: string }
  | { type: 'job.done'; jobId: string }
  /**
   * A message to store. Every one is new (inserted, never over a stored row) but a digest the core
   * adds an item to, which `replace` marks: written over the stored row of that id.
   */
  | { type: 'outbox'; message: OutboxMessage; replace?: true }
  /** A meta value to store under its key: the pointer from (digest policy, recipient) to the open digest. */
  | { type: 'meta'; key: string; value: string }
  /** `fresh`: a new record whose id was just made up; stored as an insert, never over a stored record. */
  | { type: 'record'; record: StoredRecord; fresh?: true }
  | { type: 'log'; entry: AnyHistoryEntry };

/** What the core needs to know about one deal to process an input. */
export interface DealSnapshot {
  deal: Deal | null;
  /** Pending jobs of this deal. */
  jobs: Job[];
  enrolments: Record<string, Enrolment>;
  /** The deal's records of the kinds core features read (SLA instances, approvals, …). */
  records?: StoredRecord[];
}

export type { Trigger };
export type { Occurrence, Recipient } from './occurrence.js';
export type { HistoryData, HistoryDataMap, HistoryEntry, HistoryEntryOf, HistoryLog, HistoryType } from './history.js';
export { HISTORY_TYPES, isHistoryEntry } from './history.js';

/** What a host fact is computed from. */
export interface FactInput {
  deal: Readonly<Deal> | null;
  previous: Readonly<Deal> | null;
  event: Readonly<Record<string, Json>> | null;
  now: string;
}

/** A new deal as the engine hands it to the core: parsed, with defaults applied. */
export interface DealDraft {
  id?: string;
  pipelineId: string;
  stageId?: string;
  ownerId: string;
  title: string;
  amount: number;
  currency: string;
  fields: Record<string, Json>;
  flags: Record<string, boolean>;
}

/** What the pure transition is asked to do to one deal: a command (create, update, move, delete), an event, a launch, a due job, a signal or a feature command. */
export type CoreInput =
  | { type: 'create'; draft: DealDraft }
  | { type: 'update'; patch: DealPatch; expectedVersion?: number }
  | { type: 'move'; stageId: string; expectedVersion?: number }
  | { type: 'delete' }
  /**
   * `externalDeals`: for an event without a deal, the deals earlier events already created under
   * the external ids its `createDeal` actions name (key `pipelineId:externalId` → deal id), loaded
   * by the engine so a duplicate event creates nothing.
   */
  | { type: 'event'; event: ExternalEvent; externalDeals?: Readonly<Record<string, string>> }
  | { type: 'launch'; ruleId: string }
  | { type: 'job'; job: Job }
  /**
   * A trigger raised by an engine feature (an approval decided, a task completed, …): logged,
   * then fed to the rules like any other occurrence. How new trigger types enter the core.
   */
  | { type: 'signal'; occurrence: Occurrence; payload: Record<string, Json> | null; log?: { type: string; data: Record<string, unknown> } }
  /** A command addressed to a core feature by name (decide an approval, complete a task, …). */
  | { type: 'feature'; feature: string; input: unknown };

/** The result of a transition: the deal's next snapshot and the effects to write and run. */
export interface Outcome {
  snapshot: DealSnapshot;
  effects: Effect[];
}
