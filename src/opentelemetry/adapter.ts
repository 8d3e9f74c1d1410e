import type * as Api from '@opentelemetry/api';
import type { Attributes, Counter, Histogram, MeterProvider, Span, Tracer, TracerProvider } from '@opentelemetry/api';
import type { Job, AnyHistoryEntry } from '../core/types.js';
import type {
  CommandInfo,
  CommandResult,
  DeliveryInfo,
  DeliveryResult,
  JobRunResult,
  JobRunScope,
  Telemetry,
  TelemetryHost,
  TelemetryScope,
} from '../ports/telemetry.js';
import { ATTR, errorType, METRIC, SCOPE_NAME } from './names.js';

/*
 * The telemetry port on @opentelemetry/api, once the api is loaded (index.ts loads it: it is an
 * optional peer, so only types are imported here). Spans come from the engine's calls; job and
 * delivery metrics from its history entries, which reach here without any call in the due-work path.
 */

/** Seconds, as OpenTelemetry's semantic conventions measure durations. */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];
/** A due job's lag, in seconds: from on time through a minute, an hour, to a day late. */
const LAG_BUCKETS = [0, 1, 5, 15, 30, 60, 300, 900, 3600, 14_400, 86_400];

/** The providers to use; the global ones when left out. */
export interface Providers {
  tracerProvider?: TracerProvider;
  meterProvider?: MeterProvider;
}

export class OpenTelemetryAdapter implements Telemetry {
  private readonly tracer: Tracer;
  private readonly commands: Counter;
  private readonly commandDuration: Histogram;
  private readonly jobRuns: Counter;
  private readonly jobCancellations: Counter;
  private readonly jobLag: Histogram;
  private readonly deliveries: Counter;
  private readonly retries: Counter;
  private readonly deadLetters: Counter;
  private readonly meterProvider: MeterProvider;
  /** The last outbox entry counted: a digest's attempt is logged once per item, and counted once. */
  private lastOutboxEntry = '';

  constructor(
    private readonly api: typeof Api,
    options: Providers,
  ) {
    this.tracer = (options.tracerProvider ?? api.trace.getTracerProvider()).getTracer(SCOPE_NAME);
    this.meterProvider = options.meterProvider ?? api.metrics.getMeterProvider();
    const meter = this.meterProvider.getMeter(SCOPE_NAME);
    this.commands = meter.createCounter(METRIC.commands, { unit: '{command}', description: 'Commands run, by command and error type' });
    this.commandDuration = meter.createHistogram(METRIC.commandDuration, {
      unit: 's',
      description: 'How long commands took, from the start of their transaction to the end of their delivery after commit',
      advice: { explicitBucketBoundaries: DURATION_BUCKETS },
    });
    this.jobRuns = meter.createCounter(METRIC.jobRuns, { unit: '{run}', description: 'Due jobs that ran their action or whose cascade failed' });
    this.jobCancellations = meter.createCounter(METRIC.jobCancellations, { unit: '{job}', description: 'Scheduled jobs cancelled, by reason' });
    this.jobLag = meter.createHistogram(METRIC.jobLag, {
      unit: 's',
      description: "How late due jobs ran: the engine clock's now minus the job's due time",
      advice: { explicitBucketBoundaries: LAG_BUCKETS },
    });
    this.deliveries = meter.createCounter(METRIC.deliveries, { unit: '{attempt}', description: 'Delivery attempts, by outcome and message kind' });
    this.retries = meter.createCounter(METRIC.retries, {
      unit: '{retry}',
      description: 'Retries scheduled: after a failed attempt, or a dead letter put back by hand',
    });
    this.deadLetters = meter.createCounter(METRIC.deadLetters, { unit: '{message}', description: 'Messages dead-lettered, by reason' });
  }

  command<T>(info: CommandInfo, fn: (scope: TelemetryScope<CommandResult>) => Promise<T>): Promise<T> {
    const attributes: Attributes = { [ATTR.command]: info.command };
    if (info.dealId !== null) attributes[ATTR.dealId] = info.dealId;
    const started = performance.now();
    return this.tracer.startActiveSpan(`dealflow ${info.command}`, { kind: this.api.SpanKind.INTERNAL, attributes }, async (span) => {
      const metric: Attributes = { [ATTR.command]: info.command };
      try {
        const value = await fn({
          done: (result) => {
            if (result.dealId !== null) span.setAttribute(ATTR.dealId, result.dealId);
            span.setAttribute(ATTR.rulesFired, result.rulesFired);
          },
        });
        span.setAttribute(ATTR.outcome, 'committed');
        return value;
      } catch (error) {
        metric[ATTR.errorType] = this.failed(span, error);
        span.setAttribute(ATTR.outcome, 'failed');
        throw error;
      } finally {
        span.end();
        this.commands.add(1, metric);
        this.commandDuration.record((performance.now() - started) / 1000, metric);
      }
    });
  }

  jobRun<T>(fn: (scope: JobRunScope) => Promise<T>): Promise<T> {
    // The span starts when the run picks its job, dated back to when the run began: a run that
    // finds nothing due (the last of every runDue) leaves no span.
    const started = performance.now();
    const parent = this.api.context.active();
    let span: Span | undefined;
    const open = () => (span ??= this.tracer.startSpan('dealflow job', { kind: this.api.SpanKind.INTERNAL, startTime: started }, parent));
    const scope: JobRunScope = {
      // A transaction run again (a serialization failure on PostgreSQL) may pick another job: the last pick counts.
      picked: (job, now) => void open().setAttributes(jobAttributes(job, now)),
      done: (result) => this.recordJob(open(), result),
    };
    return fn(scope).then(
      (value) => {
        span?.end();
        return value;
      },
      (error: unknown) => {
        const s = open();
        this.failed(s, error);
        s.setAttribute(ATTR.outcome, 'failed');
        s.end();
        throw error;
      },
    );
  }

  delivery<T>(info: DeliveryInfo, fn: (scope: TelemetryScope<DeliveryResult>) => Promise<T>): Promise<T> {
    const attributes: Attributes = {
      [ATTR.messageId]: info.messageId,
      [ATTR.messageKind]: info.kind,
      [ATTR.attempt]: info.attempt,
    };
    if (info.dealId !== null) attributes[ATTR.dealId] = info.dealId;
    if (info.ruleId !== null) attributes[ATTR.ruleId] = info.ruleId;
    return this.tracer.startActiveSpan('dealflow delivery', { kind: this.api.SpanKind.INTERNAL, attributes }, async (span) => {
      try {
        return await fn({ done: (result) => this.recordDelivery(span, result) });
      } catch (error) {
        this.failed(span, error);
        throw error;
      } finally {
        span.end();
      }
    });
  }

  attach(host: TelemetryHost): void {
    host.on('log', (entry) => this.count(entry));
    const depth = host.outboxDepth;
    if (depth) {
      const gauge = this.meterProvider.getMeter(SCOPE_NAME).createObservableGauge(METRIC.outboxDepth, {
        unit: '{message}',
        description: 'Pending outbox messages: waiting for their first attempt or a retry',
      });
      gauge.addCallback(async (result) => {
        const n = await depth();
        if (n !== undefined) result.observe(n);
      });
    }
  }

  /** Metrics on jobs and deliveries, counted from the engine's history entries as they commit. */
  private count(entry: AnyHistoryEntry): void {
    const d = entry.data;
    switch (entry.type) {
      case 'job.ran': {
        this.jobRuns.add(1, { [ATTR.outcome]: 'ran' });
        const lag = (Date.parse(entry.at) - Date.parse(String(d.dueAt))) / 1000;
        if (Number.isFinite(lag)) this.jobLag.record(Math.max(0, lag));
        break;
      }
      case 'job.failed':
        this.jobRuns.add(1, { [ATTR.outcome]: 'failed', [ATTR.errorType]: (d.code as string | null) ?? '_OTHER' });
        break;
      case 'job.cancelled':
        this.jobCancellations.add(1, { [ATTR.cancelReason]: String(d.reason) });
        break;
      case 'outbox.delivered':
      case 'outbox.failed':
      case 'outbox.dead':
      case 'outbox.retried': {
        const key = `${entry.type}\u0000${String(d.messageId)}\u0000${String(d.attempt ?? d.previousAttempts)}`;
        if (key === this.lastOutboxEntry) break;
        this.lastOutboxEntry = key;
        const kind = String(d.kind);
        if (entry.type === 'outbox.retried') this.retries.add(1, { [ATTR.retryTrigger]: 'manual', [ATTR.messageKind]: kind });
        else if (entry.type === 'outbox.delivered') this.deliveries.add(1, { [ATTR.outcome]: 'delivered', [ATTR.messageKind]: kind });
        else if (entry.type === 'outbox.failed') {
          this.deliveries.add(1, { [ATTR.outcome]: 'retry', [ATTR.messageKind]: kind });
          this.retries.add(1, { [ATTR.retryTrigger]: 'backoff', [ATTR.messageKind]: kind });
        } else {
          this.deliveries.add(1, { [ATTR.outcome]: 'dead', [ATTR.messageKind]: kind });
          this.deadLetters.add(1, { [ATTR.deadLetterReason]: String(d.reason), [ATTR.messageKind]: kind });
        }
        break;
      }
    }
  }

  private recordJob(span: Span, result: JobRunResult): void {
    span.setAttribute(ATTR.outcome, result.outcome);
    span.setAttribute(ATTR.rulesFired, result.rulesFired);
    if (result.reason !== undefined) span.setAttribute(ATTR.cancelReason, result.reason);
    if (result.outcome === 'failed') {
      span.setAttribute(ATTR.errorType, result.errorCode ?? '_OTHER');
      span.setStatus(
        result.errorMessage === undefined ? { code: this.api.SpanStatusCode.ERROR } : { code: this.api.SpanStatusCode.ERROR, message: result.errorMessage },
      );
    }
  }

  private recordDelivery(span: Span, result: DeliveryResult): void {
    span.setAttribute(ATTR.outcome, result.outcome);
    if (result.reason !== undefined) span.setAttribute(ATTR.deadLetterReason, result.reason);
    if (result.error !== undefined) this.failed(span, result.error);
  }

  /** Marks a span failed with the error (its `error.type` and an exception event); returns the error type. */
  private failed(span: Span, error: unknown): string {
    const type = errorType(error);
    span.setAttribute(ATTR.errorType, type);
    if (error instanceof Error) span.recordException(error);
    span.setStatus({ code: this.api.SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
    return type;
  }
}

function jobAttributes(job: Job, now: Date): Attributes {
  const attributes: Attributes = {
    [ATTR.jobId]: job.id,
    [ATTR.dealId]: job.dealId,
    [ATTR.actionId]: job.actionId,
    [ATTR.dueAt]: job.dueAt,
    [ATTR.delay]: Math.max(0, (now.getTime() - Date.parse(job.dueAt)) / 1000),
  };
  if (job.ruleId) attributes[ATTR.ruleId] = job.ruleId;
  return attributes;
}
