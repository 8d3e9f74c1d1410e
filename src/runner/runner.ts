import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Job, LogEntry, OutboxMessage } from '../core/types.js';
import type { Engine } from '../engine/engine.js';
import { DealflowError } from '../model/errors.js';
import { HeldLeases } from './leases.js';

/**
 * How a runner claims and paces work; every field is optional. Tune `concurrency` and `batchSize`
 * for throughput, `leaseMs` for how soon another runner takes over a crashed one's work, and
 * `onError` to route failures to your own logging.
 */
export interface RunnerOptions {
  /** How many jobs run at once, and (separately) how many deliveries. Default 4. */
  concurrency?: number;
  /**
   * How long a claim lasts, in ms, measured on the store's clock. A runner that dies holds its
   * work this long; another claims it after. A live runner renews what it holds (queued or in
   * flight) every third of it. Default 30 s.
   */
  leaseMs?: number;
  /** The longest sleep between looks at the store, in ms (a wake-up or the next due time ends it sooner). Default 1 s. */
  pollIntervalMs?: number;
  /** The name this runner claims under. Default `<host>:<pid>:<random>`. */
  owner?: string;
  /** Waits after failures (the store unreachable, a job whose transaction failed): doubled per failure from `baseMs` up to `maxMs`. */
  backoff?: { baseMs?: number; maxMs?: number };
  /**
   * How many items one claim may take (of each kind), so a busy runner makes one round trip per
   * batch rather than per item. Claimed items wait here for a free slot, under their lease.
   * Default 4 × concurrency.
   */
  batchSize?: number;
  /** How long `stop()` waits for work in flight, in ms. Default 10 s. */
  stopTimeoutMs?: number;
  /**
   * Problems the store's log cannot hold because the store is what failed (or a lease was lost).
   * Default: written to stderr.
   */
  onError?: (error: unknown, context: RunnerErrorContext) => void;
}

/**
 * What the runner was doing when a failure reached `onError`, so a handler can tell a store outage
 * (`claim`, `renew`) from one job or delivery that could not be recorded, and log or alert on it.
 */
export interface RunnerErrorContext {
  /**
   * `claim`: asking the store for due work; `job` / `delivery`: running one claimed item (the
   * store, not the action, failed); `renew`: extending leases; `watch`: listening for the store's
   * wake-ups (LISTEN) failed or the connection was lost: the runner polls meanwhile and listens
   * again after `retryInMs`. A lost database is a `STORAGE_UNAVAILABLE` DealflowError.
   */
  during: 'claim' | 'job' | 'delivery' | 'renew' | 'watch';
  /** The job or outbox message concerned, when there is one. */
  id?: string;
  /** How many times in a row this failed (a job here, claiming, listening). */
  attempt?: number;
  /** For a failed job: how long it stays claimed here before any runner may try it again; for `claim` and `watch`: when the runner tries again. */
  retryInMs?: number;
}

/**
 * Running totals since `start()`, on `runner.stats`: cheap to read from a health check or a
 * metrics exporter to see that a runner is doing work and how much of it fails.
 */
export interface RunnerStats {
  /** Scheduled jobs this runner ran to completion. */
  jobsRun: number;
  /** Jobs whose own cascade threw: dropped with a `job.failed` log entry, not retried (retrying cannot help). */
  jobsFailed: number;
  /** Claimed jobs another process ran or cancelled first, or that were claimed again after the lease ran out. */
  jobsSkipped: number;
  /** Outbox messages the notifier accepted. */
  delivered: number;
  /** Delivery attempts the notifier rejected; the outbox retries them later or dead-letters them. */
  deliveriesFailed: number;
  /** Claimed messages already delivered or claimed again by another runner when this one got to them. */
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
  private readonly batchSize: number;
  private readonly leaseMs: number;
  private readonly pollMs: number;
  private readonly backoffBase: number;
  private readonly backoffMax: number;
  private readonly stopTimeoutMs: number;
  private readonly onError: (error: unknown, context: RunnerErrorContext) => void;

  /** Claimed, waiting for a slot, in claim (due) order. */
  private readonly jobQueue: Array<{ job: Job; token: string }> = [];
  private readonly deliveryQueue: Array<{ message: OutboxMessage; token: string }> = [];
  /** In flight. */
  private readonly jobs = new Map<string, { done: Promise<void>; token: string }>();
  private readonly deliveries = new Map<string, Promise<void>>();
  /** Every lease held, queued or in flight, renewed together. */
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
  private readonly onLog = (entry: LogEntry) => this.heard(entry);

  constructor(
    readonly engine: Engine,
    options: RunnerOptions = {},
  ) {
    this.concurrency = positiveInt(options.concurrency ?? 4, 'concurrency');
    this.batchSize = Math.max(this.concurrency, positiveInt(options.batchSize ?? 4 * this.concurrency, 'batchSize'));
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
    this.renewTimer = setInterval(() => void this.renew(), Math.max(1, Math.floor(this.leaseMs / 3)));
    this.renewTimer.unref?.();
    // The first LISTEN is under way before the loop looks for work, and `idle()` waits for it.
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
   * Stops claiming, gives back what it claimed but had not started, waits up to `timeoutMs` for
   * the work in flight, then lets go: unfinished jobs' leases are released (their transactions
   * are fenced by token), unfinished deliveries stop being renewed and their leases lapse, so
   * another runner takes them over.
   */
  async stop(options: { timeoutMs?: number } = {}): Promise<void> {
    if (this.state === 'new') this.state = 'stopped';
    if (this.state !== 'running') return;
    this.state = 'stopping';
    this.engine.off('log', this.onLog);
    this.wake();
    await this.loopDone;
    const queued: Array<[string, string]> = [
      ...this.jobQueue.splice(0).map((q): [string, string] => [q.job.id, q.token]),
      ...this.deliveryQueue.splice(0).map((q): [string, string] => [q.message.id, q.token]),
    ];
    await this.release(queued);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, options.timeoutMs ?? this.stopTimeoutMs);
    });
    await Promise.race([Promise.allSettled([...[...this.jobs.values()].map((j) => j.done), ...this.deliveries.values()]), timeout]);
    clearTimeout(timer);
    clearInterval(this.renewTimer);
    await this.release([...this.jobs].map(([id, j]): [string, string] => [id, j.token]));
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
        // Busy: a finished item or news wakes the loop; the poll interval bounds the wait.
        await this.sleep(this.pollMs, Number.POSITIVE_INFINITY);
        continue;
      }
      let next: Date | undefined;
      try {
        next = await this.engine.nextDueAt();
      } catch (error) {
        this.report(error, { during: 'claim' });
      }
      const now = this.engine.clock.now().getTime();
      // Due already but not claimable: another runner holds it, or it waits behind its deal's earlier job.
      const wait = next === undefined || next.getTime() <= now ? this.pollMs : Math.min(this.pollMs, next.getTime() - now);
      if (this.leases.size === 0 && (next === undefined || next.getTime() > now) && this.idleWaiters.length > 0) {
        // Idle means listening too (where the store can): a NOTIFY sent after idle() resolves is heard.
        await this.listening;
        for (const resolve of this.idleWaiters.splice(0)) resolve();
      }
      await this.sleep(wait, now + wait);
      this.news();
    }
  }

  /**
   * Tops up the local queues when they run low (one claim per batch), then starts what fits in
   * the free slots. Returns how many items it claimed.
   */
  private async claim(): Promise<number> {
    let claimed = 0;
    const jobsHeld = this.jobQueue.length + this.jobs.size;
    if (jobsHeld < this.concurrency && !this.exhausted.jobs) {
      const want = this.batchSize - jobsHeld;
      // Never what it still holds, even if that lease lapsed: that would run it twice at once.
      const lease = { owner: this.owner, token: this.token(), ms: this.leaseMs, skip: this.leases.ids() };
      const at = Date.now();
      const jobs = await this.engine.claimJobs(want, lease);
      if (jobs.length < want) this.exhausted.jobs = true;
      this.leases.add(
        lease.token,
        jobs.map((j) => j.id),
        at,
      );
      for (const job of jobs) this.jobQueue.push({ job, token: lease.token });
      claimed += jobs.length;
    }
    const messagesHeld = this.deliveryQueue.length + this.deliveries.size;
    if (messagesHeld < this.concurrency && !this.exhausted.deliveries && this.state === 'running') {
      const want = this.batchSize - messagesHeld;
      const lease = { owner: this.owner, token: this.token(), ms: this.leaseMs, skip: this.leases.ids() };
      const at = Date.now();
      const messages = await this.engine.claimDeliveries(want, lease);
      if (messages.length < want) this.exhausted.deliveries = true;
      this.leases.add(
        lease.token,
        messages.map((m) => m.id),
        at,
      );
      for (const message of messages) this.deliveryQueue.push({ message, token: lease.token });
      claimed += messages.length;
    }
    this.pump();
    return claimed;
  }

  /**
   * Starts queued items while there are free slots, in claim order. An item whose lease has not
   * been confirmed lately waits for the renewal: if the lease lapsed while it queued, another
   * runner may already have it.
   */
  private pump(): void {
    if (this.state !== 'running') return;
    const now = Date.now();
    const freshFor = (this.leaseMs * 2) / 3;
    let stale = false;
    while (this.jobs.size < this.concurrency && this.jobQueue.length > 0) {
      if (!this.leases.fresh(this.jobQueue[0]!.job.id, now, freshFor)) {
        stale = true;
        break;
      }
      const { job, token } = this.jobQueue.shift()!;
      this.runJob(job, token);
    }
    while (this.deliveries.size < this.concurrency && this.deliveryQueue.length > 0) {
      if (!this.leases.fresh(this.deliveryQueue[0]!.message.id, now, freshFor)) {
        stale = true;
        break;
      }
      const { message, token } = this.deliveryQueue.shift()!;
      this.deliver(message, token);
    }
    if (stale) void this.renew();
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
        this.leases.drop(job.id);
        this.finished('job');
      }
    })();
    this.jobs.set(job.id, { done, token });
  }

  private deliver(message: OutboxMessage, token: string): void {
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
        this.deliveries.delete(message.id);
        this.leases.drop(message.id);
        this.finished('delivery');
      }
    })();
    this.deliveries.set(message.id, done);
  }

  /** An item finished: start the next queued one, and have the loop top up the queue when it runs low. */
  private finished(kind: 'job' | 'delivery'): void {
    // A job done may make its deal's next job claimable.
    if (kind === 'job') this.exhausted.jobs = false;
    this.pump();
    const low = kind === 'job' ? this.jobQueue.length < this.concurrency : this.deliveryQueue.length < this.concurrency;
    if (low) this.nudge();
  }

  // ---- leases ----------------------------------------------------------------------------------

  /**
   * Renews every lease held, queued or in flight, in one transaction. Items of a claim that lost
   * any lease and are still queued are dropped unstarted (another runner has them, or will);
   * those in flight finish, and their result is fenced if the lease was taken over.
   */
  private renew(): Promise<void> {
    if (this.renewing) return this.renewing;
    const held = this.leases.entries();
    if (held.length === 0) return Promise.resolve();
    const at = Date.now();
    this.renewing = this.engine.storage
      .transaction(async (tx) => {
        const lost: string[] = [];
        for (const [token, ids] of held) {
          const kept = await tx.renewLeases(token, this.leaseMs, ids);
          if (kept === ids.length) this.leases.confirm(token, at);
          else lost.push(token);
        }
        return lost;
      })
      .then((lost) => {
        for (const token of lost) this.forget(token);
      })
      .catch((error) => this.report(error, { during: 'renew' }))
      .finally(() => {
        this.renewing = undefined;
        this.pump();
      });
    return this.renewing;
  }

  /** Drops the not-yet-started items of a claim whose lease could not be renewed. */
  private forget(token: string): void {
    for (const queue of [this.jobQueue, this.deliveryQueue] as Array<Array<{ token: string; job?: Job; message?: OutboxMessage }>>) {
      for (let i = queue.length - 1; i >= 0; i--) {
        const q = queue[i]!;
        if (q.token !== token) continue;
        queue.splice(i, 1);
        this.leases.drop((q.job ?? q.message)!.id);
      }
    }
  }

  private async release(items: Array<[string, string]>): Promise<void> {
    for (const [id] of items) this.leases.drop(id);
    if (items.length === 0) return;
    await this.engine.storage
      .transaction(async (tx) => {
        for (const [id, token] of items) await tx.releaseLeases(token, [id]);
      })
      .catch((error) => this.report(error, { during: 'renew' }));
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

  /** A command in this process scheduled or queued something: wake if it is due before the planned wake-up. */
  private heard(entry: LogEntry): void {
    if (entry.type === 'job.scheduled') this.dueAt(String(entry.data.dueAt));
    else if (entry.type === 'outbox.queued' || entry.type === 'notification.queued') this.dueAt(entry.at);
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
    const storage = this.engine.storage;
    if (!storage.watch || this.state !== 'running') return;
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
      attempt.stop = await storage.watch((dueAt) => this.dueAt(dueAt), fail);
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
      this.onError(error, context);
    } catch {
      // A throwing error handler must not stop the runner.
    }
  }
}

function positive(n: number, name: string): number {
  if (!(typeof n === 'number' && n > 0 && Number.isFinite(n)))
    throw new DealflowError('INVALID_CONFIG', `runner option ${name} must be a positive number of ms, got ${String(n)}`);
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
