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

/**
 * An array as one string constant in array syntax (`'{"a","b"}'::text[]`), not `ARRAY['a', 'b']`:
 * the server's grammar and parse analysis make a node per element of an ARRAY constructor, which
 * for a batch's columns (hundreds of elements) cost more than the array input function reading
 * one string. Elements are double-quoted with `"` and `\` escaped; NULL stays bare.
 */
export function texts(values: ReadonlyArray<string | null | undefined>): string {
  return `${text(arrayText(values))}::text[]`;
}

function arrayText(values: ReadonlyArray<string | null | undefined>): string {
  // Usually (ids, types, instants) nothing needs escaping: one join, not an escape per element.
  let plain = true;
  for (const v of values) {
    if (v === null || v === undefined || v.includes('"') || v.includes('\\')) {
      plain = false;
      break;
    }
  }
  if (plain) return values.length === 0 ? '{}' : `{"${values.join('","')}"}`;
  let out = '{';
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (i > 0) out += ',';
    out += v === null || v === undefined ? 'NULL' : `"${v.replace(/["\\]/g, '\\$&')}"`;
  }
  return `${out}}`;
}

export function nums(values: ReadonlyArray<number>): string {
  return `'{${values.map(num).join(',')}}'::int[]`;
}

export function bools(values: ReadonlyArray<boolean>): string {
  return `'{${values.map((v) => (v ? 't' : 'f')).join(',')}}'::bool[]`;
}

export function json(value: unknown): string {
  return `${text(JSON.stringify(value))}::json`;
}

export function jsonb(value: unknown): string {
  return `${text(JSON.stringify(value))}::jsonb`;
}

export function instant(iso: string): string {
  return `${text(iso)}::timestamptz`;
}
