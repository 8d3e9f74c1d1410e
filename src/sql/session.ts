import type { SqlConnection, SqlQueryable } from './driver.js';

export type Row = Record<string, unknown>;

/**
 * The statements of one transaction, sent as few round trips as the driver allows. The store
 * queues what it can (buffered writes, then the read that needs them) and sends them together.
 */
export interface Session {
  /** Runs the statements in order inside the transaction; resolves to each one's rows. */
  run(statements: string[]): Promise<Row[][]>;
  /** Runs the last statements and commits. */
  commit(statements: string[]): Promise<void>;
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

  async run(statements: string[]): Promise<Row[][]> {
    const all = this.begun ? statements : ['BEGIN', ...statements];
    this.begun = true;
    const out = await this.conn.script(all.join(';\n'));
    return out.slice(out.length - statements.length).map((r) => r.rows ?? []);
  }

  async commit(statements: string[]): Promise<void> {
    if (this.begun) await this.conn.script([...statements, 'COMMIT'].join(';\n'));
    else if (statements.length > 0) await this.conn.script(statements.join(';\n'));
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

  async run(statements: string[]): Promise<Row[][]> {
    if (statements.length === 0) return [];
    if (this.tx.script) {
      const out = await this.tx.script(statements.join(';\n'));
      return out.slice(out.length - statements.length).map((r) => r.rows ?? []);
    }
    const out: Row[][] = [];
    for (const s of statements) out.push((await this.tx.query<Row>(s)).rows);
    return out;
  }

  async commit(statements: string[]): Promise<void> {
    await this.run(statements);
  }

  async rollback(): Promise<void> {
    // The driver rolls back when the transaction function throws.
  }
}
