/** Helpers for tests on the PostgreSQL server at DATABASE_URL (set by .ci/run). Each test gets its own schema. */
import pg from 'pg';

export const DATABASE_URL = process.env.DATABASE_URL;

export interface ServerSchemas {
  pool: pg.Pool;
  /** A fresh schema name, dropped by `close`. */
  next(prefix?: string): string;
  close(): Promise<void>;
}

export function serverSchemas(url: string, max = 10): ServerSchemas {
  const pool = new pg.Pool({ connectionString: url, max });
  const made: string[] = [];
  const run = `${process.pid.toString(36)}${Date.now().toString(36).slice(-4)}`;
  return {
    pool,
    next(prefix = 't') {
      const name = `${prefix}_${run}_${made.length + 1}`;
      made.push(name);
      return name;
    },
    async close() {
      for (const s of made) await pool.query(`DROP SCHEMA IF EXISTS "${s}" CASCADE`);
      await pool.end();
    },
  };
}
