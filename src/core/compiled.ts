import type { ActionSpec } from '../model/action.js';
import type { Rule } from '../model/rule.js';
import type { AnyActionDefinition } from './actions.js';
import type { Predicate } from './criteria.js';
import type { FallbackCriteria } from './fallback.js';

// A rule as the rule book compiled it. Its own module, below the rule book and the archive of
// versions, so that neither has to import the other for it (they used to form an import cycle).

/** One action of a compiled rule: its spec, its id within the rule, and its params parsed once. */
export interface CompiledAction {
  spec: ActionSpec;
  id: string;
  index: number;
  def: AnyActionDefinition;
  /** Params parsed by the action's schema once, at load, with its defaults applied. */
  params: unknown;
}

/** A rule as the rule book holds it: criteria compiled to predicates, actions resolved to their definitions. */
export interface CompiledRule {
  rule: Rule;
  /** The rule's version (`rule.version`, 1 when unset); jobs are pinned to it. */
  version: number;
  /** Position in the rule list: the tie-break after priority. */
  order: number;
  when: Predicate;
  until: Predicate | null;
  actions: CompiledAction[];
  /** Criteria left to json-rules-engine (custom operators, async facts); absent when all are compiled. */
  fallback?: { when?: FallbackCriteria; until?: FallbackCriteria };
}
