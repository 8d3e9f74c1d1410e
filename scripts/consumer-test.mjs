// Packs dealflow, installs the tarball into a fresh project outside the repo (without any optional
// peer: no pg, PGlite, nodemailer or @opentelemetry/api), and uses every entry point from both `import` and `require`,
// plus a TypeScript file type-checked against the packed .d.ts files, and runs the package's `bin`
// (the `dealflow` command) as an installed executable.
import { execFileSync, spawnSync } from 'node:child_process';
import { accessSync, constants, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const entries = Object.keys(pkg.exports)
  .filter((k) => k !== './package.json' && !k.endsWith('.json') && !k.includes('*'))
  .map((k) => (k === '.' ? 'dealflow' : `dealflow/${k.slice(2)}`));
/** The JSON Schemas the package ships (`dealflow/schema/rules.json`, …). */
const schemaEntries = Object.keys(pkg.exports)
  .filter((k) => k.startsWith('./schema/') && k.endsWith('.json'))
  .map((k) => `dealflow/${k.slice(2)}`);
// dealflow/console is typed with the fetch API's Request/Response and Node's http types, which a
// TypeScript project gets from @types/node: it is type-checked in its own project that has them.
const typedEntries = entries.filter((e) => e !== 'dealflow/console');
const work = mkdtempSync(join(tmpdir(), 'dealflow-consumer-'));
const run = (cmd, args, cwd = work) => execFileSync(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });

try {
  const tarball = run('npm', ['pack', '--silent', '--pack-destination', work], root).trim().split('\n').pop();
  writeFileSync(join(work, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }));
  run('npm', ['install', '--no-audit', '--no-fund', '--silent', join(work, tarball)]);
  for (const peer of ['pg', '@electric-sql/pglite', 'nodemailer', '@opentelemetry/api']) {
    const found = execFileSync('node', ['-e', `try { require.resolve(${JSON.stringify(peer)}); console.log('yes') } catch { console.log('no') }`], {
      cwd: work,
      encoding: 'utf8',
    });
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
  writeFileSync(
    join(work, 'esm.mjs'),
    `
    import { createEngine, DealflowError } from 'dealflow';
    import { createTestEngine } from 'dealflow/testing';
    ${entries.map((e, i) => `import * as entry${i} from '${e}';`).join('\n')}
    if (typeof createEngine !== 'function' || typeof DealflowError !== 'function') throw new Error('esm exports missing');
    ${entries.map((e, i) => `if (Object.keys(entry${i}).length === 0) throw new Error('${e} exports nothing');`).join('\n')}
    ${scenario}
    // dealflow/opentelemetry without its peer: it imports, and the first command says what to install.
    const { openTelemetry } = await import('dealflow/opentelemetry');
    const traced = createTestEngine({ pipelines: [{ id: 'p', name: 'P', stages: [{ id: 'new', name: 'New' }] }], telemetry: openTelemetry() });
    const refusal = await traced.createDeal({ pipelineId: 'p', ownerId: 'u1' }).then(() => null, (e) => e);
    if (refusal?.code !== 'INVALID_CONFIG' || !refusal.message.includes('npm install @opentelemetry/api')) throw new Error('openTelemetry() without its peer: ' + refusal);
    // The shipped schemas are the ones the library generates, and name their dialect.
    const { rulesJsonSchema, pipelinesJsonSchema, configJsonSchema } = await import('dealflow');
    const generated = { 'dealflow/schema/rules.json': rulesJsonSchema(), 'dealflow/schema/pipelines.json': pipelinesJsonSchema(), 'dealflow/schema/config.json': configJsonSchema() };
    for (const name of ${JSON.stringify(schemaEntries)}) {
      const shipped = (await import(name, { with: { type: 'json' } })).default;
      if (JSON.stringify(shipped) !== JSON.stringify(generated[name])) throw new Error(name + ' differs from what the library generates');
    }
    console.log('esm ok: ${[...entries, ...schemaEntries].join(', ')}');
  `,
  );
  writeFileSync(
    join(work, 'cjs.cjs'),
    `
    const { createEngine } = require('dealflow');
    const { createTestEngine } = require('dealflow/testing');
    ${entries.map((e) => `if (Object.keys(require('${e}')).length === 0) throw new Error('${e} exports nothing');`).join('\n')}
    ${schemaEntries.map((e) => `if (!String(require('${e}').$schema).includes('2020-12')) throw new Error('${e} is not a JSON Schema');`).join('\n')}
    (async () => { ${scenario} console.log('cjs ok'); })().catch((e) => { console.error(e); process.exit(1); });
  `,
  );
  writeFileSync(
    join(work, 'typed.ts'),
    `
    import { createEngine, type Deal, type RuleInput } from 'dealflow';
    import { FakeClock } from 'dealflow/testing';
    const rule: RuleInput = { id: 'r', trigger: { type: 'deal.created' }, actions: [{ type: 'setFlag', params: { flag: 'x' } }] };
    const engine = createEngine({ pipelines: [{ id: 'p', name: 'P', stages: [{ id: 'new', name: 'New' }] }], rules: [rule], clock: new FakeClock() });
    export async function f(): Promise<Deal> { return engine.createDeal({ pipelineId: 'p', ownerId: 'u' }); }
    ${typedEntries.map((e, i) => `import * as entry${i} from '${e}';`).join('\n')}
    export const all = [${typedEntries.map((_, i) => `entry${i}`).join(', ')}];
  `,
  );
  // Every entry point's types, as an ES module (node16) and from a CommonJS project whose
  // tsconfig resolves modules the old way (node10, TypeScript's default for module commonjs,
  // which reads typesVersions instead of exports).
  writeFileSync(
    join(work, 'typed-node10.ts'),
    `
    import { createTestEngine } from 'dealflow/testing';
    ${typedEntries.map((e, i) => `import * as entry${i} from '${e}';`).join('\n')}
    export const all = [createTestEngine, ${typedEntries.map((_, i) => `entry${i}`).join(', ')}];
  `,
  );
  const compilerOptions = { strict: true, target: 'es2022', noEmit: true, skipLibCheck: false, types: [] };
  writeFileSync(
    join(work, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { ...compilerOptions, module: 'node16', moduleResolution: 'node16' }, files: ['typed.ts'] }),
  );
  writeFileSync(
    join(work, 'tsconfig.node10.json'),
    JSON.stringify({
      compilerOptions: { ...compilerOptions, module: 'commonjs', moduleResolution: 'node10', esModuleInterop: true },
      files: ['typed-node10.ts'],
    }),
  );
  writeFileSync(
    join(work, 'typed-console.ts'),
    `
    import { createServer } from 'node:http';
    import { createConsole, nodeListener, type ConsoleHandler } from 'dealflow/console';
    import { createTestEngine } from 'dealflow/testing';
    const engine = createTestEngine({ pipelines: [{ id: 'p', name: 'P', stages: [{ id: 'new', name: 'New' }] }] });
    const handler: ConsoleHandler = createConsole({ engine, actor: (request: Request) => (request.headers.get('x-user') ? { id: 'u', roles: ['admin'] } : null), basePath: '/console' });
    export const server = createServer(nodeListener(handler));
    export const answer: Promise<Response> = handler(new Request('http://localhost/console/api/session'));
  `,
  );
  for (const [name, resolution] of [
    ['tsconfig.console.json', { module: 'node16', moduleResolution: 'node16' }],
    ['tsconfig.console-node10.json', { module: 'commonjs', moduleResolution: 'node10', esModuleInterop: true }],
  ]) {
    writeFileSync(join(work, name), JSON.stringify({ compilerOptions: { ...compilerOptions, ...resolution, types: ['node'] }, files: ['typed-console.ts'] }));
  }
  writeFileSync(
    join(work, 'console.mjs'),
    `
    import { createConsole } from 'dealflow/console';
    import { createTestEngine } from 'dealflow/testing';
    const engine = createTestEngine({ pipelines: [{ id: 'p', name: 'P', stages: [{ id: 'new', name: 'New' }] }] });
    const handler = createConsole({ engine, actor: () => ({ id: 'u', roles: ['admin'] }) });
    const page = await (await handler(new Request('http://localhost/'))).text();
    const script = /src="([^"]+\\.js)"/.exec(page)?.[1];
    const js = script && (await handler(new Request('http://localhost' + script)));
    if (!js || js.status !== 200 || (await js.text()).length < 10000) throw new Error('the console does not serve its built app');
    const board = await (await handler(new Request('http://localhost/api/board'))).json();
    if (board.columns?.[0]?.stageId !== 'new') throw new Error('the console API does not answer');
    // A dry run runs in the packed worker script (dist/console/dry-run-worker.js, found next to the entry).
    const post = (path, body) => handler(new Request('http://localhost/api/' + path, { method: 'POST', headers: { 'content-type': 'application/json', 'x-dealflow-console': '1' }, body: JSON.stringify(body) }));
    let run = await (await post('rules/dry-run', { rules: [], history: { source: 'generated', deals: 20, days: 5, seed: 1 } })).json();
    while (run.status === 'running') {
      await new Promise((resolve) => setTimeout(resolve, 50));
      run = await (await handler(new Request('http://localhost/api/rules/dry-run/' + run.id))).json();
    }
    if (run.status !== 'done' || run.result.totals.deals !== 20) throw new Error('the console dry run failed: ' + JSON.stringify(run.error ?? run));
    console.log('console ok: the packed app (' + script + '), its API and a dry run in its worker');
  `,
  );
  writeFileSync(join(work, 'package.json'), JSON.stringify({ ...JSON.parse(readFileSync(join(work, 'package.json'), 'utf8')), type: 'module' }));
  console.log(run('node', ['esm.mjs']).trim());
  console.log(run('node', ['cjs.cjs']).trim());
  run(join(root, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.json']);
  run(join(root, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.node10.json']);
  console.log(run('node', ['console.mjs']).trim());
  // @types/node only now, so the checks above run without it.
  run('npm', ['install', '--no-audit', '--no-fund', '--silent', '--no-save', `@types/node@${pkg.devDependencies['@types/node']}`]);
  run(join(root, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.console.json']);
  run(join(root, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.console-node10.json']);
  console.log('dealflow/console types ok with @types/node (node16 and node10 resolution)');
  console.log('typescript consumer ok (node16 and node10 resolution, every entry point)');
  cli();
} finally {
  rmSync(work, { recursive: true, force: true });
}

/**
 * The installed `dealflow` executable: npm links it into node_modules/.bin, it starts with a node
 * shebang, is executable, runs as ES module code, and needs no optional peer for check, generate
 * and simulate. Each run is checked for its exit code and what it prints.
 */
function cli() {
  const bin = join(work, 'node_modules', '.bin', 'dealflow');
  const target = realpathSync(bin);
  const expected = join(work, 'node_modules', 'dealflow', pkg.bin.dealflow);
  if (target !== realpathSync(expected)) throw new Error(`node_modules/.bin/dealflow points at ${target}, not ${expected}`);
  if (!readFileSync(target, 'utf8').startsWith('#!/usr/bin/env node\n')) throw new Error(`${pkg.bin.dealflow} does not start with #!/usr/bin/env node`);
  accessSync(target, constants.X_OK);

  writeFileSync(
    join(work, 'rules.json'),
    JSON.stringify([
      { id: 'brief', trigger: { type: 'deal.created' }, actions: [{ type: 'notify', params: { to: 'owner', template: 'brief' } }] },
      { id: 'remind', trigger: { type: 'deal.created' }, actions: [{ type: 'notify', after: { days: 1 }, params: { to: 'owner', template: 'reminder' } }] },
    ]),
  );
  writeFileSync(
    join(work, 'bad-rules.json'),
    JSON.stringify([{ id: 'brief', trigger: { type: 'deal.created' }, actions: [{ type: 'notify', params: { to: 'owner' } }] }]),
  );
  writeFileSync(
    join(work, 'pipelines.json'),
    JSON.stringify({
      id: 'sales',
      name: 'Sales',
      stages: [
        { id: 'new', name: 'New' },
        { id: 'won', name: 'Won', kind: 'won' },
      ],
    }),
  );

  const cases = [
    { args: ['--help'], status: 0, stdout: /Usage: dealflow <command>[\s\S]*check[\s\S]*simulate/ },
    { args: ['check', 'rules.json', '--pipelines', 'pipelines.json'], status: 0, stdout: /rules\.json: no problems found/ },
    { args: ['check', 'bad-rules.json'], status: 1, stdout: /\$\[0\]\.actions\[0\]\.params\.template[\s\S]*1 error\(s\)/ },
    { args: ['check', 'missing.json'], status: 66, stderr: /cannot read the rules file "missing\.json"/ },
    { args: ['nope'], status: 64, stderr: /unknown command "nope"/ },
    {
      args: ['generate', '--deals', '5', '--days', '3', '--seed', '1', '--out', 'history.jsonl', '--pipelines-out', 'generated.json'],
      status: 0,
      stderr: /wrote \d+ events for 5 deals/,
    },
    {
      args: ['simulate', '--rules', 'rules.json', '--pipelines', 'generated.json', '--events', 'history.jsonl', '--json'],
      status: 0,
      stdout: /"replayed": [1-9]/,
    },
    // The embedded store needs PGlite, which is not installed: the option is named, with its own exit code.
    {
      args: ['simulate', '--rules', 'rules.json', '--pipelines', 'generated.json', '--events', 'history.jsonl', '--store', 'data'],
      status: 69,
      stderr: /--store needs @electric-sql\/pglite, which is not installed/,
    },
    { args: ['--version'], status: 0, stdout: new RegExp(`^${pkg.version.replaceAll('.', '\\.')}\n$`) },
    { args: ['schema', 'rules'], status: 0, stdout: /"title": "dealflow rules"/ },
    // The migrations are in the bundle: --print needs neither pg nor a file; applying needs pg, which is not installed.
    { args: ['migrate', '--print'], status: 0, stdout: /^BEGIN;\n[\s\S]*CREATE TABLE "dealflow"\.deals \([\s\S]*COMMIT;\n$/m },
    { args: ['migrate', '--database-url', 'postgres://app@127.0.0.1:1/sales'], status: 69, stderr: /--database-url needs pg, which is not installed/ },
  ];
  for (const c of cases) {
    const res = spawnSync('npx', ['--no-install', 'dealflow', ...c.args], { cwd: work, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    const shown = `dealflow ${c.args.join(' ')}`;
    const problems = [];
    if (res.status !== c.status) problems.push(`exit ${res.status ?? res.signal}, expected ${c.status}`);
    if (c.stdout && !c.stdout.test(res.stdout)) problems.push(`stdout does not match ${c.stdout}`);
    if (c.stderr && !c.stderr.test(res.stderr)) problems.push(`stderr does not match ${c.stderr}`);
    if (problems.length > 0) throw new Error(`${shown}: ${problems.join('; ')}\n--- stdout ---\n${res.stdout}\n--- stderr ---\n${res.stderr}`);
  }
  console.log(`cli ok: ${cases.map((c) => `dealflow ${c.args[0]} (exit ${c.status})`).join(', ')}`);

  // The package ships migrations/ (dealflow/migrations/0001-initial.sql resolves), and what the
  // bundled code prints is those files, each with the schema named.
  const printed = execFileSync('npx', ['--no-install', 'dealflow', 'migrate', '--print'], { cwd: work, encoding: 'utf8' });
  const shipped = readdirSync(join(work, 'node_modules', 'dealflow', 'migrations')).filter((f) => /^\d{4}-.*\.sql$/.test(f));
  if (shipped.length === 0) throw new Error('the package ships no migrations/NNNN-*.sql');
  for (const file of shipped) {
    const resolved = execFileSync('node', ['-e', `console.log(require.resolve('dealflow/migrations/${file}'))`], { cwd: work, encoding: 'utf8' }).trim();
    const body = readFileSync(resolved, 'utf8').split('\n').slice(1).join('\n').trim().replaceAll('{{schema}}', '"dealflow"');
    if (!printed.includes(body)) throw new Error(`dealflow migrate --print does not carry ${file} as shipped`);
  }
  console.log(`migrations ok: ${shipped.join(', ')} shipped, resolvable, and what the bundled CLI prints`);
}
