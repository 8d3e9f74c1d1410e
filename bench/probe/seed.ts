/** Probe: seeds `deals` deals with one overdue job each in schema argv[3] (default sqlspeed_x), and leaves them. */
import pg from 'pg';
import { seedSchema } from './seed-schema.js';

const URL_ = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const deals = Number(process.argv[2] ?? 10000);
const schema = process.argv[3] ?? 'sqlspeed_x';
const admin = new pg.Pool({ connectionString: URL_, max: 2 });
await seedSchema(admin, schema, deals);
await admin.query(`VACUUM ANALYZE ${schema}.jobs`);
await admin.end();
