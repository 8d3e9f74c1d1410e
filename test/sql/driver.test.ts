/**
 * Regression (CI, a runner through a server restart): the host process ended with
 * `Unhandled 'error' event` from a pg Client. pg-pool removes its idle listener as it hands a
 * client over, and pg parses every message of a TCP chunk synchronously: a backend terminated
 * just as its connection opened sends ReadyForQuery and its FATAL error in one chunk, so the FATAL
 * was emitted before `await pool.connect()` resumed and attached the store's listener. The fake
 * pool below hands a client over and emits the FATAL in the same synchronous step, as pg does.
 */
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { poolDriver, type PgPoolLike } from '../../src/sql/driver.js';

const FATAL = Object.assign(new Error('terminating connection due to administrator command'), { severity: 'FATAL', code: '57P01' });

/** A pool whose next client dies the moment it is handed over. */
function dyingPool() {
  const seen = { unheardErrors: 0, releasedBroken: [] as unknown[] };
  const hand = () => {
    const client = Object.assign(new EventEmitter(), {
      dead: false,
      query: async () => {
        if (client.dead) throw new Error('Client has encountered a connection error and is not queryable');
        return { rows: [] };
      },
      release: (broken?: unknown) => seen.releasedBroken.push(broken),
    });
    return client;
  };
  const die = (client: ReturnType<typeof hand>) => {
    client.dead = true;
    // With nobody listening, a real EventEmitter throws here and Node ends the process.
    if (client.listenerCount('error') === 0) seen.unheardErrors++;
    else client.emit('error', FATAL);
  };
  const pool: PgPoolLike = {
    totalCount: 1,
    connect: ((callback?: (e: Error | undefined, c: unknown) => void) => {
      const client = hand();
      if (callback) {
        callback(undefined, client);
        die(client);
        return undefined;
      }
      const promised = Promise.resolve(client);
      die(client);
      return promised;
    }) as PgPoolLike['connect'],
    query: async () => ({ rows: [] }),
  };
  return { pool, seen };
}

describe('poolDriver: a connection that dies as the pool hands it over', () => {
  it('is heard by the store (no unhandled error event), fails the transaction, and goes back to the pool as broken', async () => {
    const { pool, seen } = dyingPool();
    const driver = poolDriver(pool);
    await expect(driver.transaction(async (tx) => tx.query('SELECT 1'))).rejects.toThrow(/not queryable/);
    expect(seen.unheardErrors).toBe(0);
    expect(seen.releasedBroken).toHaveLength(1);
    expect(seen.releasedBroken[0]).toBeInstanceOf(Error);
  });

  it('the same for a connection held for a transaction the store drives, and for LISTEN (onLost told)', async () => {
    const { pool, seen } = dyingPool();
    const driver = poolDriver(pool);
    const conn = await driver.connect!();
    await expect(conn.script('BEGIN; SELECT 1')).rejects.toThrow(/not queryable/);
    conn.release();
    const lost: Error[] = [];
    await expect(
      driver.listen!(
        'dealflow',
        () => undefined,
        (e) => lost.push(e),
      ),
    ).rejects.toThrow(/not queryable/);
    expect(seen.unheardErrors).toBe(0);
    expect(lost).toEqual([FATAL]);
    expect(seen.releasedBroken.every((b) => b instanceof Error)).toBe(true);
  });
});
