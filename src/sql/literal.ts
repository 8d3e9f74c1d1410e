import { DealflowError } from '../model/errors.js';

/**
 * SQL literals, for statements sent several at a time in one round trip (the simple query
 * protocol takes no parameters). Escaping follows PostgreSQL's rules, as `pg`'s escapeLiteral
 * does: quotes doubled, and a string with backslashes written as E'…' with them doubled, so it
 * reads the same whatever `standard_conforming_strings` says.
 */
export function text(value: string | null | undefined): string {
  if (value === null || value === undefined) return 'NULL';
  if (value.includes('\u0000')) {
    throw new DealflowError('INVALID_INPUT', 'PostgreSQL cannot store text containing the NUL character (\\u0000); remove it');
  }
  const quoted = `'${value.replace(/'/g, "''")}'`;
  return value.includes('\\') ? `E${quoted.replace(/\\/g, '\\\\')}` : quoted;
}

export function num(value: number): string {
  if (!Number.isFinite(value)) throw new DealflowError('INVALID_INPUT', `not a finite number: ${value}`);
  return String(value);
}

export function bool(value: boolean): string {
  return value ? 'TRUE' : 'FALSE';
}

export function texts(values: ReadonlyArray<string>): string {
  return values.length === 0 ? `'{}'::text[]` : `ARRAY[${values.map(text).join(', ')}]::text[]`;
}

export function jsonb(value: unknown): string {
  return `${text(JSON.stringify(value))}::jsonb`;
}

export function instant(iso: string): string {
  return `${text(iso)}::timestamptz`;
}
