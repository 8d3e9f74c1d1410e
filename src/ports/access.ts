import type { Deal, Json } from '../model/deal.js';

/**
 * Who is asking. `roles` are the host's role names; the default policy knows `seller`, `manager`
 * and `admin`. `teamId` is the team a manager manages (and a seller belongs to).
 */
export interface Actor {
  id: string;
  roles: ReadonlyArray<string>;
  teamId?: string | null;
}

/**
 * What an actor wants to do. The engine asks for these; features may ask for their own (e.g.
 * `task.complete`), which the default policy treats like a change to the task's deal.
 */
export type AccessAction =
  | 'deal.read'
  | 'deal.create'
  | 'deal.update'
  | 'deal.move'
  /** Moving to an earlier stage, or reopening a won/lost deal. Asked in addition to `deal.move`. */
  | 'deal.moveBackward'
  | 'deal.delete'
  /** Changing the owner. Asked in addition to `deal.update` (or what else changes the owner), with `newOwnerId`. */
  | 'deal.reassign'
  | 'deal.markException'
  /** Running a manual rule on a deal by hand. */
  | 'deal.launch'
  | 'playbook.launch'
  | 'event.emit'
  /**
   * Deciding an approval; also asked (with `name` the path) before a command sets a flag or field
   * an approval owns (one an approval's `onApprove`/`onReject` sets), since that decides it too.
   */
  | 'approval.decide'
  | 'report.read'
  | 'board.read'
  | 'rules.change'
  | 'outbox.read'
  /** Retrying or discarding a dead letter. */
  | 'outbox.manage'
  | 'records.read'
  | (string & {});

/** The part of a deal a policy needs. Hosts' policies get the whole deal when one exists. */
export type DealRef = Pick<Deal, 'id' | 'pipelineId' | 'stageId' | 'ownerId'> & Partial<Deal>;

/**
 * What the action is on. The engine fills `ownerTeamId` (and `newOwnerTeamId`) from the
 * Directory, so a policy can stay synchronous and need no lookups.
 */
export interface AccessResource {
  type: 'deal' | 'report' | 'board' | 'rules' | 'approval' | 'outbox' | 'records' | 'event' | (string & {});
  deal?: DealRef;
  /** The team of the deal's owner (Directory user's `teamId`), null when the owner has none. */
  ownerTeamId?: string | null;
  /** For `deal.reassign`: the owner the deal would get, and their team. */
  newOwnerId?: string;
  newOwnerTeamId?: string | null;
  /** A report's name, a rule's id, a record kind, an event's name: what the resource is called. */
  name?: string;
  /** For `approval.decide`: who asked for the approval (they may never decide it). */
  requesterId?: string | null;
  /**
   * What the command would change on the deal, by deal path: `title`, `amount`, `currency`,
   * `ownerId`, `stageId`, `fields.<name>` (null clears it), `flags.<name>`. Set on `deal.create`,
   * `deal.update`, `deal.reassign`, `deal.move`, `deal.moveBackward`, `deal.markException` and on
   * the `approval.decide` asked for a path an approval owns, so a policy can decide by what changes.
   */
  changes?: Readonly<Record<string, Json>>;
}

/**
 * Decides whether an actor may do an action on a resource. The engine asks before every
 * command and query that carries an actor; a `false` is a FORBIDDEN error and changes nothing.
 * Calls without an actor are trusted system calls and are not checked.
 */
export interface AccessPolicy {
  /** Whether the actor may do `action` on the resource. Called inside command transactions: keep it fast. */
  can(actor: Actor, action: AccessAction, resource: AccessResource): boolean | Promise<boolean>;
}

/** The default roles. Hosts with other role names pass their own policy. */
export const ROLES = { seller: 'seller', manager: 'manager', admin: 'admin' } as const;

/**
 * The default policy:
 * - `admin`: everything, including changing rules and reading system-wide outbox and records.
 * - `manager`: every deal action on deals owned by their team (owner's Directory `teamId` equals
 *   the actor's `teamId`) or by themselves, including moving backwards, deleting and reassigning
 *   within the team; reads reports and boards (scoped to those deals); decides approvals on them
 *   (never their own requests); reads records that belong to no deal; emits deal-less events.
 * - `seller`: reads and changes only deals they own — create (owned by themselves), update,
 *   move forward, mark an exception, launch a manual rule or a playbook, emit an event on it;
 *   reads reports and boards (scoped to their own deals). May not move backwards, delete,
 *   reassign, decide approvals or change rules.
 * - anyone else: nothing.
 * Actions it does not know are treated as a change to the resource's deal when there is one
 * (allowed to those who may update it) and refused otherwise.
 */
export class DefaultAccessPolicy implements AccessPolicy {
  /** Decides by the actor's roles: admins may do anything, managers act within their team, sellers on their own deals (see the class comment for the exact table). */
  can(actor: Actor, action: AccessAction, resource: AccessResource): boolean {
    const roles = actor.roles;
    if (roles.includes(ROLES.admin)) return true;
    const manager = roles.includes(ROLES.manager);
    const seller = roles.includes(ROLES.seller);
    if (!manager && !seller) return false;

    const owns = (ownerId: string | undefined) => ownerId !== undefined && ownerId === actor.id;
    const teamOwns = (teamId: string | null | undefined) =>
      manager && actor.teamId !== undefined && actor.teamId !== null && teamId !== undefined && teamId !== null && teamId === actor.teamId;
    // A seller works on their own deals; a manager on theirs and their team's.
    const mayWork = owns(resource.deal?.ownerId) || teamOwns(resource.ownerTeamId);

    switch (action) {
      case 'rules.change':
        return false;
      case 'report.read':
      case 'board.read':
        return true; // scoped to the deals the actor may read
      case 'approval.decide':
        return manager && (resource.requesterId === undefined || resource.requesterId !== actor.id) && (!resource.deal || mayWork);
      case 'deal.moveBackward':
      case 'deal.delete':
        return manager && mayWork;
      case 'deal.reassign':
        return manager && mayWork && (owns(resource.newOwnerId) || teamOwns(resource.newOwnerTeamId));
      case 'outbox.read':
      case 'records.read':
        if (resource.deal) return mayWork;
        return action === 'records.read' && manager;
      case 'event.emit':
        if (!resource.deal) return manager;
        return mayWork;
      default:
        // deal.read/create/update/move/markException/launch, playbook.launch, and features' own actions.
        return resource.deal !== undefined && mayWork;
    }
  }
}

/** The shared DefaultAccessPolicy instance engines use when the host passes no policy. */
export const defaultAccessPolicy: AccessPolicy = new DefaultAccessPolicy();
