import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Job, LogEntry, OutboxMessage } from '../core/types.js';
import type { Engine } from '../engine/engine.js';
import { DealflowError } from '../model/errors.js';

export interface RunnerOptions {
  /** How many jobs run at once, and (separately) how many deliveries. Default 4. */
  concurrency?: number;
  /**
   * How long a claim lasts, in ms, measured on the store's clock. A runner that dies holds its
   * work this long; another claims it after. In-flight deliveries renew at a third of it. Default 30 s.
   */
  leaseMs?: number;
  /** The longest sleep between looks at the store, in ms (a wake-up or the next due time ends it sooner). Default 1 s. */
  pollIntervalMs?: number;
  /** The name this runner claims under. Default `<host>:<pid>:<random>`. */
  owner?: string;
  /** Waits after failures (the store unreachable, a job whose transaction failed): doubled per failure from `baseMs` up to `maxMs`. */
  backoff?: { baseMs?: number; maxMs?: number };
  /** How long `stop()` waits for work in flight, in ms. Default 10 s. */
  stopTimeoutMs?: number;
  /**
   * Problems the store's log cannot hold because the store is what failed (or a lease was lost).
   * Default: written to stderr.
   */
  onError?: (error: unknown, context: RunnerErrorContext) => void;
}

export interface RunnerErrorContext {
  during: 'claim' | 'job' | 'delivery' | 'renew' | 'watch';
  id?: string;
  /** For a failed job: how many times in a row it failed here, and when it may be claimed again. */
  attempt?: number;
  retryInMs?: number;
}

export interface RunnerStats {
  jobsRun: number;
  jobsFailed: number;
  /** Claimed jobs another process ran or cancelled first, or that were claimed again after the lease ran out. */
  jobsSkipped: number;
  delivered: number;
  deliveriesFailed: number;
  deliveriesSkipped: number;
  /** Runner-level failures reported to `onError`. */
  errors: number;
}

const defaultOnError = (error: unknown, context: RunnerErrorContext) => {
  console.error(`dealflow runner: ${context.during}${context.id ? ` ${context.id}` : ''} failed:`, error);
};

/**
 * Drives an engine with the real clock: sleeps until the next due job or delivery (or a wake-up:
 * a command here, or a NOTIFY from another process on a store that can LISTEN), claims what is
 * due under a lease, runs it, backs off after failures, and stops gracefully. Several runners,
 * in one process or many, share one store: a job or delivery is claimed by one at a time.
 */
export class Runner {
  readonly owner: string;
  readonly stats: RunnerStats = { jobsRun: 0, jobsFailed: 0, jobsSkipped: 0, delivered: 0, deliveriesFailed: 0, deliveriesSkipped: 0, errors: 0 };
  private readonly concurrency: number;
  private readonly leaseMs: number;
  private readonly pollMs: number;
  private readonly backoffBase: number;
  private readonly backoffMax: number;
  private readonly stopTimeoutMs: number;
  private readonly onError: (error: unknown, context: RunnerErrorContext) => void;

  private readonly jobs = new Map<string, { done: Promise<void>; token: string }>();
  private readonly deliveries = new Map<string, { done: Promise<void>; renew: ReturnType<typeof setInterval> }>();
  private readonly jobFailures = new Map<string, number>();
  private tokenSeq = 0;
  private state: 'new' | 'running' | 'stopping' | 'stopped' = 'new';
  private loopDone: Promise<void> = Promise.resolve();
  private wakeUp: (() => void) | undefined;
  private woken = false;
  /** The engine-clock instant the current sleep ends at; earlier news wakes the runner. */
  private sleepingUntil = Number.POSITIVE_INFINITY;
  private idleWaiters: Array<() => void> = [];
  private unwatch: (() => Promise<void>) | undefined;
  private readonly onLog = (entry: LogEntry) => this.heard(entry);

  constructor(
    readonly engine: Engine,
    options: RunnerOptions = {},
  ) {
    this.concurrency = positiveInt(options.concurrency ?? 4, 'concurrency');
    this.leaseMs = positive(options.leaseMs ?? 30_000, 'leaseMs');
    this.pollMs = positive(options.pollIntervalMs ?? 1_000, 'pollIntervalMs');
    this.backoffBase = positive(options.backoff?.baseMs ?? 1_000, 'backoff.baseMs');
    this.backoffMax = Math.max(this.backoffBase, options.backoff?.maxMs ?? 300_000);
    this.stopTimeoutMs = Math.max(0, options.stopTimeoutMs ?? 10_000);
    this.onError = options.onError ?? defaultOnError;
    this.owner = options.owner ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  }

  get running(): boolean {
    return this.state === 'running';
  }

  /** Starts the loop; a no-op if it already runs. */
  start(): this {
    if (this.state !== 'new') return this;
    this.state = 'running';
    this.engine.on('log', this.onLog);
    this.loopDone = this.loop();
    void this.watch();
    return this;
  }

  /** Ends the current sleep now: something may have come due. */
  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  /**
   * Resolves the next time the runner finds nothing due and nothing in flight. For tests and
   * demos that run a runner to completion; production code has no need to wait for it.
   */
  idle(): Promise<void> {
    return new Promise((resolve) => {
      this.idleWaiters.push(resolve);
      this.wake();
    });
  }

  /**
   * Stops claiming, waits up to `timeoutMs` for the work in flight, then lets go: unfinished
   * jobs' leases are released (their transactions fence them), unfinished deliveries stop renewing
   * and their leases lapse, so another runner takes them over.
   */
  async stop(options: { timeoutMs?: number } = {}): Promise<void> {
    if (this.state === 'new') this.state = 'stopped';
    if (this.state !== 'running') return;
    this.state = 'stopping';
    this.engine.off('log', this.onLog);
    this.wake();
    await this.loopDone;
    const inFlight = [...this.jobs.values(), ...this.deliveries.values()].map((w) => w.done);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, options.timeoutMs ?? this.stopTimeoutMs);
    });
    await Promise.race([Promise.allSettled(inFlight), timeout]);
    clearTimeout(timer);
    for (const d of this.deliveries.values()) clearInterval(d.renew);
    if (this.jobs.size > 0) {
      const held = [...this.jobs.entries()];
      await this.engine.storage
        .transaction(async (tx) => {
          for (const [id, { token }] of held) await tx.releaseLeases(token, [id]);
        })
        .catch((error) => this.report(error, { during: 'renew' }));
    }
    await this.unwatch?.().catch(() => undefined);
    this.state = 'stopped';
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  // ---- the loop --------------------------------------------------------------------------------

  private async loop(): Promise<void> {
    let failures = 0;
    while (this.state === 'running') {
      let claimed: number;
      try {
        claimed = await this.claim();
        failures = 0;
      } catch (error) {
        failures++;
        this.report(error, { during: 'claim', attempt: failures });
        await this.sleep(this.backoff(failures), undefined);
        continue;
      }
      if (claimed > 0) continue;
      const inFlight = this.jobs.size + this.deliveries.size;
      let next: Date | undefined;
      try {
        next = await this.engine.nextDueAt();
      } catch (error) {
        this.report(error, { during: 'claim' });
      }
      const now = this.engine.clock.now().getTime();
      // Due already but not claimable: another runner holds it, or it waits behind its deal's earlier job.
      const wait = next === undefined || next.getTime() <= now ? this.pollMs : Math.min(this.pollMs, next.getTime() - now);
      if (inFlight === 0 && (next === undefined || next.getTime() > now)) for (const resolve of this.idleWaiters.splice(0)) resolve();
      await this.sleep(wait, now + wait);
    }
  }

  /** Claims as much as there are free slots for; returns how many items it started. */
  private async claim(): Promise<number> {
    let started = 0;
    const jobSlots = this.concurrency - this.jobs.size;
    if (jobSlots > 0) {
      const lease = { owner: this.owner, token: this.token(), ms: this.leaseMs, skip: [...this.jobs.keys()] };
      const jobs = await this.engine.claimJobs(jobSlots, lease);
      for (const job of jobs) this.runJob(job, lease.token);
      started += jobs.length;
    }
    const deliverySlots = this.concurrency - this.deliveries.size;
    if (deliverySlots > 0 && this.state === 'running') {
      // Not what is still in flight here, even if its lease lapsed: that would send it twice at once.
      const lease = { owner: this.owner, token: this.token(), ms: this.leaseMs, skip: [...this.deliveries.keys()] };
      const messages = await this.engine.claimDeliveries(deliverySlots, lease);
      for (const m of messages) this.deliver(m, lease.token);
      started += messages.length;
    }
    return started;
  }

  private runJob(job: Job, token: string): void {
    const done = (async () => {
      try {
        const result = await this.engine.runClaimedJob(job, token);
        this.jobFailures.delete(job.id);
        if (result === 'ran') this.stats.jobsRun++;
        else if (result === 'failed') this.stats.jobsFailed++;
        else this.stats.jobsSkipped++;
      } catch (error) {
        // The store failed, not the job: keep it claimed for the backoff, then anyone may retry it.
        const attempt = (this.jobFailures.get(job.id) ?? 0) + 1;
        this.jobFailures.set(job.id, attempt);
        const retryInMs = this.backoff(attempt);
        this.report(error, { during: 'job', id: job.id, attempt, retryInMs });
        await this.engine.storage.transaction((tx) => tx.renewLeases(token, retryInMs, [job.id])).catch(() => undefined);
      } finally {
        this.jobs.delete(job.id);
        this.wake();
      }
    })();
    this.jobs.set(job.id, { done, token });
  }

  private deliver(message: OutboxMessage, token: string): void {
    // Renewed while the send is in flight, so a slow receiver does not let another runner send it too.
    // Once the lease is gone (recorded and released, or taken over after a stall) renewing stops;
    // a taken-over attempt is fenced when it records, and counted as skipped.
    const renew = setInterval(() => {
      this.engine.storage
        .transaction((tx) => tx.renewLeases(token, this.leaseMs, [message.id]))
        .then((held) => {
          if (held === 0) clearInterval(renew);
        })
        .catch((error) => this.report(error, { during: 'renew', id: message.id }));
    }, Math.max(1, Math.floor(this.leaseMs / 3)));
    renew.unref?.();
    const done = (async () => {
      try {
        const result = await this.engine.deliverClaimed(message, token);
        if (result === 'delivered') this.stats.delivered++;
        else if (result === 'failed') this.stats.deliveriesFailed++;
        else this.stats.deliveriesSkipped++;
      } catch (error) {
        // Recording the attempt failed; the lease lapses and the message is tried again.
        this.report(error, { during: 'delivery', id: message.id });
      } finally {
        clearInterval(renew);
        this.deliveries.delete(message.id);
        this.wake();
      }
    })();
    this.deliveries.set(message.id, { done, renew });
  }

  // ---- waking ----------------------------------------------------------------------------------

  private sleep(ms: number, until: number | undefined): Promise<void> {
    if (this.woken || this.state !== 'running') {
      this.woken = false;
      return Promise.resolve();
    }
    this.sleepingUntil = until ?? Number.POSITIVE_INFINITY;
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => finish(), ms);
      const finish = () => {
        clearTimeout(timer);
        this.wakeUp = undefined;
        this.woken = false;
        this.sleepingUntil = Number.POSITIVE_INFINITY;
        resolve();
      };
      this.wakeUp = finish;
    });
  }

  /** A command in this process scheduled or queued something: wake if it is due before the planned wake-up. */
  private heard(entry: LogEntry): void {
    if (entry.type === 'job.scheduled') this.dueAt(String(entry.data.dueAt));
    else if (entry.type === 'outbox.queued' || entry.type === 'notification.queued') this.dueAt(entry.at);
  }

  private dueAt(iso: string): void {
    const at = Date.parse(iso);
    if (!Number.isNaN(at) && at < this.sleepingUntil) this.wake();
  }

  /** LISTEN for other processes' scheduling where the store can; otherwise polling covers it. */
  private async watch(): Promise<void> {
    if (!this.engine.storage.watch) return;
    try {
      const stop = await this.engine.storage.watch((dueAt) => this.dueAt(dueAt));
      if (this.state !== 'running') await stop?.();
      else this.unwatch = stop;
    } catch (error) {
      this.report(error, { during: 'watch' });
    }
  }

  // ---- helpers ---------------------------------------------------------------------------------

  private token(): string {
    return `${this.owner}:${++this.tokenSeq}`;
  }

  private backoff(failures: number): number {
    return Math.min(this.backoffMax, this.backoffBase * 2 ** Math.max(0, failures - 1));
  }

  private report(error: unknown, context: RunnerErrorContext): void {
    this.stats.errors++;
    try {
      this.onError(error, context);
    } catch {
      // A throwing error handler must not stop the runner.
    }
  }
}

function positive(n: number, name: string): number {
  if (!(typeof n === 'number' && n > 0 && Number.isFinite(n))) throw new DealflowError('INVALID_CONFIG', `runner option ${name} must be a positive number of ms, got ${String(n)}`);
  return n;
}

function positiveInt(n: number, name: string): number {
  if (!Number.isInteger(n) || n < 1) throw new DealflowError('INVALID_CONFIG', `runner option ${name} must be a whole number of at least 1, got ${String(n)}`);
  return n;
}

/** Creates a runner for `engine` and starts it. `await runner.stop()` on shutdown (SIGTERM). */
export function createRunner(engine: Engine, options: RunnerOptions = {}): Runner {
  return new Runner(engine, options).start();
}
