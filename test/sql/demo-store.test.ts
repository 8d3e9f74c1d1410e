/**
 * The demo on the embedded store: `--store <dir>` keeps the state in PGlite there; a second run
 * continues where the first stopped, and what came due in between fires once.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'dealflow-demo-'));
const data = join(dir, 'data');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const demo = () =>
  execFileSync(process.execPath, ['--import', 'tsx', join(root, 'examples/proposal-deadline/main.ts'), '--store', data], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
const count = (text: string, line: string) => text.split('\n').filter((l) => l.includes(line)).length;

describe('the demo with --store (PGlite in a directory)', () => {
  it('stops on day 2, continues from there on the next run, and fires what came due in between once', () => {
    const first = demo();
    expect(first).toContain('Stopped on day 2');
    expect(count(first, 'D-2  → Boris (sales): Reminder: the proposal is due within 4 days.')).toBe(1);
    expect(first).not.toContain('due tomorrow');

    const second = demo();
    expect(second).toContain('Continuing from 2026-03-04 08:00');
    expect(count(second, 'D-2  → Boris (sales): Reminder: the proposal is due tomorrow.')).toBe(1);
    expect(count(second, 'D-2  → Maria (head of sales): No proposal was sent within 5 days.')).toBe(1);
    expect(count(second, 'D-2  violation recorded')).toBe(1);
    expect(second).not.toContain('due within 4 days'); // day 1 fired in the first run, not again
    expect(second).toContain('D-2  Florist website        MISSED the 5 days');

    const third = demo();
    expect(third).toContain('Continuing from 2026-03-08 08:00');
    expect(third).not.toContain('→');
    expect(count(third, 'MISSED the 5 days')).toBe(1);
  }, 180_000);
});
