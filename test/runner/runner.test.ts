import { afterEach, describe, expect, it } from 'vitest';
import { proposalDirectory, proposalPipeline, proposalRules } from '../../examples/proposal-deadline/setup.js';
import { createEngine, type Engine } from '../../src/engine/engine.js';
import { InMemoryStorage } from '../../src/memory/storage.js';
import { isDealflowError } from '../../src/model/errors.js';
import { InMemoryNotifier, type Notifier, type OutgoingMessage, type SendOptions } from '../../src/ports/notifier.js';
import type { Storage, StorageTx } from '../../src/ports/storage.js';
import { createRunner, type Runner, type RunnerErrorContext } from '../../src/runner/index.js';
import { UuidIds } from '../../src/ports/ids.js';
import { FakeClock, SequentialIds } from '../../src/testing/index.js';

const T0 = '2026-03-02T08:00:00.000Z';
const DAY = 86_400_000;

/** Engines sharing one store need ids that do not collide, as in production: UUIDs unless `sequential`. */
function engineOn(
  storage: Storage,
  clock: FakeClock,
  notifier: Notifier = new InMemoryNotifier(),
  extra: { deliverOnCommit?: boolean; sequential?: boolean } = {},
) {
  const { sequential, ...config } = extra;
  return createEngine({
    pipelines: [proposalPipeline],
    rules: proposalRules,
    directory: proposalDirectory(),
    storage,
    clock,
    notifier,
    ids: sequential ? new SequentialIds() : new UuidIds(),
    ...config,
  });
}

const running: Runner[] = [];
function start(engine: Engine, options: Parameters<typeof createRunner>[1] = {}) {
  const runner = createRunner(engine, { pollIntervalMs: 5, ...options });
  running.push(runner);
  return runner;
}
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.stop({ timeoutMs: 50 })));
});

/** Waits until every runner is idle and nothing is due on the store. */
async function allIdle(engine: Engine, runners: Runner[]) {
  for (;;) {
    await Promise.all(runners.map((r) => r.idle()));
    const next = await engine.nextDueAt();
    if (next === undefined || next.getTime() > engine.clock.now().getTime()) return;
  }
}

/** A notifier whose sends wait until released, to hold a delivery in flight. */
class GatedNotifier implements Notifier {
  readonly sent: string[] = [];
  private open = false;
  private waiting: Array<() => void> = [];
  private onStart: () => void = () => undefined;
  readonly started = new Promise<void>((r) => (this.onStart = r));
  async send(_m: OutgoingMessage, o: SendOptions) {
    this.onStart();
    if (!this.open) await new Promise<void>((r) => this.waiting.push(r));
    this.sent.push(o.idempotencyKey);
  }
  release() {
    this.open = true;
    for (const r of this.waiting.splice(0)) r();
  }
}

describe('the runner', () => {
  it('catches up after a late start: everything that came due runs once, in due order', async () => {
    const clock = new FakeClock(T0);
    const notifier = new InMemoryNotifier();
    const engine = engineOn(new InMemoryStorage(), clock, notifier);
    await engine.createDeal({ id: 'D-1', pipelineId: 'sales', ownerId: 'anna', amount: 4_000 });
    clock.set('2026-03-02T09:00:00.000Z');
    await engine.createDeal({ id: 'D-2', pipelineId: 'sales', ownerId: 'boris', amount: 7_000 });
    clock.set(new Date(Date.parse(T0) + 6 * DAY));
    const ran: string[] = [];
    engine.on('job.ran', (e) => ran.push(`${String(e.data.dueAt)} ${e.dealId} ${String(e.data.actionId)}`));

    // One at a time, one per claim: strictly in due order. (Bigger batches keep each deal's order.)
    const runner = start(engine, { concurrency: 1, batchSize: 1 });
    await runner.idle();

    expect(ran).toEqual([
      '2026-03-03T08:00:00.000Z D-1 remind-day-1',
      '2026-03-03T09:00:00.000Z D-2 remind-day-1',
      '2026-03-06T08:00:00.000Z D-1 remind-day-4',
      '2026-03-06T09:00:00.000Z D-2 remind-day-4',
      '2026-03-07T08:00:00.000Z D-1 escalate',
      '2026-03-07T08:00:00.000Z D-1 record',
      '2026-03-07T09:00:00.000Z D-2 escalate',
      '2026-03-07T09:00:00.000Z D-2 record',
    ]);
    const keys = notifier.sent.map((m) => m.idempotencyKey);
    expect(keys).toHaveLength(8);
    expect(new Set(keys).size).toBe(8);
    expect(runner.stats).toMatchObject({ jobsRun: 8, jobsFailed: 0, delivered: 6, errors: 0 });
    expect((await engine.records('violation')).map((v) => v.dealId)).toEqual(['D-1', 'D-2']);
  });

  it('shares one store between two runners and fires everything once', async () => {
    const clock = new FakeClock(T0);
    const storage = new InMemoryStorage();
    const [n1, n2] = [new InMemoryNotifier(), new InMemoryNotifier()];
    const e1 = engineOn(storage, clock, n1, { deliverOnCommit: false });
    const e2 = engineOn(storage, clock, n2, { deliverOnCommit: false });
    for (let i = 0; i < 30; i++) await e1.createDeal({ id: `D-${i}`, pipelineId: 'sales', ownerId: i % 2 ? 'anna' : 'boris', amount: 1_000 });
    clock.set(new Date(Date.parse(T0) + 6 * DAY));

    const r1 = start(e1, { concurrency: 3 });
    const r2 = start(e2, { concurrency: 3 });
    await allIdle(e1, [r1, r2]);

    const keys = [...n1.sent, ...n2.sent].map((m) => m.idempotencyKey);
    expect(keys).toHaveLength(30 * 4);
    expect(new Set(keys).size).toBe(30 * 4);
    expect(r1.stats.jobsRun + r2.stats.jobsRun).toBe(30 * 4);
    // Each deal's jobs ran in due order, whichever runner ran them.
    const ran = (await e1.records('violation')).length;
    expect(ran).toBe(30);
    for (let i = 0; i < 30; i++) {
      const dues = (await e1.history(`D-${i}`)).filter((e) => e.type === 'job.ran').map((e) => String(e.data.dueAt));
      expect(dues).toEqual([...dues].sort());
      expect(dues).toHaveLength(4);
    }
    expect(r1.stats.jobsRun).toBeGreaterThan(0);
    expect(r2.stats.jobsRun).toBeGreaterThan(0);
    expect(await e1.records('violation')).toHaveLength(30);
  });

  it('wakes when a command in its process queues work, without waiting for the poll', async () => {
    const clock = new FakeClock(T0);
    const notifier = new InMemoryNotifier();
    const engine = engineOn(new InMemoryStorage(), clock, notifier, { deliverOnCommit: false });
    const runner = start(engine, { pollIntervalMs: 600_000 });
    await runner.idle();
    const delivered = new Promise((resolve) => engine.once('outbox.delivered', resolve));
    await engine.createDeal({ id: 'D-1', pipelineId: 'sales', ownerId: 'anna', amount: 100 });
    await delivered;
    expect(notifier.sent.map((m) => m.template)).toEqual(['proposal.requested']);
  });

  it('backs off and retries a job whose transaction failed in the store, reporting each failure', async () => {
    const clock = new FakeClock(T0);
    const inner = new InMemoryStorage();
    let failuresLeft = 2;
    const flaky: Storage = {
      transaction: (fn) =>
        inner.transaction((tx) =>
          fn(
            new Proxy(tx, {
              get(target, prop: keyof StorageTx) {
                // The batch's first read of its claimed jobs: lockClaimedJobs, or getClaimedJob where a store has no batch read.
                if ((prop === 'getClaimedJob' || prop === 'lockClaimedJobs') && failuresLeft > 0) {
                  return async () => {
                    failuresLeft--;
                    throw new Error('connection reset');
                  };
                }
                const v = target[prop];
                return typeof v === 'function' ? v.bind(target) : v;
              },
            }),
          ),
        ),
    };
    const engine = engineOn(flaky, clock, new InMemoryNotifier(), { sequential: true });
    await engine.createDeal({ id: 'D-1', pipelineId: 'sales', ownerId: 'anna', amount: 100 });
    clock.set(new Date(Date.parse(T0) + 1 * DAY + 1));
    const errors: RunnerErrorContext[] = [];
    const runner = start(engine, { backoff: { baseMs: 1 }, onError: (_e, ctx) => errors.push(ctx) });
    await runner.idle();

    expect(errors).toEqual([
      { during: 'job', id: 'job-1', attempt: 1, retryInMs: 1 },
      { during: 'job', id: 'job-1', attempt: 2, retryInMs: 2 },
    ]);
    expect(runner.stats).toMatchObject({ jobsRun: 1, errors: 2 });
    expect((await engine.history('D-1')).filter((e) => e.type === 'job.ran')).toHaveLength(1);
  });

  it('fences a holder whose lease ran out: the next holder’s attempt is the one recorded', async () => {
    const clock = new FakeClock(T0);
    const leaseClock = new FakeClock('2030-01-01T00:00:00.000Z');
    const storage = new InMemoryStorage({ leaseClock });
    const slow = new GatedNotifier();
    const fast = new InMemoryNotifier();
    const eSlow = engineOn(storage, clock, slow, { deliverOnCommit: false });
    const eFast = engineOn(storage, clock, fast, { deliverOnCommit: false });
    await eSlow.createDeal({ id: 'D-1', pipelineId: 'sales', ownerId: 'anna', amount: 100 });

    const rSlow = start(eSlow, { leaseMs: 60_000 });
    await slow.started; // rSlow holds the delivery and is stuck in the send
    leaseClock.advance({ seconds: 61 }); // its lease runs out (it was paused too long to renew)
    const rFast = start(eFast, { leaseMs: 60_000 });
    await rFast.idle();
    expect(fast.sent.map((m) => m.template)).toEqual(['proposal.requested']);

    slow.release();
    await rSlow.idle();
    expect(rSlow.stats).toMatchObject({ delivered: 0, deliveriesSkipped: 1 });
    const [message] = await eFast.outbox();
    expect(message).toMatchObject({ status: 'delivered', attempts: 1 });
    expect((await eFast.history('D-1')).filter((e) => e.type === 'outbox.delivered')).toHaveLength(1);
  });

  it('renews the lease of a delivery slower than the lease, so no other runner sends it meanwhile', async () => {
    const clock = new FakeClock(T0);
    const storage = new InMemoryStorage(); // leases on the real clock: this test takes a second of it
    const slow = new GatedNotifier();
    const other = new InMemoryNotifier();
    const eSlow = engineOn(storage, clock, slow, { deliverOnCommit: false });
    const eOther = engineOn(storage, clock, other, { deliverOnCommit: false });
    await eSlow.createDeal({ id: 'D-1', pipelineId: 'sales', ownerId: 'anna', amount: 100 });

    start(eSlow, { leaseMs: 200 });
    await slow.started;
    const rOther = start(eOther, { leaseMs: 200, pollIntervalMs: 5 });
    await new Promise((r) => setTimeout(r, 1_000)); // five leases' worth of polling by the other runner
    expect(other.sent).toEqual([]);
    slow.release();
    await rOther.idle();
    expect(slow.sent).toHaveLength(1);
    expect(other.sent).toEqual([]);
  });

  it('stop() waits for the delivery in flight, records it, and claims nothing more', async () => {
    const clock = new FakeClock(T0);
    const slow = new GatedNotifier();
    const engine = engineOn(new InMemoryStorage(), clock, slow, { deliverOnCommit: false });
    await engine.createDeal({ id: 'D-1', pipelineId: 'sales', ownerId: 'anna', amount: 100 });
    const runner = start(engine);
    await slow.started;
    const stopped = runner.stop({ timeoutMs: 10_000 });
    await engine.createDeal({ id: 'D-2', pipelineId: 'sales', ownerId: 'anna', amount: 100 });
    slow.release();
    await stopped;
    expect(runner.running).toBe(false);
    expect(runner.stats.delivered).toBe(1);
    expect((await engine.outbox()).map((m) => `${m.dealId}:${m.status}`)).toEqual(['D-1:delivered', 'D-2:pending']);
  });

  it('stop() gives up on a hung delivery after its timeout and lets its lease lapse', async () => {
    const clock = new FakeClock(T0);
    const leaseClock = new FakeClock('2030-01-01T00:00:00.000Z');
    const storage = new InMemoryStorage({ leaseClock });
    const hung = new GatedNotifier();
    const engine = engineOn(storage, clock, hung, { deliverOnCommit: false });
    await engine.createDeal({ id: 'D-1', pipelineId: 'sales', ownerId: 'anna', amount: 100 });
    const runner = start(engine, { leaseMs: 60_000 });
    await hung.started;
    await runner.stop({ timeoutMs: 10 });
    expect(runner.running).toBe(false);
    // Still leased until the lease runs out; then another runner takes it.
    const other = new InMemoryNotifier();
    const e2 = engineOn(storage, clock, other, { deliverOnCommit: false });
    expect(await e2.claimDeliveries(5, { owner: 'x', token: 'x1', ms: 1_000 })).toEqual([]);
    leaseClock.advance({ seconds: 61 });
    await start(e2).idle();
    expect(other.sent).toHaveLength(1);
  });

  it('refuses bad options with INVALID_CONFIG', () => {
    const engine = engineOn(new InMemoryStorage(), new FakeClock(T0));
    for (const bad of [{ concurrency: 0 }, { concurrency: 1.5 }, { leaseMs: -1 }, { pollIntervalMs: Number.NaN }]) {
      let error: unknown;
      try {
        createRunner(engine, bad);
      } catch (e) {
        error = e;
      }
      expect(isDealflowError(error, 'INVALID_CONFIG')).toBe(true);
    }
  });
});
