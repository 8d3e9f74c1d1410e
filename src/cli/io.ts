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
} as const;

/** Where a command writes. The real process in `main.ts`; buffers in tests. */
export interface CliIo {
  stdout: { write(text: string): unknown; isTTY?: boolean };
  stderr: { write(text: string): unknown; isTTY?: boolean };
  /** Reads standard input to the end (for `--events -`). */
  readStdin?: () => Promise<string>;
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

/** Reads and parses a JSON file; malformed JSON is an input error naming the file. */
export async function readJson(path: string, what: string, io: CliIo): Promise<unknown> {
  const text = await readText(path, what, io);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new CliError(`the ${what} file "${path}" is not valid JSON: ${(e as Error).message}`, EXIT.invalid);
  }
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
    io.stderr.write(`dealflow: ${head} [${error.code}]\n`);
    if (error.issues.length > 0) io.stderr.write(`${formatIssues(error.issues)}\n`);
    return EXIT.invalid;
  }
  io.stderr.write(`dealflow: unexpected error: ${(error as Error)?.stack ?? String(error)}\n`);
  return EXIT.invalid;
}
