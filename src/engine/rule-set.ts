import type { ActionRegistry } from '../core/actions.js';
import type { HostFacts } from '../core/facts.js';
import type { PipelineIndex } from '../core/pipelines.js';
import type { RuleBook } from '../core/rulebook.js';
import type { SlaBook } from '../core/sla/book.js';
import type { StoredRecord } from '../core/types.js';
import type { CalendarBook } from '../core/time/calendars.js';
import { DealflowError } from '../model/errors.js';
import type { Limits } from '../model/limits.js';
import type { Rule } from '../model/rule.js';
import type { AccessGuard, AccessOptions } from './access.js';
import { approvalActionPaths, approvalOwnedPaths } from './deal-changes.js';
import type { DigestPolicy } from '../core/digest-policy.js';
import type { FallbackEvaluator } from './fallback.js';
import { checkDigestNames } from './digest-names.js';
import { parseRules } from './parse-rules.js';
import { ruleChanges, versionedRuleBook, type RuleChange } from './rule-versions.js';

/** `engine.explainCriteria()`: how each rule's criteria are evaluated. */
export interface CriteriaExplanation {
  compiledRules: number;
  fallbackRules: number;
  /** Criteria json-rules-engine evaluates, and why the compiler left them to it. */
  fallback: Array<{ ruleId: string; part: 'when' | 'until'; reason: string }>;
  /** json-rules-engine evaluations since the engine started. */
  fallbackEvaluations: number;
}

/** What compiling rules is checked against: the engine's configuration. */
export interface RuleSetDeps {
  pipelines: PipelineIndex;
  actions: ActionRegistry;
  facts: HostFacts;
  calendars: CalendarBook;
  limits: Limits;
  fallback: FallbackEvaluator;
  digestPolicies: ReadonlyMap<string, DigestPolicy>;
  slas: SlaBook;
  access: AccessGuard;
}

/**
 * The rules in force: compiled and versioned from the config, replaced by `setRules`, with the
 * deal paths their approvals own. The only state of the engine that changes after it is built
 * (besides the clock's high-water mark): commands read `book` when they run.
 */
export class RuleSet {
  /** The compiled rules in force; its archive keeps every earlier version. */
  book: RuleBook;
  /** The paths the current rules' approvals decide, for the rule book they were read from. */
  private approvalPaths: { book: RuleBook; paths: Set<string> } | undefined;

  constructor(
    private readonly deps: RuleSetDeps,
    rules: unknown,
  ) {
    this.book = this.compile(rules);
  }

  get rules(): Rule[] {
    return this.book.rules.map((r) => r.rule);
  }

  /**
   * Replaces the rules (see `Engine.setRules`): the actor's `rules.change` checked synchronously,
   * then the new set compiled (INVALID_RULES changes nothing). Returns what changed, to be logged.
   */
  replace(rules: unknown, options: AccessOptions): RuleChange[] {
    if (options.actor) {
      const allowed = this.deps.access.policy.can(options.actor, 'rules.change', { type: 'rules' });
      if (typeof allowed !== 'boolean')
        throw new DealflowError('INVALID_CONFIG', 'setRules with an actor needs a policy that answers rules.change synchronously');
      if (!allowed)
        throw new DealflowError('FORBIDDEN', `${options.actor.id} may not rules.change`, { details: { actorId: options.actor.id, action: 'rules.change' } });
    }
    const previous = this.book;
    this.book = this.compile(rules, previous);
    return ruleChanges(previous, this.book);
  }

  /** Every version of a rule loaded, oldest first. */
  versions(ruleId: string): Rule[] {
    return this.book.archive.versions(ruleId).map((cr) => cr.rule);
  }

  /**
   * The deal paths approvals own (docs/access.md): what the rules' and SLAs' `requestApproval`
   * actions set on a decision (worked out once per rule set), plus what the deal's own approvals
   * set. A person changing one of these needs `approval.decide`.
   */
  ownedPaths(records?: ReadonlyArray<StoredRecord>): Set<string> {
    if (this.approvalPaths?.book !== this.book) {
      const lists = [
        ...this.book.rules.map((cr) => cr.rule.actions),
        ...this.deps.slas.all.flatMap((c) => [...c.sla.reminders.map((r) => r.actions), ...c.sla.escalations.map((e) => e.actions)]),
      ];
      this.approvalPaths = { book: this.book, paths: approvalActionPaths(lists) };
    }
    return approvalOwnedPaths(this.approvalPaths.paths, records);
  }

  /** Which rules' criteria are compiled and which json-rules-engine evaluates, and how often it has. */
  explainCriteria(): CriteriaExplanation {
    const fallback: CriteriaExplanation['fallback'] = [];
    for (const cr of this.book.rules) {
      for (const part of ['when', 'until'] as const) {
        const fb = cr.fallback?.[part];
        if (fb) fallback.push({ ruleId: cr.rule.id, part, reason: fb.reason });
      }
    }
    const fallbackRules = new Set(fallback.map((f) => f.ruleId)).size;
    return { compiledRules: this.book.rules.length - fallbackRules, fallbackRules, fallback, fallbackEvaluations: this.deps.fallback.evaluations };
  }

  private compile(rules: unknown, previous?: RuleBook): RuleBook {
    const { deps } = this;
    const criteria = deps.fallback.triggers;
    const parsed = parseRules(rules, {
      pipelines: deps.pipelines.all(),
      actions: deps.actions,
      facts: Object.keys(deps.facts),
      calendars: deps.calendars.names(),
      limits: deps.limits,
      ...(criteria.customOperators ? { customOperators: criteria.customOperators } : {}),
    });
    checkDigestNames(parsed, deps.digestPolicies);
    return versionedRuleBook(parsed, deps.actions, previous, criteria);
  }
}
