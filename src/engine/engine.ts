import type { ActionRegistry } from '../core/actions.js';
import type { PipelineIndex } from '../core/pipelines.js';
import type { SlaBook } from '../core/sla/book.js';
import type { CalendarBook } from '../core/time/calendars.js';
import type { CoreEnv } from '../core/transition.js';
import type { Job, AnyHistoryEntry, OutboxMessage, StoredRecord } from '../core/types.js';
import { checkArguments, ENGINE_ARGUMENTS } from '../model/arguments.js';
import type { ApprovalRequestInput } from '../model/approval.js';
import type { Deal, DealPatch, NewDeal } from '../model/deal.js';
import type { Duration } from '../model/duration.js';
import type { ExternalEventInput } from '../model/event.js';
import type { Limits } from '../model/limits.js';
import type { Pipeline } from '../model/pipeline.js';
import type { Rule } from '../model/rule.js';
import type { Sla } from '../model/sla.js';
import type { Playbook, Task, TaskSpecInput } from '../model/task.js';
import type { Clock } from '../ports/clock.js';
import type { Directory } from '../ports/directory.js';
import type { IdGenerator } from '../ports/ids.js';
import type { Logger } from '../ports/logger.js';
import type { Notifier } from '../ports/notifier.js';
import type { DealQuery, LeaseRequest, OutboxQuery, Storage } from '../ports/storage.js';
import type { WorkQueue } from '../ports/work-queue.js';
import type { ReportKinds, ReportName } from '../reports/index.js';
import type { AccessGuard, AccessOptions } from './access.js';
import type { Announcer } from './announcer.js';
import type { ApprovalCommands, DecideApprovalInput, ExceptionConfig, MarkExceptionInput } from './approvals.js';
import type { Board, BoardOptions } from './board.js';
import type { CommandOptions, DealCommands } from './deal-commands.js';
import type { DeadLetters } from './dead-letters.js';
import type { Decider } from './decide.js';
import type { DueWork, RunDueResult } from './due-work.js';
import type { EngineConfig } from './engine-config.js';
import type { EngineEvents } from './events.js';
import type { CommandExecutor } from './executor.js';
import type { DealExplanation } from './explain.js';
import type { JobResult } from './job-batch.js';
import type { EngineQueries } from './queries.js';
import type { ReportArgs } from './reports.js';
import type { CriteriaExplanation, RuleSet } from './rule-set.js';
import type { RuleChange } from './rule-versions.js';
import type { TaskQuery, WorkflowCommands } from './workflow.js';
import { wireEngine } from './wiring.js';

export type { EngineConfig } from './engine-config.js';
export type { CommandOptions } from './deal-commands.js';
export type { RunDueResult } from './due-work.js';
export type { CriteriaExplanation } from './rule-set.js';

/**
 * The engine: wires the ports, runs each command through the pure core inside one storage
 * transaction, writes the core's effects, then emits events and delivers the outbox.
 *
 * A facade (as pg-boss's PgBoss over its managers): the constructor wires the parts, and each
 * method forwards to the one that does the work — CommandExecutor (src/engine/executor.ts: clock,
 * load, decide, write, announce; every command goes through it), DealCommands, the approval and
 * workflow commands, EngineQueries (reads with access scoping), DeadLetters and DueWork (runDue
 * and the claim API of runners).
 */
export class Engine {
  /**
   * The configuration this engine was created with, as given (its `rules` are the first rule set;
   * `rules` holds the ones in force). Tools that check or replay rules under the same settings read
   * it: the console's rules check and dry run.
   */
  readonly config: Readonly<EngineConfig>;
  readonly storage: Storage;
  /** Where due work is claimed: the store itself when it implements the port (the shipped ones do). */
  readonly work: WorkQueue;
  readonly clock: Clock;
  readonly notifier: Notifier;
  readonly ids: IdGenerator;
  readonly directory: Directory;
  /** Where failures the engine swallows are reported (`config.logger`, default quiet); a runner may share it. */
  readonly logger: Logger;
  readonly actions: ActionRegistry;
  /** Checks actors against the AccessPolicy; features use it for their own commands. */
  readonly access: AccessGuard;
  /** The business calendars: named ones, each pipeline's, owners' (docs/time.md). */
  readonly calendars: CalendarBook;
  /** Playbooks by id, as validated from the config. */
  readonly playbooks: ReadonlyMap<string, Playbook>;
  /** The bounds on input this engine enforces: the defaults with `config.limits` applied (docs/limits.md). */
  readonly limits: Limits;
  private readonly pipelineIndex: PipelineIndex;
  private readonly ruleSet: RuleSet;
  private readonly slaBook: SlaBook;
  private readonly exceptionConfig: ExceptionConfig;
  private readonly decider: Decider;
  private readonly announcer: Announcer;
  private readonly executor: CommandExecutor;
  private readonly deals: DealCommands;
  private readonly approvals: ApprovalCommands;
  private readonly workflow: WorkflowCommands;
  private readonly queries: EngineQueries;
  private readonly dead: DeadLetters;
  private readonly due: DueWork;

  constructor(config: EngineConfig) {
    const parts = wireEngine(config);
    this.config = config;
    this.limits = parts.limits;
    this.storage = parts.storage;
    this.work = parts.work;
    this.clock = parts.clock;
    this.notifier = parts.notifier;
    this.ids = parts.ids;
    this.directory = parts.directory;
    this.logger = parts.logger;
    this.actions = parts.actions;
    this.access = parts.access;
    this.calendars = parts.calendars;
    this.playbooks = parts.playbooks;
    this.pipelineIndex = parts.pipelineIndex;
    this.ruleSet = parts.ruleSet;
    this.slaBook = parts.slaBook;
    this.exceptionConfig = parts.exceptionConfig;
    this.decider = parts.decider;
    this.announcer = parts.announcer;
    this.executor = parts.executor;
    this.deals = parts.deals;
    this.approvals = parts.approvals;
    this.workflow = parts.workflow;
    this.queries = parts.queries;
    this.dead = parts.deadLetters;
    this.due = parts.due;
  }

  // ---- events ----------------------------------------------------------------------------------

  /** Listens to an engine event; emitted after the command that caused it commits. */
  on<E extends keyof EngineEvents>(event: E, listener: (...args: EngineEvents[E]) => void): this {
    this.announcer.events.on(event, listener as never);
    return this;
  }

  /** Removes a listener added with `on` or `once`. */
  off<E extends keyof EngineEvents>(event: E, listener: (...args: EngineEvents[E]) => void): this {
    this.announcer.events.off(event, listener as never);
    return this;
  }

  /** Like `on`, but the listener runs once and is then removed. */
  once<E extends keyof EngineEvents>(event: E, listener: (...args: EngineEvents[E]) => void): this {
    this.announcer.events.once(event, listener as never);
    return this;
  }

  // ---- configuration ---------------------------------------------------------------------------

  get pipelines(): Pipeline[] {
    return this.pipelineIndex.all();
  }

  get rules(): Rule[] {
    return this.ruleSet.rules;
  }

  /**
   * Replaces the rule set. Validated first: invalid rules throw INVALID_RULES (synchronously) and
   * change nothing. With an actor, the policy must allow `rules.change` (synchronously, as this
   * call is). A changed rule gets the next version; jobs earlier versions left pending follow its
   * `onChange` policy when they come due (docs/simulation.md). The promise resolves to the
   * changes once a `rules.changed` log entry records them.
   */
  setRules(rules: unknown, options: AccessOptions = {}): Promise<RuleChange[]> {
    return this.executor.recordRuleChanges(this.ruleSet.replace(rules, options));
  }

  /** Every version of a rule this engine has loaded, oldest first (the current one last, if it still exists). */
  ruleVersions(ruleId: string): Rule[] {
    return this.ruleSet.versions(ruleId);
  }

  /** Which rules' criteria are compiled and which json-rules-engine evaluates, and how often it has. */
  explainCriteria(): CriteriaExplanation {
    return this.ruleSet.explainCriteria();
  }

  // ---- commands --------------------------------------------------------------------------------

  /** Creates a deal and runs the rules it triggers (`deal.created`, `stage.entered`); with an actor, needs `deal.create`. Throws INVALID_INPUT for a bad deal. */
  createDeal(input: NewDeal, options: AccessOptions = {}): Promise<Deal> {
    return this.deals.createDeal(input, options);
  }

  /** Changes a deal's title, amount, owner, fields or flags and runs `field.changed` rules; with an actor, needs `deal.update` (and `deal.reassign` to change the owner). `expectedVersion` guards against lost updates (CONFLICT). */
  updateDeal(dealId: string, patch: DealPatch, options: CommandOptions = {}): Promise<Deal> {
    return this.deals.updateDeal(dealId, patch, options);
  }

  /** Moves a deal to a stage and runs `stage.left` / `stage.entered` rules; with an actor, needs `deal.move` (and `deal.moveBackward` for a move back). `expectedVersion` guards against lost updates (CONFLICT). */
  moveDeal(dealId: string, stageId: string, options: CommandOptions = {}): Promise<Deal> {
    return this.deals.moveDeal(dealId, stageId, options);
  }

  /** Deletes a deal and cancels its pending jobs; its history stays. With an actor, needs `deal.delete`. */
  deleteDeal(dealId: string, options: AccessOptions = {}): Promise<void> {
    return this.deals.deleteDeal(dealId, options);
  }

  /** Feeds an external event (invoice paid, incoming call, web order) to the rules. */
  emit(event: ExternalEventInput, options: AccessOptions = {}): Promise<Deal | null> {
    return this.deals.emit(event, options);
  }

  /** Runs a rule with a `manual` trigger on a deal, as a user launching it by hand. */
  launch(ruleId: string, dealId: string, options: AccessOptions = {}): Promise<Deal> {
    return this.deals.launch(ruleId, dealId, options);
  }

  // ---- SLAs, exceptions and approvals (docs/slas.md, docs/approvals.md) -----------------------------

  /** The SLAs this engine runs, as validated from the config. */
  get slas(): Sla[] {
    return this.slaBook.all.map((c) => c.sla);
  }

  /** The exception flags and the reasons each may give, as configured (`createEngine({ exceptions })`): what a "mark exception" form offers. */
  get exceptions(): ExceptionConfig {
    return structuredClone(this.exceptionConfig);
  }

  /** Asks a deal's approvers for approval; the actor (else the deal's owner) is the requester. Returns the `approval` record. */
  requestApproval(dealId: string, request: ApprovalRequestInput, options: AccessOptions = {}): Promise<StoredRecord> {
    return this.approvals.requestApproval(dealId, request, options);
  }

  /** Approves or rejects: only an approver of the request may, never its requester (FORBIDDEN otherwise, nothing changes). */
  decideApproval(approvalId: string, input: DecideApprovalInput): Promise<StoredRecord> {
    return this.approvals.decideApproval(approvalId, input);
  }

  /** Marks a deal an exception (`flags.<flag>` set, reason from the configured list or a note). Returns the `exception` record. */
  markException(dealId: string, input: MarkExceptionInput, options: AccessOptions = {}): Promise<StoredRecord> {
    return this.approvals.markException(dealId, input, options);
  }

  /** Moves the due time of a deal's open SLA instance by hand (a manager's call: `approval.decide`). Returns the `sla` record. */
  extendSla(dealId: string, slaId: string, by: Duration, options: AccessOptions = {}): Promise<StoredRecord> {
    return this.approvals.extendSla(dealId, slaId, by, options);
  }

  // ---- tasks, playbooks, goals (docs/tasks.md, docs/goals.md) ---------------------------------------

  /** Creates a task on a deal by hand: title, assignee, co-assignees, due (relative) or dueAt, priority, approval to close. */
  createTask(dealId: string, spec: TaskSpecInput & { dueAt?: string }, options: AccessOptions = {}): Promise<Task> {
    return this.workflow.createTask(dealId, spec, options);
  }

  /** Completes a task; one that requires approval to close waits for its approver's confirmation. */
  completeTask(taskId: string, options: AccessOptions & { comment?: string } = {}): Promise<Task> {
    return this.workflow.completeTask(taskId, options);
  }

  /** Reopens a completed task, or refuses (approver) / withdraws (requester) a close request. */
  reopenTask(taskId: string, options: AccessOptions & { reason?: string } = {}): Promise<Task> {
    return this.workflow.reopenTask(taskId, options);
  }

  /** Launches a playbook by hand; returns the tasks it created, the blocked steps included. */
  launchPlaybook(dealId: string, playbookId: string, options: AccessOptions = {}): Promise<Task[]> {
    return this.workflow.launchPlaybook(dealId, playbookId, options);
  }

  /** Marks a goal of the deal's current stage reached; the deal moves to the goal's stage. */
  achieveGoal(dealId: string, goalId: string, options: AccessOptions = {}): Promise<Deal> {
    return this.workflow.achieveGoal(dealId, goalId, options);
  }

  /**
   * A task by id, or undefined if there is none. With an actor, as `tasks` lists them: a task of a
   * deal they may read (`records.read`); FORBIDDEN otherwise.
   */
  getTask(taskId: string, options: AccessOptions = {}): Promise<Task | undefined> {
    return this.queries.getTask(taskId, options);
  }

  /** Tasks, oldest first: of a deal, in some statuses, of a user (assignee, co-assignee or approver). With an actor, of deals they may read. */
  tasks(query: TaskQuery = {}, options: AccessOptions = {}): Promise<Task[]> {
    return this.queries.tasks(query, options);
  }

  // ---- due work: runDue, and claimed work for runners (src/runner) ------------------------------

  /**
   * Runs every job due at `clock.now()`, in due order, then delivers the outbox: the runner's
   * path (claim a batch, run it in one transaction, complete), with batches cut so that no job
   * runs before one due earlier. A storage failure gives the batch's claim back and rejects.
   */
  runDue(): Promise<RunDueResult> {
    return this.due.runDue();
  }

  /** Leases up to `limit` jobs due now to a runner; each deal's earliest only (see WorkQueue.claimJobs). */
  claimJobs(limit: number, lease: LeaseRequest): Promise<Job[]> {
    return this.due.claimJobs(limit, lease);
  }

  /** Leases up to `limit` deliveries due now to a runner. */
  claimDeliveries(limit: number, lease: LeaseRequest): Promise<OutboxMessage[]> {
    return this.due.claimDeliveries(limit, lease);
  }

  /**
   * Runs claimed jobs as one batch (one transaction; src/engine/job-batch.ts), each only if
   * `token` still holds its lease: `skipped` when it already ran, was cancelled, or was claimed
   * again after the lease ran out. Outside the command queue, so a runner may run several
   * batches at once; the store serialises each deal. A storage failure rejects, writes nothing,
   * and leaves the jobs for a later claim.
   */
  runJobs(jobs: ReadonlyArray<Job>, token: string): Promise<JobResult[]> {
    return this.due.runJobs(jobs, token);
  }

  /** One claimed job: `runJobs` with a batch of one. */
  async runClaimedJob(job: Job, token: string): Promise<'ran' | 'failed' | 'skipped'> {
    return (await this.runJobs([job], token))[0]!;
  }

  /**
   * Sends claimed messages, `concurrency` at a time, recording each group's outcomes in one
   * transaction before the next group goes out (so a crash leaves at most `concurrency` sends
   * unrecorded, sent again under the same idempotency keys), each only if `token` still holds its
   * lease: `skipped` when it does not.
   */
  deliverMessages(messages: ReadonlyArray<OutboxMessage>, token: string, concurrency = 1): Promise<Array<'delivered' | 'failed' | 'skipped'>> {
    return this.due.deliverMessages(messages, token, concurrency);
  }

  /** One attempt at a claimed delivery, recorded only if `token` still holds its lease. */
  async deliverClaimed(message: OutboxMessage, token: string): Promise<'delivered' | 'failed' | 'skipped'> {
    return (await this.deliverMessages([message], token))[0]!;
  }

  /** Delivers what the outbox has due now (commands already deliver what they queued). */
  deliverOutbox(): Promise<number> {
    return this.due.deliverOutbox();
  }

  /** The earliest time a job or an outbox retry is due, or undefined when nothing waits. */
  nextDueAt(): Promise<Date | undefined> {
    return this.due.nextDueAt();
  }

  // ---- dead letters ----------------------------------------------------------------------------

  /**
   * Messages that failed for good (a permanent error, or the last attempt), oldest first. They
   * stay until retried or discarded. With an actor, only those about deals they may read.
   */
  deadLetters(query: { dealId?: string } = {}, options: AccessOptions = {}): Promise<OutboxMessage[]> {
    return this.dead.list(query, options);
  }

  /**
   * Queues a dead letter again with a fresh set of attempts, keeping its idempotency key, and
   * tries it at once (after the next `runDue` when deliverOnCommit is false). With an actor,
   * the policy must allow `outbox.manage`. Returns the message as it stands afterwards.
   */
  retryDeadLetter(id: string, options: AccessOptions = {}): Promise<OutboxMessage> {
    return this.dead.retry(id, options);
  }

  /** Gives up on a dead letter: it stays in the outbox as `discarded` and is never sent. */
  discardDeadLetter(id: string, options: AccessOptions = {}): Promise<OutboxMessage> {
    return this.dead.discard(id, options);
  }

  // ---- queries ---------------------------------------------------------------------------------

  /** With an actor, a deal they may not read is FORBIDDEN (a missing one is still undefined). */
  getDeal(dealId: string, options: AccessOptions = {}): Promise<Deal | undefined> {
    return this.queries.getDeal(dealId, options);
  }

  /** With an actor, only the deals they may read. */
  listDeals(query: DealQuery = {}, options: AccessOptions = {}): Promise<Deal[]> {
    return this.queries.listDeals(query, options);
  }

  /** The deal's log, oldest first: what happened and why. With an actor, the deal must be readable (a deleted one: admins). */
  history(dealId: string, options: AccessOptions = {}): Promise<AnyHistoryEntry[]> {
    return this.queries.history(dealId, options);
  }

  /** The deal's pending jobs, earliest due first. With an actor, the deal must be readable. */
  pendingJobs(dealId: string, options: AccessOptions = {}): Promise<Job[]> {
    return this.queries.pendingJobs(dealId, options);
  }

  /**
   * Pending jobs of every deal due at or before `until` (default: now), earliest first: at most
   * `limit` (default 100) read from the store. With an actor, only those of deals they may read
   * (an operations view: what is due, what is late).
   */
  dueJobs(query: { until?: string | Date; limit?: number } = {}, options: AccessOptions = {}): Promise<Job[]> {
    return this.queries.dueJobs(query, options);
  }

  /**
   * Why each rule did or did not fire for a deal: whether its trigger matched, each condition with
   * the value it saw, what was scheduled, ran or was cancelled and why (docs/simulation.md). With
   * `ruleId`, that rule only. Read from the deal's log, so it works for deleted deals too.
   */
  explain(dealId: string, ruleId?: string, options: AccessOptions = {}): Promise<DealExplanation> {
    return this.queries.explain(dealId, ruleId, options);
  }

  /** With an actor, only messages about deals they may read (`outbox.read`), and deal-less ones if the policy allows. */
  outbox(query: OutboxQuery = {}, options: AccessOptions = {}): Promise<OutboxMessage[]> {
    return this.queries.outbox(query, options);
  }

  /** With an actor, only records of deals they may read (`records.read`), and deal-less ones if the policy allows. */
  records(kind: string, query: { dealId?: string } = {}, options: AccessOptions = {}): Promise<StoredRecord[]> {
    return this.queries.records(kind, query, options);
  }

  /**
   * Runs a report (docs/reports.md) over what storage holds now: `funnel`, `slaCompliance`,
   * `exceptions`, `flagShare`, `timeInStage`, `stale`, `velocity`. With an actor, `report.read`
   * is checked and the report covers only the deals they may read.
   */
  report<N extends ReportName>(name: N, ...args: ReportArgs<N>): Promise<ReportKinds[N]['result']> {
    return this.queries.report(name, args);
  }

  /** The kanban board of a pipeline: columns in stage order, cards the actor may read (docs/reports.md). */
  board(pipelineId: string, options: BoardOptions = {}): Promise<Board> {
    return this.queries.board(pipelineId, options);
  }

  /** The core's environment at `now`: what bench/ replays the pure transition with (bench/workloads/sim.ts). */
  private env(now: Date): CoreEnv {
    return this.decider.env(now);
  }
}

// Every public call's arguments are checked before it runs (ids, options, sizes): src/model/arguments.ts.
checkArguments(Engine.prototype, ENGINE_ARGUMENTS, (engine) => engine.limits);

/** Creates an engine from its configuration; throws a DealflowError (INVALID_CONFIG / INVALID_RULES) saying what to fix when the pipelines or rules are invalid. */
export function createEngine(config: EngineConfig): Engine {
  return new Engine(config);
}
