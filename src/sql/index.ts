/**
 * `dealflow/sql`: the storage port on PostgreSQL, through `pg` against a server or on an
 * embedded PGlite. Both drivers are optional peer dependencies; install the one you use.
 */
export { SqlStorage, createSqlStorage, type SqlStorageOptions } from './storage.js';
export { toDriver, poolDriver, type SqlDriver, type SqlQueryable, type SqlConnection, type SqlClient, type PgPoolLike, type PGliteLike } from './driver.js';
export { migrate, migrationScript, appliedMigrations, MIGRATIONS, SCHEMA_VERSION, type Migration } from './migrations.js';
