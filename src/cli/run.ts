import packageJson from '../../package.json' with { type: 'json' };
import { EXIT_CODES_HELP, type Command } from './command.js';
import { check } from './commands/check.js';
import { diffCommand } from './commands/diff.js';
import { explainCommand } from './commands/explain.js';
import { generateCommand } from './commands/generate.js';
import { migrateCommand } from './commands/migrate.js';
import { schemaCommand } from './commands/schema.js';
import { simulateCommand } from './commands/simulate.js';
import { EXIT, reportError, type CliIo } from './io.js';

export const COMMANDS: ReadonlyArray<Command> = [check, simulateCommand, diffCommand, explainCommand, generateCommand, schemaCommand, migrateCommand];

export function mainHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return `Usage: dealflow <command> [options]

Try a rule set before it goes live: check it, replay history through it, compare it with the
current one, and explain what it did to a deal. Migrate the SQL store's schema.

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}

Run \`dealflow <command> --help\` for a command's options and exit codes;
\`dealflow --version\` prints the version.

${EXIT_CODES_HELP}`;
}

/** Runs the CLI on arguments (without `node` and the script) and resolves to the exit code. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [name, ...args] = argv;
  if (name === '--version' || name === '-V' || name === 'version') {
    io.stdout.write(`${packageJson.version}\n`);
    return EXIT.ok;
  }
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(`${mainHelp()}\n`);
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    io.stderr.write(`dealflow: unknown command "${name}"; commands: ${COMMANDS.map((c) => c.name).join(', ')}\n  see: dealflow --help\n`);
    return EXIT.usage;
  }
  try {
    return await command.run(args, io);
  } catch (error) {
    return reportError(error, io);
  }
}
