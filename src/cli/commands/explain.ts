import { parse, required } from '../args.js';
import { exitCodes, NO_INPUT_EXIT, showHelp, USAGE_EXIT, type Command } from '../command.js';
import { json } from '../format.js';
import { EXIT } from '../io.js';
import { renderExplanation } from '../render.js';
import { HISTORY_HELP, HISTORY_OPTIONS, historyInputs, rulesInput, runSimulation } from '../simulation-inputs.js';

export const explainCommand: Command = {
  name: 'explain',
  summary: 'why each rule fired, or did not, for one deal of a simulated history',
  help: `Usage: dealflow explain --rules RULES.json --pipelines PIPELINES.json --events HISTORY.jsonl
                        --deal ID [--rule ID] [--from DATE] [--to DATE] [--json]

Simulates the history, then explains one deal: per rule whether its trigger matched, each
condition with the value it saw and its result, what was scheduled, what ran, what was cancelled
and why; rules whose trigger never matched say what they were waiting for.

Options:
  --rules FILE       the rule set
${HISTORY_HELP}
  --deal ID          the deal to explain
  --rule ID          only this rule
  -h, --help         show this help

${exitCodes([
  [0, 'done; events the engine refused are part of the result, not a failure'],
  [1, 'invalid input: rules, pipelines, config or history fail validation, a file is not JSON'],
  USAGE_EXIT,
  NO_INPUT_EXIT,
])}`,
  async run(args, io) {
    const { values } = parse('explain', args, { ...HISTORY_OPTIONS, rules: { type: 'string' }, deal: { type: 'string' }, rule: { type: 'string' } });
    if (values.help) return showHelp(this, io);
    const dealId = required(values, 'deal', 'explain');
    const rules = await rulesInput('explain', values, 'rules', io);
    const history = await historyInputs('explain', values, io);
    const result = await runSimulation('simulating', { ...history, rules }, io, values.progress);
    const explanation = await result.engine.explain(dealId, values.rule);
    io.stdout.write(values.json ? json(explanation) : renderExplanation(explanation));
    return EXIT.ok;
  },
};
