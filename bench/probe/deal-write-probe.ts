/**
 * Probe: the server CPU of writing a batch's deals back, as an upsert (INSERT … ON CONFLICT DO
 * UPDATE) against a plain UPDATE … FROM the same arrays. One backend, `reps` statements each in a
 * transaction rolled back, over a deals table of 10,000 rows. argv: rows (default 100), reps (default 300).
 */
import pg from 'pg';
import { processCpuMs } from '../lib/server-cpu.js';
import { bools, json, nums, texts } from '../../src/sql/literal.js';

const URL_ = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const rows = Number(process.argv[2] ?? 100);
const reps = Number(process.argv[3] ?? 300);
const c = new pg.Client(URL_);
await c.connect();
const pid = (await c.query('SELECT pg_backend_pid() AS p')).rows[0].p as number;
await c.query(`DROP TABLE IF EXISTS shape_deals;
  CREATE TABLE shape_deals (id text PRIMARY KEY, seq bigserial NOT NULL, pipeline_id text NOT NULL, stage_id text NOT NULL, owner_id text NOT NULL,
    open boolean NOT NULL, version integer NOT NULL, doc json NOT NULL) WITH (fillfactor = 60);
  CREATE INDEX ON shape_deals (pipeline_id, stage_id); CREATE INDEX ON shape_deals (owner_id); CREATE INDEX ON shape_deals (seq);
  INSERT INTO shape_deals (id, pipeline_id, stage_id, owner_id, open, version, doc)
    SELECT 'D-x' || lpad(g::text, 5, '0'), 'sales', 'new', 'anna', true, 1, '{}' FROM generate_series(0, 9999) g`);
await c.query('VACUUM ANALYZE shape_deals');
const at = new Date().toISOString();
const deals = Array.from({ length: rows }, (_, i) => ({
  id: `D-x${String(i * 37).padStart(5, '0')}`,
  pipelineId: 'sales',
  stageId: 'new',
  ownerId: 'anna',
  title: '',
  amount: 0,
  currency: 'USD',
  fields: {},
  flags: { followedUp: true },
  createdAt: at,
  stageEnteredAt: at,
  updatedAt: at,
  closedAt: null,
  version: 2,
}));
const cols = `unnest($1::text[]), unnest($2::text[]), unnest($3::text[]), unnest($4::text[]), unnest($5::bool[]), unnest($6::int[]), json_array_elements($7::json)`;
const types = 'text[], text[], text[], text[], bool[], int[], json';
const values = [
  texts(deals.map((d) => d.id)),
  texts(deals.map((d) => d.pipelineId)),
  texts(deals.map((d) => d.stageId)),
  texts(deals.map((d) => d.ownerId)),
  bools(deals.map((d) => d.closedAt === null)),
  nums(deals.map((d) => d.version)),
  json(deals),
].join(', ');
const shapes: Record<string, string> = {
  upsert: `INSERT INTO shape_deals (id, pipeline_id, stage_id, owner_id, open, version, doc)
    SELECT id, pipeline_id, stage_id, owner_id, open, version, doc
    FROM ROWS FROM (${cols}) WITH ORDINALITY AS t(id, pipeline_id, stage_id, owner_id, open, version, doc, n) ORDER BY n
    ON CONFLICT (id) DO UPDATE SET pipeline_id = excluded.pipeline_id, stage_id = excluded.stage_id,
      owner_id = excluded.owner_id, open = excluded.open, version = excluded.version, doc = excluded.doc`,
  update: `UPDATE shape_deals d SET pipeline_id = t.pipeline_id, stage_id = t.stage_id, owner_id = t.owner_id, open = t.open, version = t.version, doc = t.doc
    FROM ROWS FROM (${cols}) AS t(id, pipeline_id, stage_id, owner_id, open, version, doc) WHERE d.id = t.id`,
};
for (const round of [1, 2, 3]) {
  for (const [name, text] of Object.entries(shapes)) {
    await c.query(`DEALLOCATE ALL; PREPARE s (${types}) AS ${text}`);
    const exec = `BEGIN; EXECUTE s (${values}); ROLLBACK`;
    for (let i = 0; i < 5; i++) await c.query(exec);
    const cpu0 = processCpuMs(pid);
    for (let i = 0; i < reps; i++) await c.query(exec);
    console.log(round, name.padEnd(8), 'server ms/stmt', ((processCpuMs(pid) - cpu0) / reps).toFixed(3));
  }
}
await c.query('DROP TABLE shape_deals');
await c.end();
