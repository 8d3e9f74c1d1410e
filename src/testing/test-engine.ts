import { Engine, type EngineConfig } from '../engine/engine.js';
import { SequentialIds } from '../ports/ids.js';
import { InMemoryNotifier, type SentMessage } from '../ports/notifier.js';
import { FakeClock, type ClockDuration } from './fake-clock.js';

export interface TestEngineConfig extends EngineConfig {
  /** Where the fake clock starts. Default Monday 2026-01-05 09:00 UTC. */
  start?: Date | string;
}

/**
 * An engine on a FakeClock, with sequential ids and a notifier that keeps what it is sent.
 * `advance` fires due jobs one at a time at their own due times, so each job's effects (and
 * the jobs they schedule) are seen by the jobs after it.
 */
export class TestEngine extends Engine {
  declare readonly clock: FakeClock;

  constructor(config: TestEngineConfig) {
    const clock = config.clock instanceof FakeClock ? config.clock : new FakeClock(config.start);
    super({ ids: new SequentialIds(), notifier: new InMemoryNotifier(), ...config, clock });
  }

  /** What the notifier was sent, if it is the in-memory one. */
  get notifications(): SentMessage[] {
    return this.notifier instanceof InMemoryNotifier ? this.notifier.sent : [];
  }

  /** Advances the clock by `d`, stopping at each due time on the way to run what is due. */
  async advance(d: ClockDuration): Promise<void> {
    await this.advanceTo(new Date(this.clock.target(d)));
  }

  /**
   * Advances the clock to an instant (a Date or an ISO string), running every job and delivery
   * that comes due on the way at its own due time. Use it when a test is easier to read in
   * calendar terms ("on Friday at 17:00") than as a duration from now.
   */
  async advanceTo(target: Date | string): Promise<void> {
    const end = typeof target === 'string' ? new Date(target) : target;
    for (;;) {
      const next = await this.nextDueAt();
      if (!next || next.getTime() > end.getTime()) break;
      if (next.getTime() > this.clock.now().getTime()) this.clock.set(next);
      const before = next.getTime();
      const ran = await this.runDue();
      // A retry whose due time does not move would spin; stop once nothing runs and time did not move.
      if (ran.jobsRun + ran.jobsFailed + ran.delivered === 0 && (await this.nextDueAt())?.getTime() === before) break;
    }
    this.clock.set(end);
    await this.runDue();
  }
}

/**
 * Creates a {@link TestEngine}: the engine your production code builds, but on a fake clock
 * starting at `config.start`, with predictable ids (`deal-1`, `job-1`, …) and notifications kept in
 * memory, so a test can assert exactly what was sent and when.
 */
export function createTestEngine(config: TestEngineConfig): TestEngine {
  return new TestEngine(config);
}
