/**
 * `dealflow/opentelemetry`: the engine's telemetry port on `@opentelemetry/api`, an optional peer
 * dependency loaded only by this entry, on first use. A span per command, per job run and per
 * delivery attempt, and metrics counted from the engine's events; docs/observability.md lists
 * every name.
 *
 * ```ts
 * import { openTelemetry } from 'dealflow/opentelemetry';
 * const engine = createEngine({ pipelines, rules, telemetry: openTelemetry() });
 * ```
 */
import { DealflowError } from '../model/errors.js';
import type { CommandInfo, CommandResult, DeliveryInfo, DeliveryResult, JobRunScope, Telemetry, TelemetryHost, TelemetryScope } from '../ports/telemetry.js';
import { OpenTelemetryAdapter, type Providers } from './adapter.js';

export { ATTR, METRIC, SCOPE_NAME, errorType } from './names.js';

/** An OpenTelemetry TracerProvider (duck-typed: `@opentelemetry/api` is an optional peer). */
export interface TracerProviderLike {
  /** The tracer of an instrumentation scope (dealflow asks for `dealflow`). */
  getTracer(name: string, version?: string, options?: object): unknown;
}

/** An OpenTelemetry MeterProvider (duck-typed, like TracerProviderLike). */
export interface MeterProviderLike {
  /** The meter of an instrumentation scope (dealflow asks for `dealflow`). */
  getMeter(name: string, version?: string, options?: object): unknown;
}

/** Options of `openTelemetry()`. */
export interface OpenTelemetryOptions {
  /** Where spans go. Default: the global tracer provider (`trace.getTracerProvider()`), as the OpenTelemetry SDK registers it. */
  tracerProvider?: TracerProviderLike;
  /**
   * Where metrics go. Default: the global meter provider (`metrics.getMeterProvider()`). Register
   * the SDK before creating the engine: unlike tracers, meters are not forwarded to a provider
   * registered later.
   */
  meterProvider?: MeterProviderLike;
}

/**
 * The engine's telemetry on OpenTelemetry: `createEngine({ telemetry: openTelemetry() })`. One
 * instance serves one engine (it counts that engine's events). `@opentelemetry/api` is loaded on
 * first use; without it installed, the first command rejects with INVALID_CONFIG saying so.
 */
export function openTelemetry(options: OpenTelemetryOptions = {}): Telemetry {
  return new LazyTelemetry(options as Providers);
}

/** Loads the api once, then hands every call to the adapter. */
class LazyTelemetry implements Telemetry {
  private adapter: OpenTelemetryAdapter | undefined;
  private loading: Promise<OpenTelemetryAdapter> | undefined;
  private host: TelemetryHost | undefined;

  constructor(private readonly options: Providers) {}

  command<T>(info: CommandInfo, fn: (scope: TelemetryScope<CommandResult>) => Promise<T>): Promise<T> {
    return this.adapter ? this.adapter.command(info, fn) : this.load().then((a) => a.command(info, fn));
  }

  jobRun<T>(fn: (scope: JobRunScope) => Promise<T>): Promise<T> {
    return this.adapter ? this.adapter.jobRun(fn) : this.load().then((a) => a.jobRun(fn));
  }

  delivery<T>(info: DeliveryInfo, fn: (scope: TelemetryScope<DeliveryResult>) => Promise<T>): Promise<T> {
    return this.adapter ? this.adapter.delivery(info, fn) : this.load().then((a) => a.delivery(info, fn));
  }

  attach(host: TelemetryHost): void {
    if (this.host) throw new DealflowError('INVALID_CONFIG', 'openTelemetry(): one instance serves one engine; call openTelemetry() again for another engine');
    this.host = host;
    // Every event the adapter counts follows a command, job run or delivery, which loads it first.
    void this.load().catch(() => {});
  }

  private load(): Promise<OpenTelemetryAdapter> {
    this.loading ??= importApi().then((api) => {
      const adapter = new OpenTelemetryAdapter(api, this.options);
      if (this.host) adapter.attach(this.host);
      this.adapter = adapter;
      return adapter;
    });
    return this.loading;
  }
}

async function importApi(): Promise<typeof import('@opentelemetry/api')> {
  const name = '@opentelemetry/api';
  try {
    return (await import(name)) as typeof import('@opentelemetry/api');
  } catch (error) {
    throw new DealflowError('INVALID_CONFIG', `openTelemetry() needs the optional peer dependency ${name}; install it: npm install ${name}`, { cause: error });
  }
}
