import type { User } from '../../model/user.js';
import type { OutboxMessage } from '../types.js';

// What the core reads to make its effects final (recipients, digest holds, task people), loaded
// by the engine before it asks for them: the Directory is a port that may do I/O and digests are
// rows in storage, and the core is synchronous and pure. A lookup of something not loaded is a
// miss, not an answer: the effects are then not made (see EffectDataNeeded), so a missing load
// can never pass for "nobody is there".

/**
 * The Directory records and open digests a transition's effects read. `null` means looked up and
 * absent (an unknown user, no open digest); a key that is not there was not loaded.
 */
export interface DirectoryView {
  /** Users by id. */
  users: Readonly<Record<string, User | null>>;
  /** The ids of the users with a role, in the Directory's order. */
  roles: Readonly<Record<string, ReadonlyArray<string>>>;
  /** The open digest each pointer (`digest.open:<policy>:<recipient>`) names, or null for none. */
  digests: Readonly<Record<string, OutboxMessage | null>>;
}

/** What a transition's effects read that its environment's `directory` does not hold yet. */
export interface EffectNeeds {
  users: string[];
  roles: string[];
  /** Digest pointer keys (`digest.open:<policy>:<recipient>`). */
  digests: string[];
}

/** The empty view: what `transition` reads when its environment has no `directory`. */
export const EMPTY_DIRECTORY_VIEW: DirectoryView = Object.freeze({ users: {}, roles: {}, digests: {} });

/**
 * Thrown by `transition` when its effects need Directory records or open digests that its
 * environment's `directory` does not hold. The engine never sees it (it loads `needs` and makes
 * the effects final again); a caller of `transition` adds what `needs` names and calls again.
 */
export class EffectDataNeeded extends Error {
  constructor(readonly needs: EffectNeeds) {
    super(
      `the effects need Directory records or open digests that env.directory does not hold: ${JSON.stringify(needs)}; load them into env.directory and run the transition again`,
    );
    this.name = 'EffectDataNeeded';
  }
}

/** The digest pointer of (policy, recipient): a meta key naming the open digest's message id. */
export function digestPointer(policy: string, recipientId: string): string {
  return `digest.open:${policy}:${recipientId}`;
}

/**
 * Reads a DirectoryView and notes every miss. After a miss it answers as if the thing were absent,
 * so one pass finds every miss it can; what it found is then thrown away (see `needs`).
 */
export class Lookup {
  private missed: EffectNeeds | undefined;

  constructor(private readonly view: DirectoryView) {}

  user(id: string): User | undefined {
    const u = this.view.users[id];
    if (u === undefined && !Object.hasOwn(this.view.users, id)) this.miss('users', id);
    return u ?? undefined;
  }

  withRole(role: string): ReadonlyArray<string> {
    const ids = this.view.roles[role];
    if (ids === undefined) this.miss('roles', role);
    return ids ?? [];
  }

  openDigest(pointer: string): OutboxMessage | undefined {
    const d = this.view.digests[pointer];
    if (d === undefined && !Object.hasOwn(this.view.digests, pointer)) this.miss('digests', pointer);
    return d ?? undefined;
  }

  /** What was missed, or undefined when every lookup was answered. */
  get needs(): EffectNeeds | undefined {
    return this.missed;
  }

  private miss(kind: keyof EffectNeeds, key: string): void {
    const m = (this.missed ??= { users: [], roles: [], digests: [] });
    if (!m[kind].includes(key)) m[kind].push(key);
  }
}
