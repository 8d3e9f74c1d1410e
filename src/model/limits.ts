import { DealflowError, jsonPath } from './errors.js';

/**
 * The bounds on what callers may pass in, each with a default; `createEngine({ limits })` changes
 * them. Beyond one, the call is refused with a DealflowError (INVALID_INPUT for commands,
 * INVALID_RULES for rules, INVALID_CONFIG for configuration) whose `details` name the limit, its
 * value and what was passed; nothing changes. See docs/limits.md.
 */
export interface Limits {
  /** Levels of nesting in any value passed in: fields, payloads, rule JSON and its conditions. Default 64. */
  maxDepth: number;
  /** Characters in any one string passed in. Default 100,000. */
  maxStringLength: number;
  /** Items in any one array, or keys in any one object, passed in. Default 10,000. */
  maxCollectionSize: number;
  /** Characters of all the strings and keys in one argument together. Default 1,000,000. */
  maxInputSize: number;
  /** Characters in a deal's or a task's title and in an approval's subject. Default 1,000. */
  maxTitleLength: number;
  /** Custom fields a pipeline declares, and so a deal holds. Default 200. */
  maxFields: number;
  /** A deal's custom fields as passed to createDeal or updateDeal, in characters of their JSON. Default 65,536. */
  maxFieldsSize: number;
  /** An event's payload, in characters of its JSON. Default 65,536. */
  maxPayloadSize: number;
  /** Rules in one rule set. Default 1,000. */
  maxRules: number;
}

/** The default limits; see Limits and docs/limits.md. */
export const DEFAULT_LIMITS: Readonly<Limits> = Object.freeze({
  maxDepth: 64,
  maxStringLength: 100_000,
  maxCollectionSize: 10_000,
  maxInputSize: 1_000_000,
  maxTitleLength: 1_000,
  maxFields: 200,
  maxFieldsSize: 65_536,
  maxPayloadSize: 65_536,
  maxRules: 1_000,
});

/** The limits with the host's changes applied; INVALID_CONFIG for a change that is not a positive whole number or not a known limit. */
export function resolveLimits(changes: unknown): Limits {
  if (changes === undefined) return DEFAULT_LIMITS;
  if (changes === null || typeof changes !== 'object' || Array.isArray(changes)) {
    throw new DealflowError('INVALID_CONFIG', 'limits must be an object such as { maxPayloadSize: 131072 }', {
      issues: [{ path: '$.limits', message: 'expected an object' }],
    });
  }
  const out: Limits = { ...DEFAULT_LIMITS };
  for (const [key, value] of Object.entries(changes)) {
    const path = jsonPath(['limits', key]);
    if (!Object.hasOwn(DEFAULT_LIMITS, key)) {
      throw new DealflowError('INVALID_CONFIG', `unknown limit "${key}"; the limits are ${Object.keys(DEFAULT_LIMITS).join(', ')}`, {
        issues: [{ path, message: 'unknown limit' }],
      });
    }
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
      throw new DealflowError('INVALID_CONFIG', `limits.${key} must be a positive whole number`, {
        issues: [{ path, message: 'expected a positive whole number' }],
      });
    }
    out[key as keyof Limits] = value;
  }
  return out;
}

/** The error for a value beyond a limit: `details` say which limit, its value and what was passed. */
export function beyondLimit(
  code: 'INVALID_INPUT' | 'INVALID_RULES' | 'INVALID_CONFIG',
  limit: keyof Limits,
  max: number,
  actual: number,
  path: string,
  what: string,
): DealflowError {
  const message = `${path}: ${what} is over the limit ${limit} (${max.toLocaleString('en-US')}; it has ${actual.toLocaleString('en-US')}); raise it with createEngine({ limits: { ${limit} } }) if you mean it`;
  return new DealflowError(code, message, { issues: [{ path, message: `${what} is over ${limit} (${max})` }], details: { limit, max, actual } });
}
