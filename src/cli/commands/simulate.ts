import { readdir } from 'node:fs/promises';
import { Engine } from '../../engine/engine.js';
import type { Storage } from '../../ports/storage.js';
import { parse } from '../args.js';
import { exitCodes, NO_INPUT_EXIT, showHelp, type Command } from '../command.js';
import { json } from '../format.js';
import { CliError, EXIT, type CliIo } from '../io.js';
import { renderSimulation, renderTimeline } from '../render.js';
import { HISTORY_HELP, HISTORY_OPTIONS, historyInputs, rulesInput, runSimulation } from '../simulation-inputs.js';

/** A timeline this short is printed without asking. */
const SHORT_TIMELINE = 100;

export const simulateCommand: Command = {
  name: 'simulate',
  summary: 'replay a history through a rule set on a fake clock: timeline and reports',
  help: `Usage: dealflow simulate --rules RULES.json --pipelines PIPELINES.json --events HISTORY.jsonl
                         [--from DATE] [--to DATE] [--json] [--timeline] [--deal ID] [--store DIR]

Replays the history in time order through the rules on a fake clock, firing scheduled actions at
their own times, and prints what the rules did: per rule fired / skipped / scheduled / ran /
cancelled (with reasons) / notifications, notifications by template, stage moves by rules,
violations, and events the engine refused (unknown deal, unknown stage…), with their line numbers.
Progress goes to stderr: a bar on a terminal; otherwise a line every 5 seconds (see --progress).

Options:
  --rules FILE       the rule set
${HISTORY_HELP}
  --timeline         print the timeline (what fired, was scheduled, ran, was cancelled, sent)
                     even when it is long; up to 100 entries it is printed anyway
  --deal ID          only this deal's timeline (implies --timeline)
  --store DIR        keep the simulated state in an embedded PostgreSQL (PGlite) database in DIR,
                     a new or empty directory; needs @electric-sql/pglite installed
  -h, --help         show this help

${exitCodes([
  [0, 'done; events the engine refused are part of the result, not a failure'],
  [1, 'invalid input: rules, pipelines, config or history fail validation, a file is not JSON'],
  [64, 'bad usage: unknown option, a missing or malformed option value, a --store directory that is not empty'],
  NO_INPUT_EXIT,
  [69, '--store needs @electric-sql/pglite, which is not installed'],
])}`,
  async run(args, io) {
    const { values } = parse('simulate', args, {
      ...HISTORY_OPTIONS,
      rules: { type: 'string' },
      timeline: { type: 'boolean' },
      deal: { type: 'string' },
      store: { type: 'string' },
    });
    if (values.help) return showHelp(this, io);
    const rules = await rulesInput('simulate', values, 'rules', io);
    const history = await historyInputs('simulate', values, io);
    // Rules and configuration are validated (an engine built in memory) before the store is opened,
    // so a bad rule set leaves no half-made database behind.
    if (values.store) new Engine({ ...history.engine, pipelines: history.pipelines, rules });
    const storage = values.store ? await openStore(values.store, io) : undefined;
    try {
      const result = await runSimulation('simulating', { ...history, rules, ...(storage ? { storage } : {}) }, io, values.progress);
      const timeline = values.deal ? result.timeline.filter((e) => e.dealId === values.deal) : result.timeline;
      if (values.json) {
        const { engine: _engine, log: _log, outbox: _outbox, ...rest } = result;
        io.stdout.write(json({ ...rest, timeline }));
      } else {
        io.stdout.write(renderSimulation(result));
        if (values.timeline || values.deal || timeline.length <= SHORT_TIMELINE) {
          io.stdout.write(`\nTimeline${values.deal ? ` of ${values.deal}` : ''}\n${renderTimeline(timeline)}`);
        } else {
          io.stdout.write(`\nTimeline: ${timeline.length} entries (--timeline prints them, --deal ID one deal's)\n`);
        }
        if (values.store) io.stdout.write(`\nstate kept in ${values.store}\n`);
      }
      return EXIT.ok;
    } finally {
      await storage?.close?.();
    }
  },
};

const PGLITE = '@electric-sql/pglite';

/** Opens a PGlite store in a new or empty directory, so a simulation never mixes with other data. */
async function openStore(dir: string, io: CliIo): Promise<Storage> {
  // PGlite is an optional peer: without it, say so in terms of the option that needs it.
  try {
    await (io.load ?? ((s: string) => import(s)))(PGLITE);
  } catch {
    throw new CliError(`--store needs ${PGLITE}, which is not installed`, EXIT.unavailable, [
      `install it (npm install ${PGLITE}) to keep the simulated state, or leave out --store`,
    ]);
  }
  const entries = await readdir(dir).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return [];
    throw new CliError(`cannot use --store ${dir}: ${e.message}`, EXIT.noInput);
  });
  if (entries.length > 0) throw new CliError(`--store ${dir} is not empty; give a new or empty directory`, EXIT.usage);
  const { createSqlStorage } = await import('../../sql/storage.js');
  return createSqlStorage({ dataDir: dir });
}
