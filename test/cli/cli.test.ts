import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/run.js';
import { parseHistory } from '../../src/simulation/history.js';

const fixtures = resolve(import.meta.dirname, 'fixtures');
const f = (name: string) => join(fixtures, name);
const history = ['--pipelines', f('pipelines.json'), '--events', f('history.jsonl')];

/** Runs the CLI in process with captured output; `tty` makes stderr look like a terminal, `io` adds hooks (load, now). */
async function cli(args: string[], options: { tty?: boolean; stdin?: string; io?: Partial<CliIo> } = {}) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t), isTTY: options.tty ?? false },
    readStdin: async () => options.stdin ?? '',
    ...options.io,
  });
  return { code, stdout, stderr };
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dealflow-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('dealflow (no command, help, bad usage)', () => {
  it('lists the commands and the exit codes', async () => {
    const { code, stdout } = await cli(['--help']);
    expect(code).toBe(0);
    for (const name of ['check', 'simulate', 'diff', 'explain', 'generate', 'schema', 'migrate']) expect(stdout).toContain(`  ${name} `);
    expect(stdout).toContain('64  bad usage');
    expect((await cli([])).code).toBe(64);
  });

  it.each([
    ['check', [0, 1, 2, 64, 66]],
    ['simulate', [0, 1, 64, 66, 69]],
    ['diff', [0, 1, 64, 66]],
    ['explain', [0, 1, 64, 66]],
    ['generate', [0, 64, 66]],
    ['schema', [0, 64]],
    ['migrate', [0, 1, 64, 69]],
  ] as const)('%s --help prints its usage and its own exit codes', async (name, codes) => {
    const { code, stdout } = await cli([name, '--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(new RegExp(`^Usage: dealflow ${name}`));
    const listed = [...stdout.split('Exit codes:\n')[1]!.matchAll(/^ {2}(\d+)\s/gm)].map((m) => Number(m[1]));
    expect(listed).toEqual(codes);
  });

  it('prints its version', async () => {
    const { version } = JSON.parse(await readFile(resolve(import.meta.dirname, '../../package.json'), 'utf8'));
    for (const flag of ['--version', '-V']) expect(await cli([flag])).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
  });

  it('refuses an unknown command or option with exit 64 and a pointer to --help', async () => {
    const unknown = await cli(['simulat']);
    expect(unknown).toMatchObject({ code: 64 });
    expect(unknown.stderr).toContain('unknown command "simulat"');
    const option = await cli(['simulate', '--rulez', 'x']);
    expect(option.code).toBe(64);
    expect(option.stderr).toContain("Unknown option '--rulez'; did you mean --rules?");
    expect(option.stderr).toContain('see: dealflow simulate --help');
    const missing = await cli(['simulate', ...history]);
    expect(missing.code).toBe(64);
    expect(missing.stderr).toContain('simulate needs --rules');
  });

  it('says which file is missing (exit 66) or is not JSON (exit 1)', async () => {
    const missing = await cli(['simulate', '--rules', f('nope.json'), ...history]);
    expect(missing.code).toBe(66);
    expect(missing.stderr).toBe(`dealflow: cannot read the rules file "${f('nope.json')}": no such file\n`);
    const notJson = await cli(['check', f('history.jsonl')]);
    expect(notJson.code).toBe(1);
    expect(notJson.stderr).toContain(
      `the rules file "${f('history.jsonl')}" is not valid JSON: line 2, column 1: Unexpected non-whitespace character after JSON\n`,
    );
    // Broken JSON is located by line and column, as an editor counts them.
    const broken = join(dir, 'broken.json');
    await writeFile(broken, '[\n  { "id": "a",\n    "trigger": { "type": "deal.created" },\n  }\n]\n');
    const at = await cli(['check', broken]);
    expect(at.code).toBe(1);
    expect(at.stderr).toContain(`is not valid JSON: line 4, column 3: Expected double-quoted property name in JSON\n`);
    expect(at.stderr).toContain(`${broken}:4:3`);
  });
});

describe('dealflow check', () => {
  it('exits 0 on a clean rule set', async () => {
    const { code, stdout } = await cli(['check', f('rules-5-days.json'), '--pipelines', f('pipelines.json')]);
    expect(code).toBe(0);
    expect(stdout).toBe(`${f('rules-5-days.json')}: no problems found\n`);
  });

  it('exits 1 on errors, listing each with its JSON path', async () => {
    const { code, stdout } = await cli(['check', f('loop-rules.json'), '--pipelines', f('pipelines.json')]);
    expect(code).toBe(1);
    expect(stdout).toContain('error   $[0].actions[0]  rules loop: "to-negotiation" moves to negotiation, which triggers "back-to-proposal"');
    expect(stdout).toContain('1 error(s), 0 warning(s)');
  });

  it('checks against the engine configuration in --config (playbooks, SLAs, pipelines…)', async () => {
    const examples = resolve(import.meta.dirname, '../../examples/negotiation-goals');
    const config = join(dir, 'config.json');
    const read = async (name: string) => JSON.parse(await readFile(join(examples, name), 'utf8'));
    await writeFile(config, JSON.stringify({ pipelines: [await read('pipeline.json')], playbooks: await read('playbooks.json') }));
    const rules = join(examples, 'rules.json');
    expect((await cli(['check', rules, '--config', config])).code).toBe(0);
    const without = await cli(['check', rules, '--pipelines', join(examples, 'pipeline.json')]);
    expect(without.code).toBe(1);
    expect(without.stdout).toContain('unknown playbook "delivery"');
    await writeFile(config, JSON.stringify({ pipeline: [] }));
    const bad = await cli(['check', rules, '--config', config]);
    expect(bad).toMatchObject({ code: 1 });
    expect(bad.stderr).toContain('$.pipeline: unknown key "pipeline"');
    expect(bad.stderr).toContain('hint: did you mean "pipelines"?');
  });

  it('prints all ten mistakes of the rule file in docs/cli.md in one pass, each with its path and hint, as the page shows', async () => {
    const page = await readFile(resolve(import.meta.dirname, '../../docs/cli.md'), 'utf8');
    const block = (name: string) => new RegExp(`<!-- check-example: ${name} -->\\n\`\`\`[a-z]*\\n([\\s\\S]*?)\\n\`\`\``).exec(page)?.[1];
    const rules = join(dir, 'rules.json');
    await writeFile(rules, block('rules.json')!);
    const pipeline = resolve(import.meta.dirname, '../../examples/proposal-deadline/pipeline.json');
    const { code, stdout } = await cli(['check', rules, '--pipelines', pipeline]);
    expect(code).toBe(1);
    expect(stdout.replaceAll(rules, 'rules.json').trimEnd()).toBe(block('output'));
    const findings = stdout.split('\n').filter((l) => l.startsWith('error'));
    expect(findings).toHaveLength(10);
    // Every one says how to fix it, but the duplicate id, which says it all.
    expect(stdout.split('\n').filter((l) => l.trimStart().startsWith('hint: '))).toHaveLength(9);
  });

  it('exits 2 on warnings only, and prints JSON with --json', async () => {
    const { code, stdout } = await cli(['check', f('warning-rules.json'), '--json']);
    expect(code).toBe(2);
    expect(JSON.parse(stdout)).toMatchObject({
      errors: 0,
      warnings: 1,
      exitCode: 2,
      checkedStages: false,
      findings: [{ code: 'never-fires', path: '$[0].when' }],
    });
  });
});

describe('dealflow simulate', () => {
  it('prints per-rule counts, notifications, the SLA report and refused events with their line numbers', async () => {
    const { code, stdout, stderr } = await cli(['simulate', '--rules', f('rules-5-days.json'), ...history]);
    expect(code).toBe(0);
    expect(stderr).toBe('');
    expect(stdout).toContain('Simulated 2026-03-02 09:00 → 2026-03-20 09:00 UTC: 12 events, 11 replayed, 1 refused, 0 outside the window; 4 deals');
    expect(stdout).toMatch(/proposal-within-5-days\s+3\s+criteria 1\s+12\s+6\s+until-met 6\s+8\s+0/);
    expect(stdout).toMatch(/proposal\.missed\s+manager\s+1/);
    expect(stdout).toMatch(/SLA compliance\n.*\n.*\nproposal-within-5-days\s+3\s+2\s+1\s/);
    expect(stdout).toContain('1 of 4 deals won');
    // A short timeline comes along without --timeline.
    expect(stdout).toContain('2026-03-07 10:00  D-2  proposal-within-5-days  notify manager: proposal.missed\n');
    expect(stdout).toMatch(/12\s+2026-03-12 08:30\s+moved\s+D-9\s+NOT_FOUND/);
  });

  it('prints JSON with --json, and one deal’s timeline with --deal', async () => {
    const json = await cli(['simulate', '--rules', f('rules-5-days.json'), ...history, '--json']);
    const result = JSON.parse(json.stdout);
    expect(result.events).toEqual({ total: 12, replayed: 11, failed: 1, outside: 0 });
    expect(result.reports.slaCompliance.rows).toEqual([expect.objectContaining({ slaId: 'proposal-within-5-days', met: 2, breached: 1 })]);
    expect(result.errors).toEqual([expect.objectContaining({ line: 12, dealId: 'D-9', code: 'NOT_FOUND' })]);
    const timeline = await cli(['simulate', '--rules', f('rules-5-days.json'), ...history, '--deal', 'D-2']);
    expect(timeline.stdout).toContain('Timeline of D-2\n2026-03-02 10:00  D-2  proposal-within-5-days  fired on deal.created\n');
    expect(timeline.stdout).toContain('2026-03-07 10:00  D-2  proposal-within-5-days  notify manager: proposal.missed\n');
    expect(timeline.stdout).not.toContain('D-1  ');
  });

  it('reads the history from stdin with --events -', async () => {
    const text = await readFile(f('history.jsonl'), 'utf8');
    const { code, stdout } = await cli(['simulate', '--rules', f('rules-5-days.json'), '--pipelines', f('pipelines.json'), '--events', '-', '--json'], {
      stdin: text,
    });
    expect(code).toBe(0);
    expect(JSON.parse(stdout).events.total).toBe(12);
  });

  it('stops on a malformed line with its number and runs nothing; --skip-bad skips and counts it', async () => {
    const bad = await cli(['simulate', '--rules', f('rules-5-days.json'), '--pipelines', f('pipelines.json'), '--events', f('bad-history.jsonl')]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toContain(`${f('bad-history.jsonl')}:6: `);
    expect(bad.stderr).toContain('nothing was run');
    const skipped = await cli([
      'simulate',
      '--rules',
      f('rules-5-days.json'),
      '--pipelines',
      f('pipelines.json'),
      '--events',
      f('bad-history.jsonl'),
      '--skip-bad',
      '--json',
    ]);
    expect(skipped.code).toBe(0);
    expect(skipped.stderr).toContain('skipped 1 malformed line(s)');
    expect(skipped.stderr).toContain('line 6: ');
    expect(JSON.parse(skipped.stdout).events.total).toBe(11);
  });

  it('draws a progress bar with the time left on a terminal, and plain lines when not on one', async () => {
    const piped = await cli(['simulate', '--rules', f('rules-5-days.json'), ...history, '--json']);
    expect(piped.stderr).toBe(''); // a short run prints no progress line
    const tty = await cli(['simulate', '--rules', f('rules-5-days.json'), ...history, '--json'], { tty: true });
    expect(tty.stderr).toMatch(/simulating \[#+\] 12\/12 events {2}2026-03-20 {2}\d+\/s {2}ETA 0:00/);
    expect(tty.stderr.endsWith('\r\x1b[2K')).toBe(true);
    expect(JSON.parse(tty.stdout).events.total).toBe(12);
  });

  it('prints progress lines with the time left when not on a terminal: every 5 s, or every second with --progress', async () => {
    // A clock that moves 6 s per reading: the simulation looks slow, so lines are due.
    let t = 0;
    const now = () => (t += 6000);
    const args = ['simulate', '--rules', f('rules-5-days.json'), '--pipelines', f('pipelines.json'), '--events', f('history.jsonl'), '--json'];
    const slow = await runWith(args, now);
    const lines = slow.stderr.trim().split('\n');
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line).toMatch(/^simulating: \d+\/12 events \(\d+%\), at 2026-\d\d-\d\d, \d+\/s, ETA \d+:\d\d$/);
    expect(slow.stderr).not.toContain('\r');
    t = 0;
    const forced = await runWith([...args, '--progress'], now);
    expect(forced.stderr.trim().split('\n').length).toBeGreaterThan(lines.length);
    expect(forced.stderr).toMatch(/simulating: done, 12 events in \d+:\d\d\n$/);
  });

  it('--store without PGlite names --store and exits 69, before reading or writing anything', async () => {
    const target = join(dir, 'no-pglite');
    const { code, stderr } = await cli(['simulate', '--rules', f('rules-5-days.json'), ...history, '--store', target], {
      io: { load: async (name) => Promise.reject(new Error(`Cannot find package '${name}'`)) },
    });
    expect(code).toBe(69);
    expect(stderr).toContain('--store needs @electric-sql/pglite, which is not installed');
    expect(stderr).toContain('npm install @electric-sql/pglite');
  });
});

/** The CLI with a fake clock for progress. */
async function runWith(args: string[], now: () => number) {
  return cli(args, { io: { now } });
}

describe('dealflow diff', () => {
  it('shows what a 3-day deadline changes against the 5-day one, per deal and in total', async () => {
    const { code, stdout } = await cli(['diff', '--rules', f('rules-5-days.json'), '--against', f('rules-3-days.json'), ...history, '--json']);
    expect(code).toBe(0);
    const d = JSON.parse(stdout);
    expect(d.totals).toMatchObject({
      deals: 4,
      dealsChanged: 2,
      notifications: { a: 8, b: 9, added: 1, removed: 0, retimed: 3 },
      escalations: { a: 1, b: 2, added: 1, removed: 0, retimed: 1 },
      violations: { a: 1, b: 2, added: 2, removed: 1 },
      sla: [{ slaId: 'proposal-within-5-days', a: { met: 2, breached: 1 }, b: { met: 1, breached: 2 }, changed: 1 }],
    });
    expect(d.deals.map((x: { dealId: string }) => x.dealId)).toEqual(['D-1', 'D-2']);
    expect(d.deals[0].notifications.added).toEqual([
      { at: '2026-03-05T09:00:00.000Z', ruleId: 'proposal-within-5-days', template: 'proposal.missed', to: 'manager' },
    ]);
    expect(d.deals[0].sla).toEqual([{ slaId: 'proposal-within-5-days', a: 'met', b: 'breached' }]);
  });

  it('prints the totals and each changed deal as text', async () => {
    const { stdout } = await cli(['diff', '--rules', f('rules-5-days.json'), '--against', f('rules-3-days.json'), ...history]);
    expect(stdout).toContain('4 deals, 2 with a different outcome under B');
    expect(stdout).toMatch(/escalations\s+1\s+2\s+1\s+0\s+1/);
    expect(stdout).toContain('D-1\n  + notify manager: proposal.missed at 2026-03-05 09:00');
    expect(stdout).toContain('  ~ notify owner: proposal.reminder at 2026-03-06 09:00 → 2026-03-04 09:00');
    expect(stdout).toContain('  ~ proposal-within-5-days: met → breached');
  });
});

describe('dealflow explain', () => {
  it('explains why the rule skipped the big deal, with the value it saw', async () => {
    const { code, stdout } = await cli(['explain', '--rules', f('rules-5-days.json'), ...history, '--deal', 'D-3']);
    expect(code).toBe(0);
    expect(stdout).toContain('proposal-within-5-days (v1): SKIPPED');
    expect(stdout).toContain('✗ deal $.amount = 45000, needs lessThan 10000 → false');
  });

  it('explains the jobs of a deal that sent its proposal, as JSON', async () => {
    const { stdout } = await cli(['explain', '--rules', f('rules-5-days.json'), ...history, '--deal', 'D-1', '--json']);
    const [rule] = JSON.parse(stdout).rules;
    expect(rule.verdict).toBe('fired');
    expect(rule.jobs.map((j: { actionId: string; status: string; reason: string | null }) => `${j.actionId}:${j.status}:${j.reason}`)).toEqual([
      'remind-day-1:ran:null',
      'remind-day-4:ran:null',
      'escalate:cancelled:until-met',
      'record:cancelled:until-met',
    ]);
  });
});

describe('dealflow generate', () => {
  it('is deterministic by seed, and its output is a valid history', async () => {
    const a = await cli(['generate', '--deals', '50', '--days', '30', '--seed', '42']);
    const b = await cli(['generate', '--deals', '50', '--days', '30', '--seed', '42']);
    const c = await cli(['generate', '--deals', '50', '--days', '30', '--seed', '43']);
    expect(a.code).toBe(0);
    expect(a.stdout).toBe(b.stdout);
    expect(a.stdout).not.toBe(c.stdout);
    const parsed = parseHistory(a.stdout);
    expect(parsed.events.filter((e) => e.type === 'created')).toHaveLength(50);
  });

  it('writes the history and its pipeline to files', async () => {
    const out = join(dir, 'h.jsonl');
    const pipelines = join(dir, 'p.json');
    const { code, stderr } = await cli(['generate', '--deals', '5', '--days', '10', '--seed', 'demo', '--out', out, '--pipelines-out', pipelines]);
    expect(code).toBe(0);
    expect(stderr).toMatch(/^dealflow: wrote \d+ events for 5 deals to /);
    const sim = await cli(['simulate', '--rules', f('rules-5-days.json'), '--pipelines', pipelines, '--events', out, '--json']);
    expect(JSON.parse(sim.stdout).errors).toEqual([]);
  });

  it('needs its options', async () => {
    expect((await cli(['generate', '--deals', '5', '--days', '10'])).code).toBe(64);
    expect((await cli(['generate', '--deals', 'many', '--days', '10', '--seed', '1'])).stderr).toContain('--deals must be a whole number');
  });
});

describe('dealflow schema', () => {
  it('prints the JSON Schema of a history line', async () => {
    const { code, stdout } = await cli(['schema', 'history']);
    expect(code).toBe(0);
    const schema = JSON.parse(stdout);
    expect(JSON.stringify(schema)).toContain('"launched"');
    expect((await cli(['schema', 'nope'])).code).toBe(64);
  });
});

describe('the dealflow executable', () => {
  it('runs as a process, with the exit code of the command', async () => {
    const run = promisify(execFile);
    const main = resolve(import.meta.dirname, '../../src/cli/main.ts');
    const ok = await run(process.execPath, ['--import', 'tsx', main, 'check', f('rules-5-days.json'), '--pipelines', f('pipelines.json')]);
    expect(ok.stdout).toContain('no problems found');
    await expect(run(process.execPath, ['--import', 'tsx', main, 'check', f('warning-rules.json')])).rejects.toMatchObject({ code: 2 });
  });
});
