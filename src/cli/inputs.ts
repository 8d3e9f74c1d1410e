import type { CheckEngineConfig } from '../analysis/check-rules.js';
import type { PipelineInput } from '../model/pipeline.js';
import { isDealflowError } from '../model/errors.js';
import { InMemoryDirectory, type User } from '../ports/directory.js';
import { parseHistory, type ParsedHistory } from '../simulation/history.js';
import { CliError, EXIT, readJson, readText, type CliIo } from './io.js';

/** A pipelines file holds one pipeline object or an array of them. */
export async function loadPipelines(path: string, io: CliIo): Promise<PipelineInput[]> {
  const json = await readJson(path, 'pipelines', io);
  if (Array.isArray(json)) return json as PipelineInput[];
  if (json !== null && typeof json === 'object') return [json as PipelineInput];
  throw new CliError(`the pipelines file "${path}" must hold a pipeline object or an array of them`, EXIT.invalid);
}

export async function loadRules(path: string, io: CliIo): Promise<unknown> {
  return readJson(path, 'rules', io);
}

/** A directory file: an array of users `{ id, name?, email?, managerId?, roles?, teamId? }`. */
export async function loadDirectory(path: string, io: CliIo): Promise<InMemoryDirectory> {
  const json = await readJson(path, 'directory', io);
  if (!Array.isArray(json) || json.some((u) => typeof (u as { id?: unknown })?.id !== 'string')) {
    throw new CliError(`the directory file "${path}" must be an array of users, each with a string "id"`, EXIT.invalid);
  }
  return new InMemoryDirectory(json as User[]);
}

/**
 * Reads a JSON Lines history. Every line is checked before anything runs: a malformed line
 * stops the command with its line number (nothing is simulated or stored); with `skipBad` such
 * lines are skipped, counted and listed.
 */
export async function loadHistory(path: string, skipBad: boolean, io: CliIo): Promise<ParsedHistory> {
  const text = await readText(path, 'events', io);
  try {
    return parseHistory(text, { skipBad });
  } catch (e) {
    if (!isDealflowError(e)) throw e;
    const line = (e.details as { line?: number }).line;
    throw new CliError(`${path}:${line}: ${e.message.replace(/^line \d+: /, '')}`, EXIT.invalid, [
      'nothing was run; fix the line, or pass --skip-bad to skip malformed lines',
    ]);
  }
}

/** Reports skipped lines on stderr: how many, and the first few with their line numbers. */
export function reportSkipped(history: ParsedHistory, path: string, io: CliIo): void {
  if (history.skipped.length === 0) return;
  io.stderr.write(`dealflow: skipped ${history.skipped.length} malformed line(s) of ${path}\n`);
  for (const s of history.skipped.slice(0, 10)) io.stderr.write(`  line ${s.line}: ${s.message}\n`);
  if (history.skipped.length > 10) io.stderr.write(`  … and ${history.skipped.length - 10} more\n`);
}

/** What a `--config` file may hold: the engine's JSON-able configuration. */
const CONFIG_KEYS = ['pipelines', 'playbooks', 'slas', 'calendars', 'exceptions', 'digests', 'users'] as const;

export interface CliConfig {
  pipelines?: PipelineInput[];
  /** Playbooks, SLAs, calendars, exception reasons, digest policies, as `createEngine` takes them. */
  engine: CheckEngineConfig;
  directory?: InMemoryDirectory;
}

/**
 * Reads a `--config` file: a JSON object with any of `pipelines`, `playbooks`, `slas`,
 * `calendars`, `exceptions`, `digests` (as `createEngine` takes them) and `users` (the directory).
 * The engine validates the values; unknown keys are refused here.
 */
export async function loadConfig(path: string, io: CliIo): Promise<CliConfig> {
  const json = await readJson(path, 'config', io);
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new CliError(`the config file "${path}" must hold a JSON object with any of: ${CONFIG_KEYS.join(', ')}`, EXIT.invalid);
  }
  const o = json as Record<string, unknown>;
  const unknown = Object.keys(o).filter((k) => !(CONFIG_KEYS as readonly string[]).includes(k));
  if (unknown.length > 0)
    throw new CliError(`the config file "${path}" has unknown key(s) ${unknown.join(', ')}; it may hold ${CONFIG_KEYS.join(', ')}`, EXIT.invalid);
  const { pipelines, users, ...engine } = o;
  if (users !== undefined && (!Array.isArray(users) || users.some((u) => typeof (u as { id?: unknown })?.id !== 'string'))) {
    throw new CliError(`"users" in the config file "${path}" must be an array of users, each with a string "id"`, EXIT.invalid);
  }
  const out: CliConfig = { engine: engine as CheckEngineConfig };
  if (pipelines !== undefined) out.pipelines = (Array.isArray(pipelines) ? pipelines : [pipelines]) as PipelineInput[];
  if (users !== undefined) out.directory = new InMemoryDirectory(users as User[]);
  return out;
}
