import { writeFile } from 'node:fs/promises';
import { generateHistory, GENERATED_PIPELINE } from '../../simulation/generate.js';
import { toJsonLines } from '../../simulation/history.js';
import { instant, parse, wholeNumber } from '../args.js';
import { exitCodes, showHelp, USAGE_EXIT, type Command } from '../command.js';
import { CliError, EXIT, usageError } from '../io.js';

export const generateCommand: Command = {
  name: 'generate',
  summary: 'write a realistic, deterministic deal history (JSON Lines) for simulations and benchmarks',
  help: `Usage: dealflow generate --deals N --days D --seed S [--start DATE] [--owners N]
                         [--out FILE] [--pipelines-out FILE]

Generates a sales history for the seed scenario's pipeline (stages unsorted, new, proposal,
negotiation, won, lost; a proposalSentAt date field): deals opened on working days, amounts
around 6,000 (most under 10,000), proposals sent after a delay that sometimes misses 5 days or
never comes, some deals marked complex, then negotiation, won or lost, and invoice.paid events.
The same seed gives the same history, byte for byte.

Options:
  --deals N            how many deals (required)
  --days D             over how many days (required)
  --seed S             a number or any text (required)
  --start DATE         the first day (default 2025-01-06)
  --owners N           how many sales reps own the deals (default 12)
  --out FILE           write the history here instead of stdout
  --pipelines-out FILE also write the pipeline the history uses
  -h, --help           show this help

${exitCodes([[0, 'done'], USAGE_EXIT, [66, 'the --out or --pipelines-out file cannot be written']])}`,
  async run(args, io) {
    const { values } = parse('generate', args, {
      deals: { type: 'string' },
      days: { type: 'string' },
      seed: { type: 'string' },
      start: { type: 'string' },
      owners: { type: 'string' },
      out: { type: 'string' },
      'pipelines-out': { type: 'string' },
    });
    if (values.help) return showHelp(this, io);
    const deals = wholeNumber(values.deals, 'deals', 'generate');
    const days = wholeNumber(values.days, 'days', 'generate');
    if (days < 1) throw usageError('--days must be 1 or more');
    if (values.seed === undefined) throw usageError('generate needs --seed (a number or any text)\n  see: dealflow generate --help');
    const start = instant(values.start, 'start');
    const owners = wholeNumber(values.owners, 'owners', 'generate', 12);
    const seed = /^\d+$/.test(values.seed) ? Number(values.seed) : values.seed;
    const events = generateHistory({ deals, days, seed, owners, ...(start ? { start } : {}) });
    const text = toJsonLines(events);
    if (values.out) await write(values.out, text);
    else io.stdout.write(text);
    if (values['pipelines-out']) await write(values['pipelines-out'], `${JSON.stringify([GENERATED_PIPELINE], null, 2)}\n`);
    if (values.out) io.stderr.write(`dealflow: wrote ${events.length} events for ${deals} deals to ${values.out}\n`);
    return EXIT.ok;
  },
};

async function write(path: string, text: string): Promise<void> {
  try {
    await writeFile(path, text);
  } catch (e) {
    throw new CliError(`cannot write "${path}": ${(e as Error).message}`, EXIT.noInput);
  }
}
