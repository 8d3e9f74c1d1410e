import packageJson from '../../../package.json' with { type: 'json' };
import { isDealflowError } from '../../model/errors.js';
import { poolDriver, type PgPoolLike } from '../../sql/driver.js';
import { appliedMigrations, MIGRATIONS, migrate, migrationScript, SCHEMA_VERSION, type Migration } from '../../sql/migrations.js';
import { isConnectionLoss } from '../../sql/errors.js';
import { checkSchemaName } from '../../sql/storage.js';
import { parse } from '../args.js';
import { exitCodes, showHelp, USAGE_EXIT, type Command } from '../command.js';
import { CliError, EXIT, usageError, type CliIo } from '../io.js';

export const migrateCommand: Command = {
  name: 'migrate',
  summary: "apply the SQL store's schema migrations to a PostgreSQL database, or print their SQL",
  help: `Usage: dealflow migrate --database-url URL [--schema NAME]
       dealflow migrate --print [--schema NAME] [--database-url URL]

Brings the schema dealflow's SQL store keeps its tables in up to this version's, as opening the
store does: the migrations (the numbered files in the package's migrations/ folder) the schema has
not had yet, in order, in one transaction, under the advisory lock every process takes to migrate.
Prints each migration it applied. Run it as a deploy step and open the stores with migrate: false.

With --print, runs nothing and prints the SQL instead, as one script psql can run: every migration
for a new schema, or with --database-url the ones that schema has not had (read only). Migrations
only add (tables, columns, indexes): processes of the previous version keep working.

Options:
  --database-url URL   the PostgreSQL server: postgres://user:password@host:5432/database;
                       needs the pg package installed
  --schema NAME        the schema holding dealflow's tables (default: dealflow)
  --print              print the SQL that would run; change nothing
  -h, --help           show this help

${exitCodes([
  [0, 'done: the schema is at the latest version (or, with --print, the SQL was printed)'],
  [1, 'a migration failed: it was rolled back with the others of this run, and the schema is as it was'],
  USAGE_EXIT,
  [69, 'pg is not installed, or the database cannot be reached or refused the connection'],
])}`,
  async run(args, io) {
    const { values } = parse('migrate', args, { 'database-url': { type: 'string' }, schema: { type: 'string' }, print: { type: 'boolean' } });
    if (values.help) return showHelp(this, io);
    const schema = values.schema ?? 'dealflow';
    try {
      checkSchemaName(schema);
    } catch (error) {
      if (isDealflowError(error)) throw usageError(`--schema: ${error.message}`);
      throw error;
    }
    const url = values['database-url'];
    if (url === '') throw usageError('--database-url needs a value: postgres://user:password@host:5432/database');
    if (url === undefined) {
      if (!values.print) throw usageError('migrate needs --database-url (or --print to see the SQL)\n  see: dealflow migrate --help');
      io.stdout.write(script(schema, MIGRATIONS, 'a new schema'));
      return EXIT.ok;
    }
    const pool = await openPool(url, io);
    try {
      const driver = poolDriver(pool);
      const done = await appliedMigrations(driver, schema).catch((error: unknown) => {
        throw unreachable(url, error);
      });
      const newer = done.filter((v) => v > SCHEMA_VERSION);
      if (newer.length > 0) {
        io.stderr.write(
          `dealflow: schema "${schema}" has migrations up to ${Math.max(...newer)}, newer than this dealflow (${packageJson.version}, up to ${SCHEMA_VERSION}); upgrade dealflow to run its migrations\n`,
        );
      }
      if (values.print) {
        const pending = MIGRATIONS.filter((m) => !done.includes(m.version));
        io.stdout.write(
          pending.length === 0
            ? `-- ${upToDate(schema, done)}\n`
            : script(schema, pending, done.length === 0 ? 'a new schema' : `a schema at version ${Math.max(...done)}`),
        );
        return EXIT.ok;
      }
      const applied = await migrate(driver, schema).catch((error: unknown) => {
        throw isConnectionLoss(error) ? unreachable(url, error) : error;
      });
      for (const v of applied) {
        const m = MIGRATIONS.find((x) => x.version === v)!;
        io.stdout.write(`applied migration ${m.version}${m.file ? ` (${m.file})` : ''}: ${m.description}\n`);
      }
      io.stdout.write(applied.length === 0 ? `${upToDate(schema, done)}\n` : `schema "${schema}" is at version ${SCHEMA_VERSION}, the latest\n`);
      return EXIT.ok;
    } finally {
      await pool.end().catch(() => undefined);
    }
  },
};

function upToDate(schema: string, done: number[]): string {
  return `schema "${schema}" is at version ${Math.max(0, ...done)}, the latest: nothing to apply`;
}

function script(schema: string, migrations: ReadonlyArray<Migration>, what: string): string {
  const versions = migrations.map((m) => m.version);
  const range = versions.length === 1 ? `migration ${versions[0]}` : `migrations ${versions[0]} to ${versions.at(-1)}`;
  return `-- dealflow ${packageJson.version}: ${range} for ${what}, schema "${schema}"\n${migrationScript(schema, migrations)}`;
}

type PoolWithEnd = PgPoolLike & { end(): Promise<void>; on(event: 'error', listener: () => void): unknown };

/** A one-connection pg Pool; pg is an optional peer, so without it the command says what to install. */
async function openPool(url: string, io: CliIo): Promise<PoolWithEnd> {
  let pg: { Pool?: new (options: object) => PoolWithEnd; default?: { Pool: new (options: object) => PoolWithEnd } };
  try {
    pg = (await (io.load ?? ((s: string) => import(s)))('pg')) as typeof pg;
  } catch {
    throw new CliError('--database-url needs pg, which is not installed', EXIT.unavailable, [
      'install it (npm install pg), or use --print without --database-url',
    ]);
  }
  const Pool = (pg.Pool ?? pg.default?.Pool)!;
  let pool: PoolWithEnd;
  try {
    pool = new Pool({ connectionString: url, max: 1 });
  } catch (error) {
    throw usageError(`--database-url ${redact(url)}: ${(error as Error).message}`);
  }
  // An idle client's broken connection is an 'error' on the pool; the next query reports it.
  pool.on('error', () => undefined);
  return pool;
}

function unreachable(url: string, error: unknown): CliError {
  const e = error as { message?: string; code?: string };
  const message = e?.message || (Array.isArray((error as AggregateError)?.errors) ? String((error as AggregateError).errors[0]) : String(error));
  return new CliError(`cannot use the database at ${redact(url)}: ${message}${e?.code ? ` (${e.code})` : ''}`, EXIT.unavailable, [
    'check the URL, that the server is up and that the user may connect',
  ]);
}

/** The URL without its password, for messages. */
function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(the URL given)';
  }
}
