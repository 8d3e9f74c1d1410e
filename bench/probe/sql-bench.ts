/** Runs only the `sql` workload (no build needed: it imports src/), printing its table and keys; for A/B runs beside another checkout. */
import sql from '../workloads/sql.js';

const result = await sql.run({ quick: process.argv.includes('--quick') });
console.table(result.table);
console.log(JSON.stringify(result.keys));
