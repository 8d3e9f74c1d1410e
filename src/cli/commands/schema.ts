import { rulesJsonSchema } from '../../engine/parse-rules.js';
import { historyEventJsonSchema } from '../../simulation/history.js';
import { parse } from '../args.js';
import { EXIT_CODES_HELP, showHelp, type Command } from '../command.js';
import { json } from '../format.js';
import { EXIT, usageError } from '../io.js';

export const schemaCommand: Command = {
  name: 'schema',
  summary: 'print the JSON Schema of a history line or of the rule language',
  help: `Usage: dealflow schema history|rules

  history   one line of a history file (JSON Lines): created, updated, moved, deleted, event, launched
  rules     a rule set (the built-in actions' params included)

${EXIT_CODES_HELP}`,
  async run(args, io) {
    const { values, positionals } = parse('schema', args, {}, true);
    if (values.help) return showHelp(this, io);
    const which = positionals[0];
    if (positionals.length !== 1 || (which !== 'history' && which !== 'rules'))
      throw usageError('schema takes one of: history, rules\n  see: dealflow schema --help');
    io.stdout.write(json(which === 'history' ? historyEventJsonSchema() : rulesJsonSchema()));
    return EXIT.ok;
  },
};
