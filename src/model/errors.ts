import { closest, hinted, splitHint } from './hints.js';

/** Every error code dealflow throws. A union, so callers can switch on it exhaustively. */
export type DealflowErrorCode =
  | 'INVALID_RULES'
  | 'INVALID_INPUT'
  | 'INVALID_CONFIG'
  | 'NOT_FOUND'
  | 'UNKNOWN_STAGE'
  | 'UNKNOWN_RULE'
  | 'CASCADE_LIMIT'
  | 'CLOCK_BACKWARDS'
  | 'CONFLICT'
  | 'FORBIDDEN'
  /** The database connection was lost or could not be opened; `cause` is the driver's error. Retry once it is back. */
  | 'STORAGE_UNAVAILABLE';

/**
 * What kind of problem an issue is. `invalid` is a problem of shape — what the JSON Schema of the
 * rule language refuses too; the others need what the schema cannot know: the pipelines, host
 * facts, named calendars, playbooks, registered actions and operators, uniqueness, template
 * syntax, cron specs (docs/rules.md, "What the schema cannot check").
 */
export type IssueCode =
  | 'invalid'
  | 'unknown-stage'
  | 'unknown-pipeline'
  | 'unknown-fact'
  | 'unknown-calendar'
  | 'unknown-playbook'
  | 'unknown-action'
  | 'unknown-operator'
  | 'duplicate-id'
  | 'template'
  | 'schedule'
  | 'json';

/** One problem found in user input, located by a JSON path such as `$[0].trigger.stage`. */
export interface DealflowIssue {
  path: string;
  message: string;
  /** What kind of problem it is; `invalid` when not set. */
  code?: IssueCode;
  /** How to fix it: "did you mean …", the valid values, the form to write. */
  hint?: string;
}

/** Keys a code's details may carry besides its typed ones (a host's own errors, later additions). */
type Open = { readonly [key: string]: unknown };

/** Which bound of docs/limits.md a value went over, and by how much (`limit` names it). */
export type LimitDetails = Open & { limit?: string; max?: number; actual?: number };

/**
 * What `details` carries, per code: a map from code to its details' type, the way zod v4 types its
 * issues by `code`. `isDealflowError(e, code)` narrows `e.details` to its code's type. A key is
 * optional where some throws of the code leave it out.
 */
export interface DealflowErrorDetailsMap {
  INVALID_RULES: LimitDetails;
  /** A limit (`maxYears` for a duration), a field of the wrong type, a goal not of the deal's stage, a line of an event stream. */
  INVALID_INPUT: LimitDetails & { maxYears?: number; field?: string; expected?: string; dealId?: string; stageId?: string; goalId?: string; line?: number };
  INVALID_CONFIG: LimitDetails;
  NOT_FOUND: Open;
  UNKNOWN_STAGE: Open & { stageId: string; pipelineId: string };
  UNKNOWN_RULE: Open;
  /** The rules that kept triggering each other, and the chain that went too deep. */
  CASCADE_LIMIT: Open & { rules: string[]; chain: string[] };
  CLOCK_BACKWARDS: Open;
  /** A stale version (`expected`, `actual`), a record in the wrong state (`status`), an id taken (`what`, `id`; `table` on SQL). */
  CONFLICT: Open & {
    dealId?: string;
    expected?: number;
    actual?: number;
    approvalId?: string;
    exceptionId?: string;
    taskId?: string;
    status?: string;
    sla?: string;
    waitsFor?: unknown;
    what?: string;
    id?: string;
    table?: string;
    detail?: string | null;
    revision?: unknown;
  };
  /** Who was refused what (`action`), on what. */
  FORBIDDEN: Open & {
    actorId: string;
    action?: string;
    resource?: string;
    dealId?: string | null;
    taskId?: string;
    approvalId?: string;
    approverId?: string | null;
  };
  /** `during`: what was being done; `code`: the driver's SQLSTATE, when it gave one. */
  STORAGE_UNAVAILABLE: Open & { during?: string; code?: string };
}

/** The details of an error of code `C` (of any code when `C` is not narrowed). */
export type DealflowErrorDetails<C extends DealflowErrorCode = DealflowErrorCode> = DealflowErrorDetailsMap[C];

/** What a DealflowError is made with; `details` is checked against the code's type. */
export interface DealflowErrorOptions<C extends DealflowErrorCode = DealflowErrorCode> {
  issues?: DealflowIssue[];
  details?: DealflowErrorDetails<C>;
  cause?: unknown;
}

/**
 * The only error type dealflow throws on bad input. `code` says what kind of problem it is,
 * `issues` lists every problem found (for rule JSON, each with its JSON path), and `details`
 * carries structured context such as the rules in a cascade loop, typed per code.
 */
const DealflowErrorClass = class DealflowError extends Error {
  readonly code: DealflowErrorCode;
  readonly issues: DealflowIssue[];
  readonly details: DealflowErrorDetails;

  constructor(code: DealflowErrorCode, message: string, options: DealflowErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'DealflowError';
    this.code = code;
    this.issues = options.issues ?? [];
    this.details = options.details ?? {};
  }
};

/**
 * DealflowError's constructor, typed so that `new DealflowError('CONFLICT', …, { details })`
 * checks `details` against CONFLICT's. (A generic class would do that too, but `instanceof` would
 * then narrow to `DealflowError<any>` and lose the type of `code` wherever it is used.)
 */
export interface DealflowErrorConstructor {
  new <C extends DealflowErrorCode>(code: C, message: string, options?: DealflowErrorOptions<C>): DealflowError;
  readonly prototype: DealflowError;
}

/**
 * The only error type dealflow throws on bad input: `code` says what kind of problem it is,
 * `issues` every problem found (each with its JSON path for rule JSON), `details` the context,
 * typed per code (`isDealflowError(e, 'CONFLICT')` narrows it).
 */
// Spelled out rather than `InstanceType<typeof DealflowErrorClass>`: that made the published
// .d.ts carry Error's constructor statics, whose `NodeJS.CallSite` breaks a consumer compiling
// without @types/node (scripts/consumer-test.mjs).
export interface DealflowError extends Error {
  readonly code: DealflowErrorCode;
  readonly issues: DealflowIssue[];
  readonly details: DealflowErrorDetails;
}
/** The class of {@link DealflowError}: `e instanceof DealflowError`, `new DealflowError(code, message, { details })`. */
export const DealflowError = DealflowErrorClass as DealflowErrorConstructor;

/** A DealflowError of code `C`, its `details` typed as that code's. */
export type DealflowErrorOf<C extends DealflowErrorCode> = DealflowError & { readonly code: C; readonly details: DealflowErrorDetails<C> };

/** Whether `e` is a DealflowError, optionally with the given `code`; narrows the type, `details` included. */
export function isDealflowError<C extends DealflowErrorCode = DealflowErrorCode>(e: unknown, code?: C): e is DealflowErrorOf<C> {
  return e instanceof DealflowError && (code === undefined || e.code === code);
}

/** Renders zod-style path segments as a JSON path: ['rules', 0, 'trigger'] → `$.rules[0].trigger`. */
export function jsonPath(segments: ReadonlyArray<PropertyKey>, root = '$'): string {
  let out = root;
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else if (typeof s === 'string' && /^[A-Za-z_$][\w$]*$/.test(s)) out += `.${s}`;
    else out += `[${JSON.stringify(String(s))}]`;
  }
  return out;
}

type ZodLikeIssue = {
  path: ReadonlyArray<PropertyKey>;
  message: string;
  code?: string;
  params?: Record<string, unknown>;
  keys?: ReadonlyArray<string>;
  errors?: ReadonlyArray<ReadonlyArray<ZodLikeIssue>>;
};

const isMissing = (i: ZodLikeIssue) => i.path.length === 0 && i.code === 'invalid_type' && /received undefined$/.test(i.message);

/**
 * How far a union's branch is from what was written: a wrong type at its root rules it out; each
 * key it does not know counts more than any problem inside. The branch the input meant is the one
 * closest, so `{ "fact": …, "vaule": 3 }` is reported as a fact condition with an unknown key.
 */
function distanceOf(branch: ReadonlyArray<ZodLikeIssue>): number {
  let d = 0;
  for (const i of branch) {
    if (i.path.length === 0 && (i.code === 'invalid_type' || i.code === 'invalid_value')) d += 1e6;
    else if (i.path.length === 0 && i.code === 'unrecognized_keys') d += 1000 * (i.keys?.length ?? 1);
    else d += 1;
  }
  return d;
}

/** A union's issue replaced by the issues of the branch the input meant, when one stands out; paths made absolute. */
function flatten(issues: ReadonlyArray<ZodLikeIssue>, base: ReadonlyArray<PropertyKey>): ZodLikeIssue[] {
  const out: ZodLikeIssue[] = [];
  for (const i of issues) {
    const path = [...base, ...i.path];
    const branches = i.code === 'invalid_union' ? (i.errors ?? []) : [];
    if (branches.length > 0 && branches.every((b) => b.some(isMissing))) {
      out.push({ ...i, path, code: 'invalid_type', message: 'Invalid input: received undefined' });
      continue;
    }
    const scored = branches.map(distanceOf);
    const best = Math.min(...scored);
    if (branches.length > 0 && best < 1e6 && scored.filter((d) => d === best).length === 1) {
      out.push(...flatten(branches[scored.indexOf(best)]!, path));
    } else out.push({ ...i, path });
  }
  return out;
}

/**
 * Converts a zod error's issues to DealflowIssues, with JSON paths under the optional `prefix`
 * segments: the hint a message carries is split off, a custom issue's `params.code` becomes the
 * issue code, and a missing required key is said as such.
 */
export function issuesFromZod(error: { issues: ReadonlyArray<ZodLikeIssue> }, prefix: ReadonlyArray<PropertyKey> = []): DealflowIssue[] {
  return withoutTypoTwins(flatten(error.issues, [])).map((i) => {
    const { message, hint } = splitHint(missingKey(i) ?? i.message);
    // One unknown key is located at the key itself (`$[0].actoins`), where an editor underlines it.
    const at = i.code === 'unrecognized_keys' && i.keys?.length === 1 ? [...i.path, i.keys[0]!] : i.path;
    const out: DealflowIssue = { path: jsonPath([...prefix, ...at]), message };
    if (typeof i.params?.code === 'string') out.code = i.params.code as IssueCode;
    if (hint) out.hint = hint;
    return out;
  });
}

/**
 * `actoins` written for `actions` is one mistake, not two: the missing `actions` is not reported
 * when an unknown key beside it is a near miss for it (the unknown key's hint names it).
 */
function withoutTypoTwins(issues: ZodLikeIssue[]): ZodLikeIssue[] {
  const typos = issues.filter((i) => i.code === 'unrecognized_keys');
  if (typos.length === 0) return issues;
  const meant = new Map<ZodLikeIssue, string>();
  const kept = issues.filter((i) => {
    const key = i.path.at(-1);
    if (typeof key !== 'string' || missingKey(i) === undefined) return true;
    const parent = JSON.stringify(i.path.slice(0, -1));
    const typo = typos.find((t) => JSON.stringify(t.path) === parent && (t.keys ?? []).some((k) => closest(k, [key]) === key));
    if (typo) meant.set(typo, key);
    return typo === undefined;
  });
  // A host's own strict object says only "Unrecognized key"; the missing key is the hint.
  return kept.map((i) => {
    const key = meant.get(i);
    return key !== undefined && splitHint(i.message).hint === undefined ? { ...i, message: hinted(i.message, `did you mean "${key}"?`) } : i;
  });
}

/** zod says "expected string, received undefined" for a key that is not there; say that it is missing. */
function missingKey(i: ZodLikeIssue): string | undefined {
  if (i.code !== 'invalid_type' || !/received undefined$/.test(i.message)) return undefined;
  const key = i.path.at(-1);
  return typeof key === 'string' ? `"${key}" is required` : undefined;
}

/** Renders issues one per line (`  $.path: message`, and its hint below it), for error messages. */
export function formatIssues(issues: DealflowIssue[]): string {
  // The message lists the first ones; `issues` keeps them all. A 20,000-element array of bad
  // holidays made a 690 KB message, and building it cost as much as the validation.
  const shown = issues.length > MAX_ISSUES_IN_MESSAGE ? issues.slice(0, MAX_ISSUES_IN_MESSAGE) : issues;
  const lines = shown.map((i) => `  ${i.path}: ${i.message}${i.hint ? `\n      hint: ${i.hint}` : ''}`);
  if (shown.length < issues.length) lines.push(`  … and ${issues.length - shown.length} more (all of them in the error's issues)`);
  return lines.join('\n');
}

/** How many issues an error's message lists. */
const MAX_ISSUES_IN_MESSAGE = 20;
