import { z } from 'zod';
import { DealflowError, issuesFromZod } from './errors.js';
import { checkInput, describeValue, jsonSize, jsonSizeAtMost, stringProblem, type InputSize } from './input.js';
import { beyondLimit, type Limits } from './limits.js';
import { InstantSchema } from './instant.js';

/*
 * The arguments of every public engine call, checked before the call reads them: ids are
 * non-empty strings that a store can hold, options and queries have their documented shape, and
 * every value passed in gets the input checks (input.ts) and the size limits (limits.ts). A wrong
 * argument is INVALID_INPUT (INVALID_RULES for rules) naming the argument; nothing runs.
 */

/** The longest id accepted (deal, task, approval, rule, message ids, stage and pipeline names). */
export const MAX_ID_LENGTH = 1_000;

/** Checks one argument; `name` is how the message calls it. */
type Arg = (value: unknown, limits: Limits, name: string) => void;

function invalid(name: string, message: string, path = `$.${name}`): DealflowError {
  return new DealflowError('INVALID_INPUT', `${name} ${message}`, { issues: [{ path, message }] });
}

const id: Arg = (v, _limits, name) => {
  if (typeof v !== 'string' || v === '') throw invalid(name, `must be a non-empty string, not ${describeValue(v)}`);
  if (v.length > MAX_ID_LENGTH) throw invalid(name, `must be at most ${MAX_ID_LENGTH} characters (it has ${v.length})`);
  const problem = stringProblem(v);
  if (problem) throw invalid(name, problem);
};

const optional =
  (arg: Arg): Arg =>
  (v, limits, name) => {
    if (v !== undefined) arg(v, limits, name);
  };

/** A plain object checked by the input checks and then by a zod schema of its shape. */
const shaped =
  (schema: z.ZodType, code: 'INVALID_INPUT' | 'INVALID_RULES' = 'INVALID_INPUT'): Arg =>
  (v, limits, name) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) throw invalid(name, `must be an object, not ${describeValue(v)}`);
    checkInput(v, limits, code, name, [name]);
    const parsed = schema.safeParse(v);
    if (!parsed.success) {
      const issues = issuesFromZod(parsed.error, [name]);
      throw new DealflowError(code, `${name} is invalid: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, { issues });
    }
  };

/** A plain object, checked by the input checks (what they counted is returned); its own schema reads it later. */
const object = (v: unknown, limits: Limits, name: string): InputSize => {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw invalid(name, `must be an object, not ${describeValue(v)}`);
  return checkInput(v, limits, 'INVALID_INPUT', name, [name]);
};

/** An argument a later parser checks in full (rules: the rule parser, with the same limits). */
const checkedLater: Arg = () => {};

const Id = z.string().min(1).max(MAX_ID_LENGTH);
const ActorSchema = z.looseObject({ id: Id, roles: z.array(z.string()), teamId: z.string().nullable().optional() });
const AccessOptionsSchema = z.looseObject({ actor: ActorSchema.optional() });
const access = optional(shaped(AccessOptionsSchema));
const commandOptions = optional(shaped(AccessOptionsSchema.extend({ expectedVersion: z.number().int().nonnegative().optional() })));
const taskOptions = optional(shaped(AccessOptionsSchema.extend({ comment: z.string().optional(), reason: z.string().optional() })));
const TaskStatusSchema = z.enum(['blocked', 'open', 'pending-approval', 'completed']);
const taskQuery = optional(
  shaped(z.looseObject({ dealId: Id.optional(), userId: Id.optional(), status: z.union([TaskStatusSchema, z.array(TaskStatusSchema)]).optional() })),
);
const dealQuery = optional(
  shaped(
    z.looseObject({
      pipelineId: Id.optional(),
      stageId: Id.optional(),
      ownerId: Id.optional(),
      ownerIds: z.array(Id).optional(),
      open: z.boolean().optional(),
    }),
  ),
);
const outboxQuery = optional(
  shaped(z.looseObject({ dealId: Id.optional(), status: z.enum(['pending', 'held', 'delivered', 'dead', 'discarded']).optional() })),
);
const dealIdQuery = optional(shaped(z.looseObject({ dealId: Id.optional() })));
const boardOptions = optional(shaped(AccessOptionsSchema.extend({ order: z.enum(['newest', 'oldest']).optional() })));
const count: Arg = (v, _limits, name) => {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw invalid(name, `must be a whole number of at least 0, not ${describeValue(v)}`);
};
const lease = shaped(z.looseObject({ owner: Id, token: Id, ms: z.number().int().positive(), skip: z.array(Id).optional() }));
const claimed = shaped(z.looseObject({ id: Id }));
/** A claimed batch: a list of claimed items, each checked as `claimed` is. */
const claimedBatch: Arg = (v, limits, name) => {
  if (!Array.isArray(v)) throw invalid(name, `must be an array of claimed items, not ${describeValue(v)}`);
  v.forEach((item, i) => claimed(item, limits, `${name}[${i}]`));
};

/** A title-like string within maxTitleLength, at `path` of an argument. */
function checkTitle(text: unknown, limits: Limits, path: string, what: string): void {
  if (typeof text === 'string' && text.length > limits.maxTitleLength)
    throw beyondLimit('INVALID_INPUT', 'maxTitleLength', limits.maxTitleLength, text.length, path, what);
}

/** A deal's title and fields within maxTitleLength, maxFields and maxFieldsSize. */
function dealSizes(deal: unknown, size: InputSize, limits: Limits, name: string): void {
  const d = deal as { title?: unknown; fields?: unknown };
  checkTitle(d.title, limits, `$.${name}.title`, 'the title');
  if (d.fields !== null && typeof d.fields === 'object') {
    const n = Object.keys(d.fields).length;
    if (n > limits.maxFields) throw beyondLimit('INVALID_INPUT', 'maxFields', limits.maxFields, n, `$.${name}.fields`, 'the custom fields');
    checkJsonSize(d.fields, size, limits, 'maxFieldsSize', `$.${name}.fields`, 'the custom fields');
  }
}

/**
 * A part's JSON within a size limit. `whole` is what the input checks counted of the whole
 * argument, a bound for any part of it: the JSON is measured only when that bound is over.
 */
function checkJsonSize(v: unknown, whole: InputSize, limits: Limits, limit: 'maxFieldsSize' | 'maxPayloadSize', path: string, what: string): void {
  if (jsonSizeAtMost(whole) <= limits[limit]) return;
  const size = jsonSize(v);
  if (size > limits[limit]) throw beyondLimit('INVALID_INPUT', limit, limits[limit], size, path, what);
}

const deal: Arg = (v, limits, name) => {
  dealSizes(v, object(v, limits, name), limits, name);
};

const event: Arg = (v, limits, name) => {
  const size = object(v, limits, name);
  const payload = (v as { payload?: unknown } | null)?.payload;
  if (payload !== undefined) checkJsonSize(payload, size, limits, 'maxPayloadSize', `$.${name}.payload`, 'the payload');
};

const titled =
  (key: string): Arg =>
  (v, limits, name) => {
    object(v, limits, name);
    checkTitle((v as Record<string, unknown>)[key], limits, `$.${name}.${key}`, `the ${key}`);
  };

/** A task by hand: its title within maxTitleLength, and `dueAt` an instant with a real offset (luxon reads `+25:00`). */
const task: Arg = (v, limits, name) => {
  titled('title')(v, limits, name);
  const dueAt = (v as { dueAt?: unknown }).dueAt;
  if (dueAt !== undefined && !InstantSchema.safeParse(dueAt).success) {
    throw new DealflowError(
      'INVALID_INPUT',
      `task.dueAt must be an ISO instant with its offset, such as 2026-03-16T10:00:00+01:00, not ${describeValue(dueAt)}`,
      {
        issues: [{ path: '$.dueAt', message: 'expected an ISO instant with an offset' }],
      },
    );
  }
};

const listener: Arg = (v, _limits, name) => {
  if (typeof v !== 'function') throw invalid(name, `must be a function, not ${describeValue(v)}`);
};
/** `on`, `off` and `once`: an event name (an entry type such as \`deal.created\`, or \`log\`) and a function. */
const listening: ReadonlyArray<[string, Arg]> = [
  ['event', id],
  ['listener', listener],
];

/** The arguments of each public Engine method, in order; `sync` ones throw rather than reject. */
export const ENGINE_ARGUMENTS: Readonly<Record<string, { args: ReadonlyArray<[string, Arg]>; sync?: boolean }>> = {
  // The rules themselves are checked by the rule parser, with the same limits.
  setRules: {
    args: [
      ['rules', checkedLater],
      ['options', access],
    ],
    sync: true,
  },
  ruleVersions: { args: [['ruleId', id]], sync: true },
  createDeal: {
    args: [
      ['deal', deal],
      ['options', access],
    ],
  },
  updateDeal: {
    args: [
      ['dealId', id],
      ['patch', deal],
      ['options', commandOptions],
    ],
  },
  moveDeal: {
    args: [
      ['dealId', id],
      ['stageId', id],
      ['options', commandOptions],
    ],
  },
  deleteDeal: {
    args: [
      ['dealId', id],
      ['options', access],
    ],
  },
  emit: {
    args: [
      ['event', event],
      ['options', access],
    ],
  },
  requestApproval: {
    args: [
      ['dealId', id],
      ['request', titled('subject')],
      ['options', access],
    ],
  },
  decideApproval: {
    args: [
      ['approvalId', id],
      ['input', object],
    ],
  },
  markException: {
    args: [
      ['dealId', id],
      ['input', object],
      ['options', access],
    ],
  },
  extendSla: {
    args: [
      ['dealId', id],
      ['slaId', id],
      ['by', object],
      ['options', access],
    ],
  },
  createTask: {
    args: [
      ['dealId', id],
      ['task', task],
      ['options', access],
    ],
  },
  completeTask: {
    args: [
      ['taskId', id],
      ['options', taskOptions],
    ],
  },
  reopenTask: {
    args: [
      ['taskId', id],
      ['options', taskOptions],
    ],
  },
  launchPlaybook: {
    args: [
      ['dealId', id],
      ['playbookId', id],
      ['options', access],
    ],
  },
  achieveGoal: {
    args: [
      ['dealId', id],
      ['goalId', id],
      ['options', access],
    ],
  },
  getTask: {
    args: [
      ['taskId', id],
      ['options', access],
    ],
  },
  tasks: {
    args: [
      ['query', taskQuery],
      ['options', access],
    ],
  },
  launch: {
    args: [
      ['ruleId', id],
      ['dealId', id],
      ['options', access],
    ],
  },
  claimJobs: {
    args: [
      ['limit', count],
      ['lease', lease],
    ],
  },
  claimDeliveries: {
    args: [
      ['limit', count],
      ['lease', lease],
    ],
  },
  runClaimedJob: {
    args: [
      ['job', claimed],
      ['token', id],
    ],
  },
  deliverClaimed: {
    args: [
      ['message', claimed],
      ['token', id],
    ],
  },
  runJobs: {
    args: [
      ['jobs', claimedBatch],
      ['token', id],
    ],
  },
  deliverMessages: {
    args: [
      ['messages', claimedBatch],
      ['token', id],
      ['concurrency', optional(count)],
    ],
  },
  deadLetters: {
    args: [
      ['query', dealIdQuery],
      ['options', access],
    ],
  },
  retryDeadLetter: {
    args: [
      ['id', id],
      ['options', access],
    ],
  },
  discardDeadLetter: {
    args: [
      ['id', id],
      ['options', access],
    ],
  },
  dueJobs: {
    args: [
      ['query', optional(shaped(z.looseObject({ until: z.union([z.string(), z.date()]).optional(), limit: z.number().int().positive().optional() })))],
      ['options', access],
    ],
  },
  getDeal: {
    args: [
      ['dealId', id],
      ['options', access],
    ],
  },
  listDeals: {
    args: [
      ['query', dealQuery],
      ['options', access],
    ],
  },
  history: {
    args: [
      ['dealId', id],
      ['options', access],
    ],
  },
  pendingJobs: {
    args: [
      ['dealId', id],
      ['options', access],
    ],
  },
  explain: {
    args: [
      ['dealId', id],
      ['ruleId', optional(id)],
      ['options', access],
    ],
  },
  outbox: {
    args: [
      ['query', outboxQuery],
      ['options', access],
    ],
  },
  records: {
    args: [
      ['kind', id],
      ['query', dealIdQuery],
      ['options', access],
    ],
  },
  report: {
    args: [
      ['name', id],
      ['options', optional(object)],
    ],
  },
  on: { args: listening, sync: true },
  off: { args: listening, sync: true },
  once: { args: listening, sync: true },
  board: {
    args: [
      ['pipelineId', id],
      ['options', boardOptions],
    ],
  },
};

/**
 * Wraps the methods of `proto` listed in `table` so their arguments are checked first, with the
 * limits `limitsOf(this)` gives. An async method's refusal is a rejected promise, as its other
 * errors are; a sync one throws.
 */
export function checkArguments<T extends object>(proto: T, table: typeof ENGINE_ARGUMENTS, limitsOf: (self: T) => Limits): void {
  for (const [method, spec] of Object.entries(table)) {
    const original = (proto as Record<string, unknown>)[method];
    if (typeof original !== 'function') continue;
    const checked = function (this: T, ...args: unknown[]) {
      try {
        const limits = limitsOf(this);
        spec.args.forEach(([name, arg], i) => arg(args[i], limits, name));
      } catch (e) {
        if (spec.sync) throw e;
        return Promise.reject(e);
      }
      return (original as (...a: unknown[]) => unknown).apply(this, args);
    };
    Object.defineProperty(checked, 'name', { value: method });
    Object.defineProperty(proto, method, { value: checked, writable: true, configurable: true, enumerable: false });
  }
}
