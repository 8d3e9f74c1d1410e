import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll } from 'vitest';
import { createSqlStorage } from '../../src/sql/index.js';
import { storageContract } from '../storage/contract.js';
import { sqlBehaviour } from './sql-behaviour.js';

// One PGlite per test file (each costs seconds and hundreds of MB); one schema per test.
let db: PGlite;
let n = 0;
beforeAll(async () => {
  db = await PGlite.create();
}, 60_000);
afterAll(async () => {
  await db?.close();
});

storageContract('PGlite', () => createSqlStorage({ client: db, schema: `contract_${++n}` }));
sqlBehaviour('PGlite', { client: () => db, schema: () => `sql_${++n}` });
