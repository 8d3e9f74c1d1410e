import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Job, OutboxMessage } from '../core/types.js';
import { toIsoString } from '../core/time/iso.js';
import type { Engine } from '../engine/engine.js';
import type { Logger } from '../ports/logger.js';
import type { WorkQueue } from '../ports/work-queue.js';
import { HeldLeases } from './leases.js';
import { consoleFailures } from './log.js';
import { positive, positiveInt, type RunnerErrorContext, type RunnerOptions, type RunnerStats } from './options.js';

export type { RunnerErrorContext, RunnerOptions, RunnerStats } from './options.js';

/**
 * Drives an engine with the real clock: sleeps until the next due job or delivery (or a wake-up:
 * a command here, or a NOTIFY from another process on a store that can LISTEN), claims what is
 * due under a lease, runs it, backs off after failures, and stops gracefully. Several runners,
 * in one process or many, share one store: a job or delivery is claimed by one at a time.
 */
export class Runner {
  readonly owner: string;
  readonly stats: RunnerStats = { jobsRun: 0, jobsFailed: 0, jobsSkipped: 0, delivered: 0, deliveriesFailed: 0, deliveriesSkipped: 0, errors: 0 };
  /** Where the runner finds work: the engine's store, through the work-queue port. */
  private readonly work: WorkQueue;
  private readonly concurrency: number;
  private readonly batchSize: number;
  private readonly leaseMs: number;
  private readonly pollMs: number;
  private readonly backoffBase: number;
  private readonly backoffMax: number;
  private readonly stopTimeoutMs: number;
  private readonly onError: ((error: unknown, context: RunnerErrorContext) => void) | undefined;
  private readonly logger: Logger;

  /** Batches in flight, by claim token. */
  private readonly jobBatches = new Map<string, { done: Promise<void>; ids: string[] }>();
  private readonly deliveryBatches = new Map<string, Promise<void>>();
  /** Every lease held, renewed together. */
  private readonly leases = new HeldLeases();
  private renewTimer: ReturnType<typeof setInterval> | undefined;
  private renewing: Promise<void> | undefined;
  private readonly jobFailures = new Map<string, number>();
  /** Set when a claim came back short: nothing more of that kind is claimable until there is news. */
  private readonly exhausted = { jobs: false, deliveries: false };
  private tokenSeq = 0;
  private state: 'new' | 'running' | 'stopping' | 'stopped' = 'new';
  private loopDone: Promise<void> = Promise.resolve();
  private wakeUp: (() => void) | undefined;
  private woken = false;
  /** The engine-clock instant the current sleep ends at; news of something due earlier wakes the runner. */
  private sleepingUntil = Number.POSITIVE_INFINITY;
  private idleWaiters: Array<() => void> = [];
  private unwatch: (() => Promise<void>) | undefined;
  /** LISTEN attempts that failed in a row, and the timer of the next one. */
  private watchFailures = 0;
  private watchTimer: ReturnType<typeof setTimeout> | undefined;
  /** The first LISTEN attempt (settled once it holds or failed). */
  private listening: Promise<void> = Promise.resolve();

  constructor(
    readonly engine: Engine,
    options: RunnerOptions = {},
  ) {
    this.work = engine.work;
    this.concurrency = positiveInt(options.concurrency ?? 4, 'concurrency');
    this.batchSize = positiveInt(options.batchSize ?? 100, 'batchSize');
    this.leaseMs = positive(options.leaseMs ?? 30_000, 'leaseMs');
    this.pollMs = positive(options.pollIntervalMs ?? 1_000, 'pollIntervalMs');
    this.backoffBase = positive(options.backoff?.baseMs ?? 1_000, 'backoff.baseMs');
    this.backoffMax = Math.max(this.backoffBase, options.backoff?.maxMs ?? 300_000);
    this.stopTimeoutMs = Math.max(0, options.stopTimeoutMs ?? 10_000);
    this.onError = options.onError;
    this.logger = options.logger ?? consoleFailures;
    this.owner = options.owner ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  }

  get running(): boolean {
    return this.state === 'running';
  }

  /** Starts the loop; a no-op if it already runs. */
  start(): this {
    if (this.state !== 'new') return this;
    this.state = 'running';
    this.renewTimer = setInterval(() => void this.renew(), Math.max(1, Math.floor(this.leaseMs / 3)));
    this.renewTimer.unref?.();
    // The first watch is under way before the loop looks for work, and `idle()` waits for it.
    this.listening = this.watch();
    this.loopDone = this.loop();
    return this;
  }

  /** Ends the current sleep now: something may have come due. */
  wake(): void {
    this.news();
    this.nudge();
  }

  /**
   * Resolves the next time the runner finds nothing due and nothing in flight, once it listens for
   * wake-ups (where the store can). For tests and demos that run a runner to completion;
   * production code has no need to wait for it.
   */
  idle(): Promise<void> {
    return new Promise((resolve) => {
      this.idleWaiters.push(resolve);
      this.wake();
    });
  }

  /**
   * Stops claiming, waits up to `timeoutMs` for the batches in flight, then lets go: unfinished
   * job batches' leases are released (their transactions are fenced by token), unfinished
   * deliveries stop being renewed and their leases lapse, so another runner takes them over.
   */
  async stop(options: { timeoutMs?: number } = {}): Promise<void> {
    if (this.state === 'new') this.state = 'stopped';
    if (this.state !== 'running') return;
    this.state = 'stopping';
    this.wake();
    await this.loopDone;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, options.timeoutMs ?? this.stopTimeoutMs);
    });
    await Promise.race([Promise.allSettled([...[...this.jobBatches.values()].map((b) => b.done), ...this.deliveryBatches.values()]), timeout]);
    clearTimeout(timer);
    clearInterval(this.renewTimer);
    await this.release([...this.jobBatches].map(([token, b]) => [token, b.ids] as [string, string[]]));
    clearTimeout(this.watchTimer);
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
        const retryInMs = this.backoff(failures);
        this.report(error, { during: 'claim', attempt: failures, retryInMs });
        await this.sleep(retryInMs, Number.NEGATIVE_INFINITY);
        continue;
      }
      if (claimed > 0) continue;
      if (!(this.exhausted.jobs && this.exhausted.deliveries)) {
        // Busy: a finished batch or news wakes the loop; the poll interval bounds the wait.
        await this.sleep(this.pollMs, Number.POSITIVE_INFINITY);
        continue;
      }
      let next: number | undefined;
      try {
        const at = await this.work.nextDueAt();
        next = at === undefined ? undefined : Date.parse(at);
      } catch (error) {
        this.report(error, { during: 'claim' });
      }
      const now = this.engine.clock.now().getTime();
      // Due already but not claimable: another runner holds it, or it waits behind its deal's earlier job.
      const wait = next === undefined || next <= now ? this.pollMs : Math.min(this.pollMs, next - now);
      if (this.leases.size === 0 && (next === undefined || next > now) && this.idleWaiters.length > 0) {
        // Idle means listening too (where the store can): a wake-up sent after idle() resolves is heard.
        await this.listening;
        for (const resolve of this.idleWaiters.splice(0)) resolve();
      }
      await this.sleep(wait, now + wait);
      this.news();
    }
  }

  /** Claims a batch of each kind while there is room for one in flight, and starts it. Returns how many items it claimed. */
  private async claim(): Promise<number> {
    let claimed = 0;
    if (this.jobBatches.size < this.concurrency && !this.exhausted.jobs) {
      const request = this.request();
      const at = Date.now();
      const jobs = await this.work.claimJobs(request);
      if (jobs.length < request.limit) this.exhausted.jobs = true;
      if (jobs.length > 0) {
        this.leases.add(
          request.token,
          jobs.map((j) => j.id),
          at,
        );
        this.runJobs(jobs, request.token);
      }
      claimed += jobs.length;
    }
    // One delivery batch at a time: its sends go out `concurrency` at once, each group recorded before the next.
    if (this.deliveryBatches.size === 0 && !this.exhausted.deliveries && this.state === 'running') {
      const request = this.request();
      const at = Date.now();
      const messages = await this.work.claimDeliveries(request);
      if (messages.length < request.limit) this.exhausted.deliveries = true;
      if (messages.length > 0) {
        this.leases.add(
          request.token,
          messages.map((m) => m.id),
          at,
        );
        this.deliver(messages, request.token);
      }
      claimed += messages.length;
    }
    return claimed;
  }

  private request() {
    // Never what it still holds, even if that lease lapsed: that would run it twice at once. A
    // lease confirmed within half its length still holds on the store, where the claim skips it
    // anyway: only the others are listed (a list of every id in flight, up to concurrency ×
    // batchSize, was compared with each candidate row of every claim).
    return {
      owner: this.owner,
      token: this.token(),
      ms: this.leaseMs,
      skip: this.leases.stale(Date.now(), this.leaseMs / 2),
      until: toIsoString(this.engine.clock.now().getTime()),
      limit: this.batchSize,
    };
  }

  private runJobs(jobs: Job[], token: string): void {
    const ids = jobs.map((j) => j.id);
    const done = (async () => {
      const t0 = Date.now();
      try {
        const results = await this.engine.runJobs(jobs, token);
        for (const id of ids) this.jobFailures.delete(id);
        for (const r of results) {
          if (r === 'ran') this.stats.jobsRun++;
          else if (r === 'failed') this.stats.jobsFailed++;
          else this.stats.jobsSkipped++;
        }
        this.logger.debug({ owner: this.owner, jobs: jobs.length, ms: Date.now() - t0 }, 'dealflow runner: job batch');
      } catch (error) {
        // The store failed, not the jobs: nothing was written. Keep them claimed for the backoff, then anyone may retry the batch.
        const attempt = Math.max(...ids.map((id) => this.jobFailures.get(id) ?? 0)) + 1;
        for (const id of ids) this.jobFailures.set(id, attempt);
        const retryInMs = this.backoff(attempt);
        this.report(error, { during: 'job', id: ids[0]!, ...(ids.length > 1 ? { ids } : {}), attempt, retryInMs });
        await this.work.renewLeases(token, retryInMs, ids).catch(() => undefined);
      } finally {
        this.jobBatches.delete(token);
        for (const id of ids) this.leases.drop(id);
        // A job done may make its deal's next job claimable.
        this.exhausted.jobs = false;
        this.nudge();
      }
    })();
    this.jobBatches.set(token, { done, ids });
  }

  /**
   * Sends a claimed batch `concurrency` messages at a time, each group recorded before the next
   * goes out. A group starts only while the batch's lease is known to hold (confirmed within two
   * thirds of it, renewed first if not): once it may have lapsed, another runner may be sending
   * the rest, so the rest is dropped unsent.
   */
  private deliver(messages: OutboxMessage[], token: string): void {
    const done = (async () => {
      const freshFor = (this.leaseMs * 2) / 3;
      let i = 0;
      try {
        for (; i < messages.length; i += this.concurrency) {
          if (this.state !== 'running') break;
          if (!this.leases.fresh(messages[i]!.id, Date.now(), freshFor)) {
            await this.renew();
            if (!this.leases.fresh(messages[i]!.id, Date.now(), freshFor)) break;
          }
          const results = await this.engine.deliverMessages(messages.slice(i, i + this.concurrency), token, this.concurrency);
          for (const r of results) {
            if (r === 'delivered') this.stats.delivered++;
            else if (r === 'failed') this.stats.deliveriesFailed++;
            else this.stats.deliveriesSkipped++;
          }
        }
        // Stopping, or the lease is in doubt: what was not sent goes back (a lapsed lease is not ours to give).
        const unsent = messages.slice(i).map((m) => m.id);
        if (unsent.length > 0 && this.leases.fresh(unsent[0]!, Date.now(), freshFor)) await this.work.releaseLeases(token, unsent);
      } catch (error) {
        // Recording the attempts failed; the leases lapse and the messages are tried again.
        const ids = messages.slice(i, i + this.concurrency).map((m) => m.id);
        this.report(error, { during: 'delivery', id: ids[0]!, ...(ids.length > 1 ? { ids } : {}) });
      } finally {
        this.deliveryBatches.delete(token);
        for (const m of messages) this.leases.drop(m.id);
        this.nudge();
      }
    })();
    this.deliveryBatches.set(token, done);
  }

  // ---- leases ----------------------------------------------------------------------------------

  /** Renews every lease held, in flight, one call per claim. */
  private renew(): Promise<void> {
    if (this.renewing) return this.renewing;
    const held = this.leases.entries();
    if (held.length === 0) return Promise.resolve();
    const at = Date.now();
    this.renewing = (async () => {
      for (const [token, ids] of held) {
        // Confirmed only if every lease of the claim still holds; otherwise it stays unconfirmed and lapses here.
        if ((await this.work.renewLeases(token, this.leaseMs, ids)) === ids.length) this.leases.confirm(token, at);
      }
    })()
      .catch((error) => this.report(error, { during: 'renew' }))
      .finally(() => {
        this.renewing = undefined;
      });
    return this.renewing;
  }

  private async release(claims: Array<[string, string[]]>): Promise<void> {
    for (const [, ids] of claims) for (const id of ids) this.leases.drop(id);
    for (const [token, ids] of claims) await this.work.releaseLeases(token, ids).catch((error) => this.report(error, { during: 'renew' }));
  }

  // ---- waking ----------------------------------------------------------------------------------

  private sleep(ms: number, until: number): Promise<void> {
    if (this.woken || this.state !== 'running') {
      this.woken = false;
      return Promise.resolve();
    }
    this.sleepingUntil = until;
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

  /** Ends the current sleep (or the next, if the loop is busy) without news: a slot freed up. */
  private nudge(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  /** Something may have come due: claim again. */
  private news(): void {
    this.exhausted.jobs = false;
    this.exhausted.deliveries = false;
  }

  private dueAt(iso: string): void {
    const at = Date.parse(iso);
    if (Number.isNaN(at) || at >= this.sleepingUntil) return;
    this.wake();
  }

  /**
   * LISTENs for other processes' scheduling where the store can; polling covers the rest. A lost
   * or refused LISTEN is reported (`watch`) and tried again after a backoff; once it holds again
   * the runner looks for work at once, since wake-ups sent meanwhile were missed.
   */
  private async watch(): Promise<void> {
    const work = this.work;
    if (!work.watch || this.state !== 'running') return;
    const attempt: { stop?: () => Promise<void>; over: boolean } = { over: false };
    const fail = (error: unknown) => {
      if (attempt.over) return;
      attempt.over = true;
      if (attempt.stop && this.unwatch === attempt.stop) this.unwatch = undefined;
      // Hands the broken connection back to the pool (as broken).
      void attempt.stop?.().catch(() => undefined);
      if (this.state !== 'running') return;
      const failures = ++this.watchFailures;
      const retryInMs = this.backoff(failures);
      this.report(error, { during: 'watch', attempt: failures, retryInMs });
      this.watchTimer = setTimeout(() => {
        this.watchTimer = undefined;
        void this.watch();
      }, retryInMs);
      this.watchTimer.unref?.();
    };
    try {
      attempt.stop = await work.watch((dueAt) => this.dueAt(dueAt), fail);
    } catch (error) {
      fail(error);
      return;
    }
    if (attempt.over || this.state !== 'running') {
      attempt.over = true;
      await attempt.stop?.().catch(() => undefined);
      return;
    }
    this.unwatch = attempt.stop;
    if (this.watchFailures > 0) {
      this.watchFailures = 0;
      this.wake();
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
      if (this.onError) this.onError(error, context);
      else this.logger.error({ err: error, owner: this.owner, ...context }, `dealflow runner: ${context.during}${context.id ? ` ${context.id}` : ''} failed:`);
    } catch {
      // A throwing error handler must not stop the runner.
    }
  }
}

/** Creates a runner for `engine` and starts it. `await runner.stop()` on shutdown (SIGTERM). */
export function createRunner(engine: Engine, options: RunnerOptions = {}): Runner {
  return new Runner(engine, options).start();
}
