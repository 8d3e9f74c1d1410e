// Runs every example the way its README says (`npx tsx examples/<name>/main.ts`) and checks that it
// exits 0 and prints what it promises: each line of examples/<name>/expected.txt must appear in its
// output. `node scripts/run-examples.mjs [name…]` runs only those.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const only = process.argv.slice(2);
const names = readdirSync(join(root, 'examples'), { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(join(root, 'examples', d.name, 'main.ts')))
  .map((d) => d.name)
  .filter((n) => only.length === 0 || only.includes(n))
  .sort();

let failed = 0;
for (const name of names) {
  const dir = join(root, 'examples', name);
  const started = process.hrtime.bigint();
  const res = spawnSync(join(root, 'node_modules', '.bin', 'tsx'), [join('examples', name, 'main.ts')], {
    cwd: root,
    encoding: 'utf8',
    timeout: 300_000,
    env: process.env,
  });
  const ms = Number((process.hrtime.bigint() - started) / 1_000_000n);
  const out = `${res.stdout ?? ''}${res.stderr ?? ''}`;
  const problems = [];
  if (res.status !== 0) problems.push(`exit ${res.status ?? res.signal}`);
  const expectedFile = join(dir, 'expected.txt');
  if (!existsSync(expectedFile)) problems.push('no expected.txt saying what it prints');
  else {
    for (const line of readFileSync(expectedFile, 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean)) {
      if (!out.includes(line)) problems.push(`missing output: ${line}`);
    }
  }
  if (!existsSync(join(dir, 'README.md'))) problems.push('no README.md');
  if (problems.length > 0) {
    failed++;
    console.log(`✗ ${name} (${ms} ms)\n  ${problems.join('\n  ')}\n--- output ---\n${out.slice(-3000)}\n--------------`);
  } else {
    console.log(`✓ ${name} (${ms} ms)`);
  }
}
console.log(`examples: ${names.length - failed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
