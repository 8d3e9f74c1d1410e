import type { CoreInput } from '../core/transition.js';
import type { UserTimes } from '../core/time/calendars.js';
import { usesOwnerCalendar } from '../core/time/timers.js';
import type { RuleBook } from '../core/rulebook.js';
import type { DealSnapshot } from '../core/types.js';
import type { Directory, User } from '../ports/directory.js';

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

/**
 * Reads the users from the Directory (which may be async) into `into`, null for one it does not
 * know: the same records the effects read later (engine/effect-data.ts), so an owner is loaded once.
 */
export async function loadUsers(directory: Directory, ids: ReadonlyArray<string>, into: Record<string, User | null>): Promise<void> {
  for (const id of ids) into[id] = (await directory.get(id)) ?? null;
}

/** The loaded users' timezone and calendar, for `owner` calendars in the pure core. */
export function userTimes(users: Readonly<Record<string, User | null>>): UserTimes {
  const out: Record<string, UserTimes[string]> = {};
  for (const [id, user] of Object.entries(users)) {
    if (user)
      out[id] = {
        id,
        ...(user.timezone !== undefined ? { timezone: user.timezone } : {}),
        ...(user.calendar !== undefined ? { calendar: user.calendar } : {}),
      };
  }
  return out;
}
