import { z } from 'zod';
import { closest, hinted } from './hints.js';

type ErrorFn = (iss: { code?: string; input?: unknown; keys?: string[] }) => string | undefined;

/** The message and hint for keys an object does not have: "did you mean", then the keys it takes. */
export function unknownKeys(found: ReadonlyArray<string>, known: ReadonlyArray<string>): string {
  const quote = (k: string) => JSON.stringify(k);
  const near = found.map((k) => closest(k, known)).filter((k): k is string => k !== undefined);
  const list = `the keys here are ${known.map(quote).join(', ')}`;
  return hinted(
    `unknown key${found.length === 1 ? '' : 's'} ${found.map(quote).join(', ')}`,
    near.length > 0 ? `did you mean ${near.map(quote).join(', ')}? ${list}` : list,
  );
}

/**
 * A strict object (unknown keys are refused, so a typo such as `actoins` is caught, not ignored)
 * whose unknown-key error says which key was probably meant. `error` handles its other issues
 * (a wrong type, say).
 */
export function strictObject<T extends z.core.$ZodLooseShape>(shape: T, error?: ErrorFn) {
  const known = Object.keys(shape);
  return z.strictObject(shape, {
    error: (iss) => {
      if (iss.code === 'unrecognized_keys') return unknownKeys(iss.keys, known);
      return error?.(iss as never);
    },
  });
}

/** One of a list of words, refused with "did you mean" and the list: `policy`, `reenroll`, a weekday. */
export function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, {
    error: (iss) => {
      if (iss.code !== 'invalid_value') return undefined;
      const list = values.map((v) => JSON.stringify(v)).join(', ');
      const near = typeof iss.input === 'string' ? closest(iss.input, values) : undefined;
      return hinted(`${JSON.stringify(iss.input)} is not one of ${list}`, near ? `did you mean ${JSON.stringify(near)}?` : `use one of ${list}`);
    },
  });
}
