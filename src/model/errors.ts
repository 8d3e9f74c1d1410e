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
  | 'DEAL_CLOSED'
  /** The database connection was lost or could not be opened; `cause` is the driver's error. Retry once it is back. */
  | 'STORAGE_UNAVAILABLE';

/** One problem found in user input, located by a JSON path such as `$[0].trigger.stage`. */
export interface DealflowIssue {
  path: string;
  message: string;
}

/**
 * The only error type dealflow throws on bad input. `code` says what kind of problem it is,
 * `issues` lists every problem found (for rule JSON, each with its JSON path), and `details`
 * carries structured context such as the rules in a cascade loop.
 */
export class DealflowError extends Error {
  readonly code: DealflowErrorCode;
  readonly issues: DealflowIssue[];
  readonly details: Record<string, unknown>;

  constructor(code: DealflowErrorCode, message: string, options: { issues?: DealflowIssue[]; details?: Record<string, unknown>; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'DealflowError';
    this.code = code;
    this.issues = options.issues ?? [];
    this.details = options.details ?? {};
  }
}

/** Whether `e` is a DealflowError, optionally with the given `code`; narrows the type. */
export function isDealflowError(e: unknown, code?: DealflowErrorCode): e is DealflowError {
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

/** Converts a zod error's issues to DealflowIssues, with JSON paths under the optional `prefix` segments. */
export function issuesFromZod(
  error: { issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }> },
  prefix: ReadonlyArray<PropertyKey> = [],
): DealflowIssue[] {
  return error.issues.map((i) => ({ path: jsonPath([...prefix, ...i.path]), message: i.message }));
}

/** Renders issues one per line (`  $.path: message`), for error messages. */
export function formatIssues(issues: DealflowIssue[]): string {
  return issues.map((i) => `  ${i.path}: ${i.message}`).join('\n');
}
