import { configJsonSchema, pipelinesJsonSchema, rulesJsonSchema } from '../../schema/index.js';
import { historyEventJsonSchema } from '../../simulation/history.js';
import { parse } from '../args.js';
import { exitCodes, showHelp, USAGE_EXIT, type Command } from '../command.js';
import { json } from '../format.js';
import { EXIT, usageError } from '../io.js';

export const schemaCommand: Command = {
  name: 'schema',
  summary: 'print the JSON Schema of a rule file, a pipelines file, a config file or a history line',
  help: `Usage: dealflow schema history|rules|pipelines|config

  history     one line of a history file (JSON Lines): created, updated, moved, deleted, event, launched
  rules       a rule file: an array of rules, or { "$schema", "rules" } (the built-in, task, playbook
              and createDeal actions' params included)
  pipelines   a pipelines file: one pipeline, an array, or { "$schema", "pipelines" }
  config      a --config file: pipelines, playbooks, slas, calendars, exceptions, digests, users

The same schemas ship in the package: dealflow/schema/rules.json, dealflow/schema/pipelines.json,
dealflow/schema/config.json. Name one in a file's "$schema" and an editor checks it as you type.

${exitCodes([[0, 'done'], USAGE_EXIT])}`,
  async run(args, io) {
    const { values, positionals } = parse('schema', args, {}, true);
    if (values.help) return showHelp(this, io);
    const which = positionals[0];
    const schemas: Record<string, () => unknown> = {
      history: historyEventJsonSchema,
      rules: rulesJsonSchema,
      pipelines: pipelinesJsonSchema,
      config: configJsonSchema,
    };
    const make = which === undefined ? undefined : schemas[which];
    if (positionals.length !== 1 || !make) throw usageError(`schema takes one of: ${Object.keys(schemas).join(', ')}\n  see: dealflow schema --help`);
    io.stdout.write(json(make()));
    return EXIT.ok;
  },
};
