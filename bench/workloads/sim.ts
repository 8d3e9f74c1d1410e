import { createActor, setup, SimulatedClock } from 'xstate';
import { createTestEngine, InMemoryStorage } from '../lib/dealflow.js';
import { proposalDirectory, proposalPipeline, proposalRules } from '../../examples/proposal-deadline/setup.js';
import type { Workload } from '../harness.js';

/**
 * The 5-day proposal rule on N deals, simulated: every deal gets the request at once, a reminder
 * on day 1 and day 4, and on day 5 the manager is told and a violation recorded — unless the
 * proposal was sent, which half of them do on day 2. dealflow on its FakeClock (jobs fire one by
 * one at their due times) against the same behaviour as XState v5 actors, one per deal, with
 * `after` transitions on XState's SimulatedClock. Both must produce the same notifications.
 */
const DAY = 86_400_000;
const OWNERS = ['anna', 'boris'];

interface Outcome {
  ms: number;
  notifications: number;
  violations: number;
}

/** `lean`: a simulation's store keeps no history and drops delivered messages (XState keeps neither). */
async function dealflow(deals: number, lean: boolean): Promise<Outcome> {
  const t0 = performance.now();
  const engine = createTestEngine({
    pipelines: [proposalPipeline],
    rules: proposalRules,
    directory: proposalDirectory(),
    start: '2026-03-02T08:00:00.000Z',
    ...(lean ? { storage: new InMemoryStorage({ keepLog: false, keepDelivered: false }) } : {}),
  });
  const ids: string[] = [];
  for (let i = 0; i < deals; i++) {
    const deal = await engine.createDeal({ pipelineId: 'sales', ownerId: OWNERS[i % 2]!, title: `Deal ${i}`, amount: 1_000 + (i % 8_000) });
    ids.push(deal.id);
  }
  await engine.advance({ days: 2 });
  const sentAt = engine.clock.now().toISOString();
  for (let i = 0; i < deals; i += 2) await engine.updateDeal(ids[i]!, { fields: { proposalSentAt: sentAt } });
  await engine.advance({ days: 4 });
  const ms = performance.now() - t0;
  return { ms, notifications: engine.notifications.length, violations: (await engine.records('violation')).length };
}

function xstate(deals: number): Outcome {
  const t0 = performance.now();
  let notifications = 0;
  let violations = 0;
  const machine = setup({
    actions: {
      notify: () => void notifications++,
      recordViolation: () => void violations++,
    },
  }).createMachine({
    id: 'proposal',
    initial: 'waiting',
    entry: 'notify',
    states: {
      waiting: {
        after: { [DAY]: { actions: 'notify' }, [4 * DAY]: { actions: 'notify' }, [5 * DAY]: { target: 'missed' } },
        on: { SENT: 'sent' },
      },
      missed: { type: 'final', entry: ['notify', 'recordViolation'] },
      sent: { type: 'final' },
    },
  });
  const clock = new SimulatedClock();
  const actors = Array.from({ length: deals }, () => createActor(machine, { clock }).start());
  clock.increment(2 * DAY);
  for (let i = 0; i < deals; i += 2) actors[i]!.send({ type: 'SENT' });
  clock.increment(4 * DAY);
  return { ms: performance.now() - t0, notifications, violations };
}

export default {
  name: 'sim',
  async run({ quick }) {
    const deals = quick ? 2_000 : 10_000;
    const rounds = quick ? 1 : 3;
    const full: Outcome[] = [];
    const lean: Outcome[] = [];
    const theirs: Outcome[] = [];
    for (let r = 0; r < rounds; r++) {
      full.push(await dealflow(deals, false));
      lean.push(await dealflow(deals, true));
      theirs.push(xstate(deals));
    }
    const median = (xs: Outcome[]) => [...xs].sort((a, b) => a.ms - b.ms)[Math.floor(xs.length / 2)]!;
    const a = median(full);
    const l = median(lean);
    const b = median(theirs);
    for (const o of [a, l]) {
      if (o.notifications !== b.notifications || o.violations !== b.violations) {
        throw new Error(`different behaviour: dealflow ${o.notifications}/${o.violations}, xstate ${b.notifications}/${b.violations}`);
      }
    }
    const speedup = b.ms / l.ms;
    return {
      table: [
        {
          simulator: 'dealflow, store keeps all history',
          deals,
          'wall ms': Math.round(a.ms),
          notifications: a.notifications,
          violations: a.violations,
          'speed vs xstate': +(b.ms / a.ms).toFixed(2),
        },
        {
          simulator: 'dealflow, keepLog: false',
          deals,
          'wall ms': Math.round(l.ms),
          notifications: l.notifications,
          violations: l.violations,
          'speed vs xstate': +speedup.toFixed(2),
        },
        {
          simulator: 'XState v5 actors (SimulatedClock)',
          deals,
          'wall ms': Math.round(b.ms),
          notifications: b.notifications,
          violations: b.violations,
          'speed vs xstate': 1,
        },
      ],
      keys: {
        'sim.speedup_vs_xstate': +speedup.toFixed(2),
        'sim.dealflow_ms': Math.round(l.ms),
        'sim.dealflow_full_history_ms': Math.round(a.ms),
        'sim.xstate_ms': Math.round(b.ms),
      },
      notes: [
        `${deals.toLocaleString()} deals, 6 simulated days; median of ${rounds} round(s), the three alternating. Same notification and violation counts checked.`,
        'dealflow keeps every deal, job and record (and, in the first row, every history line and delivered message), each command one',
        'storage transaction, and delivers every notification through its notifier (resolving recipients in the directory);',
        'the XState actors count notifications in actions. sim.speedup_vs_xstate is the keepLog: false row.',
      ],
    };
  },
} satisfies Workload;
