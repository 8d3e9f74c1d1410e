import { checkOperator, isFactReference, type Condition } from './condition.js';
import { DealflowError, formatIssues, jsonPath, type DealflowIssue } from './errors.js';
import { checkInput } from './input.js';
import { DEFAULT_LIMITS, type Limits } from './limits.js';
import { parsePath } from './path.js';

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * A condition tree's structure, operators and paths, each problem with its path. Values are not
 * judged: the compiler evaluates any value as json-rules-engine would (a value an operator cannot
 * take makes the criteria fail at run time), and rule validation is where such values are refused.
 * Recursion is bounded: checkInput ran first.
 */
function checkTree(cond: unknown, at: PropertyKey[], out: DealflowIssue[]): void {
  const issue = (where: PropertyKey[], message: string): void => {
    out.push({ path: jsonPath(where), message });
  };
  const path = (p: unknown, where: PropertyKey[]) => {
    if (p === undefined) return;
    if (typeof p !== 'string') return issue(where, 'a path is a string such as "$.fields.score"');
    try {
      parsePath(p);
    } catch (e) {
      issue(where, (e as Error).message);
    }
  };
  if (!isRecord(cond)) return issue(at, 'a condition is an object with "all", "any", "not" or "fact"');
  if ('fact' in cond) {
    if (typeof cond.fact !== 'string' || cond.fact === '') issue([...at, 'fact'], 'a fact is a non-empty string');
    if (typeof cond.operator !== 'string' || cond.operator === '') issue([...at, 'operator'], 'an operator is a non-empty string, such as "equal"');
    else {
      const problem = checkOperator(cond.operator);
      if (problem) issue([...at, 'operator'], problem);
    }
    path(cond.path, [...at, 'path']);
    if (cond.params !== undefined && !isRecord(cond.params)) issue([...at, 'params'], 'params are an object');
    if (isFactReference(cond.value)) path((cond.value as { path?: unknown }).path, [...at, 'value', 'path']);
    return;
  }
  for (const key of ['all', 'any'] as const) {
    if (key in cond) {
      const list = cond[key];
      if (!Array.isArray(list)) return issue([...at, key], `"${key}" takes an array of conditions`);
      list.forEach((c, i) => checkTree(c, [...at, key, i], out));
      return;
    }
  }
  if ('not' in cond) return checkTree(cond.not, [...at, 'not'], out);
  issue(at, 'a condition is an object with "all", "any", "not" or "fact"');
}

/**
 * A condition passed in on its own (`compileCondition`), checked before it is compiled: the input
 * checks (nesting, strings, sizes), its structure, operators and paths. What facts exist is the
 * caller's to know. INVALID_RULES listing every problem with its path.
 */
export function parseCondition(input: unknown, limits: Limits = DEFAULT_LIMITS): Condition {
  checkInput(input, limits, 'INVALID_RULES', 'the condition');
  const issues: DealflowIssue[] = [];
  checkTree(input, [], issues);
  if (issues.length > 0) {
    throw new DealflowError('INVALID_RULES', `the condition has ${issues.length} problem(s):\n${formatIssues(issues)}`, { issues });
  }
  return input as Condition;
}
