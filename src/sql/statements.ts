import type { LeaseRequest } from '../ports/storage.js';
import type { ClaimRequest } from '../ports/work-queue.js';
import { bool, bools, instant, json, jsonb, num, nums, text, texts } from './literal.js';

/**
 * The named statements a connection has prepared. `dirty` is set when a script that prepared some
 * failed part-way: which of them ran is unknown, so the next script starts with DEALLOCATE ALL.
 */
export interface PreparedSet {
  names: Set<string>;
  dirty: boolean;
}

/** A parameter's SQL type, which decides how its value is written as a literal. */
export type ParamType = 'text' | 'text[]' | 'timestamptz' | 'int' | 'int[]' | 'json' | 'jsonb' | 'bool' | 'bool[]';

/**
 * One statement with its values bound as parameters (`$1`, `$2`, …), never spliced into its text:
 * the text depends only on the schema and the statement's shape, so the server can keep one plan
 * for it (a named prepared statement; sql/session.ts), whatever the values.
 */
export interface Statement {
  /** Unique per text within a schema: the prepared statement's name. */
  name: string;
  text: string;
  types: ReadonlyArray<ParamType>;
  values: ReadonlyArray<unknown>;
}

function literal(type: ParamType, value: unknown): string {
  switch (type) {
    case 'text':
      return text(value as string | null);
    case 'text[]':
      return texts(value as string[]);
    case 'timestamptz':
      return instant(value as string);
    case 'int':
      return num(value as number);
    case 'int[]':
      return nums(value as number[]);
    case 'json':
      return json(value);
    case 'jsonb':
      return jsonb(value);
    case 'bool':
      return bool(value as boolean);
    case 'bool[]':
      return bools(value as boolean[]);
  }
}

/** The statement with its values written in as literals (for drivers that cannot keep prepared statements). */
export function inline(st: Statement): string {
  const values = st.types.map((t, i) => literal(t, st.values[i]));
  // One pass over the text, so a value's own text is never read as a placeholder.
  return st.text.replace(/\$(\d+)/g, (_, n: string) => values[Number(n) - 1]!);
}

/** `PREPARE name (types) AS text`: once per connection. */
export function prepare(st: Statement): string {
  return st.types.length === 0 ? `PREPARE ${st.name} AS ${st.text}` : `PREPARE ${st.name} (${st.types.join(', ')}) AS ${st.text}`;
}

/** `EXECUTE name (values)`: the values bound to the prepared statement's typed parameters. */
export function execute(st: Statement): string {
  // Without parameters, no parentheses: `EXECUTE name ()` is a syntax error.
  return st.types.length === 0 ? `EXECUTE ${st.name}` : `EXECUTE ${st.name} (${st.types.map((t, i) => literal(t, st.values[i])).join(', ')})`;
}

/** Statement builders for one schema (`s` quoted, `key` the plain name for statement names). */
export class Statements {
  constructor(
    private readonly s: string,
    private readonly key: string,
  ) {}

  private st(name: string, text: string, types: ParamType[], values: unknown[]): Statement {
    return { name: this.name(name), text, types, values };
  }

  /**
   * A statement's name: unique per text within this schema, and within PostgreSQL's 63 bytes (a
   * longer name would be cut short, and two cut the same way would share one prepared statement).
   */
  private name(what: string): string {
    const full = `df_${what}_${this.key}`;
    return full.length <= 60 ? full : `df_${what}_${hash(this.key)}`;
  }

  /** The name of a buffered-write statement of the given shape (sql/write-buffer.ts). */
  writeName(shape: string): string {
    return this.name(`w${shape}`);
  }

  private leaseUntil(param: string): string {
    return `clock_timestamp() + ${param}::int * interval '1 millisecond'`;
  }

  /** Locks a deal (`FOR UPDATE`). */
  lockDeal(id: string): Statement {
    return this.st('lockdeal', `SELECT doc::text AS doc FROM ${this.s}.deals WHERE id = $1::text FOR UPDATE`, ['text'], [id]);
  }

  /** A deal's view beside its row: enrolments, pending jobs and every record, read in a later statement than the lock (a snapshot taken after it). */
  dealView(id: string): Statement {
    return this.st('view', `SELECT ${this.viewColumns('$1::text')}`, ['text'], [id]);
  }

  /** The view's columns for the deal id expression `dealId`. */
  viewColumns(dealId: string): string {
    return `(SELECT doc::text FROM ${this.s}.enrolments WHERE deal_id = ${dealId}) AS enrolments,
            (SELECT coalesce(json_agg(doc ORDER BY seq), '[]')::text FROM ${this.s}.jobs WHERE deal_id = ${dealId}) AS jobs,
            (SELECT coalesce(json_agg(doc ORDER BY seq), '[]')::text FROM ${this.s}.records WHERE deal_id = ${dealId}) AS records`;
  }

  /** A batch's deals, locked in id order: two batches sharing deals queue up rather than deadlock. */
  lockDeals(ids: ReadonlyArray<string>): Statement {
    return this.st('lockdeals', `SELECT id, doc::text AS doc FROM ${this.s}.deals WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE`, ['text[]'], [ids]);
  }

  /**
   * The ids of the batch's jobs `token` still holds, locked (after their deals). Ids only: a job
   * still held was not written since it was claimed (every write of a job drops its lease), so
   * its document is the one its deal's view carries; sending it twice cost the server a second
   * jsonb-to-text of every job and the runner a second parse.
   */
  lockHeldJobs(ids: ReadonlyArray<string>, token: string): Statement {
    return this.st(
      'lockjobs',
      `SELECT id FROM ${this.s}.jobs WHERE id = ANY($1::text[]) AND lease_token = $2::text ORDER BY id FOR UPDATE`,
      ['text[]', 'text'],
      [ids, token],
    );
  }

  /**
   * A batch's views as three flat reads, each one index scan over all the deals (`deal_id =
   * ANY`) and one sort, grouped by deal in the store: the per-deal correlated subqueries (three
   * per deal, each aggregate sorting its own rows) cost about three times as much server CPU
   * (0.45–0.59 against 0.17 ms for 100 deals, EXPLAIN ANALYZE). These are the enrolments.
   */
  batchEnrolments(dealIds: ReadonlyArray<string>): Statement {
    return this.st('benrol', `SELECT deal_id, doc::text AS doc FROM ${this.s}.enrolments WHERE deal_id = ANY($1::text[])`, ['text[]'], [dealIds]);
  }

  /**
   * The batch's deals' pending jobs in storage order, each job `token` holds sent without its
   * document (null): the store has the one its claim returned (see sql/claimed-jobs.ts), and a
   * job still held was not written since (every write of a job drops its lease). `token` null:
   * every document.
   */
  batchJobs(dealIds: ReadonlyArray<string>, token: string | null): Statement {
    return this.st(
      'bjobs',
      `SELECT deal_id, id, CASE WHEN lease_token = $2::text THEN NULL ELSE doc::text END AS doc
       FROM ${this.s}.jobs WHERE deal_id = ANY($1::text[]) ORDER BY seq`,
      ['text[]', 'text'],
      [dealIds, token],
    );
  }

  /** The batch's deals' records in storage order. */
  batchRecords(dealIds: ReadonlyArray<string>): Statement {
    return this.st('brecs', `SELECT deal_id, doc::text AS doc FROM ${this.s}.records WHERE deal_id = ANY($1::text[]) ORDER BY seq`, ['text[]'], [dealIds]);
  }

  /** Documents of jobs by id (a held job whose claimed document the store no longer has). */
  jobDocs(ids: ReadonlyArray<string>): Statement {
    return this.st('jobdocs', `SELECT id, doc::text AS doc FROM ${this.s}.jobs WHERE id = ANY($1::text[])`, ['text[]'], [ids]);
  }

  /** The messages `token` still holds, locked. */
  heldMessages(ids: ReadonlyArray<string>, token: string): Statement {
    return this.st(
      'heldmsgs',
      `SELECT id, doc::text AS doc FROM ${this.s}.outbox WHERE id = ANY($1::text[]) AND lease_token = $2::text ORDER BY id FOR UPDATE`,
      ['text[]', 'text'],
      [ids, token],
    );
  }

  /**
   * Leases due jobs, each deal's earliest only, in one statement (`FOR UPDATE SKIP LOCKED`, so
   * claimers pass each other). `ordered`: the prefix of the due order up to the first job that
   * cannot be taken (a deal's second, or one leased), so no job is claimed before an earlier one.
   */
  claimJobs(r: ClaimRequest): Statement {
    const s = this.s;
    const only = r.only ? 'AND j.id = ANY($7::text[])' : '';
    const free = '(j.lease_until IS NULL OR j.lease_until <= clock_timestamp())';
    const cand = r.ordered
      ? `cand AS (
           SELECT id, row_number() OVER (ORDER BY due_at, seq) AS n,
                  (row_number() OVER (PARTITION BY deal_id ORDER BY due_at, seq) > 1
                    OR NOT (lease_until IS NULL OR lease_until <= clock_timestamp()) OR id = ANY($4::text[])) AS blocked
           FROM (SELECT id, deal_id, due_at, seq, lease_until FROM ${s}.jobs WHERE due_at <= $1::timestamptz ORDER BY due_at, seq LIMIT $5::int) AS p),`
      : '';
    const pick = r.ordered
      ? `SELECT j.id FROM ${s}.jobs j
         WHERE j.id IN (SELECT id FROM cand WHERE n < coalesce((SELECT min(n) FROM cand WHERE blocked), $5::int + 1)) ${only}
         FOR UPDATE OF j SKIP LOCKED`
      : `SELECT j.id FROM ${s}.jobs j
         WHERE j.due_at <= $1::timestamptz AND ${free} AND NOT (j.id = ANY($4::text[])) ${only}
           AND NOT EXISTS (SELECT 1 FROM ${s}.jobs e WHERE e.deal_id = j.deal_id AND (e.due_at, e.seq) < (j.due_at, j.seq))
         ORDER BY j.due_at, j.seq
         LIMIT $5::int
         FOR UPDATE OF j SKIP LOCKED`;
    const text = `WITH ${cand} picked AS (${pick}),
       claimed AS (
         UPDATE ${s}.jobs SET lease_owner = $2::text, lease_token = $3::text, lease_until = ${this.leaseUntil('$6')}
         FROM picked WHERE ${s}.jobs.id = picked.id
         RETURNING ${s}.jobs.doc, ${s}.jobs.due_at, ${s}.jobs.seq)
       SELECT doc::text AS doc FROM claimed ORDER BY due_at, seq`;
    const name = `claimjobs${r.ordered ? 'o' : ''}${r.only ? 'n' : ''}`;
    return this.claim(name, text, r);
  }

  /** Leases due deliveries, oldest first (`only`: just these ids). */
  claimDeliveries(r: ClaimRequest): Statement {
    const s = this.s;
    const only = r.only ? 'AND id = ANY($7::text[])' : '';
    const text = `WITH picked AS (
         SELECT id FROM ${s}.outbox
         WHERE status = 'pending' AND next_attempt_at <= $1::timestamptz
           AND (lease_until IS NULL OR lease_until <= clock_timestamp())
           AND NOT (id = ANY($4::text[])) ${only}
         ORDER BY next_attempt_at, seq
         LIMIT $5::int
         FOR UPDATE SKIP LOCKED),
       claimed AS (
         UPDATE ${s}.outbox SET lease_owner = $2::text, lease_token = $3::text, lease_until = ${this.leaseUntil('$6')}
         FROM picked WHERE ${s}.outbox.id = picked.id
         RETURNING ${s}.outbox.doc, ${s}.outbox.next_attempt_at, ${s}.outbox.seq)
       SELECT doc::text AS doc FROM claimed ORDER BY next_attempt_at, seq`;
    return this.claim(`claimmsgs${r.only ? 'n' : ''}`, text, r);
  }

  private claim(name: string, text: string, r: ClaimRequest): Statement {
    // $7 (the ids a narrowed claim may take) is there only when narrowed.
    const types: ParamType[] = ['timestamptz', 'text', 'text', 'text[]', 'int', 'int'];
    const values: unknown[] = [r.until, r.owner, r.token, r.skip ?? [], r.limit, Math.ceil(r.ms)];
    return r.only ? this.st(name, text, [...types, 'text[]'], [...values, r.only]) : this.st(name, text, types, values);
  }

  /** Extends the leases `token` holds (only on `ids`, if given) on jobs and messages; how many. */
  renewLeases(token: string, ms: number, ids?: ReadonlyArray<string>): Statement {
    const only = ids === undefined ? '' : 'AND id = ANY($3::text[])';
    const text = `WITH j AS (UPDATE ${this.s}.jobs SET lease_until = ${this.leaseUntil('$2')} WHERE lease_token = $1::text ${only} RETURNING 1),
            o AS (UPDATE ${this.s}.outbox SET lease_until = ${this.leaseUntil('$2')} WHERE lease_token = $1::text ${only} RETURNING 1)
       SELECT ((SELECT count(*) FROM j) + (SELECT count(*) FROM o))::int AS n`;
    return ids === undefined
      ? this.st('renewall', text, ['text', 'int'], [token, Math.ceil(ms)])
      : this.st('renew', text, ['text', 'int', 'text[]'], [token, Math.ceil(ms), ids]);
  }

  /** Gives back the leases `token` holds (only on `ids`, if given). */
  releaseLeases(token: string, ids?: ReadonlyArray<string>): Statement {
    const only = ids === undefined ? '' : 'AND id = ANY($2::text[])';
    const free = 'lease_owner = NULL, lease_token = NULL, lease_until = NULL';
    const text = `WITH j AS (UPDATE ${this.s}.jobs SET ${free} WHERE lease_token = $1::text ${only})
       UPDATE ${this.s}.outbox SET ${free} WHERE lease_token = $1::text ${only}`;
    return ids === undefined ? this.st('releaseall', text, ['text'], [token]) : this.st('release', text, ['text', 'text[]'], [token, ids]);
  }

  /** The earliest due job and pending delivery, as the ISO strings their documents hold. */
  nextDue(): Statement {
    return this.st(
      'nextdue',
      `SELECT (SELECT doc->>'dueAt' FROM ${this.s}.jobs ORDER BY due_at, seq LIMIT 1) AS job,
              (SELECT doc->>'nextAttemptAt' FROM ${this.s}.outbox WHERE status = 'pending' ORDER BY next_attempt_at, seq LIMIT 1) AS message`,
      [],
      [],
    );
  }
}

/** A short digest of a schema name (FNV-1a, base 36), for statement names that would be too long. */
function hash(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(36);
}

/** For a LeaseRequest used by StorageTx's claims (no `until`/`limit` of its own). */
export function claimOf(until: string, limit: number, lease: LeaseRequest): ClaimRequest {
  return { ...lease, until, limit };
}
