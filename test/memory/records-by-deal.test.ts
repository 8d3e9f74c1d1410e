import { describe, expect, it } from 'vitest';
import { InMemoryStorage, type StoredRecord } from '../../src/index.js';

const rec = (id: string, dealId: string | null, n = 0): StoredRecord => ({ kind: 'sla', id, dealId, at: '2026-03-02T09:00:00.000Z', data: { n } });

describe('in-memory records by deal', () => {
  it('lists one deal’s records of a kind in write order, replacements in place', async () => {
    const s = new InMemoryStorage();
    await s.transaction(async (tx) => {
      await tx.putRecord(rec('a', 'D-1'));
      await tx.putRecord(rec('b', 'D-2'));
      await tx.putRecord(rec('c', 'D-1'));
      await tx.putRecord(rec('a', 'D-1', 1));
      await tx.putRecord({ ...rec('x', 'D-1'), kind: 'approval' });
    });
    const ids = await s.transaction(async (tx) => (await tx.listRecords('sla', { dealId: 'D-1' })).map((r) => [r.id, r.data.n]));
    expect(ids).toEqual([
      ['a', 1],
      ['c', 0],
    ]);
    expect(await s.transaction((tx) => tx.listRecords('sla'))).toHaveLength(3);
  });

  it('a rolled-back transaction leaves the index as it was', async () => {
    const s = new InMemoryStorage();
    await s.transaction((tx) => tx.putRecord(rec('a', 'D-1')));
    await expect(
      s.transaction(async (tx) => {
        await tx.putRecord(rec('a', 'D-1', 5));
        await tx.putRecord(rec('b', 'D-1'));
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await s.transaction((tx) => tx.listRecords('sla', { dealId: 'D-1' }))).toEqual([rec('a', 'D-1')]);
  });

  it('a record that moves to another deal is listed under the new one only', async () => {
    const s = new InMemoryStorage();
    await s.transaction((tx) => tx.putRecord(rec('a', 'D-1')));
    await s.transaction((tx) => tx.putRecord(rec('a', 'D-2')));
    expect(await s.transaction((tx) => tx.listRecords('sla', { dealId: 'D-1' }))).toEqual([]);
    expect(await s.transaction((tx) => tx.listRecords('sla', { dealId: 'D-2' }))).toEqual([rec('a', 'D-2')]);
  });
});
