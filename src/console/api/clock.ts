import { z } from 'zod';
import { ConsoleError } from '../http.js';
import { type ApiContext, clockView, type ConsoleSettings } from '../context.js';
import { parseBody } from '../parse.js';
import type { ClockView } from '../views.js';

/** The farthest one step may move the clock: a demo moves hours and days, not years. */
const MAX_STEP_MS = 366 * 24 * 3_600_000;

const AdvanceBody = z
  .union([
    z.object({ hours: z.number().int().min(1).max(8784) }).strict(),
    z.object({ days: z.number().int().min(1).max(366) }).strict(),
    z.object({ next: z.literal(true) }).strict(),
  ])
  .describe('{ hours }, { days } or { next: true }');

/**
 * `POST api/clock/advance`: moves a fake clock forward by hours or days, or to the next due job,
 * stopping at each due time on the way to run what is due then (as TestEngine.advance does), so
 * every job sees the jobs before it. Offered only when the engine's clock can be set.
 */
export async function advanceClock(c: ApiContext): Promise<ClockView> {
  const clock = c.settings.clock;
  if (!clock) throw new ConsoleError(404, 'NOT_FOUND', 'this engine’s clock is real time; the console moves only a fake clock');
  const body = parseBody(AdvanceBody, c.body, 'the clock step');
  const now = clock.now().getTime();
  let target: number;
  if ('next' in body) {
    const next = await c.engine.nextDueAt();
    target = next ? Math.max(next.getTime(), now) : now;
  } else {
    target = now + ('hours' in body ? body.hours : body.days * 24) * 3_600_000;
  }
  await advanceTo(c.settings, Math.min(target, now + MAX_STEP_MS));
  return clockView(c.settings);
}

async function advanceTo(settings: ConsoleSettings, target: number): Promise<void> {
  const { engine, clock } = settings;
  for (;;) {
    const next = await engine.nextDueAt();
    if (!next || next.getTime() > target) break;
    if (next.getTime() > clock!.now().getTime()) clock!.set(next);
    const before = next.getTime();
    const ran = await engine.runDue();
    // A delivery retry whose due time does not move would spin: stop once nothing ran and nothing moved.
    if (ran.jobsRun + ran.jobsFailed + ran.delivered === 0 && (await engine.nextDueAt())?.getTime() === before) break;
  }
  if (target > clock!.now().getTime()) clock!.set(new Date(target));
  await engine.runDue();
}
