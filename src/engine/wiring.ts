import { ActionRegistry } from '../core/actions.js';
import { buildFeatures } from '../core/feature-list.js';
import { standardActions } from '../core/standard-actions.js';
import { BUILTIN_FACTS } from '../core/facts.js';
import { PipelineIndex } from '../core/pipelines.js';
import type { SlaBook } from '../core/sla/book.js';
import { CalendarBook } from '../core/time/calendars.js';
import { checkEngineConfig } from '../model/config.js';
import { DealflowError, issuesFromZod } from '../model/errors.js';
import type { Limits } from '../model/limits.js';
import { PipelineSchema } from '../model/pipeline.js';
import type { Playbook } from '../model/task.js';
import { validateGoals } from '../model/validate-goals.js';
import { defaultAccessPolicy } from '../ports/access.js';
import { systemClock, type Clock } from '../ports/clock.js';
import type { Directory, User } from '../ports/directory.js';
import { UuidV7Ids, type IdGenerator } from '../ports/ids.js';
import { quietLogger, type Logger } from '../ports/logger.js';
import { InMemoryNotifier, type Notifier } from '../ports/notifier.js';
import type { Storage } from '../ports/storage.js';
import { noTelemetry } from '../ports/telemetry.js';
import { isWorkQueue, type WorkQueue } from '../ports/work-queue.js';
import { InMemoryStorage } from '../memory/storage.js';
import { AccessGuard } from './access.js';
import { Announcer } from './announcer.js';
import { ApprovalCommands, type ExceptionConfig } from './approvals.js';
import { DealCommands } from './deal-commands.js';
import { DeadLetters } from './dead-letters.js';
import { Decider } from './decide.js';
import { checkRetryPolicy, Delivery, DEFAULT_RETRY } from './delivery.js';
import { buildDigestPolicies } from '../core/digest-policy.js';
import { DueWork } from './due-work.js';
import type { EngineConfig } from './engine-config.js';
import { CommandExecutor } from './executor.js';
import { FallbackEvaluator } from './fallback.js';
import { EngineQueries } from './queries.js';
import { RuleSet } from './rule-set.js';
import { compileSlas } from './slas.js';
import { TxWorkQueue } from './tx-work-queue.js';
import { WorkflowCommands, parsePlaybooks } from './workflow.js';

/** Knows nobody, but lets notifications to user ids through as `{ id }`: the default when the host passes no directory. */
const openDirectory: Directory = {
  get: (id: string): User => ({ id }),
  withRole: () => [],
};

/** The parts of an engine, wired: the ports (defaults filled in), the configuration compiled, and the modules its methods forward to. */
export interface EngineParts {
  limits: Limits;
  pipelineIndex: PipelineIndex;
  calendars: CalendarBook;
  playbooks: ReadonlyMap<string, Playbook>;
  actions: ActionRegistry;
  slaBook: SlaBook;
  exceptionConfig: ExceptionConfig;
  storage: Storage;
  work: WorkQueue;
  clock: Clock;
  notifier: Notifier;
  ids: IdGenerator;
  directory: Directory;
  logger: Logger;
  access: AccessGuard;
  ruleSet: RuleSet;
  decider: Decider;
  announcer: Announcer;
  executor: CommandExecutor;
  deals: DealCommands;
  approvals: ApprovalCommands;
  workflow: WorkflowCommands;
  queries: EngineQueries;
  deadLetters: DeadLetters;
  due: DueWork;
}

/**
 * Builds an engine's parts from its configuration: validates pipelines, playbooks, SLAs, goals and
 * rules (INVALID_CONFIG / INVALID_RULES saying what to fix), fills in the default ports, and wires
 * the executor that every command, job and feature goes through.
 */
export function wireEngine(config: EngineConfig): EngineParts {
  const limits = checkEngineConfig(config);
  const pipelines = config.pipelines.map((p, i) => {
    const parsed = PipelineSchema.safeParse(p);
    if (!parsed.success) {
      throw new DealflowError('INVALID_CONFIG', `pipeline ${i} is invalid`, { issues: issuesFromZod(parsed.error, ['pipelines', i]) });
    }
    return parsed.data;
  });
  const pipelineIndex = new PipelineIndex(pipelines);
  const calendars = new CalendarBook(config.calendars ?? {}, pipelines);
  const playbooks = parsePlaybooks(config.playbooks);
  // One door for action types and features: the deal actions, each feature's, `createDeal`, the host's.
  const actions = new ActionRegistry([...standardActions(pipelines, playbooks), ...(config.actions ?? [])]);
  const slaBook = compileSlas(config.slas, { pipelines, actions, facts: Object.keys(config.facts ?? {}) });
  // Core features (tasks, goals, …): their record kinds are loaded with every deal.
  const features = buildFeatures({ playbooks, slas: slaBook });
  const recordKinds = [...new Set(features.flatMap((f) => f.recordKinds))];
  const facts = config.facts ?? {};
  validateGoals(pipelines, [...BUILTIN_FACTS, ...Object.keys(facts)]);
  const fallback = new FallbackEvaluator({ operators: config.operators ?? [], decorators: config.operatorDecorators ?? [], facts });
  const digestPolicies = buildDigestPolicies(config.digests);
  const directory = config.directory ?? openDirectory;
  const access = new AccessGuard(config.access ?? defaultAccessPolicy, directory);
  const ruleSet = new RuleSet(
    { pipelines: pipelineIndex, actions, facts, calendars, limits, fallback, digestPolicies, slas: slaBook, access },
    config.rules ?? [],
  );
  const storage = config.storage ?? new InMemoryStorage();
  const work = isWorkQueue(storage) ? storage : new TxWorkQueue(storage);
  const clock = config.clock ?? systemClock;
  const notifier = config.notifier ?? new InMemoryNotifier();
  // Time-ordered ids by default: smaller indexes and faster inserts on PostgreSQL (docs/performance.md#ids-uuidv7-against-uuidv4).
  const ids = config.ids ?? new UuidV7Ids();
  const telemetry = config.telemetry ?? noTelemetry;
  const logger = config.logger ?? quietLogger;
  const deliverOnCommit = config.deliverOnCommit ?? true;
  const leaseMs = config.deliveryLeaseMs ?? 300_000;
  const retry = checkRetryPolicy({ ...DEFAULT_RETRY, ...config.retry });
  const delivery = new Delivery({ storage, notifier, directory, actions, ids, retry, leaseMs, telemetry });
  const pipeline = (id: string) => pipelineIndex.get(id)?.pipeline;
  const maxDepth = config.maxCascadeDepth ?? 10;
  const decider = new Decider({
    calendars,
    ids,
    pipelines: pipelineIndex,
    rules: ruleSet,
    actions,
    facts,
    maxDepth,
    features,
    fallback,
    slas: slaBook,
    directory,
    digests: digestPolicies,
  });
  const announcer = new Announcer(logger);
  const executor = new CommandExecutor({ storage, work, clock, ids, telemetry, recordKinds, decider, delivery, announcer, deliverOnCommit });
  const command = executor.run.bind(executor);
  const exceptionConfig = config.exceptions ?? {};
  const ownedPaths = ruleSet.ownedPaths.bind(ruleSet);
  const approvals = new ApprovalCommands({ storage, access, directory, slas: () => slaBook, exceptions: exceptionConfig, pipeline, ownedPaths, command });
  const queries = new EngineQueries({ storage, clock, access, pipelines: pipelineIndex, calendars, rules: ruleSet });
  const due = new DueWork({
    work,
    ids,
    executor,
    delivery,
    announcer,
    jobLeaseMs: leaseMs,
    batch: {
      storage,
      ids,
      recordKinds,
      decide: (before, input, now) => decider.decide(before, input, now, null),
      finalize: (tx, before, draft, now) => decider.finalize(tx, before, draft, now),
      write: (tx, before, out) => executor.write(tx, before, out),
      // TELEMETRY (job runs): a span per job of a batch, with how it ended, once the batch committed.
      reportJob:
        telemetry === noTelemetry
          ? undefined
          : (job, now, result) =>
              telemetry.jobRun(async (scope) => {
                scope.picked(job, now);
                scope.done(result);
              }),
    },
  });
  // TELEMETRY (call site 4 of 4, wiring): metrics on jobs and deliveries are counted from the engine's events.
  telemetry.attach?.({
    on: (event, listener) => announcer.events.on(event, listener),
    outboxDepth: () => storage.transaction(async (tx) => (tx.countOutbox ? tx.countOutbox('pending') : undefined)),
  });
  return {
    limits,
    pipelineIndex,
    calendars,
    playbooks,
    actions,
    slaBook,
    exceptionConfig,
    storage,
    work,
    clock,
    notifier,
    ids,
    directory,
    logger,
    access,
    ruleSet,
    decider,
    announcer,
    executor,
    deals: new DealCommands({ executor, access, rules: ruleSet, pipelines: pipelineIndex }),
    approvals,
    workflow: new WorkflowCommands({ storage, access, pipeline, command }),
    queries,
    deadLetters: new DeadLetters({ storage, access, delivery, executor, announcer, queries, deliverOnCommit }),
    due,
  };
}
