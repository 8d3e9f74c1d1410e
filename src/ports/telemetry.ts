import type { Job, AnyHistoryEntry } from '../core/types.js';

/*
 * The telemetry port: what the engine tells a tracing and metrics system, in its own words. The
 * engine wraps each command, job run and delivery in a call here and reports how it ended; an
 * adapter (`dealflow/opentelemetry`) turns that into spans and metrics. The core never imports a
 * telemetry library: without `createEngine({ telemetry })` the no-op below runs, which only calls
 * the work it is handed.
 */

/** A command as it starts: which one, and on which deal (null for one that may create a deal). */
export interface CommandInfo {
  /**
   * The kind of command: `create`, `update`, `move`, `delete`, `event`, `launch`, or for a
   * feature's command `feature.<name>` (`feature.task`, `feature.approval`, …).
   */
  command: string;
  dealId: string | null;
}

/** What a command came to, reported when it committed (a thrown error is seen by the wrapper itself). */
export interface CommandResult {
  /** The deal it acted on; for a create, the new deal's id. */
  dealId: string | null;
  /** The ids of the rules that fired in its cascade, in firing order, each once. */
  rulesFired: string[];
}

/** What a job run came to: it ran its action, was cancelled on its re-check, or its cascade threw. */
export interface JobRunResult {
  outcome: 'ran' | 'cancelled' | 'failed';
  /** Why it was cancelled (`left-stage`, `until-met`, …). */
  reason?: string;
  /** The DealflowError code its cascade threw, if it failed (null: an error without one), and its message. */
  errorCode?: string | null;
  errorMessage?: string;
  rulesFired: string[];
}

/** One delivery attempt of an outbox message, as it starts. */
export interface DeliveryInfo {
  messageId: string;
  kind: string;
  dealId: string | null;
  ruleId: string | null;
  /** 1 for the first attempt. */
  attempt: number;
}

/**
 * What an attempt came to: `delivered`; `retry` (it failed and another attempt is scheduled);
 * `dead` (it failed for good: a permanent error, or the last attempt).
 */
export interface DeliveryResult {
  outcome: 'delivered' | 'retry' | 'dead';
  /** For a dead letter: `permanent` or `max-attempts`. */
  reason?: string;
  /** What the notifier or action threw. */
  error?: unknown;
}

/** Handed to the work a telemetry call wraps, to report how it ended. */
export interface TelemetryScope<R> {
  /** Reports how the work ended, once it has (a thrown error is seen by the wrapper itself). */
  done(result: R): void;
}

/** A job run's scope: the job is known only once it is picked, inside the run (none: nothing was due). */
export interface JobRunScope extends TelemetryScope<JobRunResult> {
  /** The job this run picked, with the engine's time it runs at. */
  picked(job: Job, now: Date): void;
}

/** What an engine offers a telemetry adapter when it is created: its events, for metrics. */
export interface TelemetryHost {
  /** Every history entry, after its transaction commits (the engine's `log` event). */
  on(event: 'log', listener: (entry: AnyHistoryEntry) => void): unknown;
  /** Pending outbox messages, counted by the store; undefined when the store cannot count them cheaply. */
  outboxDepth?: () => Promise<number | undefined>;
}

/**
 * The telemetry port. Each method runs `fn` and returns what it returns, rethrowing what it
 * throws; an adapter starts a span around it and records the result `fn` reports through its scope.
 */
export interface Telemetry {
  /** Wraps one command, from its transaction to the end of its delivery after commit. */
  command<T>(info: CommandInfo, fn: (scope: TelemetryScope<CommandResult>) => Promise<T>): Promise<T>;
  /** Wraps one attempt at running a due job; `scope.picked` names the job (not called when nothing was due). */
  jobRun<T>(fn: (scope: JobRunScope) => Promise<T>): Promise<T>;
  /** Wraps one delivery attempt of an outbox message. */
  delivery<T>(info: DeliveryInfo, fn: (scope: TelemetryScope<DeliveryResult>) => Promise<T>): Promise<T>;
  /** Called once by the engine that uses this telemetry, as it is created. */
  attach?(host: TelemetryHost): void;
}

const ignore = (): void => {};
const NO_SCOPE = { done: ignore, picked: ignore };

/** Records nothing: the default. Calls the work it wraps and nothing else. */
export const noTelemetry: Telemetry = {
  command: (_info, fn) => fn(NO_SCOPE),
  jobRun: (fn) => fn(NO_SCOPE),
  delivery: (_info, fn) => fn(NO_SCOPE),
};
