/**
 * dealflow's traces and metrics through OpenTelemetry, on a fake clock: each command, job run and
 * delivery attempt is a span; the engine's counters and the due-job lag are metrics. The trace
 * tree and the metrics are printed at the end (`--raw` adds the SDK's ConsoleSpanExporter, which
 * prints every span with its ids and timings).
 * Run with `npx tsx examples/observability/main.ts`.
 */
import { context, metrics, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { AggregationTemporality, DataPointType, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, ConsoleSpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { InMemoryDirectory, PermanentDeliveryError, type Notifier, type OutgoingMessage, type PipelineInput, type RuleInput } from '../../src/index.js';
import { openTelemetry } from '../../src/opentelemetry/index.js';
import { createTestEngine } from '../../src/testing/index.js';
import { TreePrinter } from './tree-printer.js';

// ---- OpenTelemetry: what a host sets up once at start (docs/observability.md) ------------------
// Spans nest through async calls only with a context manager (the Node SDK registers this one).
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
const printer = new TreePrinter();
const tracerProvider = new BasicTracerProvider({
  spanProcessors: [printer, ...(process.argv.includes('--raw') ? [new SimpleSpanProcessor(new ConsoleSpanExporter())] : [])],
});
trace.setGlobalTracerProvider(tracerProvider);
// In production a PeriodicExportingMetricReader sends to your collector (OTLP); here to memory, to print.
const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
const reader = new PeriodicExportingMetricReader({ exporter: metricExporter, exportIntervalMillis: 60_000 });
const meterProvider = new MeterProvider({ readers: [reader] });
metrics.setGlobalMeterProvider(meterProvider);

// ---- the engine: a welcome message and a proposal chase a day later ----------------------------
const pipeline: PipelineInput = {
  id: 'sales',
  name: 'Sales',
  timezone: 'Europe/Berlin',
  stages: [
    { id: 'new', name: 'New' },
    { id: 'proposal', name: 'Proposal' },
    { id: 'won', name: 'Won', kind: 'won' },
    { id: 'lost', name: 'Lost', kind: 'lost' },
  ],
  fields: { proposalSentAt: { type: 'date' } },
};
const rules: RuleInput[] = [
  { id: 'welcome', trigger: { type: 'deal.created' }, actions: [{ id: 'hello', type: 'notify', params: { to: 'owner', template: 'deal.assigned' } }] },
  {
    id: 'chase-proposal',
    trigger: { type: 'deal.created' },
    until: { fact: 'deal', path: '$.fields.proposalSentAt', operator: 'notEqual', value: null },
    actions: [{ id: 'chase', type: 'notify', after: { days: 1 }, params: { to: 'owner', template: 'proposal.chase' } }],
  },
];

/** A chat that drops its first connection (retried) and does not know boris (a dead letter). */
class Chat implements Notifier {
  private dropped = false;
  async send(message: OutgoingMessage): Promise<void> {
    if (message.recipient.id === 'boris') throw new PermanentDeliveryError('chat: no user "boris"');
    if (!this.dropped) {
      this.dropped = true;
      throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    }
  }
}

const engine = createTestEngine({
  pipelines: [pipeline],
  rules,
  directory: new InMemoryDirectory([{ id: 'anna' }, { id: 'boris' }]),
  notifier: new Chat(),
  start: '2026-03-02T09:00:00.000Z',
  retry: { baseDelayMs: 60_000, jitter: 0 },
  // The global tracer and meter providers registered above.
  telemetry: openTelemetry(),
});

// ---- what happens -------------------------------------------------------------------------------
const bakery = await engine.createDeal({ pipelineId: 'sales', ownerId: 'anna', title: 'Bakery POS', amount: 4000 });
await engine.createDeal({ pipelineId: 'sales', ownerId: 'boris', title: 'Florist', amount: 2500 });
const cafe = await engine.createDeal({ pipelineId: 'sales', ownerId: 'anna', title: 'Cafe', amount: 900 });
await engine.updateDeal(cafe.id, { fields: { proposalSentAt: '2026-03-02T15:00:00.000Z' } });
await engine.updateDeal(bakery.id, { title: 'Bakery POS (2 tills)' }, { expectedVersion: 7 }).catch((e: Error) => e);
await engine.advance({ hours: 1 }); // the welcome that was dropped goes out on its retry
// The next morning the host's nightly job runs what is due, a quarter of an hour late: dealflow's
// spans join the host's trace.
engine.clock.set('2026-03-03T09:15:00.000Z');
await trace.getTracer('host').startActiveSpan('nightly job', async (span) => {
  await engine.runDue();
  span.end();
});

console.log('Traces');
console.log('');
await tracerProvider.forceFlush();

console.log('Metrics');
await reader.forceFlush();
for (const m of metricExporter
  .getMetrics()
  .at(-1)
  ?.scopeMetrics.flatMap((s) => s.metrics) ?? []) {
  for (const point of m.dataPoints) {
    const attrs = Object.entries(point.attributes)
      .map(([k, v]) => `${k}=${String(v)}`)
      .join(', ');
    const name = `${m.descriptor.name}${attrs ? `{${attrs}}` : ''}`;
    if (m.dataPointType !== DataPointType.HISTOGRAM) console.log(`  ${name} ${String(point.value)}`);
    else {
      const h = point.value as { count: number; min?: number; max?: number };
      // Durations are wall time and vary run to run; the lag is on the engine's clock.
      console.log(`  ${name} count=${h.count}${m.descriptor.name === 'dealflow.job.lag' ? ` min=${h.min}s max=${h.max}s` : ''}`);
    }
  }
}
await meterProvider.shutdown();
await tracerProvider.shutdown();
