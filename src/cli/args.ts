import { parseArgs, type ParseArgsConfig } from 'node:util';
import { closest } from '../model/hints.js';
import { usageError } from './io.js';

export type Options = NonNullable<ParseArgsConfig['options']>;

type WithHelp<O extends Options> = O & { help: { type: 'boolean'; short: 'h' } };
type Parsed<O extends Options> = ReturnType<typeof parseArgs<{ args: string[]; options: WithHelp<O>; allowPositionals: boolean; strict: true }>>;

/** Parses a command's arguments with node:util parseArgs; a bad option is a usage error that points at --help. */
export function parse<O extends Options>(command: string, args: string[], options: O, allowPositionals = false): Parsed<O> {
  try {
    const withHelp = { ...options, help: { type: 'boolean', short: 'h' } } as WithHelp<O>;
    return parseArgs({ args, options: withHelp, allowPositionals, strict: true });
  } catch (e) {
    const message = (e as Error).message.replace(/\. To specify a positional argument.*$/s, '');
    // "Unknown option '--rulez'": say which option was probably meant.
    const unknown = /Unknown option '--([^']+)'/.exec(message)?.[1];
    const near = unknown === undefined ? undefined : closest(unknown, [...Object.keys(options), 'help']);
    throw usageError(`${message}${near ? `; did you mean --${near}?` : ''}\n  see: dealflow ${command} --help`);
  }
}

export function required(values: Record<string, unknown>, name: string, command: string): string {
  const v = values[name];
  if (typeof v !== 'string' || v === '') throw usageError(`${command} needs --${name}\n  see: dealflow ${command} --help`);
  return v;
}

export function wholeNumber(value: string | undefined, name: string, command: string, fallback?: number): number {
  if (value === undefined) {
    if (fallback === undefined) throw usageError(`${command} needs --${name}\n  see: dealflow ${command} --help`);
    return fallback;
  }
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw usageError(`--${name} must be a whole number, not "${value}"`);
  return n;
}

export function instant(value: string | undefined, name: string): string | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw usageError(`--${name} must be a date or an ISO instant (2026-01-01 or 2026-01-01T09:00:00Z), not "${value}"`);
  return new Date(ms).toISOString();
}
