import { resolveDigestPolicy, unknownDigestMessage, type DigestPolicy } from '../core/digest-policy.js';
import { DealflowError, formatIssues, type DealflowIssue } from '../model/errors.js';
import type { Rule } from '../model/rule.js';

/** Rejects rules whose `notify` names a digest policy that is neither a spec nor configured (INVALID_RULES). */
export function checkDigestNames(rules: ReadonlyArray<Rule>, digests: ReadonlyMap<string, DigestPolicy>): void {
  const issues: DealflowIssue[] = [];
  rules.forEach((rule, i) =>
    rule.actions.forEach((action, j) => {
      const digest = (action.params as { digest?: unknown }).digest;
      if (action.type !== 'notify' || typeof digest !== 'string') return;
      if (!resolveDigestPolicy(digest, digests)) issues.push({ path: `$[${i}].actions[${j}].params.digest`, message: unknownDigestMessage(digest) });
    }),
  );
  if (issues.length > 0) throw new DealflowError('INVALID_RULES', `the rules have ${issues.length} problem(s):\n${formatIssues(issues)}`, { issues });
}
