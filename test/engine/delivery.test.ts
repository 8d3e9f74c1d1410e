import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  DealflowError,
  InMemoryStorage,
  PermanentDeliveryError,
  SequentialIds,
  type Notifier,
  type OutgoingMessage,
  type RuleInput,
  type SendOptions,
} from '../../src/index.js';
import { backoffMs, DEFAULT_RETRY } from '../../src/engine/delivery.js';
import { createTestEngine, FakeClock } from '../../src/testing/index.js';
import { directory, newDeal, salesPipeline } from '../helpers.js';

/** A notifier whose every call is decided by `decide`; it records what it was asked, and when. */
class ScriptedNotifier implements Notifier {
  readonly calls: Array<{ key: string; attempt: number; at: string; to: string }> = [];
  readonly delivered: string[] = [];
  constructor(
    private readonly clock: FakeClock,
    private readonly decide: (message: OutgoingMessage, options: SendOptions, call: number) => void | Promise<void>,
  ) {}
  async send(message: OutgoingMessage, options: SendOptions): Promise<void> {
    this.calls.push({ key: options.idempotencyKey, attempt: options.attempt, at: this.clock.now().toISOString(), to: message.recipient.id });
    await this.decide(message, options, this.calls.length);
    this.delivered.push(options.idempotencyKey);
  }
}

const greet: RuleInput = {
  id: 'greet',
  trigger: { type: 'deal.created' },
  actions: [{ id: 'hello', type: 'notify', params: { to: 'owner', template: 'hello' } }],
};

function setup(decide: ConstructorParameters<typeof ScriptedNotifier>[1], extra: Record<string, unknown> = {}) {
  const clock = new FakeClock('2026-03-02T09:00:00.000Z');
  const notifier = new ScriptedNotifier(clock, decide);
  const engine = createTestEngine({ pipelines: [salesPipeline], rules: [greet], directory: directory(), clock, notifier, ...extra });
  return { engine, notifier, clock };
}

const types = (entries: Array<{ type: string }>) => entries.map((e) => e.type);

afterEach(() => vi.restoreAllMocks());

describe('retries with backoff and seeded jitter', () => {
  it('draws the same jitter for the same key and attempt, within [(1 − jitter) × w, w], and different ones for other keys', () => {
    const policy = { ...DEFAULT_RETRY, baseDelayMs: 1000, maxDelayMs: 60_000, jitter: 0.5 };
    for (let attempt = 1; attempt <= 8; attempt++) {
      const full = Math.min(60_000, 1000 * 2 ** (attempt - 1));
      const wait = backoffMs(attempt, policy, 'enrolment-1:hello->anna');
      expect(wait).toBe(backoffMs(attempt, policy, 'enrolment-1:hello->anna'));
      expect(wait).toBeGreaterThanOrEqual(full * 0.5);
      expect(wait).toBeLessThanOrEqual(full);
    }
    const spread = new Set(Array.from({ length: 50 }, (_, i) => backoffMs(3, policy, `key-${i}`)));
    expect(spread.size).toBeGreaterThan(40);
    expect(backoffMs(3, { ...policy, seed: 'other' }, 'key-1')).not.toBe(backoffMs(3, policy, 'key-1'));
    expect(backoffMs(3, { ...policy, jitter: 0 }, 'key-1')).toBe(4000);
  });

  it('retries at the scheduled times on the fake clock and logs each attempt in the deal history', async () => {
    vi.spyOn(Math, 'random').mockImplementation(() => {
      throw new Error('Math.random must not be used by the engine');
    });
    const { engine, notifier } = setup((_m, _o, call) => {
      if (call <= 2) throw new Error(`SMTP 421 try again (call ${call})`);
    });
    const deal = await engine.createDeal(newDeal);
    await engine.advance({ hours: 1 });

    const history = await engine.history(deal.id);
    const delivery = history.filter((e) => e.type.startsWith('outbox.') || e.type === 'notification.queued');
    expect(types(delivery)).toEqual(['notification.queued', 'outbox.failed', 'outbox.failed', 'outbox.delivered']);
    const [, first, second, delivered] = delivery;
    expect(first!.data).toMatchObject({ attempt: 1, error: 'SMTP 421 try again (call 1)', recipientId: 'anna', key: 'enrolment-1:hello->anna' });
    expect(second!.data).toMatchObject({ attempt: 2, error: 'SMTP 421 try again (call 2)' });
    expect(delivered!.data).toMatchObject({ attempt: 3, key: 'enrolment-1:hello->anna' });
    // Each retry ran exactly when the previous failure said it would.
    expect(notifier.calls.map((c) => c.at)).toEqual(['2026-03-02T09:00:00.000Z', first!.data.nextAttemptAt, second!.data.nextAttemptAt]);
    expect(notifier.calls.map((c) => c.attempt)).toEqual([1, 2, 3]);
    const waits = [first, second].map((e) => Date.parse(e!.data.nextAttemptAt as string) - Date.parse(e!.at));
    expect(waits[0]).toBe(backoffMs(1, DEFAULT_RETRY, 'enrolment-1:hello->anna'));
    expect(waits[1]).toBe(backoffMs(2, DEFAULT_RETRY, 'enrolment-1:hello->anna'));
    expect(notifier.delivered).toEqual(['enrolment-1:hello->anna']);
  });

  it('dead-letters after the last attempt; retryDeadLetter sends it again under the same key', async () => {
    let down = true;
    const { engine, notifier } = setup(
      () => {
        if (down) throw new Error('connection refused');
      },
      { retry: { maxAttempts: 3 } },
    );
    const deal = await engine.createDeal(newDeal);
    await engine.advance({ days: 1 });

    expect(notifier.calls).toHaveLength(3);
    const dead = await engine.deadLetters();
    expect(dead).toHaveLength(1);
    expect(dead[0]).toMatchObject({ status: 'dead', attempts: 3, lastError: 'connection refused', key: 'enrolment-1:hello->anna', dealId: deal.id });
    const last = (await engine.history(deal.id)).at(-1)!;
    expect(last).toMatchObject({ type: 'outbox.dead', data: { attempt: 3, reason: 'max-attempts', error: 'connection refused' } });

    down = false;
    const retried = await engine.retryDeadLetter(dead[0]!.id);
    expect(retried).toMatchObject({ status: 'delivered', attempts: 1, key: 'enrolment-1:hello->anna' });
    expect(await engine.deadLetters()).toEqual([]);
    expect(types((await engine.history(deal.id)).slice(-2))).toEqual(['outbox.retried', 'outbox.delivered']);
    expect(notifier.delivered).toEqual(['enrolment-1:hello->anna']);
  });

  it('dead-letters a permanent error at once, without retrying', async () => {
    const { engine, notifier } = setup(() => {
      throw new PermanentDeliveryError('550 no such mailbox');
    });
    const deal = await engine.createDeal(newDeal);
    await engine.advance({ days: 2 });
    expect(notifier.calls).toHaveLength(1);
    expect((await engine.history(deal.id)).at(-1)).toMatchObject({
      type: 'outbox.dead',
      data: { attempt: 1, reason: 'permanent', error: '550 no such mailbox' },
    });
  });

  it('discards a dead letter: never sent again, kept for the record; only dead letters can be retried or discarded', async () => {
    const { engine, notifier } = setup(() => {
      throw new PermanentDeliveryError('bad address');
    });
    const deal = await engine.createDeal(newDeal);
    const [dead] = await engine.deadLetters({ dealId: deal.id });
    const discarded = await engine.discardDeadLetter(dead!.id);
    expect(discarded.status).toBe('discarded');
    expect(await engine.deadLetters()).toEqual([]);
    await engine.advance({ days: 2 });
    expect(notifier.calls).toHaveLength(1);
    expect((await engine.history(deal.id)).at(-1)).toMatchObject({ type: 'outbox.discarded', data: { previousAttempts: 1, lastError: 'bad address' } });

    await expect(engine.retryDeadLetter(dead!.id)).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(engine.discardDeadLetter('msg-404')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('only lets an actor who may manage the deal retry its dead letter', async () => {
    const { engine } = setup(() => {
      throw new PermanentDeliveryError('bad address');
    });
    await engine.createDeal(newDeal);
    const [dead] = await engine.deadLetters();
    await expect(engine.retryDeadLetter(dead!.id, { actor: { id: 'boris', roles: ['seller'] } })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect(await engine.deadLetters({}, { actor: { id: 'boris', roles: ['seller'] } })).toEqual([]);
    expect(await engine.deadLetters({}, { actor: { id: 'anna', roles: ['seller'] } })).toHaveLength(1);
    expect((await engine.retryDeadLetter(dead!.id, { actor: { id: 'anna', roles: ['seller'] } })).status).toBe('dead');
  });

  it('rejects a bad retry policy with INVALID_CONFIG', () => {
    expect(() => setup(() => {}, { retry: { maxAttempts: 0 } })).toThrow(DealflowError);
    expect(() => setup(() => {}, { retry: { jitter: 2 } })).toThrow(/retry.jitter must be between 0 and 1/);
  });
});

describe('failures never lose the rest of the batch', () => {
  it('delivers the good messages of a command and dead-letters each bad one with its reason', async () => {
    const rules: RuleInput[] = [
      {
        id: 'fanout',
        trigger: { type: 'deal.created' },
        actions: [
          { id: 'ghost', type: 'notify', params: { to: { user: 'ghost' }, template: 'hello' } },
          { id: 'broken', type: 'notify', params: { to: 'owner', template: 'broken' } },
          { id: 'nobody', type: 'notify', params: { to: { role: 'cfo' }, template: 'hello' } },
          { id: 'ok', type: 'notify', params: { to: 'manager', template: 'hello' } },
          { id: 'throws', type: 'notify', params: { to: 'owner', template: 'throws-string' } },
        ],
      },
    ];
    const { engine, notifier } = setup(
      (m) => {
        if (m.template === 'broken') throw new PermanentDeliveryError('template "broken" is missing the variable "deal.customer"');
        if (m.template === 'throws-string') throw 'a string, not an Error';
      },
      { rules, retry: { maxAttempts: 1 } },
    );

    const deal = await engine.createDeal(newDeal);
    expect(notifier.delivered).toEqual(['enrolment-1:ok->maria']);
    const dead = await engine.deadLetters();
    expect(dead.map((m) => [m.key, m.lastError])).toEqual([
      ['enrolment-1:ghost->ghost', 'recipient "ghost" is not in the directory'],
      ['enrolment-1:broken->anna', 'template "broken" is missing the variable "deal.customer"'],
      ['enrolment-1:nobody', 'no recipient: no user has the role "cfo"'],
      ['enrolment-1:throws->anna', 'a string, not an Error'],
    ]);
    const logged = (await engine.history(deal.id)).filter((e) => e.type === 'outbox.dead').map((e) => e.data.key);
    expect(logged).toEqual(dead.map((m) => m.key));
  });

  it('delivers after a "crash" between commit and delivery: a new engine on the same storage sends each message once', async () => {
    const storage = new InMemoryStorage();
    const ids = new SequentialIds();
    const clock = new FakeClock('2026-03-02T09:00:00.000Z');
    const first = new ScriptedNotifier(clock, () => {});
    const crashed = createTestEngine({
      pipelines: [salesPipeline],
      rules: [greet],
      directory: directory(),
      storage,
      ids,
      clock,
      notifier: first,
      deliverOnCommit: false,
    });
    await crashed.createDeal(newDeal);
    await crashed.createDeal({ ...newDeal, ownerId: 'boris' });
    expect(first.calls).toEqual([]);
    // The process dies here: the commands committed, nothing was delivered.

    const second = new ScriptedNotifier(clock, () => {});
    const restarted = createTestEngine({ pipelines: [salesPipeline], rules: [greet], directory: directory(), storage, ids, clock, notifier: second });
    const ran = await restarted.runDue();
    expect(ran.delivered).toBe(2);
    await restarted.advance({ days: 1 });
    expect(second.delivered).toEqual(['enrolment-1:hello->anna', 'enrolment-2:hello->boris']);
    expect((await restarted.outbox()).map((m) => m.status)).toEqual(['delivered', 'delivered']);
  });

  it('a store failure between sending and recording loses nothing: once the claim runs out, each message is sent again under its key and recorded once', async () => {
    const leaseClock = new FakeClock('2030-01-01T00:00:00.000Z');
    let failRecords = 0;
    /** Fails the transaction that records attempts (its first read: getClaimedOutboxes, or getClaimedOutbox where a store has no batch read) while failRecords > 0. */
    class FlakyStorage extends InMemoryStorage {
      override transaction<T>(fn: Parameters<InMemoryStorage['transaction']>[0]): Promise<T> {
        return super.transaction((tx) => {
          if (failRecords === 0) return fn(tx);
          const flaky = Object.create(tx) as typeof tx;
          flaky.getClaimedOutbox = flaky.getClaimedOutboxes = async () => {
            failRecords--;
            throw new Error('the database went away');
          };
          return fn(flaky);
        }) as Promise<T>;
      }
    }
    const { engine, notifier } = setup(() => {}, { storage: new FlakyStorage({ leaseClock }), deliverOnCommit: false });
    for (const ownerId of ['anna', 'boris', 'anna']) await engine.createDeal({ ...newDeal, ownerId });
    failRecords = 1;
    await expect(engine.runDue()).rejects.toThrow('the database went away');
    const keys = notifier.calls.map((c) => c.key);
    expect(keys).toHaveLength(3);
    expect((await engine.outbox()).map((m) => [m.status, m.attempts])).toEqual([
      ['pending', 0],
      ['pending', 0],
      ['pending', 0],
    ]);
    // Still claimed: nothing is sent twice while the claim holds.
    expect((await engine.runDue()).delivered).toBe(0);
    expect(notifier.calls).toHaveLength(3);
    leaseClock.advance({ minutes: 6 });
    expect((await engine.runDue()).delivered).toBe(3);
    expect(notifier.calls.slice(3).map((c) => [c.key, c.attempt])).toEqual(keys.map((k) => [k, 1]));
    expect((await engine.outbox()).map((m) => m.status)).toEqual(['delivered', 'delivered', 'delivered']);
    const recorded = (await engine.storage.transaction((tx) => tx.readLog({ types: ['outbox.delivered'] }))).map((e) => e.data.key);
    expect(recorded.sort()).toEqual([...keys].sort());
  });

  it('sends custom actions through the outbox with the same retries and dead letters', async () => {
    const { defineAction } = await import('../../src/index.js');
    const { z } = await import('zod');
    const calls: Array<[string, number]> = [];
    const post = defineAction({
      type: 'postInvoice',
      params: z.object({ system: z.string() }),
      async execute(ctx) {
        calls.push([ctx.idempotencyKey, ctx.attempt]);
        if (ctx.attempt < 2) throw new Error('accounting system busy');
      },
    });
    const rules: RuleInput[] = [{ id: 'bill', trigger: { type: 'deal.created' }, actions: [{ id: 'post', type: 'postInvoice', params: { system: 'erp' } }] }];
    const { engine } = setup(() => {}, { rules, actions: [post] });
    const deal = await engine.createDeal(newDeal);
    await engine.advance({ hours: 1 });
    expect(calls).toEqual([
      ['enrolment-1:post', 1],
      ['enrolment-1:post', 2],
    ]);
    expect(types((await engine.history(deal.id)).filter((e) => e.type.startsWith('outbox.')))).toEqual(['outbox.queued', 'outbox.failed', 'outbox.delivered']);
  });
});
