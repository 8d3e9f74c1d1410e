import { describe, expect, it } from 'vitest';
import { SerialQueue } from '../../src/memory/serial.js';

describe('SerialQueue', () => {
  it('runs calls one at a time in call order; a failure goes to its caller and the next call still runs', async () => {
    const q = new SerialQueue();
    const trace: string[] = [];
    let running = 0;
    const step = (name: string, fail = false) =>
      q.run(async () => {
        running++;
        trace.push(`start ${name} (${running} running)`);
        await new Promise((r) => setImmediate(r));
        running--;
        trace.push(`end ${name}`);
        if (fail) throw new Error(name);
        return name;
      });
    const results = await Promise.allSettled([step('a'), step('b', true), step('c')]);
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message))).toEqual(['a', 'b', 'c']);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(trace).toEqual(['start a (1 running)', 'end a', 'start b (1 running)', 'end b', 'start c (1 running)', 'end c']);
  });

  it('starts a call at once when none is running, and again once the last has finished', async () => {
    const q = new SerialQueue();
    let started = false;
    const first = q.run(async () => {
      started = true;
    });
    expect(started).toBe(true);
    await first;
    started = false;
    const second = q.run(async () => {
      started = true;
    });
    expect(started).toBe(true);
    await second;
  });
});
