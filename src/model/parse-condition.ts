import { ConditionSchema, type Condition } from './condition.js';
import { DealflowError, formatIssues, issuesFromZod } from './errors.js';
import { checkInput } from './input.js';
import { DEFAULT_LIMITS, type Limits } from './limits.js';

/**
 * A condition passed in on its own (`compileCondition`), checked before it is compiled: the input
 * checks (nesting, strings, sizes) and its shape. Operators and paths are checked as it compiles;
 * what facts exist, and which operators need an array, are the rule parser's to judge.
 * INVALID_RULES listing every problem with its path.
 */
export function parseCondition(input: unknown, limits: Limits = DEFAULT_LIMITS): Condition {
  checkInput(input, limits, 'INVALID_RULES', 'the condition');
  const parsed = ConditionSchema.safeParse(input);
  if (!parsed.success) {
    const issues = issuesFromZod(parsed.error);
    throw new DealflowError('INVALID_RULES', `the condition has ${issues.length} problem(s):\n${formatIssues(issues)}`, { issues });
  }
  return parsed.data;
}
