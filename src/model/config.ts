import { describeValue } from './input.js';
import { DealflowError } from './errors.js';
import { checkInput } from './input.js';
import { beyondLimit, resolveLimits, type Limits } from './limits.js';

/*
 * The shape of createEngine's configuration, checked before any part of it is read, so a wrong
 * one is an INVALID_CONFIG naming the setting rather than a TypeError from deep inside (e.g.
 * `pipelines: {}`). Each part's own schema checks its content afterwards; rules are checked by
 * the rule parser, with the same limits.
 */

const ARRAYS = ['pipelines', 'playbooks', 'slas', 'actions', 'operators', 'operatorDecorators'] as const;
const OBJECTS = ['calendars', 'exceptions', 'digests', 'facts', 'retry'] as const;
/** Settings that are data (JSON a host may load from a file): they get the input checks. */
const DATA = ['pipelines', 'playbooks', 'slas', 'calendars', 'exceptions', 'digests', 'retry'] as const;
/** The ports and the methods the engine calls on each. */
const PORTS: Record<string, ReadonlyArray<string>> = {
  storage: ['transaction'],
  clock: ['now'],
  notifier: ['send'],
  ids: ['next'],
  directory: ['get'],
  access: ['can'],
  logger: ['debug', 'info', 'warn', 'error'],
  telemetry: ['command', 'jobRun', 'delivery'],
};

function bad(path: string, message: string): DealflowError {
  return new DealflowError('INVALID_CONFIG', `createEngine: ${path} ${message}`, { issues: [{ path: `$.${path}`, message }] });
}

/** Checks the configuration's shape and data; returns the limits it sets (defaults filled in). */
export function checkEngineConfig(config: unknown): Limits {
  if (config === null || typeof config !== 'object' || Array.isArray(config)) {
    throw new DealflowError('INVALID_CONFIG', `createEngine needs a configuration object with at least \`pipelines\`, not ${describeValue(config)}`);
  }
  const c = config as Record<string, unknown>;
  const limits = resolveLimits(c.limits);
  if (c.pipelines === undefined) throw bad('pipelines', 'is missing: pass the pipelines the engine runs, e.g. [{ id, name, stages }]');
  for (const key of ARRAYS) if (c[key] !== undefined && !Array.isArray(c[key])) throw bad(key, `must be an array, not ${describeValue(c[key])}`);
  for (const key of OBJECTS) {
    const v = c[key];
    if (v !== undefined && (v === null || typeof v !== 'object' || Array.isArray(v))) throw bad(key, `must be an object, not ${describeValue(v)}`);
  }
  for (const [port, methods] of Object.entries(PORTS)) {
    const v = c[port];
    if (v === undefined) continue;
    const missing = methods.find((m) => typeof (v as Record<string, unknown> | null)?.[m] !== 'function');
    if (missing) throw bad(port, `must have a \`${missing}\` method (see the ${port} port's interface)`);
  }
  if (c.maxCascadeDepth !== undefined && !(Number.isSafeInteger(c.maxCascadeDepth) && (c.maxCascadeDepth as number) >= 1)) {
    throw bad('maxCascadeDepth', 'must be a whole number of at least 1');
  }
  if (c.deliveryLeaseMs !== undefined && !(Number.isSafeInteger(c.deliveryLeaseMs) && (c.deliveryLeaseMs as number) >= 1)) {
    throw bad('deliveryLeaseMs', 'must be a whole number of milliseconds, at least 1');
  }
  if (c.deliverOnCommit !== undefined && typeof c.deliverOnCommit !== 'boolean') throw bad('deliverOnCommit', 'must be true or false');
  for (const key of DATA) if (c[key] !== undefined) checkInput(c[key], limits, 'INVALID_CONFIG', key, [key]);
  (c.pipelines as unknown[]).forEach((p, i) => {
    const fields = (p as { fields?: unknown } | null)?.fields;
    if (fields !== null && typeof fields === 'object') {
      const n = Object.keys(fields).length;
      if (n > limits.maxFields) throw beyondLimit('INVALID_CONFIG', 'maxFields', limits.maxFields, n, `$.pipelines[${i}].fields`, 'the declared fields');
    }
  });
  return limits;
}
