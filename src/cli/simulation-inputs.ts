import { simulate, type SimulateOptions, type SimulationResult } from '../simulation/simulate.js';
import { instant, required, type Options } from './args.js';
import { usageError, type CliIo } from './io.js';
import { loadConfig, loadDirectory, loadHistory, loadPipelines, loadRules, reportSkipped } from './inputs.js';
import { progressBar } from './progress.js';

/** The options every command that replays a history takes. */
export const HISTORY_OPTIONS = {
  pipelines: { type: 'string' },
  config: { type: 'string' },
  events: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  directory: { type: 'string' },
  'skip-bad': { type: 'boolean' },
  json: { type: 'boolean' },
  progress: { type: 'boolean' },
} satisfies Options;

export const HISTORY_HELP = `  --pipelines FILE   the pipelines (one object or an array)
  --config FILE      the engine's other settings as JSON: playbooks, slas, calendars, exceptions,
                     digests, users (and pipelines, if --pipelines is not given)
  --events FILE      the history as JSON Lines (- for stdin); see \`dealflow schema history\`
  --from DATE        leave out events before this; the clock starts here (default: first event)
  --to DATE          leave out events after this; the clock runs to here (default: last event)
  --directory FILE   users (id, managerId, roles…) to resolve recipients; default: placeholders
  --skip-bad         skip malformed lines (counted and listed) instead of stopping
  --json             print JSON instead of tables
  --progress         progress lines on stderr every second, with the time left, even when stderr
                     is not a terminal (without it: a bar on a terminal, else a line every 5 s)`;

type HistoryValues = { [K in keyof typeof HISTORY_OPTIONS]?: (typeof HISTORY_OPTIONS)[K]['type'] extends 'boolean' ? boolean : string };

/** Reads pipelines, history and directory (everything is checked before anything runs). */
export async function historyInputs(command: string, values: HistoryValues, io: CliIo): Promise<Omit<SimulateOptions, 'rules'>> {
  const eventsPath = required(values, 'events', command);
  const from = instant(values.from, 'from');
  const to = instant(values.to, 'to');
  const config = values.config ? await loadConfig(values.config, io) : undefined;
  const pipelines = values.pipelines ? await loadPipelines(values.pipelines, io) : config?.pipelines;
  if (!pipelines) throw usageError(`${command} needs --pipelines (or a --config with pipelines)\n  see: dealflow ${command} --help`);
  const directory = values.directory ? await loadDirectory(values.directory, io) : config?.directory;
  const engine = { ...config?.engine, ...(directory ? { directory } : {}) };
  const history = await loadHistory(eventsPath, values['skip-bad'] === true, io);
  reportSkipped(history, eventsPath, io);
  return {
    pipelines,
    events: history.events,
    lines: history.lines,
    ...(from ? { from } : {}),
    ...(to ? { to } : {}),
    ...(Object.keys(engine).length > 0 ? { engine } : {}),
  };
}

export async function rulesInput(command: string, values: Record<string, unknown>, name: string, io: CliIo): Promise<unknown> {
  return loadRules(required(values, name, command), io);
}

/** Runs a simulation with progress on stderr (a bar on a terminal, lines otherwise). */
export async function runSimulation(label: string, options: SimulateOptions, io: CliIo, progress?: boolean): Promise<SimulationResult> {
  const bar = progressBar(io, label, { lines: progress === true });
  try {
    return await simulate({ ...options, progressEvery: 200, onProgress: (p) => bar.update(p) });
  } finally {
    bar.done();
  }
}
