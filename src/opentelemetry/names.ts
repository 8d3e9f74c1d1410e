/*
 * The names dealflow's spans and metrics carry. OpenTelemetry's semantic conventions name what
 * they cover (`error.type`); everything else is dealflow's own, under `dealflow.`.
 * docs/observability.md lists what each means.
 */

/** The instrumentation scope: the tracer's and meter's name. */
export const SCOPE_NAME = 'dealflow';

/** Span and metric attribute names. */
export const ATTR = {
  /** Semantic conventions: the class of error (a DealflowError's code, an error's `code` or name, else `_OTHER`). */
  errorType: 'error.type',
  command: 'dealflow.command.name',
  dealId: 'dealflow.deal.id',
  ruleId: 'dealflow.rule.id',
  rulesFired: 'dealflow.rules.fired',
  outcome: 'dealflow.outcome',
  jobId: 'dealflow.job.id',
  actionId: 'dealflow.action.id',
  dueAt: 'dealflow.job.due_at',
  /** Seconds between the job's due time and the engine clock's now when it ran. */
  delay: 'dealflow.job.delay',
  cancelReason: 'dealflow.job.cancel_reason',
  messageId: 'dealflow.message.id',
  messageKind: 'dealflow.message.kind',
  attempt: 'dealflow.delivery.attempt',
  deadLetterReason: 'dealflow.dead_letter.reason',
  retryTrigger: 'dealflow.retry.trigger',
} as const;

/** Metric names. */
export const METRIC = {
  commands: 'dealflow.commands',
  commandDuration: 'dealflow.command.duration',
  jobRuns: 'dealflow.job.runs',
  jobCancellations: 'dealflow.job.cancellations',
  jobLag: 'dealflow.job.lag',
  deliveries: 'dealflow.deliveries',
  retries: 'dealflow.delivery.retries',
  deadLetters: 'dealflow.dead_letters',
  outboxDepth: 'dealflow.outbox.depth',
} as const;

/**
 * `error.type` for an error: low-cardinality, as the convention asks. A DealflowError's code
 * (`CONFLICT`), a system error's (`ECONNREFUSED`), else the error's name (`WebhookError`).
 */
export function errorType(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && code !== '') return code;
  if (error instanceof Error && error.name) return error.name;
  return '_OTHER';
}
