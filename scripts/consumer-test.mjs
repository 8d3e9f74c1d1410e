// Packs dealflow, installs the tarball into a fresh project outside the repo (without any optional
// peer: no pg, PGlite or nodemailer), and uses every entry point from both `import` and `require`,
// plus a TypeScript file type-checked against the packed .d.ts files.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const entries = Object.keys(pkg.exports).filter((k) => k !== './package.json').map((k) => (k === '.' ? 'dealflow' : `dealflow/${k.slice(2)}`));
const work = mkdtempSync(join(tmpdir(), 'dealflow-consumer-'));
const run = (cmd, args, cwd = work) => execFileSync(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });

try {
  const tarball = run('npm', ['pack', '--silent', '--pack-destination', work], root).trim().split('\n').pop();
  writeFileSync(join(work, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }));
  run('npm', ['install', '--no-audit', '--no-fund', '--silent', join(work, tarball)]);
  for (const peer of ['pg', '@electric-sql/pglite', 'nodemailer']) {
    const found = execFileSync('node', ['-e', `try { require.resolve(${JSON.stringify(peer)}); console.log('yes') } catch { console.log('no') }`], { cwd: work, encoding: 'utf8' });
    if (found.trim() !== 'no') throw new Error(`optional peer ${peer} was installed into the consumer; it must stay optional`);
  }

  const scenario = `
    const engine = createTestEngine({
      pipelines: [{ id: 'p', name: 'P', stages: [{ id: 'new', name: 'New' }, { id: 'won', name: 'Won', kind: 'won' }] }],
      rules: [{ id: 'r', trigger: { type: 'deal.created' }, actions: [{ type: 'notify', after: { days: 1 }, params: { to: 'owner', template: 'hello' } }] }],
    });
    const deal = await engine.createDeal({ pipelineId: 'p', ownerId: 'u1', amount: 5 });
    await engine.advance({ days: 2 });
    if (engine.notifications.length !== 1 || deal.stageId !== 'new') throw new Error('scenario failed');
  `;
  writeFileSync(join(work, 'esm.mjs'), `
    import { createEngine, DealflowError } from 'dealflow';
    import { createTestEngine } from 'dealflow/testing';
    ${entries.map((e, i) => `import * as entry${i} from '${e}';`).join('\n')}
    if (typeof createEngine !== 'function' || typeof DealflowError !== 'function') throw new Error('esm exports missing');
    ${entries.map((e, i) => `if (Object.keys(entry${i}).length === 0) throw new Error('${e} exports nothing');`).join('\n')}
    ${scenario}
    console.log('esm ok: ${entries.join(', ')}');
  `);
  writeFileSync(join(work, 'cjs.cjs'), `
    const { createEngine } = require('dealflow');
    const { createTestEngine } = require('dealflow/testing');
    ${entries.map((e) => `if (Object.keys(require('${e}')).length === 0) throw new Error('${e} exports nothing');`).join('\n')}
    (async () => { ${scenario} console.log('cjs ok'); })().catch((e) => { console.error(e); process.exit(1); });
  `);
  writeFileSync(join(work, 'typed.ts'), `
    import { createEngine, type Deal, type RuleInput } from 'dealflow';
    import { FakeClock } from 'dealflow/testing';
    const rule: RuleInput = { id: 'r', trigger: { type: 'deal.created' }, actions: [{ type: 'setFlag', params: { flag: 'x' } }] };
    const engine = createEngine({ pipelines: [{ id: 'p', name: 'P', stages: [{ id: 'new', name: 'New' }] }], rules: [rule], clock: new FakeClock() });
    export async function f(): Promise<Deal> { return engine.createDeal({ pipelineId: 'p', ownerId: 'u' }); }
  `);
  writeFileSync(join(work, 'tsconfig.json'), JSON.stringify({ compilerOptions: { strict: true, module: 'node16', moduleResolution: 'node16', target: 'es2022', noEmit: true, skipLibCheck: false, types: [] }, files: ['typed.ts'] }));
  writeFileSync(join(work, 'package.json'), JSON.stringify({ ...JSON.parse(readFileSync(join(work, 'package.json'), 'utf8')), type: 'module' }));
  console.log(run('node', ['esm.mjs']).trim());
  console.log(run('node', ['cjs.cjs']).trim());
  run(join(root, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.json']);
  console.log('typescript consumer ok');
} finally {
  rmSync(work, { recursive: true, force: true });
}
