import type { CheckEngineConfig } from '../analysis/check-rules.js';
import type { PipelineInput } from '../model/pipeline.js';
import { isDealflowError, issuesFromZod } from '../model/errors.js';
import { CliConfigSchema } from '../schema/config.js';
import { InMemoryDirectory, type User } from '../ports/directory.js';
import { parseHistory, type ParsedHistory } from '../simulation/history.js';
import { CliError, EXIT, readJson, readText, type CliIo } from './io.js';

/** A pipelines file holds one pipeline object, an array of them, or `{ "$schema"?, "pipelines": [...] }`. */
export async function loadPipelines(path: string, io: CliIo): Promise<PipelineInput[]> {
  const json = await readJson(path, 'pipelines', io);
  if (Array.isArray(json)) return json as PipelineInput[];
  if (json !== null && typeof json === 'object') {
    const { $schema: _schema, ...rest } = json as Record<string, unknown>;
    if (Array.isArray(rest.pipelines) && Object.keys(rest).length === 1) return rest.pipelines as PipelineInput[];
    return [rest as PipelineInput];
  }
  throw new CliError(`the pipelines file "${path}" must hold a pipeline object, an array of them, or { "pipelines": [...] }`, EXIT.invalid);
}

/** A rules file: an array of rules, or `{ "$schema"?, "rules": [...] }` (the parser takes both). */
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

export interface CliConfig {
  pipelines?: PipelineInput[];
  /** Playbooks, SLAs, calendars, exception reasons, digest policies, as `createEngine` takes them. */
  engine: CheckEngineConfig;
  directory?: InMemoryDirectory;
}

/**
 * Reads a `--config` file: a JSON object with any of `pipelines`, `playbooks`, `slas`,
 * `calendars`, `exceptions`, `digests` (as `createEngine` takes them), `users` (the directory) and
 * `$schema`. It is checked against its schema (`dealflow schema config`) first, every problem at
 * once; the engine then checks what the schema cannot (stages an SLA names, calendar names…).
 */
export async function loadConfig(path: string, io: CliIo): Promise<CliConfig> {
  const json = await readJson(path, 'config', io);
  const parsed = CliConfigSchema.safeParse(json);
  if (!parsed.success) {
    const issues = issuesFromZod(parsed.error);
    const details = issues.map((i) => `${i.path}: ${i.message}${i.hint ? `\n      hint: ${i.hint}` : ''}`);
    throw new CliError(`the config file "${path}" has ${issues.length} problem(s)`, EXIT.invalid, details);
  }
  // The raw values go to the engine, which fills in defaults itself.
  const { pipelines, users, $schema: _schema, ...engine } = json as Record<string, unknown>;
  const out: CliConfig = { engine: engine as CheckEngineConfig };
  if (pipelines !== undefined) out.pipelines = (Array.isArray(pipelines) ? pipelines : [pipelines]) as PipelineInput[];
  if (users !== undefined) out.directory = new InMemoryDirectory(users as User[]);
  return out;
}
