import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { bools, json, nums, texts } from '../../src/sql/literal.js';
import { DATABASE_URL } from './server.js';

// Arrays are written as one string in array syntax ('{"a","b"}'::text[]), no longer as
// ARRAY['a', 'b'] (a parse node per element on the server): every value must read back as it was
// written, whatever it holds, and whichever way the server reads backslashes.
const TRICKY = ['a', 'b"c', 'd\\e', "f'g", null, '', 'NULL', ' sp ', '{x}', 'a,b', 'é', '\n', '\\"', JSON.stringify({ q: 'x"\\y' })];

async function readBack(query: (sql: string) => Promise<Record<string, unknown>>) {
  for (const scs of ['on', 'off']) {
    await query(`SET standard_conforming_strings = ${scs}`);
    const row = await query(
      `SELECT ${texts(TRICKY)} AS tricky, ${texts(['x', 'y'])} AS plain, ${texts([])} AS empty, ${nums([1, -2, 30])} AS n, ${nums([])} AS n0,
              ${bools([true, false])} AS b, ${bools([])} AS b0, (${json([{ a: "it's" }, { b: 'x\\y' }])})::text AS j`,
    );
    expect(row).toEqual({
      tricky: TRICKY,
      plain: ['x', 'y'],
      empty: [],
      n: [1, -2, 30],
      n0: [],
      b: [true, false],
      b0: [],
      j: JSON.stringify([{ a: "it's" }, { b: 'x\\y' }]),
    });
  }
}

describe('array and json literals', () => {
  it('read back as written on PGlite', async () => {
    const db = await PGlite.create();
    try {
      await readBack(async (sql) => (await db.query<Record<string, unknown>>(sql)).rows[0]!);
    } finally {
      await db.close();
    }
  });

  describe.runIf(DATABASE_URL)('on the server', () => {
    const client = new pg.Client(DATABASE_URL);
    afterAll(() => client.end());
    it('read back as written', async () => {
      await client.connect();
      await readBack(async (sql) => (await client.query(sql)).rows[0] as Record<string, unknown>);
    });
  });

  it('refuse a NUL character in an array element (PostgreSQL cannot store it)', () => {
    expect(() => texts(['a\u0000b'])).toThrow(/NUL/);
  });
});
