import type { Notifier, RuleInput } from '../../src/index.js';
import { createTestEngine, InMemoryNotifier } from '../lib/dealflow.js';
import type { Workload } from '../harness.js';

/**
 * Messages delivered per second through the outbox on the in-memory store: N committed
 * notifications (written by N deal commands with deliverOnCommit off, not timed), then one
 * `runDue()` that attempts each and records the result in its own transaction (timed). Also the
 * same with every message failing once (two passes, the retry after its backoff), and digests:
 * N notifications held for 50 managers and sent as 50 digests.
 */
const pipeline = {
  id: 'sales',
  name: 'Sales',
  stages: [
    { id: 'new', name: 'New' },
    { id: 'won', name: 'Won', kind: 'won' as const },
  ],
};

const notifyOwner = (digest?: string): RuleInput[] => [
  {
    id: 'tell',
    trigger: { type: 'deal.created' },
    actions: [{ type: 'notify', params: { to: 'owner', template: 'deal.new', text: 'A new deal', ...(digest ? { digest } : {}) } }],
  },
];

/** Fails each message's first attempt, then accepts. */
class FailOnce implements Notifier {
  sent = 0;
  async send(_m: unknown, o: { attempt: number }): Promise<void> {
    if (o.attempt === 1) throw new Error('busy');
    this.sent++;
  }
}

async function queued(n: number, notifier: Notifier, digest?: string) {
  const engine = createTestEngine({
    pipelines: [pipeline],
    rules: notifyOwner(digest),
    notifier,
    deliverOnCommit: false,
    retry: { baseDelayMs: 1000, jitter: 0 },
  });
  for (let i = 0; i < n; i++) await engine.createDeal({ pipelineId: 'sales', ownerId: `u${i % 50}`, amount: i });
  return engine;
}

async function timed(rounds: number, setup: () => Promise<() => Promise<number>>): Promise<{ ms: number; delivered: number }> {
  const runs: Array<{ ms: number; delivered: number }> = [];
  for (let r = 0; r < rounds; r++) {
    const go = await setup();
    const t0 = performance.now();
    const delivered = await go();
    runs.push({ ms: performance.now() - t0, delivered });
  }
  runs.sort((a, b) => a.ms - b.ms);
  return runs[Math.floor(runs.length / 2)]!;
}

export default {
  name: 'delivery',
  async run({ quick }) {
    const n = quick ? 2_000 : 20_000;
    const rounds = quick ? 3 : 5;

    const plain = await timed(rounds, async () => {
      const engine = await queued(n, new InMemoryNotifier());
      return async () => (await engine.runDue()).delivered;
    });
    if (plain.delivered !== n) throw new Error(`delivered ${plain.delivered} of ${n}`);

    const retried = await timed(rounds, async () => {
      const notifier = new FailOnce();
      const engine = await queued(n, notifier);
      return async () => {
        await engine.runDue(); // every first attempt fails
        await engine.advance({ seconds: 2 }); // every retry succeeds
        return notifier.sent;
      };
    });
    if (retried.delivered !== n) throw new Error(`delivered ${retried.delivered} of ${n} after a retry`);

    const digests = await timed(rounds, async () => {
      const notifier = new InMemoryNotifier();
      const engine = await queued(n, notifier, 'hourly');
      return async () => {
        await engine.advance({ hours: 1 });
        return notifier.sent.reduce((sum, m) => sum + (m.items?.length ?? 0), 0);
      };
    });
    if (digests.delivered !== n) throw new Error(`digested ${digests.delivered} of ${n}`);

    const perSec = (count: number, ms: number) => Math.round((count / ms) * 1000);
    const table = [
      { case: 'deliver (1 attempt each)', messages: n, 'median ms': Math.round(plain.ms), 'messages/s': perSec(n, plain.ms) },
      { case: 'fail once, retry after backoff', messages: n, 'median ms': Math.round(retried.ms), 'messages/s': perSec(n, retried.ms) },
      { case: 'held in 50 hourly digests', messages: n, 'median ms': Math.round(digests.ms), 'messages/s': perSec(n, digests.ms) },
    ];
    return {
      table,
      keys: {
        'delivery.messages_per_sec': perSec(n, plain.ms),
        'delivery.retried_messages_per_sec': perSec(n, retried.ms),
        'delivery.digest_items_per_sec': perSec(n, digests.ms),
      },
      notes: [
        `${n} notifications committed first (not timed), then delivered by runDue on the in-memory store; median of ${rounds} rounds.`,
        'Each attempt: the send, then one transaction writing the message state and a log entry.',
        'Digest row: only sending is timed (holding happens in the commands); messages/s counts the items listed.',
      ],
    };
  },
} satisfies Workload;
