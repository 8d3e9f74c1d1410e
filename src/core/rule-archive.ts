import type { CompiledRule } from './compiled.js';

/**
 * Every version of every rule a rule book has seen, oldest first. A job pinned to an older
 * version under the `keep` policy runs with that version's criteria and actions, so the archive
 * keeps the compiled versions an engine has loaded (in its memory: see docs/simulation.md).
 */
export class RuleArchive {
  private constructor(private readonly byRule: ReadonlyMap<string, ReadonlyArray<CompiledRule>>) {}

  static readonly EMPTY = new RuleArchive(new Map());

  /** A new archive with these rules added as their rule's latest version (an equal version replaces it). */
  with(rules: ReadonlyArray<CompiledRule>): RuleArchive {
    const next = new Map(this.byRule);
    for (const cr of rules) {
      const versions = [...(next.get(cr.rule.id) ?? [])];
      const last = versions[versions.length - 1];
      if (last && last.version === cr.version) versions[versions.length - 1] = cr;
      else versions.push(cr);
      next.set(cr.rule.id, versions);
    }
    return new RuleArchive(next);
  }

  /** The versions of a rule, oldest first; the current one (if any) is last. */
  versions(ruleId: string): ReadonlyArray<CompiledRule> {
    return this.byRule.get(ruleId) ?? [];
  }

  /** The latest version of every rule ever loaded, current or removed. */
  latest(): CompiledRule[] {
    return [...this.byRule.values()].map((v) => v[v.length - 1]!);
  }
}
