import type { User } from '../model/user.js';

export type { User } from '../model/user.js';

/** The host's users. `notify` to "the owner's manager" or to a role resolves through it. */
export interface Directory {
  /** A user by id, or undefined if unknown. */
  get(id: string): User | undefined | Promise<User | undefined>;
  /** Every user with the role (e.g. `legal`), for notifications to a role. */
  withRole(role: string): User[] | Promise<User[]>;
}

/** A directory held in memory, for tests, simulations and small deployments. */
export class InMemoryDirectory implements Directory {
  private readonly users = new Map<string, User>();

  constructor(users: Iterable<User> = []) {
    for (const u of users) this.users.set(u.id, u);
  }

  /** Adds or replaces a user, by id. */
  add(user: User): this {
    this.users.set(user.id, user);
    return this;
  }

  /** A user by id, or undefined if unknown. */
  get(id: string): User | undefined {
    return this.users.get(id);
  }

  /** Every user with the role, ordered by id. */
  withRole(role: string): User[] {
    return [...this.users.values()].filter((u) => u.roles?.includes(role)).sort((a, b) => (a.id < b.id ? -1 : 1));
  }
}
