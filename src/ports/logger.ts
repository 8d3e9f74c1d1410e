/**
 * Where dealflow's long-running parts (the runner) say what happened. Structured first: `obj`
 * carries the fields, `msg` a short human line. pino and most loggers fit as they are.
 */
export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

const nothing = (): void => undefined;

/** A logger that says nothing: the default where a host passes none. */
export const quietLogger: Logger = { debug: nothing, info: nothing, warn: nothing, error: nothing };
