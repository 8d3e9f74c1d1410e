import { describe, expect, it } from 'vitest';
import { UuidIds, UuidV7Ids } from '../../src/ports/ids.js';

const V7 = /^job_[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
/** The Unix ms a v7 id carries in its first 48 bits. */
const msOf = (id: string) =>
  Number.parseInt(
    id
      .slice(id.indexOf('_') + 1)
      .replace(/-/g, '')
      .slice(0, 12),
    16,
  );

describe('UuidV7Ids', () => {
  it('makes RFC 9562 version-7 UUIDs, prefixed by kind, carrying the time in ms', () => {
    const at = Date.UTC(2026, 11, 6, 12, 0, 0, 123);
    const ids = new UuidV7Ids(() => at);
    const id = ids.next('job');
    expect(id).toMatch(V7);
    expect(msOf(id)).toBe(at);
    expect(new Date(msOf(id)).toISOString()).toBe('2026-12-06T12:00:00.123Z');
  });

  it('sorts in the order made, as text, also within one millisecond and when the clock steps back', () => {
    const t = Date.UTC(2026, 0, 1);
    const times = [0, 0, 0, 1, 1, -5, 2, 1000];
    let i = 0;
    const ids = new UuidV7Ids(() => t + times[Math.min(i++, times.length - 1)]!);
    const made = Array.from({ length: 5000 }, () => ids.next('job'));
    expect([...made].sort()).toEqual(made);
    expect(new Set(made).size).toBe(made.length);
    // 5000 ids in "one" ms overflow the 12-bit counter: the time moves on by a millisecond, never back.
    for (let k = 1; k < made.length; k++) expect(msOf(made[k]!)).toBeGreaterThanOrEqual(msOf(made[k - 1]!));
  });

  it('is random past the time and counter: two generators at the same instant do not collide', () => {
    const at = () => 1_767_225_600_000;
    const a = Array.from({ length: 1000 }, () => new UuidV7Ids(at).next('deal'));
    expect(new Set(a).size).toBe(1000);
  });

  it('is the same shape as UuidIds: kind, underscore, 36 characters', () => {
    expect(new UuidV7Ids().next('deal')).toHaveLength(new UuidIds().next('deal').length);
  });
});
