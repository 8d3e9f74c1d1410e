import { DealflowError } from '../model/errors.js';
import type { z } from 'zod';
import type { Deal, Json } from '../model/deal.js';
import type { Pipeline } from '../model/pipeline.js';
import type { Rule } from '../model/rule.js';
import type { ActionReference } from '../model/reference.js';
import type { DealDraft } from './types.js';
import type { Recipient } from './occurrence.js';
import type { StoredRecord } from './types.js';
import type { HistoryLog } from './history.js';

export type { Recipient } from './occurrence.js';

/** What a `notify` asks for: the recipient, a template name, and optional subject and text templates. */
export interface NotificationSpec {
  to: Recipient;
  template: string;
  subject?: string;
  text?: string;
  data?: Record<string, Json>;
  /** A digest policy name; delivery groups such messages per recipient (see docs/delivery.md). */
  digest?: string;
}

/**
 * What an action sees while its rule runs, inside the command's transaction. Everything here
 * is pure: changes go to the working deal and effects go to the outcome, nothing runs yet.
 */
export interface ActionContext {
  readonly deal: Readonly<Deal> | null;
  readonly pipeline: Pipeline | null;
  readonly rule: Rule;
  readonly actionId: string;
  readonly event: Readonly<Record<string, Json>> | null;
  readonly now: string;
  /** Stable for this action firing: the same across retries, unique across firings. */
  readonly key: string;
  /** Sets a deal path (`amount`, `fields.x`, `flags.y`, …); triggers `field.changed` rules. */
  setField(path: string, value: Json): void;
  /** Moves the deal; triggers `stage.left` / `stage.entered` rules. */
  moveStage(stageId: string): void;
  /** Queues a notification in the outbox; it is delivered after the transaction commits. */
  notify(spec: NotificationSpec): void;
  /** Queues a custom action's `execute` for delivery after commit. */
  enqueueExecution(type: string, params: Record<string, unknown>): void;
  /** Keeps a domain record (a violation, an SLA instance, …) beside the deal. */
  record(kind: string, data: Record<string, unknown>, id?: string): string;
  /** Appends an entry to the deal's history. */
  log: HistoryLog<[]>;
  /** A fresh id from the engine's IdGenerator (deterministic under SequentialIds). */
  newId(kind: string): string;
  /** The deal's records of a kind (SLA instances, approvals, …), including this command's writes. */
  records(kind: string): StoredRecord[];
  /** Renders a mustache template over the deal, event and host facts (docs/templates.md); missing values render empty and are logged. */
  render(template: string): string;
  /** Hands an input to a core feature (`approval`, `sla`, …) inside this transaction. */
  feature(name: string, input: unknown): void;
  /**
   * Creates the command's deal when it has none (a rule on an event without a `dealId`): the new
   * deal becomes `deal` for the rest of the cascade and its `deal.created` / `stage.entered` rules
   * run. Returns null, and logs why, when the command already has a deal or `externalId` already
   * created one (a duplicate event).
   */
  createDeal(draft: DealDraft, options?: { externalId?: string }): Deal | null;
}

/** What a custom action's `execute` receives when the outbox delivers it, after commit. */
export interface ExecuteContext {
  deal: Deal | null;
  event: Record<string, Json> | null;
  ruleId: string | null;
  now: Date;
  idempotencyKey: string;
  attempt: number;
}

/**
 * An action type. `apply` runs inside the transaction and must be pure; `execute` runs after
 * commit through the outbox (with retries) and may do I/O. An action with only `execute` is
 * queued for delivery automatically.
 */
export interface ActionDefinition<P = Record<string, unknown>> {
  type: string;
  params: z.ZodType<P>;
  /** False for actions that can run with no deal (an event that creates one). Default true. */
  needsDeal?: boolean;
  /** Runs inside the pure transition: changes the deal and queues effects through `ctx`; must not do I/O. */
  apply?(ctx: ActionContext, params: P): void;
  /** Runs after commit, from the outbox, with retries; for side effects outside dealflow. */
  execute?(ctx: ExecuteContext, params: P): Promise<void>;
  /** Errors that retrying will not fix; such a failure dead-letters at once. */
  isPermanentError?(error: unknown): boolean;
  /**
   * The names the (valid) params refer to — a stage, a pipeline, a playbook — so rules naming one
   * that does not exist are refused when they are parsed, not at every run.
   */
  references?(params: P): ActionReference[];
}

/** An action definition with any params type, as registries hold them. */
export type AnyActionDefinition = ActionDefinition<any>;

/** Declares an action type, its params checked by a zod schema when rules are parsed. */
export function defineAction<P>(def: ActionDefinition<P>): ActionDefinition<P> {
  if (def === null || typeof def !== 'object' || typeof def.type !== 'string' || def.type === '') {
    throw new DealflowError('INVALID_CONFIG', 'defineAction needs an object with a `type`, a `params` schema and `apply` or `execute`');
  }
  if (!def.apply && !def.execute) throw new DealflowError('INVALID_CONFIG', `action "${def.type}" needs apply or execute`);
  return def;
}

/** The action types rules may use, by `type`; the engine starts from BUILTIN_ACTIONS plus the host's custom actions. */
export class ActionRegistry {
  private readonly defs = new Map<string, AnyActionDefinition>();

  constructor(defs: Iterable<AnyActionDefinition> = []) {
    for (const d of defs) this.add(d);
  }

  /** Registers an action type, replacing one with the same `type`. */
  add(def: AnyActionDefinition): this {
    this.defs.set(def.type, def);
    return this;
  }

  /** The definition of an action type, or undefined if none is registered. */
  get(type: string): AnyActionDefinition | undefined {
    return this.defs.get(type);
  }

  /** The registered action types. */
  types(): string[] {
    return [...this.defs.keys()];
  }
}
