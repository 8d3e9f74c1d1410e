import { readFile } from 'node:fs/promises';
import { formatIssues, isDealflowError } from '../model/errors.js';

/** Exit codes of every `dealflow` command (docs/cli.md). */
export const EXIT = {
  /** Done; for `check`: no findings. */
  ok: 0,
  /** Invalid input: rules, pipelines or history fail validation; for `check`: errors found. */
  invalid: 1,
  /** `check` only: warnings, no errors. */
  warnings: 2,
  /** Bad usage: an unknown command or option, a missing or malformed option value. */
  usage: 64,
  /** A file is missing or cannot be read. */
  noInput: 66,
  /**
   * Something the command needs is not there: `simulate --store` without `@electric-sql/pglite`,
   * `migrate --database-url` without `pg` or with a database it cannot use.
   */
  unavailable: 69,
} as const;

/** Where a command writes. The real process in `main.ts`; buffers in tests. */
export interface CliIo {
  stdout: { write(text: string): unknown; isTTY?: boolean };
  stderr: { write(text: string): unknown; isTTY?: boolean };
  /** Reads standard input to the end (for `--events -`). */
  readStdin?: () => Promise<string>;
  /** Loads an optional package (`@electric-sql/pglite`); `import()` by default, replaced in tests. */
  load?: (specifier: string) => Promise<unknown>;
  /** Milliseconds for progress and its ETA; `performance.now()` by default, replaced in tests. */
  now?: () => number;
}

/** A failure the CLI reports in one line (plus details) and exits with `code`. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly code: number,
    readonly details: string[] = [],
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export function usageError(message: string): CliError {
  return new CliError(message, EXIT.usage);
}

/** Reads a text file, or stdin for `-`, with an error that names the file and what it was for. */
export async function readText(path: string, what: string, io: CliIo): Promise<string> {
  if (path === '-') {
    if (!io.readStdin) throw new CliError(`cannot read ${what} from standard input here`, EXIT.noInput);
    return io.readStdin();
  }
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EACCES' || code === 'EPERM'
          ? 'permission denied'
          : code === 'EISDIR'
            ? 'it is a directory'
            : (e as Error).message;
    throw new CliError(`cannot read the ${what} file "${path}": ${why}`, EXIT.noInput);
  }
}

/**
 * Where JSON.parse stopped, as a 1-based line and column, from the position V8 reports (the end of
 * the text when it ran out), and its message without the position.
 */
export function jsonErrorAt(text: string, error: Error): { line: number; column: number; message: string } {
  const m = / at position (\d+)(?: \(line \d+ column \d+\))?/.exec(error.message);
  const offset = m ? Number(m[1]) : text.length;
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - (before.lastIndexOf('\n') + 1) + 1;
  return { line, column, message: m ? error.message.replace(m[0], '') : error.message };
}

/** Reads and parses a JSON file; malformed JSON is an input error naming the file, line and column. */
export async function readJson(path: string, what: string, io: CliIo): Promise<unknown> {
  const text = await readText(path, what, io);
  try {
    return JSON.parse(text);
  } catch (e) {
    const at = jsonErrorAt(text, e as Error);
    throw new CliError(`the ${what} file "${path}" is not valid JSON: line ${at.line}, column ${at.column}: ${at.message}`, EXIT.invalid, [
      `${path}:${at.line}:${at.column}`,
    ]);
  }
}

/**
 * Hints are written for the library (`createEngine({ playbooks })`); the CLI says the same with
 * its own options.
 */
export function cliPhrase(text: string): string {
  return text
    .replace(/(?:are |is )?(?:passed|registered) in createEngine\(\{ (playbooks|calendars|digests|slas|exceptions) \}\)/g, 'go in a --config file, under "$1"')
    .replace(/pass (?:it|them) (?:in|to) createEngine\(\{ (playbooks|calendars|digests|slas) \}\)/g, 'put them in a --config file, under "$1"')
    .replace(
      /a host fact is registered in createEngine\(\{ facts \}\)/g,
      'host facts are code: check such rules through the library (checkRules with engine.facts)',
    )
    .replace(/a custom one is registered in createEngine\(\{ operators \}\)/g, 'custom operators are code: check such rules through the library')
    .replace(/a custom one is registered with defineAction/g, 'custom actions are code: check such rules through the library')
    .replace(/no pipelines were given to check it against; pass them/g, 'give the pipelines with --pipelines (or in --config)')
    .replace(/createEngine\(\{ (\w+) \}\)/g, 'a --config file\'s "$1"');
}

/** Turns a thrown error into the CLI's report: a DealflowError lists its issues; a CliError keeps its code. */
export function reportError(error: unknown, io: CliIo): number {
  if (error instanceof CliError) {
    io.stderr.write(`dealflow: ${error.message}\n`);
    for (const d of error.details) io.stderr.write(`  ${d}\n`);
    return error.code;
  }
  if (isDealflowError(error)) {
    const head = error.message.split('\n')[0];
    io.stderr.write(`dealflow: ${cliPhrase(head ?? '')} [${error.code}]\n`);
    if (error.issues.length > 0) io.stderr.write(`${cliPhrase(formatIssues(error.issues))}\n`);
    return EXIT.invalid;
  }
  io.stderr.write(`dealflow: unexpected error: ${(error as Error)?.stack ?? String(error)}\n`);
  return EXIT.invalid;
}
