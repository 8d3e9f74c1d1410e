import { DateTime } from 'luxon';
import type { Json } from '../model/deal.js';
import { DealflowError } from '../model/errors.js';
import { offsetProblem } from '../model/instant.js';
import { describeValue } from '../model/input.js';
import type { Pipeline } from '../model/pipeline.js';
import { parseIso, toIsoString } from './time/iso.js';

/** Checks a custom field value against the pipeline's declaration; pipelines without declarations accept any JSON. */
export function checkFieldValue(name: string, value: Json, pipeline: Pipeline): void {
  const declared = pipeline.fields;
  if (!declared) return;
  const def = Object.hasOwn(declared, name) ? declared[name] : undefined;
  if (!def) {
    throw new DealflowError(
      'INVALID_INPUT',
      `unknown field "${name}" for pipeline "${pipeline.id}"; declared fields: ${Object.keys(declared).join(', ') || '(none)'}`,
      { details: { field: name } },
    );
  }
  if (value === null) return;
  const fail = (expected: string) => wrongType(name, value, def.type, expected);
  switch (def.type) {
    case 'string':
      if (typeof value !== 'string') throw fail('a string');
      if (def.options && !def.options.includes(value)) throw fail(`one of ${def.options.join(', ')}`);
      return;
    case 'number':
      if (typeof value !== 'number') throw fail('a number');
      return;
    case 'boolean':
      if (typeof value !== 'boolean') throw fail('true or false');
      return;
    case 'date':
      if (typeof value !== 'string' || !isIsoDate(value)) throw fail('an ISO date or date-time string');
      return;
    case 'json':
      return;
  }
}

function wrongType(name: string, value: Json, type: string, expected: string): DealflowError {
  return new DealflowError('INVALID_INPUT', `field "${name}" must be ${expected}, not ${describeValue(value)}`, {
    details: { field: name, expected: type },
  });
}

/** `toISOString()`'s own form: checked by a round trip, which is exact and far cheaper than parsing with luxon. */
const CANONICAL = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** Whether a string is an ISO date or date-time luxon accepts (what `date` fields hold). */
function isIsoDate(value: string): boolean {
  // The canonical form has no offset to check; parseIso and toIsoString (core/time/iso.ts) are
  // Date.parse and toISOString, remembering their last answer (the same instant is often set on
  // many deals, and the command's own `now` was just parsed).
  if (CANONICAL.test(value)) {
    const ms = parseIso(value);
    if (!Number.isNaN(ms) && toIsoString(ms) === value) return true;
  }
  // luxon reads `+25:00` (even `+99:99`) as an offset; no zone has one.
  if (offsetProblem(value) !== undefined) return false;
  return DateTime.fromISO(value, { zone: 'UTC' }).isValid;
}

export function checkFields(fields: Record<string, Json>, pipeline: Pipeline): void {
  // Keys, not entries: no pair array per field (a create checks its fields, mostly none).
  for (const name of Object.keys(fields)) checkFieldValue(name, fields[name]!, pipeline);
}
