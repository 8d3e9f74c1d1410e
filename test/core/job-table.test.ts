import { describe, expect, it } from 'vitest';
import { JobTable } from '../../src/core/job-table.js';
import type { Job } from '../../src/core/types.js';

const job = (id: string, dueAt = '2026-03-02T09:00:00.000Z'): Job => ({
  id,
  dealId: 'deal-1',
  ruleId: 'r',
  enrolmentId: 'e',
  actionIndex: 0,
  actionId: '0',
  dueAt,
  stageId: null,
  cancelOnStageLeave: false,
  anchorField: null,
  event: null,
  createdAt: '2026-03-01T09:00:00.000Z',
});

describe('JobTable (a transition’s jobs, copy on write)', () => {
  it('hands back the snapshot’s own array when nothing changed', () => {
    const jobs = [job('a'), job('b')];
    const table = new JobTable(jobs);
    expect(table.get('b')).toBe(jobs[1]);
    expect(table.toArray()).toBe(jobs);
  });

  it('never changes the array it was given, and keeps Map order (replace in place, add last)', () => {
    const jobs = Object.freeze([job('a'), job('b'), job('c')]) as Job[];
    const table = new JobTable(jobs);
    table.delete('b');
    table.set(job('a', 'later'));
    table.set(job('d'));
    expect(jobs.map((j) => j.id)).toEqual(['a', 'b', 'c']);
    expect(table.toArray().map((j) => [j.id, j.dueAt.slice(0, 5)])).toEqual([
      ['a', 'later'],
      ['c', '2026-'],
      ['d', '2026-'],
    ]);
    expect(table.delete('b')).toBe(false);
  });

  it('finds jobs by id past the scan limit, after changes too', () => {
    const table = new JobTable(Array.from({ length: 40 }, (_, i) => job(`j${i}`)));
    expect(table.get('j33')?.id).toBe('j33');
    table.delete('j10');
    table.set(job('new'));
    expect([table.get('j33')?.id, table.get('j10'), table.get('new')?.id, table.size]).toEqual(['j33', undefined, 'new', 40]);
  });
});
