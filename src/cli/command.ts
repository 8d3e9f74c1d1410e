import type { CliIo } from './io.js';

/** One `dealflow` subcommand. `run` resolves to the exit code. */
export interface Command {
  name: string;
  summary: string;
  help: string;
  run(args: string[], io: CliIo): Promise<number>;
}

export const EXIT_CODES_HELP = `Exit codes:
  0   done (check: no findings)
  1   invalid input: rules, pipelines or history fail validation (check: errors found)
  2   check only: warnings, no errors
  64  bad usage: unknown command or option, missing option value
  66  a file is missing or cannot be read`;

export function showHelp(command: Command, io: CliIo): number {
  io.stdout.write(`${command.help}\n`);
  return 0;
}
