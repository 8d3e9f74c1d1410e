/**
 * Where dealflow writes what it has to say outside a deal's history: a failure it swallowed so a
 * committed command stays committed, a runner's trouble. The shape is the one pino, bunyan and
 * most structured loggers share — an object first, then a message — so a host passes its own
 * logger as it is: `createEngine({ logger: pino() })`.
 */
export interface Logger {
  /** Detail for finding a fault; off in production as a rule. */
  debug(obj: object, msg?: string): void;
  /** Something worth knowing happened. */
  info(obj: object, msg?: string): void;
  /** Something went wrong and the engine carried on (a throwing event listener). */
  warn(obj: object, msg?: string): void;
  /** Something failed that needs attention (the store lost while delivering after a commit); `obj.err` is the error. */
  error(obj: object, msg?: string): void;
}

const silent = (): void => {};

/** Says nothing: the default, since a library should not write to a host's console unasked. */
export const quietLogger: Logger = { debug: silent, info: silent, warn: silent, error: silent };

/**
 * Writes to a console (by default the global one) as `message {object}`: for scripts, demos and
 * hosts without a structured logger. The object is passed as it is, so an Error in it (`{ err }`)
 * prints with its stack.
 */
export function consoleLogger(target: Pick<Console, 'debug' | 'info' | 'warn' | 'error'> = console): Logger {
  const write =
    (level: 'debug' | 'info' | 'warn' | 'error') =>
    (obj: object, msg?: string): void => {
      const args: unknown[] = msg === undefined ? [] : [msg];
      if (Object.keys(obj).length > 0) args.push(obj);
      target[level](...args);
    };
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}
