import { readdir, writeFile, readFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Workload } from './harness.js';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const only = args.filter((a) => !a.startsWith('--'));

const files = (await readdir(join(here, 'workloads'))).filter((f) => f.endsWith('.ts')).sort();
const keys: Record<string, number> = {};
for (const file of files) {
  const workload = (await import(pathToFileURL(join(here, 'workloads', file)).href)).default as Workload;
  if (only.length > 0 && !only.includes(workload.name)) continue;
  console.log(`\n## ${workload.name}${quick ? ' (quick)' : ''}`);
  const result = await workload.run({ quick });
  console.table(result.table);
  for (const n of result.notes ?? []) console.log(`  ${n}`);
  Object.assign(keys, result.keys);
}

const out = join(here, 'results', 'latest.json');
await mkdir(dirname(out), { recursive: true });
let previous: Record<string, unknown> = {};
try {
  previous = JSON.parse(await readFile(out, 'utf8')) as Record<string, unknown>;
} catch {
  // first run
}
const merged = { ...previous, ...keys, 'meta.node': process.version, 'meta.quick': quick ? 1 : 0 };
await writeFile(out, `${JSON.stringify(merged, null, 2)}\n`);
console.log(`\nwrote ${out}`);
