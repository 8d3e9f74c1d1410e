import { quietLogger, type Logger } from '../ports/logger.js';

/**
 * The runner's default logger: quiet, except that a failure goes to stderr as one line, as the
 * runner always did, so a deployment that passes no logger still sees its store going away.
 */
export const consoleFailures: Logger = {
  ...quietLogger,
  error(obj: object, msg?: string) {
    console.error(msg ?? 'dealflow runner: failed', (obj as { err?: unknown }).err ?? obj);
  },
};
