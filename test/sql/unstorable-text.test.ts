import { afterAll, describe, expect, it } from 'vitest';
import { createEngine } from '../../src/engine/engine.js';
import { DealflowError } from '../../src/model/errors.js';
import { UuidIds } from '../../src/ports/ids.js';
import { createSqlStorage } from '../../src/sql/index.js';
import { FakeClock } from '../../src/testing/index.js';
import { newDeal, salesPipeline } from '../helpers.js';
import { DATABASE_URL, serverSchemas } from './server.js';

// Regression (issue: DealflowError is the only error bad input gets): a lone UTF-16 surrogate in
// a title reached the caller as PostgreSQL's raw 22P02 (and a NUL as 22P05 / 22021), after the
// engine had decided everything. Such text is refused when the input is validated.
describe.runIf(DATABASE_URL)('text PostgreSQL cannot hold, on the server', () => {
  const server = serverSchemas(DATABASE_URL!);
  afterAll(() => server.close());

  it('is what PostgreSQL refuses: a lone surrogate in jsonb, a NUL in text', async () => {
    const client = await server.pool.connect();
    try {
      await expect(client.query(`SELECT $1::jsonb`, [JSON.stringify({ title: 'a\ud800' })])).rejects.toMatchObject({ code: '22P02' });
      await expect(client.query(`SELECT $1::text`, ['a\u0000b'])).rejects.toMatchObject({ code: expect.stringMatching(/^22/) });
    } finally {
      client.release();
    }
  });

  it('is refused by the engine with INVALID_INPUT and its path, and nothing is written', async () => {
    const schema = server.next('text');
    const engine = createEngine({
      pipelines: [salesPipeline],
      storage: await createSqlStorage({ client: server.pool, schema }),
      clock: new FakeClock(),
      ids: new UuidIds(),
    });
    const deal = await engine.createDeal(newDeal);
    for (const attempt of [
      () => engine.createDeal({ ...newDeal, title: 'Bakery \ud800' }),
      () => engine.updateDeal(deal.id, { title: 'x\udfff' }),
      () => engine.updateDeal(deal.id, { fields: { note: 'a\u0000b' } }),
      () => engine.emit({ name: 'order', dealId: deal.id, payload: { 'sku\ud800': 1 } }),
    ]) {
      const error = await attempt().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DealflowError);
      expect((error as DealflowError).code).toBe('INVALID_INPUT');
    }
    const { rows } = await server.pool.query(`SELECT count(*)::int AS n FROM "${schema}".deals`);
    expect(rows[0].n).toBe(1);
    expect((await engine.getDeal(deal.id))?.version).toBe(deal.version);
  });
});
