import { context, SpanStatusCode } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
  type DataPoint,
  type Histogram,
} from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PermanentDeliveryError, type Notifier, type OutgoingMessage, type RuleInput, type SendOptions } from '../../src/index.js';
import { openTelemetry } from '../../src/opentelemetry/index.js';
import { createTestEngine } from '../../src/testing/index.js';
import { directory, newDeal, salesPipeline } from '../helpers.js';

/*
 * The OpenTelemetry adapter against the SDK's in-memory exporters, on the fake clock: the spans
 * and metrics, with their attributes, of a command, a job run (on time, late, cancelled), a
 * delivery, a retry and a dead letter.
 */

const contextManager = new AsyncLocalStorageContextManager();
beforeAll(() => void context.setGlobalContextManager(contextManager.enable()));
afterAll(() => {
  contextManager.disable();
  context.disable();
});

/** Fails anna's first delivery (a dropped connection: retried), and every one to boris for good. */
class FlakyChat implements Notifier {
  readonly sent: string[] = [];
  private dropped = false;
  async send(message: OutgoingMessage, options: SendOptions): Promise<void> {
    if (message.recipient.id === 'boris') throw new PermanentDeliveryError('chat: no user "boris"');
    if (!this.dropped) {
      this.dropped = true;
      throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    }
    this.sent.push(`${message.template} to ${message.recipient.id} (attempt ${options.attempt})`);
  }
}

const rules: RuleInput[] = [
  { id: 'greet', trigger: { type: 'deal.created' }, actions: [{ id: 'hello', type: 'notify', params: { to: 'owner', template: 'hello' } }] },
  {
    id: 'chase-proposal',
    trigger: { type: 'deal.created' },
    until: { fact: 'deal', path: '$.fields.proposalSentAt', operator: 'notEqual', value: null },
    actions: [{ id: 'chase', type: 'notify', after: { days: 1 }, params: { to: 'owner', template: 'proposal.chase' } }],
  },
  // A big deal goes to negotiation after two days, where two rules bounce it back and forth: a cascade without end.
  {
    id: 'escalate-big',
    trigger: { type: 'deal.created' },
    when: { fact: 'deal', path: '$.amount', operator: 'greaterThan', value: 50_000 },
    actions: [{ id: 'to-negotiation', type: 'moveStage', after: { days: 2 }, params: { stage: 'negotiation' } }],
  },
  { id: 'back', trigger: { type: 'stage.entered', stage: 'negotiation' }, actions: [{ type: 'moveStage', params: { stage: 'proposal' } }] },
  { id: 'forth', trigger: { type: 'stage.entered', stage: 'proposal' }, actions: [{ type: 'moveStage', params: { stage: 'negotiation' } }] },
];

function setup(extra: { rules?: RuleInput[]; deliverOnCommit?: boolean } = {}) {
  const spans = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
  const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({ exporter: metricExporter, exportIntervalMillis: 3_600_000 });
  const meterProvider = new MeterProvider({ readers: [reader] });
  const chat = new FlakyChat();
  const engine = createTestEngine({
    pipelines: [salesPipeline],
    rules: extra.rules ?? rules,
    directory: directory(),
    notifier: chat,
    start: '2026-03-02T09:00:00.000Z',
    retry: { baseDelayMs: 60_000, jitter: 0 },
    telemetry: openTelemetry({ tracerProvider, meterProvider }),
    deliverOnCommit: extra.deliverOnCommit ?? true,
  });
  /** The metric's data points as `attributes → value`, read through the exporter. */
  const metric = async (name: string): Promise<Array<DataPoint<number | Histogram>>> => {
    await reader.forceFlush();
    const last = metricExporter.getMetrics().at(-1);
    const found = last?.scopeMetrics.flatMap((s) => s.metrics).find((m) => m.descriptor.name === name);
    return (found?.dataPoints ?? []) as Array<DataPoint<number | Histogram>>;
  };
  return { engine, chat, spans, metric, shutdown: () => Promise.all([meterProvider.shutdown(), tracerProvider.shutdown()]) };
}

let done: (() => Promise<unknown>) | undefined;
afterEach(async () => {
  await done?.();
  done = undefined;
});

const named = (spans: ReadableSpan[], name: string) => spans.filter((s) => s.name === name);
const counts = (points: Array<DataPoint<number | Histogram>>) => points.map((p) => ({ ...p.attributes, value: p.value }));

describe('dealflow/opentelemetry: spans', () => {
  it('a command: one span with the deal, the rules that fired and the outcome; its deliveries after commit are its children', async () => {
    const t = setup();
    done = t.shutdown;
    const deal = await t.engine.createDeal(newDeal);
    const [command] = named(t.spans.getFinishedSpans(), 'dealflow create');
    expect(command!.attributes).toEqual({
      'dealflow.command.name': 'create',
      'dealflow.deal.id': deal.id,
      'dealflow.rules.fired': ['greet', 'chase-proposal'],
      'dealflow.outcome': 'committed',
    });
    expect(command!.status.code).toBe(SpanStatusCode.UNSET);
    expect(command!.parentSpanContext).toBeUndefined();
    // The greeting's first attempt failed on a dropped connection: a retry, with the error's code as error.type.
    const [delivery] = named(t.spans.getFinishedSpans(), 'dealflow delivery');
    expect(delivery!.parentSpanContext?.spanId).toBe(command!.spanContext().spanId);
    expect(delivery!.attributes).toEqual({
      'dealflow.message.id': 'msg-1',
      'dealflow.message.kind': 'notification',
      'dealflow.delivery.attempt': 1,
      'dealflow.deal.id': deal.id,
      'dealflow.rule.id': 'greet',
      'dealflow.outcome': 'retry',
      'error.type': 'ECONNRESET',
    });
    expect(delivery!.status).toEqual({ code: SpanStatusCode.ERROR, message: 'socket hang up' });
    expect(delivery!.events.map((e) => [e.name, e.attributes?.['exception.message']])).toEqual([['exception', 'socket hang up']]);
  });

  it('a refused command: the span is an error with the DealflowError code as error.type', async () => {
    const t = setup();
    done = t.shutdown;
    const deal = await t.engine.createDeal(newDeal);
    await expect(t.engine.updateDeal(deal.id, { title: 'Renamed' }, { expectedVersion: 7 })).rejects.toMatchObject({ code: 'CONFLICT' });
    const [update] = named(t.spans.getFinishedSpans(), 'dealflow update');
    expect(update!.attributes).toMatchObject({
      'dealflow.command.name': 'update',
      'dealflow.deal.id': deal.id,
      'dealflow.outcome': 'failed',
      'error.type': 'CONFLICT',
    });
    expect(update!.attributes['dealflow.rules.fired']).toBeUndefined();
    expect(update!.status.code).toBe(SpanStatusCode.ERROR);
    expect(update!.events[0]!.name).toBe('exception');
  });

  it('a retry: the next attempt is a span of its own, attempt 2, delivered', async () => {
    const t = setup();
    done = t.shutdown;
    await t.engine.createDeal(newDeal);
    await t.engine.advance({ minutes: 5 });
    const attempts = named(t.spans.getFinishedSpans(), 'dealflow delivery').map((s) => [
      s.attributes['dealflow.delivery.attempt'],
      s.attributes['dealflow.outcome'],
    ]);
    expect(attempts).toEqual([
      [1, 'retry'],
      [2, 'delivered'],
    ]);
    expect(t.chat.sent).toEqual(['hello to anna (attempt 2)']);
  });

  it('a job run: the job, its rule, its due time and how late it ran on the engine clock; a run with nothing due leaves no span', async () => {
    const t = setup();
    done = t.shutdown;
    const deal = await t.engine.createDeal(newDeal);
    await t.engine.runDue();
    // Half an hour after the chase was due (a runner that was down, say).
    t.engine.clock.set('2026-03-03T09:30:00.000Z');
    await t.engine.runDue();
    await t.engine.runDue();
    const jobs = named(t.spans.getFinishedSpans(), 'dealflow job');
    expect(jobs.map((s) => s.attributes)).toEqual([
      {
        'dealflow.job.id': 'job-1',
        'dealflow.deal.id': deal.id,
        'dealflow.rule.id': 'chase-proposal',
        'dealflow.action.id': 'chase',
        'dealflow.job.due_at': '2026-03-03T09:00:00.000Z',
        'dealflow.job.delay': 1800,
        'dealflow.outcome': 'ran',
        'dealflow.rules.fired': [],
      },
    ]);
  });

  it('a job cancelled on its re-check: the reason', async () => {
    const t = setup();
    done = t.shutdown;
    const deal = await t.engine.createDeal(newDeal);
    await t.engine.updateDeal(deal.id, { fields: { proposalSentAt: '2026-03-02T12:00:00.000Z' } });
    await t.engine.advance({ days: 1 });
    const [job] = named(t.spans.getFinishedSpans(), 'dealflow job');
    expect(job!.attributes).toMatchObject({ 'dealflow.job.id': 'job-1', 'dealflow.outcome': 'cancelled', 'dealflow.job.cancel_reason': 'until-met' });
  });

  it("a job whose cascade throws: failed, with the error's code", async () => {
    const t = setup();
    done = t.shutdown;
    await t.engine.createDeal({ ...newDeal, amount: 80_000 });
    await t.engine.advance({ days: 2 });
    const failed = named(t.spans.getFinishedSpans(), 'dealflow job').filter((s) => s.attributes['dealflow.action.id'] === 'to-negotiation');
    expect(failed.map((s) => [s.attributes['dealflow.outcome'], s.attributes['error.type'], s.status.code])).toEqual([
      ['failed', 'CASCADE_LIMIT', SpanStatusCode.ERROR],
    ]);
    expect(failed[0]!.status.message).toMatch(/cascade/i);
  });

  it('a dead letter: the reason, and the retry by hand is one more attempt', async () => {
    const t = setup();
    done = t.shutdown;
    const deal = await t.engine.createDeal({ ...newDeal, ownerId: 'boris' });
    const [dead] = t.spans.getFinishedSpans().filter((s) => s.attributes['dealflow.outcome'] === 'dead');
    expect(dead!.attributes).toMatchObject({
      'dealflow.deal.id': deal.id,
      'dealflow.delivery.attempt': 1,
      'dealflow.dead_letter.reason': 'permanent',
      'error.type': 'PermanentDeliveryError',
    });
    const [letter] = await t.engine.deadLetters();
    await t.engine.retryDeadLetter(letter!.id);
    const again = named(t.spans.getFinishedSpans(), 'dealflow delivery').filter((s) => s.attributes['dealflow.message.id'] === letter!.id);
    expect(again.map((s) => s.attributes['dealflow.outcome'])).toEqual(['dead', 'dead']);
  });
});

describe('dealflow/opentelemetry: metrics', () => {
  it('counts commands, job runs and cancellations by reason, deliveries by outcome, retries, dead letters; due-job lag as a histogram', async () => {
    const t = setup();
    done = t.shutdown;
    const anna = await t.engine.createDeal(newDeal); // hello: retry, then delivered; chase: runs late
    const sent = await t.engine.createDeal(newDeal); // hello: delivered; chase: cancelled, the proposal went out
    await t.engine.updateDeal(sent.id, { fields: { proposalSentAt: '2026-03-02T12:00:00.000Z' } });
    await t.engine.createDeal({ ...newDeal, ownerId: 'boris' }); // hello and chase: dead letters
    await expect(t.engine.updateDeal(anna.id, { title: 'x' }, { expectedVersion: 9 })).rejects.toMatchObject({ code: 'CONFLICT' });
    await t.engine.advance({ minutes: 5 });
    t.engine.clock.set('2026-03-03T10:00:00.000Z');
    await t.engine.runDue();
    const [letter] = await t.engine.deadLetters();
    await t.engine.retryDeadLetter(letter!.id);

    expect(counts(await t.metric('dealflow.commands'))).toEqual([
      { 'dealflow.command.name': 'create', value: 3 },
      { 'dealflow.command.name': 'update', value: 1 },
      { 'dealflow.command.name': 'update', 'error.type': 'CONFLICT', value: 1 },
    ]);
    expect(counts(await t.metric('dealflow.job.runs'))).toEqual([{ 'dealflow.outcome': 'ran', value: 2 }]);
    expect(counts(await t.metric('dealflow.job.cancellations'))).toEqual([{ 'dealflow.job.cancel_reason': 'until-met', value: 1 }]);
    const [lag] = await t.metric('dealflow.job.lag');
    // Both chases were due at 09:00 the next day and ran at 10:00.
    expect(lag!.value).toMatchObject({ count: 2, sum: 7200, min: 3600, max: 3600 });
    expect(counts(await t.metric('dealflow.deliveries'))).toEqual([
      // anna's hello (attempt 2), the second deal's hello, anna's chase; boris's hello, chase, and the hello retried by hand.
      { 'dealflow.outcome': 'retry', 'dealflow.message.kind': 'notification', value: 1 },
      { 'dealflow.outcome': 'delivered', 'dealflow.message.kind': 'notification', value: 3 },
      { 'dealflow.outcome': 'dead', 'dealflow.message.kind': 'notification', value: 3 },
    ]);
    expect(counts(await t.metric('dealflow.delivery.retries'))).toEqual([
      { 'dealflow.retry.trigger': 'backoff', 'dealflow.message.kind': 'notification', value: 1 },
      { 'dealflow.retry.trigger': 'manual', 'dealflow.message.kind': 'notification', value: 1 },
    ]);
    expect(counts(await t.metric('dealflow.dead_letters'))).toEqual([
      { 'dealflow.dead_letter.reason': 'permanent', 'dealflow.message.kind': 'notification', value: 3 },
    ]);
    const [duration] = await t.metric('dealflow.command.duration');
    expect((duration!.value as Histogram).count).toBe(3);
  });

  it("a digest's delivery counts once, though its history has an entry per deal in it", async () => {
    const t = setup({
      rules: [
        { id: 'tell-manager', trigger: { type: 'deal.created' }, actions: [{ type: 'notify', params: { to: 'manager', template: 'new', digest: 'hourly' } }] },
      ],
    });
    done = t.shutdown;
    for (let i = 0; i < 3; i++) await t.engine.createDeal(newDeal);
    await t.engine.advance({ hours: 2 }); // the first attempt drops (retry), the second delivers
    const entries = (await t.engine.history('deal-1')).concat(await t.engine.history('deal-2')).filter((e) => e.type === 'outbox.delivered');
    expect(entries).toHaveLength(2);
    expect(counts(await t.metric('dealflow.deliveries'))).toEqual([
      { 'dealflow.outcome': 'retry', 'dealflow.message.kind': 'digest', value: 1 },
      { 'dealflow.outcome': 'delivered', 'dealflow.message.kind': 'digest', value: 1 },
    ]);
  });

  it("the outbox's depth: pending messages, counted by the store when the metrics are read", async () => {
    const t = setup({ deliverOnCommit: false });
    done = t.shutdown;
    await t.engine.createDeal(newDeal);
    await t.engine.createDeal(newDeal);
    expect(counts(await t.metric('dealflow.outbox.depth'))).toEqual([{ value: 2 }]);
    await t.engine.runDue(); // one dropped (waits for its retry), one delivered
    expect(counts(await t.metric('dealflow.outbox.depth'))).toEqual([{ value: 1 }]);
  });
});

describe('openTelemetry()', () => {
  it('serves one engine: a second engine on the same instance is INVALID_CONFIG (its events would be counted twice)', () => {
    const telemetry = openTelemetry();
    createTestEngine({ pipelines: [salesPipeline], telemetry });
    expect(() => createTestEngine({ pipelines: [salesPipeline], telemetry })).toThrow(expect.objectContaining({ code: 'INVALID_CONFIG' }));
  });
});
