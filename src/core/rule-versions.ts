import type { CompiledAction, CompiledRule } from './compiled.js';
import type { RuleBook } from './rulebook.js';
import type { Job } from './types.js';

/** The version a job runs under, with what the history should say about it (null: only its version); or why it is cancelled. */
export type JobRule = { cr: CompiledRule; note: Record<string, unknown> | null } | { cancel: string; extra: Record<string, unknown> };

/**
 * Decides which version of its rule a due job runs under. Walking the versions after the one that
 * scheduled the job, each newer version's `onChange` applies in turn: `cancel` drops the job,
 * `recheck` re-pins it to that version, `keep` leaves it pinned. A removed rule's jobs follow its
 * last version's policy, where `recheck` means cancel (there is nothing to recheck against).
 * Pure: the archive and the current book are all it reads.
 */
export function resolveJobRule(job: Job, book: RuleBook): JobRule {
  const current = book.get(job.ruleId);
  const scheduled = job.ruleVersion ?? current?.version;
  // The usual case: the note would be `{ ruleVersion }` alone, which the caller writes itself.
  if (current && current.version === scheduled) return { cr: current, note: null };
  const versions = book.archive.versions(job.ruleId);
  const at = versions.findIndex((v) => v.version === scheduled);
  if (at < 0) {
    // The engine never saw that version (it was restarted with a newer rule set): the current
    // version's policy applies, except that `keep` has nothing to keep.
    if (!current) return { cancel: 'rule-removed', extra: { scheduledVersion: scheduled ?? null } };
    const extra = { scheduledVersion: scheduled ?? null, currentVersion: current.version, policy: current.rule.onChange };
    if (current.rule.onChange === 'recheck') return { cr: current, note: { ruleVersion: current.version, ...extra } };
    return { cancel: current.rule.onChange === 'keep' ? 'rule-version-unavailable' : changeReason(current), extra };
  }
  let pinned = versions[at]!;
  for (const next of versions.slice(at + 1)) {
    const policy = next.rule.onChange;
    if (policy === 'cancel') {
      return { cancel: changeReason(next), extra: { scheduledVersion: scheduled, version: next.version, policy } };
    }
    if (policy === 'recheck') pinned = next;
  }
  if (!current) {
    const last = versions[versions.length - 1]!;
    if (last.rule.onChange !== 'keep') return { cancel: 'rule-removed', extra: { scheduledVersion: scheduled, policy: last.rule.onChange } };
    return { cr: pinned, note: { ruleVersion: pinned.version, scheduledVersion: scheduled, policy: 'keep', ruleRemoved: true } };
  }
  const policy = pinned === current ? 'recheck' : 'keep';
  const note: Record<string, unknown> = { ruleVersion: pinned.version, scheduledVersion: scheduled, currentVersion: current.version, policy };
  // A kept job of a rule that has since been disabled still runs: say so in its history.
  if (pinned !== current && !current.rule.enabled) note.ruleDisabled = true;
  return { cr: pinned, note };
}

/** The job's action in the version it runs under: by position in its own version, by id in a newer one. */
export function jobAction(cr: CompiledRule, job: Job): CompiledAction | undefined {
  if (job.ruleVersion === undefined || job.ruleVersion === cr.version) {
    const action = cr.actions[job.actionIndex];
    return action && action.id === job.actionId ? action : undefined;
  }
  return cr.actions.find((a) => a.id === job.actionId);
}

function changeReason(cr: CompiledRule): string {
  return cr.rule.enabled ? 'rule-changed' : 'rule-disabled';
}
