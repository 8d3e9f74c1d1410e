import type { ActionRegistry } from '../core/actions.js';
import type { FallbackTriggers } from '../core/fallback.js';
import { RuleBook } from '../core/rulebook.js';
import { DealflowError, formatIssues, jsonPath, type DealflowIssue } from '../model/errors.js';
import type { PendingJobPolicy, Rule } from '../model/rule.js';

/** How one rule changed when a rule set replaced another. */
export interface RuleChange {
  ruleId: string;
  kind: 'added' | 'changed' | 'disabled' | 'enabled' | 'removed';
  /** The version before (null for a new rule). */
  from: number | null;
  /** The version after (null for a removed rule). */
  to: number | null;
  /** What happens to jobs earlier versions left pending: the new version's `onChange` (the last one's for a removal). */
  policy: PendingJobPolicy;
}

/**
 * Compiles a rule set as the successor of `previous`, numbering versions: a rule keeps its
 * version while its definition is unchanged and gets the next one when it changes. An explicit
 * `version` must not go back, and must grow when the definition changes; otherwise INVALID_RULES.
 * The new book's archive keeps every earlier version, which `keep` jobs run under.
 */
export function versionedRuleBook(parsed: ReadonlyArray<Rule>, actions: ActionRegistry, previous?: RuleBook, criteria?: FallbackTriggers): RuleBook {
  const issues: DealflowIssue[] = [];
  const rules = parsed.map((rule, i) => {
    const before = previous?.archive.versions(rule.id).at(-1);
    if (!before) return { ...rule, version: rule.version ?? 1 };
    const same = definitionOf(rule) === definitionOf(before.rule);
    if (rule.version === undefined) return { ...rule, version: same ? before.version : before.version + 1 };
    if (rule.version < before.version) {
      issues.push({
        path: jsonPath([i, 'version']),
        message: `version ${rule.version} is older than the loaded version ${before.version} of rule "${rule.id}"`,
      });
    } else if (rule.version === before.version && !same) {
      issues.push({
        path: jsonPath([i, 'version']),
        message: `rule "${rule.id}" changed but its version is still ${rule.version}; raise it, or omit version to have it numbered`,
      });
    }
    return rule;
  });
  if (issues.length > 0) {
    throw new DealflowError('INVALID_RULES', `the rules have ${issues.length} problem(s):\n${formatIssues(issues)}`, { issues });
  }
  return new RuleBook(rules, actions, previous?.archive, criteria);
}

/** What changed between two books, rule by rule, in the new book's order (removals last). */
export function ruleChanges(before: RuleBook, after: RuleBook): RuleChange[] {
  const out: RuleChange[] = [];
  for (const cr of after.rules) {
    const old = before.get(cr.rule.id);
    if (!old) {
      const earlier = before.archive.versions(cr.rule.id).at(-1);
      out.push({ ruleId: cr.rule.id, kind: 'added', from: earlier?.version ?? null, to: cr.version, policy: cr.rule.onChange });
    } else if (old.version !== cr.version) {
      const kind = old.rule.enabled && !cr.rule.enabled ? 'disabled' : !old.rule.enabled && cr.rule.enabled ? 'enabled' : 'changed';
      out.push({ ruleId: cr.rule.id, kind, from: old.version, to: cr.version, policy: cr.rule.onChange });
    }
  }
  for (const old of before.rules) {
    if (!after.get(old.rule.id)) out.push({ ruleId: old.rule.id, kind: 'removed', from: old.version, to: null, policy: old.rule.onChange });
  }
  return out;
}

/** A rule's definition for comparison: its JSON without the version, keys sorted. */
function definitionOf(rule: Rule): string {
  const { version: _version, ...rest } = rule;
  return stableJson(rest);
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
