import type { DuePolicy } from '../model/calendar.js';
import type { Deal, Json } from '../model/deal.js';
import type { Duration } from '../model/duration.js';
import type { Pipeline } from '../model/pipeline.js';
import type { Playbook } from '../model/task.js';
import type { AnyActionDefinition, NotificationSpec } from './actions.js';
import type { SlaBook } from './sla/book.js';
import type { FactSource } from './criteria.js';
import type { RenderResult } from './templates.js';
import type { CompiledRule } from './rulebook.js';
import type { Job, Occurrence, StoredRecord } from './types.js';
import type { HistoryLog } from './history.js';

/**
 * A core feature (SLAs, approvals, tasks, goals…): domain state kept as records beside the deal,
 * its own durable jobs, and hooks the pure transition calls. Like everything in the core, a
 * feature is pure: it reads the context and changes things only through it.
 */
export interface CoreFeature {
  /** Owns the jobs whose `ruleId` starts with `<name>:`; rule ids must not use that prefix. */
  readonly name: string;
  /** Record kinds the engine loads into the snapshot for every command on a deal. */
  readonly recordKinds: ReadonlyArray<string>;
  /** A command addressed to this feature (`CoreInput` `{ type: 'feature' }`), or an action's `ctx.feature(name, input)`. */
  onInput?(ctx: FeatureContext, input: unknown): void;
  /** Runs after the rules of every occurrence (creation, stage moves, field changes, events, signals). */
  onOccurrence?(ctx: FeatureContext, occ: Occurrence, event: Readonly<Record<string, Json>> | null): void;
  /**
   * Whether `onOccurrence` can do anything for deals of this pipeline (no SLAs, no automatic
   * goals: it cannot). Asked once per pipeline; a feature that says no is not called, so deals
   * pay nothing for features they do not use. Default: yes.
   */
  listens?(pipeline: Pipeline): boolean;
  /** One of this feature's jobs came due and the deal still exists. The job is already done. */
  onJob?(ctx: FeatureContext, job: Job): void;
}

/** A job a feature asks for; the core fills in ids and bookkeeping. */
export interface FeatureJobSpec {
  /** `<feature name>:<anything>`: how the core routes the job back to the feature. */
  ruleId: string;
  actionId: string;
  /** Groups a feature's jobs (an SLA instance id, an approval id). */
  enrolmentId: string;
  dueAt: string;
  event?: Record<string, Json> | null;
}

/** What a feature hook may read and do, inside the command's transition. */
export interface FeatureContext {
  readonly deal: Readonly<Deal> | null;
  readonly pipeline: Pipeline | null;
  readonly now: string;
  /** Facts for evaluating compiled conditions against the deal as it is now. */
  facts(event?: Readonly<Record<string, Json>> | null): FactSource;
  /** The deal's records of a kind, including those written earlier in this command. */
  records(kind: string): StoredRecord[];
  /**
   * Inserts or replaces a record of the current deal. The first write of a record whose id came
   * from `newId` in this command is an insert: a taken id is CONFLICT, never an overwrite.
   */
  putRecord(kind: string, id: string, data: Record<string, unknown>): StoredRecord;
  /** Pending jobs of the deal. */
  jobs(): Job[];
  /** Schedules a durable job that is routed back to the feature when it comes due. */
  schedule(spec: FeatureJobSpec): Job;
  /** Cancels a pending job of the deal, with a reason for the history. */
  cancelJob(jobId: string, reason: string): void;
  /** Feeds an occurrence (a feature trigger such as `approval.decided`) to the rules. */
  raise(occ: Occurrence, payload: Record<string, Json> | null): void;
  /** Sets a deal path (`amount`, `fields.x`, `flags.y`, …); triggers `field.changed` rules. */
  setField(path: string, value: Json): void;
  /** Moves the deal; triggers `stage.left` / `stage.entered` rules. */
  moveStage(stageId: string): void;
  /** Queues a notification; `key` must be stable for this firing (retries reuse it). */
  notify(spec: NotificationSpec, key: string, sourceId: string, extra?: Record<string, unknown>): void;
  /** Renders a template over the deal, event, host facts and `extra`; logs missing values. */
  render(template: string, extra?: Record<string, unknown>, sourceId?: string): string;
  /** Runs a compiled rule's immediate actions as if the rule fired, with `extra` visible to templates. */
  runActions(rule: CompiledRule, enrolmentId: string, event: Readonly<Record<string, Json>> | null, extra?: Record<string, unknown>): void;
  /** Appends an entry to the deal's history. */
  log: HistoryLog<[sourceId?: string]>;
  /** A fresh id from the engine's IdGenerator. */
  newId(kind: string): string;
  /**
   * Adds a calendar or business duration to an instant in the deal's calendar: `pipeline`
   * (default), `owner` or a named one, as rules choose theirs. The policy defaults to `postpone`
   * for business units and `exact` for calendar units (docs/time.md).
   */
  addTime(from: string, duration: Duration, options?: { calendar?: string; policy?: DuePolicy }): string;
  /** Working minutes between two instants in the deal's calendar (`pipeline` by default, as `addTime`). */
  workingMinutes(from: string, to: string, options?: { calendar?: string }): number;
}

export type { RenderResult };

/** What the features of an engine are built from: its configuration, parsed and compiled. */
export interface FeatureSetup {
  /** Playbooks by id (`createEngine({ playbooks })`). */
  readonly playbooks: ReadonlyMap<string, Playbook>;
  /** The SLAs, compiled against the engine's actions (engine/slas.ts). */
  readonly slas: SlaBook;
}

/**
 * One feature as an engine registers it (core/feature-list.ts): its name, the action types it
 * adds to the rule language, the record kinds it may keep, and how its core feature is built.
 * Actions come first and from the playbooks alone: SLAs are compiled against the action
 * registry, so the registry must exist before any feature is built.
 */
export interface FeatureRegistration {
  readonly name: string;
  /** Every record kind the feature may keep (the built feature says which it reads for this engine). */
  readonly recordKinds: ReadonlyArray<string>;
  /** The action types the feature adds to the rule language; the playbooks are the only configuration they may read. */
  actions(playbooks: ReadonlyMap<string, Playbook>): AnyActionDefinition[];
  /** `built`: the features registered before this one, by name, for one that works with another (approvals pause SLAs). */
  build(setup: FeatureSetup, built: ReadonlyMap<string, CoreFeature>): CoreFeature;
}
