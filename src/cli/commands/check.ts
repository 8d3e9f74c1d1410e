import { checkRules, type RuleFinding } from '../../analysis/check-rules.js';
import { parse } from '../args.js';
import type { Command } from '../command.js';
import { exitCodes, NO_INPUT_EXIT, showHelp, USAGE_EXIT } from '../command.js';
import { json } from '../format.js';
import { cliPhrase, usageError } from '../io.js';
import { loadConfig, loadPipelines, loadRules } from '../inputs.js';

export const check: Command = {
  name: 'check',
  summary: 'validate a rule set and find loops, rules that never fire, conflicting rules',
  help: `Usage: dealflow check RULES.json [--pipelines PIPELINES.json] [--config CONFIG.json] [--json]

Validates the rules — every problem in one pass, each with its JSON path and, where it helps, a
hint: "did you mean", the valid stages or values, the form to write — and analyses them before they
go live:
  - loops: rules that trigger each other (A moves to X, B moves back) — an error when nothing
    can stop it, a warning when criteria, values or a scheduled step may
  - rules that can never fire: contradictory criteria, a trigger on a field no pipeline declares
    or on a value the field cannot take
  - actions that would fail: a move to an unknown stage, a write to an undeclared field
  - two rules setting the same field, or moving the deal, on the same trigger
Without --pipelines, stages and fields are not checked.

Options:
  --pipelines FILE   the pipelines the rules run on (one object or an array)
  --config FILE      the engine's other settings as JSON: playbooks, slas, calendars, exceptions,
                     digests (and pipelines, if --pipelines is not given); their actions, SLA and
                     calendar names are then known to the check
  --json             print the findings as JSON (docs/cli.md describes the shape)
  -h, --help         show this help

The rules file is an array of rules or { "$schema": "…", "rules": [ … ] }; see dealflow schema rules.

${exitCodes([
  [0, 'no findings'],
  [1, 'errors found, or the rules, pipelines or config file is not valid JSON or not valid'],
  [2, 'warnings only, no errors'],
  USAGE_EXIT,
  NO_INPUT_EXIT,
])}`,
  async run(args, io) {
    const { values, positionals } = parse('check', args, { pipelines: { type: 'string' }, config: { type: 'string' }, json: { type: 'boolean' } }, true);
    if (values.help) return showHelp(this, io);
    if (positionals.length !== 1) throw usageError(`check takes one rules file, got ${positionals.length}\n  see: dealflow check --help`);
    const rules = await loadRules(positionals[0]!, io);
    const config = values.config ? await loadConfig(values.config, io) : undefined;
    const pipelines = values.pipelines ? await loadPipelines(values.pipelines, io) : config?.pipelines;
    const result = checkRules(rules, { ...(pipelines ? { pipelines } : {}), ...(config ? { engine: config.engine } : {}) });
    if (values.json) {
      const phrased = { ...result, findings: result.findings.map((f) => (f.hint ? { ...f, hint: cliPhrase(f.hint) } : f)) };
      io.stdout.write(json(phrased));
      return result.exitCode;
    }
    for (const f of result.findings) io.stdout.write(`${line(f)}\n`);
    if (!result.checkedStages) io.stdout.write('note: no --pipelines, so stages and fields were not checked\n');
    io.stdout.write(
      result.findings.length === 0 ? `${positionals[0]}: no problems found\n` : `${positionals[0]}: ${result.errors} error(s), ${result.warnings} warning(s)\n`,
    );
    return result.exitCode;
  },
};

function line(f: RuleFinding): string {
  const hint = f.hint ? `\n${' '.repeat(8)}hint: ${cliPhrase(f.hint)}` : '';
  return `${f.severity.padEnd(7)} ${f.path}  ${cliPhrase(f.message)} [${f.code}]${hint}`;
}
