import EventEmitter from 'eventemitter3';
import type { Operator, OperatorDecorator } from 'json-rules-engine';
import { ActionRegistry, type AnyActionDefinition } from '../core/actions.js';
import { buildFeatures } from '../core/feature-list.js';
import { standardActions } from '../core/standard-actions.js';
import { BUILTIN_FACTS } from '../core/facts.js';
import type { HostFacts } from '../core/facts.js';
import { PipelineIndex } from '../core/pipelines.js';
import type { RuleBook } from '../core/rulebook.js';
import { draftTransition, type CoreEnv, type CoreInput, type Outcome } from '../core/transition.js';
import type { DealSnapshot, Job, LogEntry, OutboxMessage, StoredRecord } from '../core/types.js';
import { dealWith, DealPatchSchema, NewDealSchema, type Deal, type DealPatch, type NewDeal } from '../model/deal.js';
import { extensibleCopy } from '../model/records.js';
import { DealflowError, issuesFromZod } from '../model/errors.js';
import { ExternalEventSchema, type ExternalEventInput } from '../model/event.js';
import { PipelineSchema, type Pipeline, type PipelineInput } from '../model/pipeline.js';
import type { Rule } from '../model/rule.js';
import { systemClock, type Clock } from '../ports/clock.js';
import type { Directory, User } from '../ports/directory.js';
import { UuidV7Ids, type IdGenerator } from '../ports/ids.js';
import { InMemoryNotifier, type Notifier } from '../ports/notifier.js';
import type { DealQuery, LeaseRequest, OutboxQuery, Storage, StorageTx } from '../ports/storage.js';
import { InMemoryStorage } from '../memory/storage.js';
import { isWorkQueue, type WorkQueue } from '../ports/work-queue.js';
import { TxWorkQueue } from './tx-work-queue.js';
import { runJobBatch, type JobBatchDeps, type JobResult } from './job-batch.js';
import { emptyView, finalOutcome, type LoadedView } from './effect-data.js';
import { writeOutcome } from './effect-writer.js';
import { checkRetryPolicy, Delivery, DEFAULT_RETRY, type RetryPolicy } from './delivery.js';
import { buildDigestPolicies, type DigestPolicy, type DigestPolicyConfig } from '../core/digest-policy.js';
import { checkDigestNames } from './digest-names.js';
import { TASK_RECORD } from '../core/tasks/lifecycle.js';
import { SerialQueue } from './serial.js';
import { AccessGuard, type AccessOptions } from './access.js';
import { approvalActionPaths, approvalOwnedPaths, draftChanges, patchChanges } from './deal-changes.js';
import { defaultAccessPolicy, type AccessPolicy } from '../ports/access.js';
import { calendarTime, runReport, type ReportArgs, type ReportHost } from './reports.js';
import { buildBoard, type Board, type BoardOptions } from './board.js';
import type { ReportKinds, ReportName } from '../reports/index.js';
import type { EngineEvents } from './events.js';
import { FallbackEvaluator } from './fallback.js';
import { parseRules } from './parse-rules.js';
import { explainDeal, type DealExplanation } from './explain.js';
import { loadUsers, ownersToLoad, userTimes } from './owner-times.js';
import { CalendarBook, type UserTimes } from '../core/time/calendars.js';
import type { CalendarInput } from '../model/calendar.js';
import { ApprovalCommands, type DecideApprovalInput, type ExceptionConfig, type MarkExceptionInput } from './approvals.js';
import { compileSlas } from './slas.js';
import type { SlaBook } from '../core/sla/book.js';
import type { ApprovalRequestInput } from '../model/approval.js';
import type { Duration } from '../model/duration.js';
import type { Sla, SlaInput } from '../model/sla.js';
import { ruleChanges, versionedRuleBook, type RuleChange } from './rule-versions.js';
import type { CoreFeature } from '../core/features.js';
import { validateGoals } from '../model/validate-goals.js';
import type { Playbook, PlaybookInput, Task, TaskSpecInput } from '../model/task.js';
import { WorkflowCommands, eventInput, parsePlaybooks, type TaskQuery } from './workflow.js';
import { toIsoString } from '../core/time/iso.js';
import { checkArguments, ENGINE_ARGUMENTS } from '../model/arguments.js';
import { checkEngineConfig } from '../model/config.js';
import type { Limits } from '../model/limits.js';
import { quietLogger, type Logger } from '../ports/logger.js';
import { noTelemetry, type Telemetry } from '../ports/telemetry.js';
import { commandName, rulesFired } from './telemetry.js';

/** Everything `createEngine` needs: pipelines and rules, plus the ports (storage, clock, ids, notifier, directory, access policy), host facts, custom actions and optional features (calendars, playbooks, SLAs, digests). Ports left out fall back to defaults. */
export interface EngineConfig {
  pipelines: ReadonlyArray<PipelineInput>;
  /** Rule objects or rule JSON; validated with `parseRules` against these pipelines and actions. */
  rules?: unknown;
  storage?: Storage;
  clock?: Clock;
  notifier?: Notifier;
  ids?: IdGenerator;
  directory?: Directory;
  /**
   * Host facts criteria may read by name, computed from the deal and event. Synchronous ones must
   * be pure; async ones (an `async` function or `asyncFact(fn)`) may do I/O, and rules reading them
   * are evaluated by json-rules-engine (see docs/performance.md).
   */
  facts?: HostFacts;
  /** Custom operators, json-rules-engine's way (`new Operator(name, cb, validator)`); rules using them are evaluated by json-rules-engine. */
  operators?: ReadonlyArray<Operator>;
  /** Custom operator decorators, json-rules-engine's way (`new OperatorDecorator(name, cb)`). */
  operatorDecorators?: ReadonlyArray<OperatorDecorator>;
  /** Custom action types (see `defineAction`), added to the built-in ones. */
  actions?: ReadonlyArray<AnyActionDefinition>;
  /** How deep a cascade of rules may go within one command. Default 10. */
  maxCascadeDepth?: number;
  retry?: Partial<RetryPolicy>;
  /**
   * Named digest policies a `notify` may use by name, besides the specs `daily at HH:mm`,
   * `hourly` and `every N items` (docs/delivery.md).
   */
  digests?: Record<string, DigestPolicyConfig>;
  /** Deliver the outbox right after each command commits. Default true; false leaves it to `runDue`. */
  deliverOnCommit?: boolean;
  /**
   * How long this engine's claim on a message it delivers after a command lasts, in ms, so
   * engines in other processes on the same store do not send it too. Default 5 minutes.
   */
  deliveryLeaseMs?: number;
  /** Who may do what, for calls that carry an actor. Default: `defaultAccessPolicy` (docs/access.md). */
  access?: AccessPolicy;
  /**
   * Named business calendars that pipelines (`calendar: "name"`), users and rules
   * (`calendar: "name"`) may refer to (docs/time.md).
   */
  calendars?: Readonly<Record<string, CalendarInput>>;
  /** Playbooks: named sets of task templates with dependencies, launched by a rule or by hand (docs/tasks.md). */
  playbooks?: ReadonlyArray<PlaybookInput>;
  /** SLAs: deadlines with an instance per deal, reminders, escalations and exemptions (docs/slas.md). */
  slas?: ReadonlyArray<SlaInput | Sla>;
  /** The reasons each exception flag may give (`markException`, docs/approvals.md). */
  exceptions?: ExceptionConfig;
  /** Bounds on what callers may pass in (sizes, nesting, rule count), each with a default (docs/limits.md). */
  limits?: Partial<Limits>;
  /**
   * Where the engine reports failures it swallows so a committed command stays committed (a
   * delivery after commit, a throwing event listener): pino, bunyan or `consoleLogger()`.
   * Default `quietLogger`: a library says nothing unasked (docs/observability.md).
   */
  logger?: Logger;
  /**
   * Traces and metrics: a span per command, job run and delivery, and counters from the engine's
   * events. Pass `openTelemetry()` from `dealflow/opentelemetry`; default none (docs/observability.md).
   */
  telemetry?: Telemetry;
}

/** `actor`: who is asking; checked by the AccessPolicy. Without one the call is a trusted system call. */
/** `engine.explainCriteria()`: how each rule's criteria are evaluated. */
export interface CriteriaExplanation {
  compiledRules: number;
  fallbackRules: number;
  /** Criteria json-rules-engine evaluates, and why the compiler left them to it. */
  fallback: Array<{ ruleId: string; part: 'when' | 'until'; reason: string }>;
  /** json-rules-engine evaluations since the engine started. */
  fallbackEvaluations: number;
}

export interface CommandOptions extends AccessOptions {
  /** Refuse the command with CONFLICT unless the deal is at this version. */
  expectedVersion?: number;
}

/** What one `runDue` call did: jobs run, jobs that failed, and outbox messages delivered. */
export interface RunDueResult {
  jobsRun: number;
  jobsFailed: number;
  delivered: number;
}

/** Knows nobody, but lets notifications to user ids through as `{ id }`: the default when the host passes no directory. */
const openDirectory: Directory = {
  get: (id: string): User => ({ id }),
  withRole: () => [],
};

const EMPTY: DealSnapshot = { deal: null, jobs: [], enrolments: {} };

/** How many due jobs one `runDue` claim takes: one transaction each. */
const RUN_DUE_BATCH = 100;

/**
 * The engine: wires the ports, runs each command through the pure core inside one storage
 * transaction, writes the core's effects, then emits events and delivers the outbox.
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
  private readonly telemetry: Telemetry;
  readonly actions: ActionRegistry;
  /** Checks actors against the AccessPolicy; features use it for their own commands. */
  readonly access: AccessGuard;
  private pipelineIndex: PipelineIndex;
  /** The business calendars: named ones, each pipeline's, owners' (docs/time.md). */
  readonly calendars: CalendarBook;
  private ruleBook: RuleBook;
  /** The paths the current rules' approvals decide, for the rule book they were read from. */
  private approvalPaths: { book: RuleBook; paths: Set<string> } | undefined;
  private readonly facts: HostFacts;
  private readonly fallback: FallbackEvaluator;
  private readonly maxDepth: number;
  private readonly delivery: Delivery;
  private readonly digestPolicies: Map<string, DigestPolicy>;
  /** Core features (tasks, goals, …): their record kinds are loaded with every deal. */
  private readonly features: CoreFeature[];
  private readonly recordKinds: string[];
  private readonly workflow: WorkflowCommands;
  private readonly approvals: ApprovalCommands;
  private readonly slaBook: SlaBook;
  private readonly exceptionConfig: ExceptionConfig;
  /** Playbooks by id, as validated from the config. */
  readonly playbooks: ReadonlyMap<string, Playbook>;
  private readonly deliverOnCommit: boolean;
  /** How long `runDue`'s claim on a batch of jobs lasts (its transaction gives it back). */
  private readonly jobLeaseMs: number;
  private readonly batchDeps: JobBatchDeps;
  private lastNow = -Infinity;
  /** Commands run one at a time per engine; the storage serialises across engines. */
  private readonly commands = new SerialQueue();
  /** Whether the IdGenerator was resumed past the store's ids (see resumeIds); the pending promise while it is. */
  private idsResumed: Promise<void> | true | undefined;

  private readonly events = new EventEmitter<EngineEvents>();
  /** The bounds on input this engine enforces: the defaults with `config.limits` applied (docs/limits.md). */
  readonly limits: Limits;

  constructor(config: EngineConfig) {
    this.limits = checkEngineConfig(config);
    const pipelines = config.pipelines.map((p, i) => {
      const parsed = PipelineSchema.safeParse(p);
      if (!parsed.success) {
        throw new DealflowError('INVALID_CONFIG', `pipeline ${i} is invalid`, { issues: issuesFromZod(parsed.error, ['pipelines', i]) });
      }
      return parsed.data;
    });
    this.config = config;
    this.pipelineIndex = new PipelineIndex(pipelines);
    this.calendars = new CalendarBook(config.calendars ?? {}, pipelines);
    this.playbooks = parsePlaybooks(config.playbooks);
    // One door for action types and features: the deal actions, each feature's, `createDeal`, the host's.
    this.actions = new ActionRegistry([...standardActions(pipelines, this.playbooks), ...(config.actions ?? [])]);
    this.slaBook = compileSlas(config.slas, { pipelines, actions: this.actions, facts: Object.keys(config.facts ?? {}) });
    this.features = buildFeatures({ playbooks: this.playbooks, slas: this.slaBook });
    this.recordKinds = [...new Set(this.features.flatMap((f) => f.recordKinds))];
    this.facts = config.facts ?? {};
    validateGoals(pipelines, [...BUILTIN_FACTS, ...Object.keys(this.facts)]);
    this.fallback = new FallbackEvaluator({ operators: config.operators ?? [], decorators: config.operatorDecorators ?? [], facts: this.facts });
    this.digestPolicies = buildDigestPolicies(config.digests);
    this.ruleBook = this.compile(config.rules ?? []);
    this.storage = config.storage ?? new InMemoryStorage();
    this.work = isWorkQueue(this.storage) ? this.storage : new TxWorkQueue(this.storage);
    this.jobLeaseMs = config.deliveryLeaseMs ?? 300_000;
    this.clock = config.clock ?? systemClock;
    this.notifier = config.notifier ?? new InMemoryNotifier();
    // Time-ordered ids by default: smaller indexes and faster inserts on PostgreSQL (docs/performance.md#ids-uuidv7-against-uuidv4).
    this.ids = config.ids ?? new UuidV7Ids();
    this.telemetry = config.telemetry ?? noTelemetry;
    this.batchDeps = {
      storage: this.storage,
      ids: this.ids,
      recordKinds: this.recordKinds,
      decide: (before, input, now) => this.decide(before, input, now, null),
      finalize: (tx, before, draft, now) => finalOutcome(before, draft, this.env(now, undefined, emptyView()), this.directory, tx),
      write: (tx, before, out) => this.write(tx, before, out),
      // TELEMETRY (job runs): a span per job of a batch, with how it ended, once the batch committed.
      reportJob:
        this.telemetry === noTelemetry
          ? undefined
          : (job, now, result) =>
              this.telemetry.jobRun(async (scope) => {
                scope.picked(job, now);
                scope.done(result);
              }),
    };
    this.directory = config.directory ?? openDirectory;
    this.logger = config.logger ?? quietLogger;
    this.maxDepth = config.maxCascadeDepth ?? 10;
    this.deliverOnCommit = config.deliverOnCommit ?? true;
    this.access = new AccessGuard(config.access ?? defaultAccessPolicy, this.directory);
    this.delivery = new Delivery({
      storage: this.storage,
      notifier: this.notifier,
      directory: this.directory,
      actions: this.actions,
      ids: this.ids,
      retry: checkRetryPolicy({ ...DEFAULT_RETRY, ...config.retry }),
      leaseMs: config.deliveryLeaseMs ?? 300_000,
      telemetry: this.telemetry,
    });
    this.exceptionConfig = config.exceptions ?? {};
    this.approvals = new ApprovalCommands({
      storage: this.storage,
      access: this.access,
      directory: this.directory,
      slas: () => this.slaBook,
      exceptions: config.exceptions ?? {},
      pipeline: (id) => this.pipelineIndex.get(id)?.pipeline,
      ownedPaths: (records) => this.ownedPaths(records),
      command: (dealId, input, authorize) => this.command(dealId, input, authorize),
    });
    this.workflow = new WorkflowCommands({
      storage: this.storage,
      access: this.access,
      pipeline: (id) => this.pipelineIndex.get(id)?.pipeline,
      command: (dealId, input, authorize) => this.command(dealId, input, authorize),
    });
    // TELEMETRY (call site 4 of 4, constructor): metrics on jobs and deliveries are counted from the engine's events.
    this.telemetry.attach?.({
      on: (event, listener) => this.on(event, listener),
      outboxDepth: () => this.storage.transaction(async (tx) => (tx.countOutbox ? tx.countOutbox('pending') : undefined)),
    });
  }

  // ---- events ----------------------------------------------------------------------------------

  /** Listens to an engine event; emitted after the command that caused it commits. */
  on<E extends keyof EngineEvents>(event: E, listener: (...args: EngineEvents[E]) => void): this {
    this.events.on(event, listener as never);
    return this;
  }

  /** Removes a listener added with `on` or `once`. */
  off<E extends keyof EngineEvents>(event: E, listener: (...args: EngineEvents[E]) => void): this {
    this.events.off(event, listener as never);
    return this;
  }

  /** Like `on`, but the listener runs once and is then removed. */
  once<E extends keyof EngineEvents>(event: E, listener: (...args: EngineEvents[E]) => void): this {
    this.events.once(event, listener as never);
    return this;
  }

  // ---- configuration ---------------------------------------------------------------------------

  get pipelines(): Pipeline[] {
    return this.pipelineIndex.all();
  }

  get rules(): Rule[] {
    return this.ruleBook.rules.map((r) => r.rule);
  }

  /**
   * Replaces the rule set. Validated first: invalid rules throw INVALID_RULES (synchronously) and
   * change nothing. With an actor, the policy must allow `rules.change` (synchronously, as this
   * call is). A changed rule gets the next version; jobs earlier versions left pending follow its
   * `onChange` policy when they come due (docs/simulation.md). The promise resolves to the
   * changes once a `rules.changed` log entry records them.
   */
  setRules(rules: unknown, options: AccessOptions = {}): Promise<RuleChange[]> {
    if (options.actor) {
      const allowed = this.access.policy.can(options.actor, 'rules.change', { type: 'rules' });
      if (typeof allowed !== 'boolean')
        throw new DealflowError('INVALID_CONFIG', 'setRules with an actor needs a policy that answers rules.change synchronously');
      if (!allowed)
        throw new DealflowError('FORBIDDEN', `${options.actor.id} may not rules.change`, { details: { actorId: options.actor.id, action: 'rules.change' } });
    }
    const previous = this.ruleBook;
    this.ruleBook = this.compile(rules, previous);
    return this.recordRuleChanges(ruleChanges(previous, this.ruleBook));
  }

  /** Every version of a rule this engine has loaded, oldest first (the current one last, if it still exists). */
  ruleVersions(ruleId: string): Rule[] {
    return this.ruleBook.archive.versions(ruleId).map((cr) => cr.rule);
  }

  /** Logs a deal-less `rules.changed` entry listing which rules moved to which version, and the policy for their pending jobs. */
  private recordRuleChanges(changes: RuleChange[]): Promise<RuleChange[]> {
    if (changes.length === 0) return Promise.resolve(changes);
    return this.exclusive(async () => {
      const entry: LogEntry = { id: this.ids.next('log'), at: this.readClock().toISOString(), dealId: null, type: 'rules.changed', data: { changes } };
      await this.storage.transaction((tx) => tx.appendLog([entry]));
      this.announceEntry(entry);
      return changes;
    });
  }

  /**
   * The deal paths approvals own (docs/access.md): what the rules' and SLAs' `requestApproval`
   * actions set on a decision (worked out once per rule set), plus what the deal's own approvals
   * set. A person changing one of these needs `approval.decide`.
   */
  private ownedPaths(records?: ReadonlyArray<StoredRecord>): Set<string> {
    if (this.approvalPaths?.book !== this.ruleBook) {
      const lists = [
        ...this.ruleBook.rules.map((cr) => cr.rule.actions),
        ...this.slaBook.all.flatMap((c) => [...c.sla.reminders.map((r) => r.actions), ...c.sla.escalations.map((e) => e.actions)]),
      ];
      this.approvalPaths = { book: this.ruleBook, paths: approvalActionPaths(lists) };
    }
    return approvalOwnedPaths(this.approvalPaths.paths, records);
  }

  private compile(rules: unknown, previous?: RuleBook): RuleBook {
    const criteria = this.fallback.triggers;
    const parsed = parseRules(rules, {
      pipelines: this.pipelineIndex.all(),
      actions: this.actions,
      facts: Object.keys(this.facts),
      calendars: this.calendars.names(),
      limits: this.limits,
      ...(criteria.customOperators ? { customOperators: criteria.customOperators } : {}),
    });
    checkDigestNames(parsed, this.digestPolicies);
    return versionedRuleBook(parsed, this.actions, previous, criteria);
  }

  // ---- commands --------------------------------------------------------------------------------

  /** Creates a deal and runs the rules it triggers (`deal.created`, `stage.entered`); with an actor, needs `deal.create`. Throws INVALID_INPUT for a bad deal. */
  async createDeal(input: NewDeal, options: AccessOptions = {}): Promise<Deal> {
    const parsed = NewDealSchema.safeParse(input);
    if (!parsed.success) throw invalidInput('the new deal is invalid', parsed.error);
    const draft = parsed.data;
    const { actor } = options;
    const out = await this.command(
      draft.id ?? null,
      { type: 'create', draft },
      actor &&
        (() =>
          this.access.requireChange(
            actor,
            'deal.create',
            { id: draft.id ?? '(new)', pipelineId: draft.pipelineId, stageId: draft.stageId ?? '', ownerId: draft.ownerId },
            draftChanges(draft),
            { owned: this.ownedPaths() },
          )),
    );
    return cloneDeal(out.snapshot.deal!);
  }

  /** Changes a deal's title, amount, owner, fields or flags and runs `field.changed` rules; with an actor, needs `deal.update` (and `deal.reassign` to change the owner). `expectedVersion` guards against lost updates (CONFLICT). */
  async updateDeal(dealId: string, patch: DealPatch, options: CommandOptions = {}): Promise<Deal> {
    const parsed = DealPatchSchema.safeParse(patch);
    if (!parsed.success) throw invalidInput('the deal update is invalid', parsed.error);
    const { actor } = options;
    const out = await this.command(
      dealId,
      { type: 'update', patch: parsed.data, ...versionOf(options) },
      actor && (({ deal, records }) => this.access.requireChange(actor, 'deal.update', deal!, patchChanges(parsed.data), { owned: this.ownedPaths(records) })),
    );
    return cloneDeal(out.snapshot.deal!);
  }

  /** Moves a deal to a stage and runs `stage.left` / `stage.entered` rules; with an actor, needs `deal.move` (and `deal.moveBackward` for a move back). `expectedVersion` guards against lost updates (CONFLICT). */
  async moveDeal(dealId: string, stageId: string, options: CommandOptions = {}): Promise<Deal> {
    if (typeof stageId !== 'string' || stageId === '') throw new DealflowError('INVALID_INPUT', 'moveDeal needs a stage id');
    const { actor } = options;
    const out = await this.command(
      dealId,
      { type: 'move', stageId, ...versionOf(options) },
      actor &&
        (({ deal }) =>
          this.access.requireChange(actor, 'deal.move', deal!, { stageId }, { pipeline: this.pipelineIndex.get(deal!.pipelineId)?.pipeline, name: stageId })),
    );
    return cloneDeal(out.snapshot.deal!);
  }

  /** Deletes a deal and cancels its pending jobs; its history stays. With an actor, needs `deal.delete`. */
  async deleteDeal(dealId: string, options: AccessOptions = {}): Promise<void> {
    const { actor } = options;
    await this.command(dealId, { type: 'delete' }, actor && (({ deal }) => this.access.requireOnDeal(actor, 'deal.delete', deal!)));
  }

  /** Feeds an external event (invoice paid, incoming call, web order) to the rules. */
  async emit(event: ExternalEventInput, options: AccessOptions = {}): Promise<Deal | null> {
    const parsed = ExternalEventSchema.safeParse(event);
    if (!parsed.success) throw invalidInput('the event is invalid', parsed.error);
    const { actor } = options;
    const out = await this.command(
      parsed.data.dealId ?? null,
      (tx) => eventInput(tx, this.ruleBook, parsed.data),
      actor &&
        (({ deal }) =>
          deal
            ? this.access.requireOnDeal(actor, 'event.emit', deal, { name: parsed.data.name })
            : this.access.require(actor, 'event.emit', { type: 'event', name: parsed.data.name })),
    );
    return out.snapshot.deal ? cloneDeal(out.snapshot.deal) : null;
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
  async getTask(taskId: string, options: AccessOptions = {}): Promise<Task | undefined> {
    const { actor } = options;
    return this.storage.transaction(async (tx) => {
      const record = await tx.getRecord(TASK_RECORD, taskId);
      if (!record) return undefined;
      if (actor && (await this.scopeToActor(tx, actor, 'records.read', TASK_RECORD, [record])).length === 0) {
        throw new DealflowError('FORBIDDEN', `${actor.id} may not read task "${taskId}": it is on a deal whose records they may not read`, {
          details: { actorId: actor.id, action: 'records.read', resource: 'records', dealId: record.dealId, taskId },
        });
      }
      return clone(record.data as unknown as Task);
    });
  }

  /** Tasks, oldest first: of a deal, in some statuses, of a user (assignee, co-assignee or approver). With an actor, of deals they may read. */
  async tasks(query: TaskQuery = {}, options: AccessOptions = {}): Promise<Task[]> {
    const records = await this.records(TASK_RECORD, query.dealId ? { dealId: query.dealId } : {}, options);
    return WorkflowCommands.filter(
      records.map((r) => r.data as unknown as Task),
      query,
    );
  }

  /** Runs a rule with a `manual` trigger on a deal, as a user launching it by hand. */
  async launch(ruleId: string, dealId: string, options: AccessOptions = {}): Promise<Deal> {
    const { actor } = options;
    const out = await this.command(
      dealId,
      { type: 'launch', ruleId },
      actor && (({ deal }) => this.access.requireOnDeal(actor, 'deal.launch', deal!, { name: ruleId })),
    );
    return cloneDeal(out.snapshot.deal!);
  }

  /**
   * Runs every job due at `clock.now()`, in due order, then delivers the outbox: the runner's
   * path (claim a batch, run it in one transaction, complete), with batches cut so that no job
   * runs before one due earlier. A storage failure gives the batch's claim back and rejects.
   */
  async runDue(): Promise<RunDueResult> {
    return this.exclusive(async () => {
      const now = this.readClock();
      const until = toIsoString(now.getTime());
      let jobsRun = 0;
      let jobsFailed = 0;
      for (;;) {
        const lease = { owner: 'engine', token: this.ids.next('lease'), ms: this.jobLeaseMs, until, limit: RUN_DUE_BATCH, ordered: true };
        const claimed = await this.work.claimJobs(lease);
        if (claimed.length === 0) break;
        let results: JobResult[];
        try {
          results = await this.runBatch(claimed, lease.token, now);
        } catch (error) {
          await this.work
            .releaseLeases(
              lease.token,
              claimed.map((j) => j.id),
            )
            .catch(() => undefined);
          throw error;
        }
        for (const r of results) {
          if (r === 'ran') jobsRun++;
          else if (r === 'failed') jobsFailed++;
        }
      }
      const { delivered } = await this.deliver(now);
      return { jobsRun, jobsFailed, delivered };
    });
  }

  // ---- claimed work, for runners (src/runner) ----------------------------------------------------

  /** Leases up to `limit` jobs due now to a runner; each deal's earliest only (see WorkQueue.claimJobs). */
  async claimJobs(limit: number, lease: LeaseRequest): Promise<Job[]> {
    const until = toIsoString(this.readClock().getTime());
    return this.work.claimJobs({ ...lease, until, limit });
  }

  /** Leases up to `limit` deliveries due now to a runner. */
  async claimDeliveries(limit: number, lease: LeaseRequest): Promise<OutboxMessage[]> {
    const until = toIsoString(this.readClock().getTime());
    return this.work.claimDeliveries({ ...lease, until, limit });
  }

  /**
   * Runs claimed jobs as one batch (one transaction; src/engine/job-batch.ts), each only if
   * `token` still holds its lease: `skipped` when it already ran, was cancelled, or was claimed
   * again after the lease ran out. Outside the command queue, so a runner may run several
   * batches at once; the store serialises each deal. A storage failure rejects, writes nothing,
   * and leaves the jobs for a later claim.
   */
  async runJobs(jobs: ReadonlyArray<Job>, token: string): Promise<JobResult[]> {
    await this.resumeIds();
    return this.runBatch(jobs, token, this.readClock());
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
  async deliverMessages(messages: ReadonlyArray<OutboxMessage>, token: string, concurrency = 1): Promise<Array<'delivered' | 'failed' | 'skipped'>> {
    await this.resumeIds();
    const recorded = await this.delivery.deliverBatch(messages, token, this.readClock(), concurrency, concurrency);
    return recorded.map((entries) => {
      for (const e of entries) this.announceEntry(e);
      const type = entries[0]?.type;
      return type === undefined ? 'skipped' : type === 'outbox.delivered' ? 'delivered' : 'failed';
    });
  }

  /** One attempt at a claimed delivery, recorded only if `token` still holds its lease. */
  async deliverClaimed(message: OutboxMessage, token: string): Promise<'delivered' | 'failed' | 'skipped'> {
    return (await this.deliverMessages([message], token))[0]!;
  }

  /** Delivers what the outbox has due now (commands already deliver what they queued). */
  async deliverOutbox(): Promise<number> {
    return this.exclusive(async () => (await this.deliver(this.readClock())).delivered);
  }

  private async runBatch(jobs: ReadonlyArray<Job>, token: string, now: Date): Promise<JobResult[]> {
    const { results, announce } = await runJobBatch(this.batchDeps, jobs, token, now);
    for (const e of announce) this.announceEntry(e);
    return results;
  }

  // ---- dead letters ----------------------------------------------------------------------------

  /**
   * Messages that failed for good (a permanent error, or the last attempt), oldest first. They
   * stay until retried or discarded. With an actor, only those about deals they may read.
   */
  async deadLetters(query: { dealId?: string } = {}, options: AccessOptions = {}): Promise<OutboxMessage[]> {
    const dead = await this.delivery.deadLetters(query);
    return clone(await this.storage.transaction((tx) => this.scopeToActor(tx, options.actor, 'outbox.read', 'outbox', dead)));
  }

  /**
   * Queues a dead letter again with a fresh set of attempts, keeping its idempotency key, and
   * tries it at once (after the next `runDue` when deliverOnCommit is false). With an actor,
   * the policy must allow `outbox.manage`. Returns the message as it stands afterwards.
   */
  async retryDeadLetter(id: string, options: AccessOptions = {}): Promise<OutboxMessage> {
    return this.exclusive(async () => {
      const now = this.readClock();
      await this.authorizeOutbox(id, options.actor);
      for (const e of await this.delivery.retry(id, now)) this.announceEntry(e);
      if (this.deliverOnCommit) await this.deliverAfterCommit(now, [id]);
      return clone((await this.storage.transaction((tx) => tx.getOutbox(id)))!);
    });
  }

  /** Gives up on a dead letter: it stays in the outbox as `discarded` and is never sent. */
  async discardDeadLetter(id: string, options: AccessOptions = {}): Promise<OutboxMessage> {
    return this.exclusive(async () => {
      const now = this.readClock();
      await this.authorizeOutbox(id, options.actor);
      for (const e of await this.delivery.discard(id, now)) this.announceEntry(e);
      return clone((await this.storage.transaction((tx) => tx.getOutbox(id)))!);
    });
  }

  private async authorizeOutbox(id: string, actor: AccessOptions['actor']): Promise<void> {
    if (!actor) return;
    const deal = await this.storage.transaction(async (tx) => {
      const message = await tx.getOutbox(id);
      return message?.dealId ? tx.getDeal(message.dealId) : undefined;
    });
    if (deal) await this.access.requireOnDeal(actor, 'outbox.manage', deal);
    else await this.access.require(actor, 'outbox.manage', { type: 'outbox', name: id });
  }

  /** The earliest time a job or an outbox retry is due, or undefined when nothing waits. */
  async nextDueAt(): Promise<Date | undefined> {
    const first = await this.work.nextDueAt();
    return first === undefined ? undefined : new Date(first);
  }

  // ---- queries ---------------------------------------------------------------------------------

  /** With an actor, a deal they may not read is FORBIDDEN (a missing one is still undefined). */
  async getDeal(dealId: string, options: AccessOptions = {}): Promise<Deal | undefined> {
    const deal = await this.storage.transaction((tx) => tx.getDeal(dealId));
    if (deal) await this.access.requireOnDeal(options.actor, 'deal.read', deal);
    return deal ? cloneDeal(deal) : undefined;
  }

  /** With an actor, only the deals they may read. */
  async listDeals(query: DealQuery = {}, options: AccessOptions = {}): Promise<Deal[]> {
    const deals = await this.access.readable(options.actor, await this.storage.transaction((tx) => tx.listDeals(query)));
    return deals.map(cloneDeal).sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.id < b.id ? -1 : 1));
  }

  /** The deal's log, oldest first: what happened and why. With an actor, the deal must be readable (a deleted one: admins). */
  async history(dealId: string, options: AccessOptions = {}): Promise<LogEntry[]> {
    return this.storage.transaction(async (tx) => {
      await this.requireReadable(tx, options.actor, dealId);
      return clone(await tx.readLog({ dealId }));
    });
  }

  /** The deal's pending jobs, earliest due first. With an actor, the deal must be readable. */
  async pendingJobs(dealId: string, options: AccessOptions = {}): Promise<Job[]> {
    const jobs = await this.storage.transaction(async (tx) => {
      await this.requireReadable(tx, options.actor, dealId);
      return tx.pendingJobs(dealId);
    });
    return clone(jobs).sort((a, b) => (a.dueAt < b.dueAt ? -1 : a.dueAt > b.dueAt ? 1 : 0));
  }

  /**
   * Pending jobs of every deal due at or before `until` (default: now), earliest first: at most
   * `limit` (default 100) read from the store. With an actor, only those of deals they may read
   * (an operations view: what is due, what is late).
   */
  async dueJobs(query: { until?: string | Date; limit?: number } = {}, options: AccessOptions = {}): Promise<Job[]> {
    const until = query.until === undefined ? this.clock.now() : new Date(query.until);
    if (Number.isNaN(until.getTime())) throw new DealflowError('INVALID_INPUT', `dueJobs: until must be an ISO instant, not ${JSON.stringify(query.until)}`);
    const limit = query.limit ?? 100;
    if (!Number.isInteger(limit) || limit < 1)
      throw new DealflowError('INVALID_INPUT', `dueJobs: limit must be a positive integer, not ${JSON.stringify(query.limit)}`);
    const jobs = await this.storage.transaction(async (tx) => {
      const due = await tx.dueJobs(until.toISOString(), limit);
      if (!options.actor) return due;
      const deals = new Map<string, Deal>();
      for (const job of due) {
        if (deals.has(job.dealId)) continue;
        const deal = await tx.getDeal(job.dealId);
        if (deal) deals.set(job.dealId, deal);
      }
      const readable = new Set((await this.access.readable(options.actor, [...deals.values()])).map((d) => d.id));
      return due.filter((job) => readable.has(job.dealId));
    });
    return clone(jobs);
  }

  /**
   * Why each rule did or did not fire for a deal: whether its trigger matched, each condition with
   * the value it saw, what was scheduled, ran or was cancelled and why (docs/simulation.md). With
   * `ruleId`, that rule only. Read from the deal's log, so it works for deleted deals too.
   */
  async explain(dealId: string, ruleId?: string, options: AccessOptions = {}): Promise<DealExplanation> {
    const { deal, log, jobs } = await this.storage.transaction(async (tx) => {
      await this.requireReadable(tx, options.actor, dealId);
      return { deal: await tx.getDeal(dealId), log: await tx.readLog({ dealId }), jobs: await tx.pendingJobs(dealId) };
    });
    if (!deal && log.length === 0) throw new DealflowError('NOT_FOUND', `no deal with id "${dealId}"`);
    const input = { dealId, deal: deal ? clone(deal) : null, log: clone(log), pendingJobs: clone(jobs), rules: this.rules };
    return explainDeal(ruleId === undefined ? input : { ...input, ruleId });
  }

  /** With an actor, only messages about deals they may read (`outbox.read`), and deal-less ones if the policy allows. */
  async outbox(query: OutboxQuery = {}, options: AccessOptions = {}): Promise<OutboxMessage[]> {
    return clone(await this.storage.transaction(async (tx) => this.scopeToActor(tx, options.actor, 'outbox.read', 'outbox', await tx.listOutbox(query))));
  }

  /** With an actor, only records of deals they may read (`records.read`), and deal-less ones if the policy allows. */
  async records(kind: string, query: { dealId?: string } = {}, options: AccessOptions = {}): Promise<StoredRecord[]> {
    return clone(await this.storage.transaction(async (tx) => this.scopeToActor(tx, options.actor, 'records.read', kind, await tx.listRecords(kind, query))));
  }

  /**
   * Runs a report (docs/reports.md) over what storage holds now: `funnel`, `slaCompliance`,
   * `exceptions`, `flagShare`, `timeInStage`, `stale`, `velocity`. With an actor, `report.read`
   * is checked and the report covers only the deals they may read.
   */
  report<N extends ReportName>(name: N, ...args: ReportArgs<N>): Promise<ReportKinds[N]['result']> {
    return runReport(this.reportHost(), name, args[0]);
  }

  /** The kanban board of a pipeline: columns in stage order, cards the actor may read (docs/reports.md). */
  board(pipelineId: string, options: BoardOptions = {}): Promise<Board> {
    return buildBoard(this.reportHost(), pipelineId, options);
  }

  private reportHost(): ReportHost {
    const pipelines = this.pipelines;
    return { storage: this.storage, clock: this.clock, access: this.access, pipelines, ...calendarTime(this.calendars, pipelines) };
  }

  private async requireReadable(tx: StorageTx, actor: AccessOptions['actor'], dealId: string): Promise<void> {
    if (!actor) return;
    // A deleted deal is judged as it was when deleted (the log keeps it); an unknown one has nothing to show.
    const deal = (await tx.getDeal(dealId)) ?? lastKnown(await tx.readLog({ dealId, types: ['deal.created', 'deal.deleted'] }));
    if (deal) await this.access.requireOnDeal(actor, 'deal.read', deal);
  }

  private async scopeToActor<T extends { dealId: string | null }>(
    tx: StorageTx,
    actor: AccessOptions['actor'],
    action: 'outbox.read' | 'records.read',
    name: string,
    items: T[],
  ): Promise<T[]> {
    if (!actor) return items;
    const verdicts = new Map<string | null, boolean>();
    const out: T[] = [];
    for (const item of items) {
      let ok = verdicts.get(item.dealId);
      if (ok === undefined) {
        // A deleted deal's items are judged on the deal as it was (the log keeps it).
        const deal =
          item.dealId === null
            ? undefined
            : ((await tx.getDeal(item.dealId)) ?? lastKnown(await tx.readLog({ dealId: item.dealId, types: ['deal.created', 'deal.deleted'] })));
        ok = deal
          ? await this.access.can(actor, action, await this.access.dealResource(deal))
          : await this.access.can(actor, action, { type: action === 'outbox.read' ? 'outbox' : 'records', name });
        verdicts.set(item.dealId, ok);
      }
      if (ok) out.push(item);
    }
    return out;
  }

  // ---- internals -------------------------------------------------------------------------------

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const resuming = this.resumeIds();
    return this.commands.run(resuming ? () => resuming.then(fn) : fn);
  }

  /**
   * Before the first id is made up, a counting IdGenerator (SequentialIds) is told the highest
   * ids the store already holds, so it continues past them instead of making `deal-1` again on
   * a reopened store. Undefined once done, or when the generator does not count.
   */
  private resumeIds(): Promise<void> | undefined {
    if (this.idsResumed === true) return undefined;
    const { ids, storage } = this;
    if (!ids.resumeAfter || !storage.highestIds) {
      this.idsResumed = true;
      return undefined;
    }
    this.idsResumed ??= storage.highestIds().then(
      (highest) => {
        ids.resumeAfter!(highest);
        this.idsResumed = true;
      },
      (error: unknown) => {
        // Not reachable now: the next call asks again.
        this.idsResumed = undefined;
        throw error;
      },
    );
    return this.idsResumed;
  }

  private readClock(): Date {
    const now = this.clock.now();
    const ms = now.getTime();
    if (Number.isNaN(ms)) throw new DealflowError('INVALID_INPUT', 'the clock returned an invalid date');
    if (ms < this.lastNow) {
      throw new DealflowError(
        'CLOCK_BACKWARDS',
        `the clock moved backwards from ${new Date(this.lastNow).toISOString()} to ${now.toISOString()}; time may only move forward`,
      );
    }
    this.lastNow = ms;
    return now;
  }

  private env(now: Date, users?: UserTimes, directory?: LoadedView): CoreEnv {
    // One shape for every command (no spreads): the core reads these on every occurrence.
    return {
      calendars: this.calendars,
      users,
      directory,
      now: toIsoString(now.getTime()),
      ids: this.ids,
      pipelines: this.pipelineIndex,
      rules: this.ruleBook,
      actions: this.actions,
      facts: this.facts,
      maxDepth: this.maxDepth,
      features: this.features,
      digests: this.digestPolicies,
    };
  }

  /** The pure transition; with rules left to json-rules-engine, re-run until their verdicts are all in (core/fallback.ts). */
  /** With `tx`, the outcome with final effects; without, the draft, which the job batch makes final itself (job-batch.ts). */
  private decide(before: DealSnapshot, input: CoreInput, now: Date, tx: StorageTx | null): Outcome | Promise<Outcome> {
    // Owner calendars need the owner's Directory record; the core is sync, so load it first.
    const owners = ownersToLoad(
      this.ruleBook,
      before,
      input,
      this.slaBook.all.some((c) => c.sla.calendar === 'owner'),
    );
    // One load of Directory records per command: the owners read here are there for the effects too.
    const view = emptyView();
    if (owners.length > 0) return loadUsers(this.directory, owners, view.users).then(() => this.decideWith(before, input, now, tx, view));
    return this.decideWith(before, input, now, tx, view);
  }

  /** The core's decisions, then what its effects read loaded (src/engine/effect-data.ts) and the effects made final by the core. */
  private decideWith(before: DealSnapshot, input: CoreInput, now: Date, tx: StorageTx | null, view: LoadedView): Outcome | Promise<Outcome> {
    const loaded = Object.keys(view.users).length > 0;
    const env = this.env(now, loaded ? userTimes(view.users) : undefined, view);
    if (!this.ruleBook.hasFallback) {
      const draft = draftTransition(before, input, env);
      return tx ? finalOutcome(before, draft, env, this.directory, tx, view) : draft;
    }
    const settled = this.fallback.settle(env.ids, (fallback, ids) => draftTransition(before, input, { ...env, ids, fallback }));
    return tx ? settled.then((draft) => finalOutcome(before, draft, env, this.directory, tx, view)) : settled;
  }

  /** Which rules' criteria are compiled and which json-rules-engine evaluates, and how often it has. */
  explainCriteria(): CriteriaExplanation {
    const fallback: CriteriaExplanation['fallback'] = [];
    for (const cr of this.ruleBook.rules) {
      for (const part of ['when', 'until'] as const) {
        const fb = cr.fallback?.[part];
        if (fb) fallback.push({ ruleId: cr.rule.id, part, reason: fb.reason });
      }
    }
    const fallbackRules = new Set(fallback.map((f) => f.ruleId)).size;
    return { compiledRules: this.ruleBook.rules.length - fallbackRules, fallbackRules, fallback, fallbackEvaluations: this.fallback.evaluations };
  }

  /** `authorize` runs inside the transaction on the loaded snapshot; throwing (FORBIDDEN) rolls everything back. */
  /** `input` may be read from storage inside the transaction (e.g. an event's known external ids). */
  private command(
    dealId: string | null,
    inputOrRead: CoreInput | ((tx: StorageTx) => Promise<CoreInput>),
    authorize?: (before: DealSnapshot) => Promise<void>,
  ): Promise<Outcome> {
    // TELEMETRY (command): a span per command, with the rules that fired.
    return this.exclusive(() =>
      this.telemetry.command({ command: commandName(inputOrRead), dealId }, async (scope) => {
        const now = this.readClock();
        const written: OutboxMessage[] = [];
        const outcome = await this.storage.transaction(async (tx) => {
          const input = typeof inputOrRead === 'function' ? await inputOrRead(tx) : inputOrRead;
          const before = await loadSnapshot(tx, dealId, this.recordKinds);
          if (!before.deal && input.type !== 'create' && (input.type !== 'event' || dealId !== null)) {
            throw new DealflowError('NOT_FOUND', `no deal with id "${dealId}"`);
          }
          if (authorize) await authorize(before);
          const out = await this.decide(before, input, now, tx);
          written.length = 0; // a re-run transaction starts over
          await this.write(tx, before, out, written);
          return out;
        });
        scope.done({ dealId: outcome.snapshot.deal?.id ?? dealId, rulesFired: rulesFired(outcome.effects) });
        this.announce(outcome.effects);
        if (this.deliverOnCommit) await this.deliverAfterCommit(now, dueNow(written, now));
        return outcome;
      }),
    );
  }

  /** Writes an outcome's effects (src/engine/effect-writer.ts); the outbox messages it writes are added to `written`, when given. */
  private write(tx: StorageTx, before: DealSnapshot, out: Outcome, written?: OutboxMessage[]): Promise<void> {
    return writeOutcome(tx, before, out, written);
  }

  private async deliver(now: Date, only?: ReadonlyArray<string>): Promise<{ delivered: number }> {
    const { delivered, log } = await this.delivery.deliverDue(now, this.work, only);
    for (const e of log) this.announceEntry(e);
    return { delivered };
  }

  /**
   * Delivers after a command committed. The command happened whatever becomes of this, so a
   * failure here (the store lost mid-delivery) is not the command's: it goes to `delivery.error`,
   * and the messages stay in the outbox for the next delivery or a runner.
   */
  private async deliverAfterCommit(now: Date, ids: ReadonlyArray<string>): Promise<void> {
    // Only what the command wrote: nothing queued, no delivery transaction. Older messages stay with runners and runDue.
    if (ids.length === 0) return;
    try {
      await this.deliver(now, ids);
    } catch (error) {
      this.log('error', { err: error }, 'dealflow: delivering the outbox after a command failed; the messages stay for the next delivery');
      try {
        (this.events as unknown as EventEmitter<string>).emit('delivery.error', error);
      } catch {
        // A throwing listener must not turn a committed command into a failed one.
      }
    }
  }

  /** Tells the logger; a logger that throws must not turn a committed command into a failed one. */
  private log(level: 'warn' | 'error', obj: object, msg: string): void {
    try {
      this.logger[level](obj, msg);
    } catch {
      // Nowhere left to report it.
    }
  }

  private announce(effects: ReadonlyArray<{ type: string; entry?: LogEntry }>): void {
    for (const e of effects) if (e.type === 'log' && e.entry) this.announceEntry(e.entry);
  }

  private announceEntry(entry: LogEntry): void {
    const events = this.events as unknown as EventEmitter<string>;
    try {
      events.emit(entry.type, entry);
      events.emit('log', entry);
    } catch (error) {
      this.log('warn', { err: error, entryType: entry.type, entryId: entry.id }, 'dealflow: an event listener threw; the engine carries on');
      events.emit('listener.error', error, entry);
    }
  }
}

async function loadSnapshot(tx: StorageTx, dealId: string | null, recordKinds: ReadonlyArray<string> = []): Promise<DealSnapshot> {
  if (dealId === null) return EMPTY;
  const deal = await tx.getDeal(dealId);
  if (!deal) return EMPTY;
  // One after the other: every store answers these from what getDeal loaded (SQL reads them with the row lock).
  const jobs = await tx.pendingJobs(dealId);
  const enrolments = await tx.getEnrolments(dealId);
  const snapshot: DealSnapshot = { deal, jobs, enrolments };
  let records: StoredRecord[] | undefined;
  for (const kind of recordKinds) {
    const some = await tx.listRecords(kind, { dealId });
    if (some.length > 0) records = records ? records.concat(some) : some;
  }
  if (records) snapshot.records = records;
  return snapshot;
}

/** The ids of the pending messages in `written` due by `now` (last write of each wins). */
function dueNow(written: ReadonlyArray<OutboxMessage>, now: Date): string[] {
  const last = new Map<string, OutboxMessage>();
  for (const m of written) last.set(m.id, m);
  const at = now.getTime();
  const out: string[] = [];
  for (const m of last.values()) if (m.status === 'pending' && Date.parse(m.nextAttemptAt) <= at) out.push(m.id);
  return out;
}

function lastKnown(entries: LogEntry[]): Deal | undefined {
  return entries.at(-1)?.data.deal as Deal | undefined;
}

function invalidInput(what: string, error: { issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }> }): DealflowError {
  const issues = issuesFromZod(error);
  return new DealflowError('INVALID_INPUT', `${what}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, { issues });
}

function versionOf(o: CommandOptions): { expectedVersion?: number } {
  return o.expectedVersion === undefined ? {} : { expectedVersion: o.expectedVersion };
}

/**
 * A deep copy for what the engine hands out (deals, log entries, jobs: JSON-shaped data), about
 * ten times cheaper than structuredClone on a deal; anything that is not a plain object or array
 * (a Date in a record, say) is copied by structuredClone. The data is acyclic.
 */
function clone<T>(v: T): T {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) {
    const out = new Array(v.length);
    for (let i = 0; i < v.length; i++) out[i] = clone(v[i]);
    return out as T;
  }
  const proto = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) return structuredClone(v);
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(v)) {
    const value = clone((v as Record<string, unknown>)[key]);
    // An own `__proto__` key (a custom field may have any name) is data, not the prototype.
    if (key === '__proto__') Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
    else out[key] = value;
  }
  return out as T;
}

/** A deal's copy for the caller: one literal (`dealWith`), fields deep-copied; ~4× cheaper than `clone`. */
function cloneDeal(deal: Deal): Deal {
  return dealWith(deal, { fields: clone(deal.fields), flags: extensibleCopy(deal.flags) });
}

// Every public call's arguments are checked before it runs (ids, options, sizes): src/model/arguments.ts.
checkArguments(Engine.prototype, ENGINE_ARGUMENTS, (engine) => engine.limits);

/** Creates an engine from its configuration; throws a DealflowError (INVALID_CONFIG / INVALID_RULES) saying what to fix when the pipelines or rules are invalid. */
export function createEngine(config: EngineConfig): Engine {
  return new Engine(config);
}
