import type { Enrolment, Job, AnyHistoryEntry, OutboxMessage, StoredRecord } from '../core/types.js';
import type { Deal, Json } from '../model/deal.js';
import type { ParamType, Statement } from './statements.js';

/**
 * One transaction's buffered writes: the last write of each row wins, and everything goes out as
 * one statement of data-modifying CTEs in front of the next read that could see it, or with COMMIT.
 */
export class WriteBuffer {
  // Buffered writes. Maps keep one entry per row; a delete is `null`.
  readonly deals = new Map<string, Deal | null>();
  readonly enrolments = new Map<string, Record<string, Enrolment> | null>();
  readonly jobs = new Map<string, Job | null>();
  readonly log: AnyHistoryEntry[] = [];
  readonly outbox = new Map<string, OutboxMessage>();
  /** Leases to give back with the buffered write of the same message: message id → token. */
  readonly releases = new Map<string, string>();
  readonly records = new Map<string, StoredRecord>();
  readonly meta = new Map<string, Json>();
  /**
   * Rows this transaction read as missing (nothing to lock). Writing one is a plain INSERT, so if
   * another transaction created it meanwhile, the insert fails and the store re-runs this one,
   * which then reads the row: a read-then-create never overwrites someone else's create.
   */
  readonly missing = { deals: new Set<string>(), outbox: new Set<string>(), records: new Set<string>(), meta: new Set<string>() };
  /**
   * Rows put with `insert` (ids the engine just made up) and not yet written: a plain INSERT, so a
   * taken id fails on the primary key (CONFLICT) instead of overwriting what is stored.
   */
  readonly inserts = { deals: new Set<string>(), jobs: new Set<string>(), outbox: new Set<string>(), records: new Set<string>() };

  /**
   * @param s the quoted schema
   * @param name the write statement's name for a shape (`Statements.writeName`)
   */
  constructor(
    private readonly s: string,
    private readonly name: (shape: string) => string,
  ) {}

  /**
   * Splits rows into the new ones — read as missing by this transaction, or put with `insert` —
   * written with a plain INSERT (`true`), and the rest, upserted (`false`), leaving out empty
   * groups. Once written, a row is neither missing nor new any more.
   */
  private split<T>(rows: T[], key: (row: T) => string, missing: Set<string>, inserts?: Set<string>): Array<[boolean, T[]]> {
    const isNew = (r: T) => missing.has(key(r)) || (inserts?.has(key(r)) ?? false);
    const fresh = rows.filter(isNew);
    const known = rows.filter((r) => !isNew(r));
    for (const r of fresh) {
      missing.delete(key(r));
      inserts?.delete(key(r));
    }
    return (
      [
        [true, fresh],
        [false, known],
      ] as Array<[boolean, T[]]>
    ).filter(([, group]) => group.length > 0);
  }

  /**
   * Every buffered write as one statement of data-modifying CTEs (each row appears once, so no
   * two parts touch the same row), with the NOTIFY at commit; undefined when there is nothing.
   * Its values are parameters and its text depends only on which parts it has (its name says
   * which), so the server keeps one plan per shape instead of parsing and planning a statement
   * the size of the batch's documents each time (a third of a command's server CPU, measured).
   */
  take(notify?: [string, string]): Statement | undefined {
    const s = this.s;
    const out = new ShapedStatement();

    const dealPuts = [...this.deals.values()].filter((d): d is Deal => d !== null);
    const dealDeletes = [...this.deals].filter(([, d]) => d === null).map(([id]) => id);
    for (const [fresh, rows] of this.split(dealPuts, (d) => d.id, this.missing.deals, this.inserts.deals)) {
      // The documents as one json array the server splits without taking them apart, stored as
      // json: turning each batch's documents into jsonb was a tenth of the server's CPU
      // (migration 0004). A batch's columns come as arrays beside them; a command's few rows
      // read theirs out of the json (fewer parameters and functions to set up for one row).
      const few = rows.length <= FEW;
      out.part(`${fresh ? 'dealsNew' : 'deals'}${few ? 'Few' : ''}`, (p) => {
        const source = few
          ? `SELECT d->>'id', d->>'pipelineId', d->>'stageId', d->>'ownerId', (d->>'closedAt') IS NULL, (d->>'version')::int, d
            FROM json_array_elements(${p('json', rows)}) WITH ORDINALITY AS t(d, n) ORDER BY n`
          : `SELECT id, pipeline_id, stage_id, owner_id, open, version, doc
            FROM ROWS FROM (${unnests(p, [
              ['text[]', rows.map((d) => d.id)],
              ['text[]', rows.map((d) => d.pipelineId)],
              ['text[]', rows.map((d) => d.stageId)],
              ['text[]', rows.map((d) => d.ownerId)],
              ['bool[]', rows.map((d) => (d.closedAt ?? null) === null)],
              ['int[]', rows.map((d) => d.version)],
            ])}, json_array_elements(${p('json', rows)})) WITH ORDINALITY AS t(id, pipeline_id, stage_id, owner_id, open, version, doc, n) ORDER BY n`;
        return `INSERT INTO ${s}.deals (id, pipeline_id, stage_id, owner_id, open, version, doc)
        ${source}
        ${
          fresh
            ? ''
            : `ON CONFLICT (id) DO UPDATE SET pipeline_id = excluded.pipeline_id, stage_id = excluded.stage_id,
          owner_id = excluded.owner_id, open = excluded.open, version = excluded.version, doc = excluded.doc`
        }`;
      });
    }
    if (dealDeletes.length > 0) out.part('dealsGone', (p) => `DELETE FROM ${s}.deals WHERE id = ANY(${p('text[]', dealDeletes)})`);

    const enrolPuts = [...this.enrolments].filter(([, e]) => e !== null).map(([dealId, d]) => ({ dealId, doc: d }));
    const enrolDeletes = [...this.enrolments].filter(([, e]) => e === null).map(([id]) => id);
    if (enrolPuts.length > 0) {
      out.part(
        'enrolments',
        (p) => `INSERT INTO ${s}.enrolments (deal_id, doc)
        SELECT e->>'dealId', e->'doc' FROM jsonb_array_elements(${p('jsonb', enrolPuts)}) AS t(e)
        ON CONFLICT (deal_id) DO UPDATE SET doc = excluded.doc`,
      );
    }
    if (enrolDeletes.length > 0) out.part('enrolmentsGone', (p) => `DELETE FROM ${s}.enrolments WHERE deal_id = ANY(${p('text[]', enrolDeletes)})`);

    const jobPuts = [...this.jobs.values()].filter((j): j is Job => j !== null);
    const jobDeletes = [...this.jobs].filter(([, j]) => j === null).map(([id]) => id);
    if (jobPuts.length > 0) {
      // New jobs are written by the same statement as re-put ones, so one seq order covers them
      // all (their tie order). A new job's id must not be taken: this part copies any stored row
      // with such an id onto itself, which fails on the primary key (CONFLICT) before anything
      // is overwritten. Every part sees the rows as they were before the statement.
      const fresh = jobPuts.filter((j) => this.inserts.jobs.has(j.id)).map((j) => j.id);
      if (fresh.length > 0) {
        out.part(
          'jobsNew',
          (p) => `INSERT INTO ${s}.jobs (id, deal_id, due_at, doc) SELECT id, deal_id, due_at, doc FROM ${s}.jobs WHERE id = ANY(${p('text[]', fresh)})`,
        );
      }
      // A re-put job takes a new place in the tie order and loses any lease, as in memory.
      const few = jobPuts.length <= FEW;
      out.part(few ? 'jobsFew' : 'jobs', (p) => {
        const source = few
          ? `SELECT j->>'id', j->>'dealId', (j->>'dueAt')::timestamptz, j
            FROM json_array_elements(${p('json', jobPuts)}) WITH ORDINALITY AS t(j, n) ORDER BY n`
          : `SELECT id, deal_id, due_at::timestamptz, doc
            FROM ROWS FROM (${unnests(p, [
              ['text[]', jobPuts.map((j) => j.id)],
              ['text[]', jobPuts.map((j) => j.dealId)],
              ['text[]', jobPuts.map((j) => j.dueAt)],
            ])}, json_array_elements(${p('json', jobPuts)})) WITH ORDINALITY AS t(id, deal_id, due_at, doc, n) ORDER BY n`;
        return `INSERT INTO ${s}.jobs (id, deal_id, due_at, doc)
        ${source}
        ON CONFLICT (id) DO UPDATE SET seq = nextval('${s}.jobs_seq'), deal_id = excluded.deal_id, due_at = excluded.due_at,
          doc = excluded.doc, lease_owner = NULL, lease_token = NULL, lease_until = NULL`;
      });
    }
    if (jobDeletes.length > 0) out.part('jobsGone', (p) => `DELETE FROM ${s}.jobs WHERE id = ANY(${p('text[]', jobDeletes)})`);
    this.inserts.jobs.clear();

    if (this.log.length > 0) {
      const log = [...this.log];
      const few = log.length <= FEW;
      out.part(few ? 'logFew' : 'log', (p) => {
        const source = few
          ? `SELECT e->>'id', e->>'dealId', e->>'type', (e->>'at')::timestamptz, e
            FROM json_array_elements(${p('json', log)}) WITH ORDINALITY AS t(e, n) ORDER BY n`
          : `SELECT id, deal_id, type, at::timestamptz, doc
            FROM ROWS FROM (${unnests(p, [
              ['text[]', log.map((e) => e.id)],
              ['text[]', log.map((e) => e.dealId)],
              ['text[]', log.map((e) => e.type)],
              ['text[]', log.map((e) => e.at)],
            ])}, json_array_elements(${p('json', log)})) WITH ORDINALITY AS t(id, deal_id, type, at, doc, n) ORDER BY n`;
        return `INSERT INTO ${s}.log (id, deal_id, type, at, doc)
        ${source}`;
      });
    }
    if (this.outbox.size > 0) {
      // Writing a message keeps its lease, unless this transaction released it (with the holder's token).
      const releasing = this.releases.size > 0;
      for (const [fresh, rows] of this.split([...this.outbox.values()], (m) => m.id, this.missing.outbox, this.inserts.outbox)) {
        out.part(fresh ? 'outboxNew' : releasing ? 'outboxReleased' : 'outbox', (p) => {
          let leases = '';
          if (releasing && !fresh) {
            const tokens = p('jsonb', Object.fromEntries(this.releases));
            const keep = (col: string) => `${col} = CASE WHEN ${s}.outbox.lease_token = (${tokens} ->> excluded.id) THEN NULL ELSE ${s}.outbox.${col} END`;
            leases = `, ${keep('lease_owner')}, ${keep('lease_until')}, ${keep('lease_token')}`;
          }
          return `INSERT INTO ${s}.outbox (id, key, deal_id, status, next_attempt_at, doc)
          SELECT m->>'id', m->>'key', m->>'dealId', m->>'status', (m->>'nextAttemptAt')::timestamptz, m
          FROM jsonb_array_elements(${p('jsonb', rows)}) WITH ORDINALITY AS t(m, n) ORDER BY n
          ${
            fresh
              ? ''
              : `ON CONFLICT (id) DO UPDATE SET key = excluded.key, deal_id = excluded.deal_id, status = excluded.status,
            next_attempt_at = excluded.next_attempt_at, doc = excluded.doc${leases}`
          }`;
        });
      }
    }
    for (const [fresh, rows] of this.split([...this.records.values()], (r) => `${r.kind}\u0000${r.id}`, this.missing.records, this.inserts.records)) {
      out.part(
        fresh ? 'recordsNew' : 'records',
        (p) => `INSERT INTO ${s}.records (kind, id, deal_id, at, doc)
        SELECT r->>'kind', r->>'id', r->>'dealId', (r->>'at')::timestamptz, r
        FROM jsonb_array_elements(${p('jsonb', rows)}) WITH ORDINALITY AS t(r, n) ORDER BY n
        ${fresh ? '' : 'ON CONFLICT (kind, id) DO UPDATE SET deal_id = excluded.deal_id, at = excluded.at, doc = excluded.doc'}`,
      );
    }
    const metaEntries = [...this.meta].map(([key, value]) => ({ key, value }));
    for (const [fresh, rows] of this.split(metaEntries, (m) => m.key, this.missing.meta)) {
      out.part(
        fresh ? 'metaNew' : 'meta',
        (p) => `INSERT INTO ${s}.meta (key, value)
        SELECT m->>'key', m->'value' FROM jsonb_array_elements(${p('jsonb', rows)}) AS t(m)
        ${fresh ? '' : 'ON CONFLICT (key) DO UPDATE SET value = excluded.value'}`,
      );
    }

    this.deals.clear();
    this.enrolments.clear();
    this.jobs.clear();
    this.log.length = 0;
    this.outbox.clear();
    this.releases.clear();
    this.records.clear();
    this.meta.clear();

    return out.finish(this.name, notify);
  }
}

type Bind = (type: ParamType, value: unknown) => string;

/** Up to this many rows, a part reads its columns out of the json documents instead of taking them as arrays. */
const FEW = 4;

/** `unnest(…)` of each column's array, for ROWS FROM: one row per element, the arrays side by side. */
function unnests(p: Bind, columns: Array<[ParamType, unknown[]]>): string {
  return columns.map(([type, values]) => `unnest(${p(type, values)})`).join(', ');
}

/** The parts of a write statement, in the order they are written: a shape is the set present. */
const PARTS = [
  'dealsNew',
  'deals',
  'dealsNewFew',
  'dealsFew',
  'dealsGone',
  'enrolments',
  'enrolmentsGone',
  'jobsNew',
  'jobs',
  'jobsFew',
  'jobsGone',
  'log',
  'logFew',
  'outboxNew',
  'outbox',
  'outboxReleased',
  'recordsNew',
  'records',
  'metaNew',
  'meta',
  'notify',
] as const;

/** Builds one statement of data-modifying CTEs whose text depends only on the parts it has (its shape). */
class ShapedStatement {
  private readonly parts: string[] = [];
  private readonly types: ParamType[] = [];
  private readonly values: unknown[] = [];
  /** One bit per part present, in PARTS order: the shape. */
  private shape = 0;

  /** Adds a part; `sql` writes its text, binding each value with `p` (which returns `$n::type`). */
  part(kind: (typeof PARTS)[number], sql: (p: Bind) => string): void {
    this.shape |= 1 << PARTS.indexOf(kind);
    this.parts.push(sql((type, value) => this.param(type, value)));
  }

  private param(type: ParamType, value: unknown): string {
    this.types.push(type);
    this.values.push(value);
    return `$${this.types.length}::${type}`;
  }

  finish(name: (shape: string) => string, notify: [string, string] | undefined): Statement | undefined {
    if (this.parts.length === 0 && !notify) return undefined;
    let tail = 'SELECT 1';
    if (notify) {
      this.shape |= 1 << PARTS.indexOf('notify');
      tail = `SELECT pg_notify(${this.param('text', notify[0])}, ${this.param('text', notify[1])})`;
    }
    const text = this.parts.length === 0 ? tail : `WITH ${this.parts.map((p, i) => `w${i} AS (${p})`).join(',\n')}\n${tail}`;
    return { name: name(this.shape.toString(36)), text, types: this.types, values: this.values };
  }
}
