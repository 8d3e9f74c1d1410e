import type { CliIo } from './io.js';

/** One `dealflow` subcommand. `run` resolves to the exit code. */
export interface Command {
  name: string;
  summary: string;
  help: string;
  run(args: string[], io: CliIo): Promise<number>;
}

/** An exit code and what it means for the command that lists it. */
export type ExitCodeLine = readonly [code: number, meaning: string];

/** The lines every command shares: bad usage and unreadable files. */
export const USAGE_EXIT: ExitCodeLine = [64, 'bad usage: unknown option, a missing or malformed option value'];
export const NO_INPUT_EXIT: ExitCodeLine = [66, 'a file is missing or cannot be read'];

/** A command's own "Exit codes:" block for its --help. */
export function exitCodes(lines: ReadonlyArray<ExitCodeLine>): string {
  return `Exit codes:\n${lines.map(([code, meaning]) => `  ${String(code).padEnd(3)} ${meaning}`).join('\n')}`;
}

/** Every exit code of the CLI, for `dealflow --help`. */
export const EXIT_CODES_HELP = exitCodes([
  [0, 'done (check: no findings)'],
  [1, 'invalid input: rules, pipelines, config or history fail validation, a file is not JSON (check: errors found); migrate: a migration failed'],
  [2, 'check only: warnings, no errors'],
  [64, 'bad usage: unknown command or option, missing option value'],
  [66, 'a file is missing or cannot be read (or written)'],
  [69, 'simulate --store: @electric-sql/pglite is not installed; migrate: pg is not installed, or the database cannot be reached'],
]);

export function showHelp(command: Command, io: CliIo): number {
  io.stdout.write(`${command.help}\n`);
  return 0;
}
