import { diffResults } from '../../simulation/diff.js';
import { parse, wholeNumber } from '../args.js';
import { exitCodes, NO_INPUT_EXIT, showHelp, USAGE_EXIT, type Command } from '../command.js';
import { json } from '../format.js';
import { EXIT } from '../io.js';
import { renderDiff } from '../render.js';
import { HISTORY_HELP, HISTORY_OPTIONS, historyInputs, rulesInput, runSimulation } from '../simulation-inputs.js';

export const diffCommand: Command = {
  name: 'diff',
  summary: 'what changes if rule set B replaces A, on the same history',
  help: `Usage: dealflow diff --rules A.json --against B.json --pipelines PIPELINES.json --events HISTORY.jsonl
                     [--from DATE] [--to DATE] [--json] [--limit N]

Simulates the history under rule set A (--rules) and rule set B (--against) and compares them deal
by deal: notifications added, removed or sent at another time (escalations — to a manager or a
role — among them), stage moves made by rules, violations, deadline (SLA) outcomes and final
stages; per deal and in total.

Options:
  --rules FILE       rule set A (the current one)
  --against FILE     rule set B (the candidate)
${HISTORY_HELP}
  --limit N          how many changed deals to list in the text output (default 20)
  -h, --help         show this help

${exitCodes([
  [0, 'done; events the engine refused are part of the result, not a failure'],
  [1, 'invalid input: rules, pipelines, config or history fail validation, a file is not JSON'],
  USAGE_EXIT,
  NO_INPUT_EXIT,
])}`,
  async run(args, io) {
    const { values } = parse('diff', args, { ...HISTORY_OPTIONS, rules: { type: 'string' }, against: { type: 'string' }, limit: { type: 'string' } });
    if (values.help) return showHelp(this, io);
    const limit = wholeNumber(values.limit, 'limit', 'diff', 20);
    const a = await rulesInput('diff', values, 'rules', io);
    const b = await rulesInput('diff', values, 'against', io);
    const history = await historyInputs('diff', values, io);
    const resultA = await runSimulation('simulating A', { ...history, rules: a }, io, values.progress);
    const resultB = await runSimulation('simulating B', { ...history, rules: b }, io, values.progress);
    const d = diffResults(resultA, resultB);
    io.stdout.write(values.json ? json(d) : renderDiff(d, limit));
    return EXIT.ok;
  },
};
