import type { CoreInput } from '../core/transition.js';
import type { UserTimes } from '../core/time/calendars.js';
import { usesOwnerCalendar } from '../core/time/timers.js';
import type { RuleBook } from '../core/rulebook.js';
import type { DealSnapshot } from '../core/types.js';
import type { Directory } from '../ports/directory.js';

/**
 * The users whose calendars a command may need: the deal's owner, and the new owner when the
 * command sets one. None unless some rule or action (or, per `otherUses`, an SLA) follows the
 * `owner` calendar, so engines that never use owner calendars never call the Directory for them.
 */
export function ownersToLoad(rules: RuleBook, before: DealSnapshot, input: CoreInput, otherUses = false): string[] {
  if (!otherUses && !usesOwnerCalendar(rules)) return [];
  const ids = new Set<string>();
  if (before.deal) ids.add(before.deal.ownerId);
  if (input.type === 'create') ids.add(input.draft.ownerId);
  if (input.type === 'update' && input.patch.ownerId !== undefined) ids.add(input.patch.ownerId);
  return [...ids];
}

/** Reads the users' timezone and calendar from the Directory (which may be async) for the pure core. */
export async function loadUserTimes(directory: Directory, ids: ReadonlyArray<string>): Promise<UserTimes> {
  const out: Record<string, { id: string; timezone?: string; calendar?: NonNullable<UserTimes[string]['calendar']> }> = {};
  for (const id of ids) {
    const user = await directory.get(id);
    if (!user) continue;
    out[id] = { id, ...(user.timezone !== undefined ? { timezone: user.timezone } : {}), ...(user.calendar !== undefined ? { calendar: user.calendar } : {}) };
  }
  return out;
}
