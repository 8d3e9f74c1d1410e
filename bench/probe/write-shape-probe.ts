/**
 * Probe: the server CPU of one write statement's shape, alone. One backend runs the same
 * EXECUTE (values written as literals, as the store sends them) `reps` times, each in a
 * transaction rolled back, into a copy of the log table; its CPU is read from /proc. argv: rows
 * per statement (default 300), reps (default 200).
 */
import pg from 'pg';
import { processCpuMs } from '../lib/server-cpu.js';
import { bools, json, jsonb, nums, texts } from '../../src/sql/literal.js';

const URL_ = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const rows = Number(process.argv[2] ?? 300);
const reps = Number(process.argv[3] ?? 200);
const c = new pg.Client(URL_);
await c.connect();
const pid = (await c.query('SELECT pg_backend_pid() AS p')).rows[0].p as number;
await c.query(`DROP TABLE IF EXISTS shape_log; CREATE TABLE shape_log (seq bigserial PRIMARY KEY, id text NOT NULL, deal_id text, type text NOT NULL, at timestamptz NOT NULL, doc json NOT NULL);
  CREATE INDEX ON shape_log (deal_id, seq); CREATE INDEX ON shape_log (type, at);
  DROP TABLE IF EXISTS shape_logb; CREATE TABLE shape_logb (LIKE shape_log INCLUDING ALL); ALTER TABLE shape_logb ALTER COLUMN doc TYPE jsonb;
  DROP TABLE IF EXISTS shape_log_nopk; CREATE TABLE shape_log_nopk (LIKE shape_log INCLUDING ALL); ALTER TABLE shape_log_nopk DROP CONSTRAINT shape_log_nopk_pkey;
  DROP TABLE IF EXISTS shape_log_notype; CREATE TABLE shape_log_notype (LIKE shape_log INCLUDING ALL); DROP INDEX shape_log_notype_type_at_idx;
  DROP TABLE IF EXISTS shape_log_c; CREATE TABLE shape_log_c (LIKE shape_log INCLUDING ALL);
  DROP INDEX shape_log_c_deal_id_seq_idx; DROP INDEX shape_log_c_type_at_idx;
  ALTER TABLE shape_log_c ALTER COLUMN deal_id TYPE text COLLATE "C", ALTER COLUMN type TYPE text COLLATE "C";
  CREATE INDEX ON shape_log_c (deal_id, seq); CREATE INDEX ON shape_log_c (type, at);
  DROP TABLE IF EXISTS shape_log_noidx; CREATE TABLE shape_log_noidx (LIKE shape_log INCLUDING DEFAULTS)`);
const at = new Date().toISOString();
const log = Array.from({ length: rows }, (_, i) => ({
  id: `log_01a24d7b-9738-76c9-9e13-${String(i).padStart(12, '0')}`,
  at,
  dealId: `D-x${String(Math.floor(i / 3)).padStart(5, '0')}`,
  type: ['job.ran', 'deal.updated', 'action.executed'][i % 3]!,
  data: { jobId: `job-x${i}-4`, actionId: 'mark', dueAt: at, ruleVersion: 1, changes: [{ field: 'flags.followedUp', from: null, to: true }] },
  ruleId: 'follow-up',
}));
const cols = (p: number) => `unnest($${p}::text[]), unnest($${p + 1}::text[]), unnest($${p + 2}::text[]), unnest($${p + 3}::text[])`;
const arrays = () => [texts(log.map((e) => e.id)), texts(log.map((e) => e.dealId)), texts(log.map((e) => e.type)), texts(log.map((e) => e.at))].join(', ');
const shapes: Record<string, { types: string; text: string; values: () => string }> = {
  jsonbElements: {
    types: 'jsonb',
    text: `INSERT INTO shape_logb (id, deal_id, type, at, doc) SELECT e->>'id', e->>'dealId', e->>'type', (e->>'at')::timestamptz, e
      FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS t(e, n) ORDER BY n`,
    values: () => jsonb(log),
  },
  unnestJson: {
    types: 'text[], text[], text[], text[], json',
    text: `INSERT INTO shape_log (id, deal_id, type, at, doc) SELECT id, deal_id, type, at::timestamptz, doc
      FROM ROWS FROM (${cols(1)}, json_array_elements($5::json)) WITH ORDINALITY AS t(id, deal_id, type, at, doc, n) ORDER BY n`,
    values: () => `${arrays()}, ${json(log)}`,
  },
  recordset: {
    types: 'json',
    text: `INSERT INTO shape_log (id, deal_id, type, at, doc) SELECT r.id, r."dealId", r.type, r.at, e
      FROM ROWS FROM (json_array_elements($1::json), json_to_recordset($1::json) AS (id text, "dealId" text, type text, at timestamptz)) WITH ORDINALITY AS t(e, id, "dealId", type, at, n)
      CROSS JOIN LATERAL (SELECT t.id, t."dealId", t.type, t.at) AS r ORDER BY n`,
    values: () => json(log),
  },
  jsonElements: {
    types: 'json',
    text: `INSERT INTO shape_log (id, deal_id, type, at, doc) SELECT e->>'id', e->>'dealId', e->>'type', (e->>'at')::timestamptz, e
      FROM json_array_elements($1::json) WITH ORDINALITY AS t(e, n) ORDER BY n`,
    values: () => json(log),
  },
  ...Object.fromEntries(
    ['nopk', 'notype', 'noidx', 'c'].map((t) => [
      `unnestJson_${t}`,
      {
        types: 'text[], text[], text[], text[], json',
        text: `INSERT INTO shape_log_${t} (id, deal_id, type, at, doc) SELECT id, deal_id, type, at::timestamptz, doc
      FROM ROWS FROM (${cols(1)}, json_array_elements($5::json)) WITH ORDINALITY AS t(id, deal_id, type, at, doc, n) ORDER BY n`,
        values: () => `${arrays()}, ${json(log)}`,
      },
    ]),
  ),
  unnestDocs: {
    types: 'text[], text[], text[], text[], text[]',
    text: `INSERT INTO shape_log (id, deal_id, type, at, doc) SELECT id, deal_id, type, at::timestamptz, doc::json
      FROM ROWS FROM (${cols(1)}, unnest($5::text[])) WITH ORDINALITY AS t(id, deal_id, type, at, doc, n) ORDER BY n`,
    values: () => `${arrays()}, ${texts(log.map((e) => JSON.stringify(e)))}`,
  },
};
void bools;
void nums;
const only = process.env.SHAPES?.split(',');
for (const round of [1, 2, 3]) {
  for (const [name, sh] of Object.entries(shapes)) {
    if (only && !only.includes(name)) continue;
    await c.query(`DEALLOCATE ALL; PREPARE s (${sh.types}) AS ${sh.text}`);
    const exec = `BEGIN; EXECUTE s (${sh.values()}); ROLLBACK`;
    for (let i = 0; i < 5; i++) await c.query(exec);
    const node0 = process.cpuUsage();
    const cpu0 = processCpuMs(pid);
    for (let i = 0; i < reps; i++) await c.query(exec);
    const cpu = processCpuMs(pid) - cpu0;
    const node = process.cpuUsage(node0);
    console.log(round, name.padEnd(14), 'server ms/stmt', (cpu / reps).toFixed(3), 'node ms/stmt', ((node.user + node.system) / 1000 / reps).toFixed(3));
  }
}
await c.query('DROP TABLE shape_logb, shape_log_c, shape_log_nopk, shape_log_notype, shape_log_noidx, shape_log');
await c.end();
