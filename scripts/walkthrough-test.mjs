// docs/index.md walks a new user from an empty directory to a rule running on PostgreSQL. This
// follows it in a fresh directory outside the repository, with the page's own files and commands,
// and checks each command's exit code and output against what the page shows:
//
// 1. the packed tarball next to `my-sales-app`, `npm init -y`, `npm pkg set type=module`,
//    `npm install ../dealflow/<tarball>`, the dev tools, the page's tsconfig.json;
// 2. sales.ts and first-rule.ts: `npx tsc`, `npx tsx first-rule.ts`;
// 3. sales.test.ts: `npx tsc`, `npx vitest run`;
// 4. with DATABASE_URL set (CI sets it): `npm install pg`, production.ts, worker.ts, new-deal.ts;
//    the worker started, a deal created from a second process, the notification delivered, the
//    worker stopped with SIGINT to its process group (Ctrl-C), the page's SQL run. It works in a
//    scratch database created next to DATABASE_URL's and dropped at the end.
//
// The page's commands are checked to be on the page before they run here, so the two cannot drift
// apart. Two differences from a reader's run, both deliberate: the tarball is packed from this
// checkout's dist/ (built by `npm run build` first) rather than a fresh clone, and the dev tools,
// pg and @types/pg are installed at the versions this repository uses, not the newest, so CI does
// not change under us. `node scripts/walkthrough-test.mjs` (after `npm run build`).
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const require = createRequire(join(root, 'package.json'));
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const page = readFileSync(join(root, 'docs', 'index.md'), 'utf8');
const versionOf = (name) => JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')).version;
const pinned = (names) => names.map((n) => `${n}@${versionOf(n)}`);

/** The page's fenced blocks in order: language, code, and the snippet file name marked before it. */
const blocks = [];
for (const m of page.matchAll(/(?:<!-- snippet: (\S+) -->\n)?```([a-z]*)\n([\s\S]*?)\n```/g)) {
  blocks.push({ snippet: m[1], lang: m[2], code: m[3], at: m.index });
}
const snippet = (name) => {
  const b = blocks.find((x) => x.snippet === name);
  if (!b) throw new Error(`docs/index.md has no snippet ${name}`);
  return `${b.code}\n`;
};
/** The index of the shell block that gives `command` (a whole line, without its comment). */
const commandBlock = (command) => {
  const i = blocks.findIndex((b) => b.lang === 'sh' && b.code.split('\n').some((l) => l.replace(/\s+#.*$/, '').trim() === command));
  if (i < 0) throw new Error(`docs/index.md no longer gives the command \`${command}\`; update scripts/walkthrough-test.mjs with the page`);
  return i;
};
/** The `count` output blocks (fences without a language) that follow the block of `command`. */
const outputsAfter = (command, count) => {
  const out = blocks.slice(commandBlock(command) + 1).filter((b) => b.lang === '');
  if (out.length < count) throw new Error(`docs/index.md shows no output after \`${command}\``);
  return out.slice(0, count).map((b) => b.code);
};

/**
 * Output as the page shows it: each shown line, in order, matches a whole line of the output; `…`
 * stands for any text, and a note in parentheses after two or more spaces is the page's comment.
 * With `loose`, shown lines may match part of a line and other lines may come between (a test
 * runner's summary, with timings and colours the page leaves out).
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: strips terminal colours (ESC [ … m)
const COLOURS = /\x1b\[[0-9;]*m/g;

function expectOutput(what, actual, shown, { loose = false } = {}) {
  const lines = actual
    .replace(COLOURS, '')
    .split('\n')
    .map((l) => l.trimEnd());
  let at = 0;
  for (const line of shown.split('\n').filter((l) => l.trim() !== '')) {
    const text = line.replace(/\s{2,}\(.*\)$/, '').trimEnd();
    const body = text
      .trim()
      .split('…')
      .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/\s+/g, '\\s+'))
      .join('.+?');
    const re = loose ? new RegExp(body) : new RegExp(`^${text.match(/^\s*/)[0]}${body}$`);
    const found = lines.findIndex((l, i) => i >= at && re.test(l));
    if (found < 0 || (!loose && found !== at)) {
      throw new Error(`${what}: the page shows\n  ${text}\nbut the output (from line ${at + 1}) is\n${lines.join('\n')}`);
    }
    at = found + 1;
  }
  if (!loose && lines.slice(at).some((l) => l !== '')) throw new Error(`${what}: more output than the page shows:\n${lines.slice(at).join('\n')}`);
}

const work = mkdtempSync(join(tmpdir(), 'dealflow-walkthrough-'));
const app = join(work, 'my-sales-app');
let env = { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', CI: 'true' };
delete env.DATABASE_URL;

/** Runs a command the page gives (checked to be on the page), in my-sales-app; `as` is what runs. */
function step(command, { as = command.split(' '), status = 0 } = {}) {
  commandBlock(command);
  const [cmd, ...args] = as;
  const res = spawnSync(cmd, args, { cwd: app, env, encoding: 'utf8', timeout: 300_000 });
  const out = `${res.stdout ?? ''}${res.stderr ?? ''}`;
  if (res.status !== status) throw new Error(`\`${command}\` exited ${res.status ?? res.signal}, expected ${status}:\n${out}`);
  return res.stdout;
}
const write = (name, text) => writeFileSync(join(app, name), text);
const npmQuiet = ['--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'];

let db;
let worker;
try {
  // 1. Install: the tarball in ../dealflow, as `npm pack` in the clone leaves it.
  // `npm pack` builds first (prepack), so the page runs no `npm run build`.
  commandBlock('npm install && npm pack');
  mkdirSync(join(work, 'dealflow'));
  const tarball = spawnSync('npm', ['pack', '--silent', '--pack-destination', join(work, 'dealflow')], { cwd: root, encoding: 'utf8' })
    .stdout.trim()
    .split('\n')
    .pop();
  if (tarball !== `${pkg.name}-${pkg.version}.tgz`) throw new Error(`npm pack wrote ${tarball}`);
  if (!page.split('\n').some((l) => l.startsWith('npm install && npm pack   #') && l.endsWith(`the last line printed: ${tarball}`)))
    throw new Error(`docs/index.md does not name the tarball ${tarball} where npm pack is run`);
  commandBlock('mkdir my-sales-app && cd my-sales-app');
  mkdirSync(app);
  step('npm init -y');
  step('npm pkg set type=module');
  step(`npm install ../dealflow/${tarball}`, { as: ['npm', 'install', ...npmQuiet, `../dealflow/${tarball}`] });
  step('npm install -D typescript tsx vitest @types/node', {
    as: ['npm', 'install', '-D', ...npmQuiet, ...pinned(['typescript', 'tsx', 'vitest', '@types/node'])],
  });
  const tsconfig = blocks.find((b) => b.lang === 'json');
  JSON.parse(tsconfig.code);
  write('tsconfig.json', `${tsconfig.code}\n`);
  console.log(`1. installed ${tarball} into a fresh project (${app})`);

  // 2. A first rule.
  write('sales.ts', snippet('sales.ts'));
  write('first-rule.ts', snippet('first-rule.ts'));
  expectOutput('npx tsc', step('npx tsc'), '');
  expectOutput('npx tsx first-rule.ts', step('npx tsx first-rule.ts'), outputsAfter('npx tsx first-rule.ts', 1)[0]);
  console.log('2. first-rule.ts type-checks and prints what the page shows');

  // 3. The fake clock.
  write('sales.test.ts', snippet('sales.test.ts'));
  expectOutput('npx tsc', step('npx tsc'), '');
  expectOutput('npx vitest run', step('npx vitest run'), outputsAfter('npx vitest run', 1)[0], { loose: true });
  console.log('3. sales.test.ts type-checks and passes under vitest');

  // 4. PostgreSQL, in a scratch database on DATABASE_URL's server.
  if (!process.env.DATABASE_URL) {
    console.log('4. skipped: set DATABASE_URL to run the PostgreSQL step');
  } else {
    const pg = require('pg');
    const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await admin.connect();
    const name = `dealflow_walkthrough_${process.pid}`;
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const url = new URL(process.env.DATABASE_URL);
    url.pathname = `/${name}`;
    db = { name, url: url.toString() };

    step('npm install pg', { as: ['npm', 'install', ...npmQuiet, ...pinned(['pg'])] });
    step('npm install -D @types/pg', { as: ['npm', 'install', '-D', ...npmQuiet, ...pinned(['@types/pg'])] });
    for (const f of ['production.ts', 'worker.ts', 'new-deal.ts']) write(f, snippet(f));
    expectOutput('npx tsc', step('npx tsc'), '');
    env = { ...env, DATABASE_URL: db.url };

    const [started] = outputsAfter('npx tsx worker.ts', 1);
    const [created, delivered, stopped] = outputsAfter('npx tsx new-deal.ts', 3);
    commandBlock('npx tsx worker.ts');
    // Its own process group, so that SIGINT reaches npx, tsx and node together, as Ctrl-C does.
    worker = spawn('npx', ['tsx', 'worker.ts'], { cwd: app, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    worker.stdout.on('data', (d) => (output += d));
    worker.stderr.on('data', (d) => (output += d));
    const exited = new Promise((res) => worker.on('exit', (code, signal) => res(code ?? signal)));
    const waitFor = async (what, re, ms) => {
      for (const until = Date.now() + ms; !re.test(output); ) {
        if (Date.now() > until || worker.exitCode !== null) throw new Error(`the worker did not print ${what} in ${ms} ms:\n${output}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    await waitFor('that it runs', /running\n/, 60_000);
    expectOutput('npx tsx worker.ts', output, started);
    expectOutput('npx tsx new-deal.ts', step('npx tsx new-deal.ts'), created);
    await waitFor('the notification', /Send a proposal within 5 days\.\n/, 30_000);
    expectOutput('the worker after new-deal.ts', output, delivered);
    process.kill(-worker.pid, 'SIGINT');
    const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r('timeout'), 30_000))]);
    // npx passes the signal on and then ends by it, as after Ctrl-C in a terminal (status 130).
    if (code !== 0 && code !== 'SIGINT' && code !== 130) throw new Error(`the worker ended with ${code} after Ctrl-C:\n${output}`);
    worker = undefined;
    expectOutput('the worker after Ctrl-C', output, `${delivered}\n${stopped}`);

    // The page's SQL, through pg (psql may not be installed).
    const sql = (command) => {
      const line = blocks.flatMap((b) => (b.lang === 'sh' ? b.code.split('\n') : [])).find((l) => l.startsWith(`psql "$DATABASE_URL" -c '${command}`));
      if (!line) throw new Error(`docs/index.md no longer gives psql … -c '${command}…'`);
      return line.slice(line.indexOf("-c '") + 4, line.lastIndexOf("'"));
    };
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const jobs = await client.query(sql('SELECT'));
      if (jobs.rows.length !== 3) throw new Error(`${sql('SELECT')}: ${jobs.rows.length} rows, the page says three jobs`);
      await client.query(sql('DROP SCHEMA'));
      const left = await client.query("SELECT nspname FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%' AND nspname NOT IN ('information_schema', 'public')");
      const tables = await client.query("SELECT relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public'");
      if (left.rows.length + tables.rows.length > 0) throw new Error(`after DROP SCHEMA something is left: ${JSON.stringify([...left.rows, ...tables.rows])}`);
    } finally {
      await client.end();
    }
    console.log('4. worker.ts and new-deal.ts on PostgreSQL: scheduled three jobs, delivered one notification, stopped on Ctrl-C; the SQL on the page runs');
  }
  console.log('docs/index.md walkthrough ok');
} finally {
  if (worker) {
    try {
      process.kill(-worker.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  if (db) {
    const pg = require('pg');
    const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${db.name} WITH (FORCE)`);
    await admin.end();
  }
  rmSync(work, { recursive: true, force: true });
}
