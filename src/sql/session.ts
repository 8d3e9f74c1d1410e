import type { SqlConnection, SqlQueryable } from './driver.js';
import { execute, inline, prepare, type PreparedSet, type Statement } from './statements.js';

export type Row = Record<string, unknown>;

/** A statement to send: literal SQL text, or a parameterised Statement (prepared where the connection keeps them). */
export type Sendable = string | Statement;

/**
 * Renders statements as one script: a Statement becomes `EXECUTE name(values)`, preceded by its
 * `PREPARE` the first time this connection sees it; without a PreparedSet, its text with the values
 * written in. `pick` maps each statement to its result's index in the script.
 */
export function render(statements: ReadonlyArray<Sendable>, prepared: PreparedSet | undefined): { sql: string[]; pick: number[]; preparing: boolean } {
  const sql: string[] = [];
  const pick: number[] = [];
  let preparing = false;
  if (prepared?.dirty) {
    sql.push('DEALLOCATE ALL');
    prepared.names.clear();
    prepared.dirty = false;
  }
  for (const st of statements) {
    if (typeof st === 'string') sql.push(st);
    else if (!prepared) sql.push(inline(st));
    else {
      if (!prepared.names.has(st.name)) {
        sql.push(prepare(st));
        prepared.names.add(st.name);
        preparing = true;
      }
      sql.push(execute(st));
    }
    pick.push(sql.length - 1);
  }
  return { sql, pick, preparing };
}

const GENERIC_PLANS = 'SET LOCAL plan_cache_mode = force_generic_plan';

/**
 * The statements of one transaction, sent as few round trips as the driver allows. The store
 * queues what it can (buffered writes, then the read that needs them) and sends them together.
 */
export interface Session {
  /** Runs the statements in order inside the transaction; resolves to each one's rows. */
  run(statements: Sendable[]): Promise<Row[][]>;
  /** Runs the last statements and commits. */
  commit(statements: Sendable[]): Promise<void>;
  rollback(): Promise<void>;
}

/**
 * On a connection of its own (a `pg` Pool client): BEGIN goes out with the first statements and
 * COMMIT with the last, so a command costs two round trips. A transaction that only writes is one
 * simple query without BEGIN, which PostgreSQL runs atomically as an implicit transaction.
 */
export class ConnectionSession implements Session {
  private begun = false;
  private broken: Error | undefined;

  constructor(private readonly conn: SqlConnection) {}

  /** Hands the connection back (or has the pool drop it, if it broke). */
  release(): void {
    this.conn.release(this.broken);
  }

  async run(statements: Sendable[]): Promise<Row[][]> {
    const all = this.begun ? statements : ['BEGIN', ...this.opening(), ...statements];
    this.begun = true;
    const out = await this.script(all);
    return out.slice(out.length - statements.length);
  }

  async commit(statements: Sendable[]): Promise<void> {
    if (this.begun) await this.script([...statements, 'COMMIT']);
    else if (statements.length > 0) await this.script([...this.opening(), ...statements]);
  }

  /** Statements run on their own, as one implicit transaction (one round trip); resolves to each one's rows. */
  async once(statements: Sendable[]): Promise<Row[][]> {
    const opening = this.opening();
    return (await this.script([...opening, ...statements])).slice(opening.length);
  }

  /**
   * Where statements are prepared, the transaction plans them generically from the first use
   * (`SET LOCAL`: nothing outlasts it on a host's pooled connection). Left to itself the server
   * plans each statement afresh for its first five runs on every connection, and the claim
   * (whose custom plan it judged cheaper) on every run: most of a short run's planning.
   */
  private opening(): string[] {
    return this.conn.prepared ? [GENERIC_PLANS] : [];
  }

  /** One round trip; resolves to each statement's rows (PREPAREs left out). */
  private async script(statements: Sendable[]): Promise<Row[][]> {
    const { sql, pick, preparing } = render(statements, this.conn.prepared);
    try {
      const out = await this.conn.script(sql.join(';\n'));
      return pick.map((i) => out[i]?.rows ?? []);
    } catch (error) {
      if (preparing && this.conn.prepared) this.conn.prepared.dirty = true;
      throw error;
    }
  }

  async rollback(): Promise<void> {
    if (!this.begun) return;
    try {
      await this.conn.script('ROLLBACK');
    } catch (error) {
      // The connection is gone; do not hand it back to the pool.
      this.broken = error as Error;
    }
  }
}

/** Inside a transaction the driver runs (PGlite, or a host's driver): a script if it has one, else one statement at a time. */
export class DriverTxSession implements Session {
  constructor(private readonly tx: SqlQueryable) {}

  async run(statements: Sendable[]): Promise<Row[][]> {
    if (statements.length === 0) return [];
    const sql = statements.map((st) => (typeof st === 'string' ? st : inline(st)));
    if (this.tx.script) {
      const out = await this.tx.script(sql.join(';\n'));
      return out.slice(out.length - sql.length).map((r) => r.rows ?? []);
    }
    const out: Row[][] = [];
    for (const s of sql) out.push((await this.tx.query<Row>(s)).rows);
    return out;
  }

  async commit(statements: Sendable[]): Promise<void> {
    await this.run(statements);
  }

  async rollback(): Promise<void> {
    // The driver rolls back when the transaction function throws.
  }
}
