import pg from 'pg';
import { type IdGenerator, UuidIds, UuidV7Ids } from '../../src/ports/ids.js';
import { MIGRATIONS } from '../../src/sql/migrations.js';
import type { BenchResult, Workload } from '../harness.js';

/**
 * UUIDv4 (UuidIds, the default) against UUIDv7 (UuidV7Ids) as the ids of the jobs and log tables,
 * on the PostgreSQL server at DATABASE_URL: each id kind gets a scratch schema made by the real
 * migration (src/sql/migrations.ts), then N jobs and N log entries are inserted in statements of
 * BATCH rows, one transaction each, as commands write them. Per kind: rows per second (wobbles
 * with the machine: kinds alternate over rounds and the median is kept), and what does not wobble:
 * the size of each index and the WAL written. A job's id is its primary key (`jobs_pkey`, text);
 * the log's key is its `seq` and its `id` has no index, but both tables index the deal's id
 * (`jobs_deal`, `log_deal`), and deal ids come from the same generator. One deal per FANOUT rows,
 * made as the rows are, the way a command creates a deal and schedules its jobs.
 */
const URL_ = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const BATCH = 100;
const FANOUT = 5;

type Kind = 'v4' | 'v7';
const generators: Record<Kind, () => IdGenerator> = { v4: () => new UuidIds(), v7: () => new UuidV7Ids() };

interface Round {
  kind: Kind;
  jobsMs: number;
  logMs: number;
  jobsWal: number;
  logWal: number;
  sizes: Record<string, number>;
}

const DOC = JSON.stringify({
  ruleId: 'proposal-within-5-days',
  actionId: 'remind',
  actionIndex: 1,
  ruleVersion: 3,
  enrolmentId: 'enrolment_0',
  stageId: 'proposal',
  params: { to: 'owner', template: 'proposal.reminder' },
});

async function walLsn(pool: pg.Pool): Promise<string> {
  return (await pool.query('SELECT pg_current_wal_lsn() AS lsn')).rows[0].lsn as string;
}
async function walSince(pool: pg.Pool, lsn: string): Promise<number> {
  return Number((await pool.query('SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1) AS b', [lsn])).rows[0].b);
}

async function round(pool: pg.Pool, kind: Kind, rows: number): Promise<Round> {
  const schema = `bench_ids_${kind}_${process.pid}`;
  await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await pool.query(`CREATE SCHEMA ${schema}`);
  await pool.query(MIGRATIONS[0]!.sql.replaceAll('{{schema}}', schema));
  const ids = generators[kind]();
  const base = Date.UTC(2026, 11, 1);
  let deal = ids.next('deal');

  // Both phases start right after a checkpoint: the first change to a page after one writes the
  // whole page to the WAL, so WAL bytes count how many distinct pages the inserts touched.
  const insert = async (table: 'jobs' | 'log'): Promise<{ ms: number; wal: number }> => {
    await pool.query('CHECKPOINT');
    const lsn = await walLsn(pool);
    const t0 = performance.now();
    for (let done = 0; done < rows; done += BATCH) {
      const id: string[] = [];
      const dealId: string[] = [];
      const at: string[] = [];
      for (let i = done; i < done + BATCH; i++) {
        if (i % FANOUT === 0) deal = ids.next('deal');
        id.push(ids.next(table === 'jobs' ? 'job' : 'log'));
        dealId.push(deal);
        at.push(new Date(base + ((i * 7919) % (30 * 86_400)) * 1000).toISOString());
      }
      if (table === 'jobs') {
        await pool.query(
          `INSERT INTO ${schema}.jobs (id, deal_id, due_at, doc) SELECT i, d, a, $4::jsonb FROM unnest($1::text[], $2::text[], $3::timestamptz[]) AS t(i, d, a)`,
          [id, dealId, at, DOC],
        );
      } else {
        await pool.query(
          `INSERT INTO ${schema}.log (id, deal_id, type, at, doc) SELECT i, d, 'job.ran', a, $4::jsonb FROM unnest($1::text[], $2::text[], $3::timestamptz[]) AS t(i, d, a)`,
          [id, dealId, at, DOC],
        );
      }
    }
    const ms = performance.now() - t0;
    return { ms, wal: await walSince(pool, lsn) };
  };

  const jobs = await insert('jobs');
  const log = await insert('log');
  const sizes: Record<string, number> = {};
  for (const rel of ['jobs', 'jobs_pkey', 'jobs_deal', 'jobs_due', 'log', 'log_pkey', 'log_deal', 'log_type_at']) {
    sizes[rel] = Number((await pool.query('SELECT pg_relation_size($1::regclass) AS b', [`${schema}.${rel}`])).rows[0].b);
  }
  await pool.query(`DROP SCHEMA ${schema} CASCADE`);
  return { kind, jobsMs: jobs.ms, logMs: log.ms, jobsWal: jobs.wal, logWal: log.wal, sizes };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const mb = (bytes: number) => Math.round((bytes / 1_048_576) * 10) / 10;

const workload: Workload = {
  name: 'ids',
  async run({ quick }): Promise<BenchResult> {
    const pool = new pg.Pool({ connectionString: URL_, max: 2 });
    try {
      try {
        await pool.query('SELECT 1');
      } catch {
        return { table: [], keys: {}, notes: [`skipped: no PostgreSQL at ${URL_} (set DATABASE_URL)`] };
      }
      const rows = quick ? 50_000 : 500_000;
      const rounds = quick ? 1 : 3;
      const all: Round[] = [];
      for (let r = 0; r < rounds; r++)
        for (const kind of r % 2 === 0 ? (['v4', 'v7'] as const) : (['v7', 'v4'] as const)) all.push(await round(pool, kind, rows));
      const of = (kind: Kind) => {
        const rs = all.filter((r) => r.kind === kind);
        const last = rs[rs.length - 1]!; // sizes and WAL repeat from round to round; the rate is the median
        return {
          jobsPerSec: Math.round(rows / (median(rs.map((r) => r.jobsMs)) / 1000)),
          logPerSec: Math.round(rows / (median(rs.map((r) => r.logMs)) / 1000)),
          ...last,
        };
      };
      const v4 = of('v4');
      const v7 = of('v7');
      const row = (what: string, a: number, b: number, unit: string) => ({
        what,
        v4: `${a} ${unit}`,
        v7: `${b} ${unit}`,
        'v7 ÷ v4': Math.round((b / a) * 100) / 100,
      });
      const table = [
        row('jobs inserted per second', v4.jobsPerSec, v7.jobsPerSec, '/s'),
        row('log entries inserted per second', v4.logPerSec, v7.logPerSec, '/s'),
        row('jobs_pkey (id)', mb(v4.sizes.jobs_pkey!), mb(v7.sizes.jobs_pkey!), 'MB'),
        row('jobs_deal (deal_id, due_at, seq)', mb(v4.sizes.jobs_deal!), mb(v7.sizes.jobs_deal!), 'MB'),
        row('log_deal (deal_id, seq)', mb(v4.sizes.log_deal!), mb(v7.sizes.log_deal!), 'MB'),
        row('jobs table (heap)', mb(v4.sizes.jobs!), mb(v7.sizes.jobs!), 'MB'),
        row('log table (heap)', mb(v4.sizes.log!), mb(v7.sizes.log!), 'MB'),
        row('WAL written, jobs', mb(v4.jobsWal), mb(v7.jobsWal), 'MB'),
        row('WAL written, log', mb(v4.logWal), mb(v7.logWal), 'MB'),
      ];
      const ratio = (a: number, b: number) => Math.round((b / a) * 1000) / 1000;
      return {
        table,
        keys: {
          'ids.v7_jobs_insert_ratio': ratio(v4.jobsPerSec, v7.jobsPerSec),
          'ids.v7_log_insert_ratio': ratio(v4.logPerSec, v7.logPerSec),
          'ids.v7_jobs_pkey_size_ratio': ratio(v4.sizes.jobs_pkey!, v7.sizes.jobs_pkey!),
          'ids.v7_jobs_deal_size_ratio': ratio(v4.sizes.jobs_deal!, v7.sizes.jobs_deal!),
          'ids.v7_log_deal_size_ratio': ratio(v4.sizes.log_deal!, v7.sizes.log_deal!),
          'ids.v7_jobs_wal_ratio': ratio(v4.jobsWal, v7.jobsWal),
          'ids.v7_log_wal_ratio': ratio(v4.logWal, v7.logWal),
        },
        notes: [
          `${rows.toLocaleString('en')} jobs then ${rows.toLocaleString('en')} log entries per id kind, ${BATCH} rows per INSERT and transaction, a new deal id every ${FANOUT} rows;`,
          `${rounds} round(s) per kind, alternating; rates are medians, sizes and WAL the last round's (they repeat). Tables from src/sql/migrations.ts in a scratch schema, dropped after.`,
        ],
      };
    } finally {
      await pool.end();
    }
  },
};
export default workload;
