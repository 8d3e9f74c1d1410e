import type { Operator, OperatorDecorator } from 'json-rules-engine';
import type { AnyActionDefinition } from '../core/actions.js';
import type { HostFacts } from '../core/facts.js';
import type { CalendarInput } from '../model/calendar.js';
import type { Limits } from '../model/limits.js';
import type { PipelineInput } from '../model/pipeline.js';
import type { Sla, SlaInput } from '../model/sla.js';
import type { PlaybookInput } from '../model/task.js';
import type { AccessPolicy } from '../ports/access.js';
import type { Clock } from '../ports/clock.js';
import type { Directory } from '../ports/directory.js';
import type { IdGenerator } from '../ports/ids.js';
import type { Logger } from '../ports/logger.js';
import type { Notifier } from '../ports/notifier.js';
import type { Storage } from '../ports/storage.js';
import type { Telemetry } from '../ports/telemetry.js';
import type { ExceptionConfig } from './approvals.js';
import type { RetryPolicy } from './delivery.js';
import type { DigestPolicyConfig } from '../core/digest-policy.js';

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
