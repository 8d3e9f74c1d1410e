import { afterAll, describe } from 'vitest';
import { createSqlStorage } from '../../src/sql/index.js';
import { storageContract } from '../storage/contract.js';
import { DATABASE_URL, serverSchemas } from './server.js';

// On the PostgreSQL server when DATABASE_URL is set (.ci/run always sets it and fails if it cannot connect).
describe.runIf(DATABASE_URL)('on the PostgreSQL server', () => {
  const server = serverSchemas(DATABASE_URL!);
  afterAll(() => server.close());
  storageContract('PostgreSQL server', () => createSqlStorage({ client: server.pool, schema: server.next('contract') }));
});
