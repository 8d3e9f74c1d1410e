import { DealflowError } from '../model/errors.js';
import type { Pipeline } from '../model/pipeline.js';
import { goesBackward } from '../model/validate-goals.js';
import type { AccessAction, AccessPolicy, AccessResource, Actor, DealRef } from '../ports/access.js';
import type { Directory } from '../ports/directory.js';
import { changedPaths, type DealChanges } from './deal-changes.js';

/** What every engine command and query accepts: who is asking. No actor = a trusted system call. */
export interface AccessOptions {
  actor?: Actor;
}

/**
 * Asks the AccessPolicy on the engine's behalf: fills in the owner's team from the Directory,
 * turns a refusal into a FORBIDDEN error, and filters lists down to what an actor may read.
 * Features (approvals, tasks, playbooks) use `require` for their own commands.
 */
export class AccessGuard {
  constructor(
    readonly policy: AccessPolicy,
    private readonly directory: Directory,
  ) {}

  /** The user's team id from the Directory, or null when unknown. */
  async teamOf(userId: string): Promise<string | null> {
    return (await this.directory.get(userId))?.teamId ?? null;
  }

  /** The resource for an action on a deal, with the owner's team looked up. */
  async dealResource(deal: DealRef, extra: Omit<AccessResource, 'type' | 'deal' | 'ownerTeamId'> = {}): Promise<AccessResource> {
    const resource: AccessResource = { type: 'deal', deal, ownerTeamId: await this.teamOf(deal.ownerId), ...extra };
    if (extra.newOwnerId !== undefined && extra.newOwnerTeamId === undefined) resource.newOwnerTeamId = await this.teamOf(extra.newOwnerId);
    return resource;
  }

  /** Throws FORBIDDEN unless the actor may; does nothing for a system call (no actor). */
  async require(actor: Actor | undefined, action: AccessAction, resource: AccessResource): Promise<void> {
    if (!actor) return;
    checkActor(actor);
    if (await this.policy.can(actor, action, resource)) return;
    const what = resource.deal ? `deal "${resource.deal.id}"` : resource.name !== undefined ? `${resource.type} "${resource.name}"` : resource.type;
    throw new DealflowError('FORBIDDEN', `${actor.id} (roles: ${actor.roles.join(', ') || 'none'}) may not ${action} on ${what}`, {
      details: { actorId: actor.id, action, resource: resource.type, dealId: resource.deal?.id ?? null },
    });
  }

  /** Throws FORBIDDEN unless the actor may do `action` on the deal (owner's team looked up); does nothing for a system call (no actor). */
  async requireOnDeal(
    actor: Actor | undefined,
    action: AccessAction,
    deal: DealRef,
    extra?: Omit<AccessResource, 'type' | 'deal' | 'ownerTeamId'>,
  ): Promise<void> {
    if (!actor) return;
    await this.require(actor, action, await this.dealResource(deal, extra));
  }

  /**
   * Asks for everything a change to a deal needs, each time with the changes, so the policy sees
   * what the command does: `action` itself (`deal.create`, `deal.update`, `deal.move`,
   * `deal.markException`, …); `deal.reassign` when the owner changes; `deal.moveBackward` when the
   * stage goes back or leaves won/lost; and `approval.decide` for each changed path in `owned`
   * (a flag or field an approval decides). FORBIDDEN at the first refusal; nothing for a system call.
   */
  async requireChange(
    actor: Actor | undefined,
    action: AccessAction,
    deal: DealRef,
    changes: DealChanges,
    options: { pipeline?: Pipeline | undefined; owned?: ReadonlySet<string>; name?: string } = {},
  ): Promise<void> {
    if (!actor) return;
    const resource = await this.dealResource(deal, { changes, ...(options.name === undefined ? {} : { name: options.name }) });
    await this.require(actor, action, resource);
    const newOwnerId = changes.ownerId;
    if (typeof newOwnerId === 'string' && newOwnerId !== deal.ownerId) {
      await this.require(actor, 'deal.reassign', { ...resource, newOwnerId, newOwnerTeamId: await this.teamOf(newOwnerId) });
    }
    const stageId = changes.stageId;
    if (typeof stageId === 'string' && options.pipeline && isBackwardMove(options.pipeline, deal, stageId)) {
      await this.require(actor, 'deal.moveBackward', { ...resource, name: stageId });
    }
    if (options.owned && options.owned.size > 0) {
      for (const path of changedPaths(deal, changes)) if (options.owned.has(path)) await this.require(actor, 'approval.decide', { ...resource, name: path });
    }
  }

  /** Whether the actor may do `action` on the resource, per the AccessPolicy; checks the actor is well-formed first. */
  async can(actor: Actor, action: AccessAction, resource: AccessResource): Promise<boolean> {
    checkActor(actor);
    return this.policy.can(actor, action, resource);
  }

  /**
   * The deals an actor may read (`deal.read`), in their order; all of them for a system call.
   * Owners' teams are looked up once per owner.
   */
  async readable<T extends DealRef>(actor: Actor | undefined, deals: ReadonlyArray<T>): Promise<T[]> {
    if (!actor) return [...deals];
    checkActor(actor);
    const teams = new Map<string, string | null>();
    const out: T[] = [];
    for (const deal of deals) {
      let team = teams.get(deal.ownerId);
      if (team === undefined && !teams.has(deal.ownerId)) teams.set(deal.ownerId, (team = await this.teamOf(deal.ownerId)));
      if (await this.policy.can(actor, 'deal.read', { type: 'deal', deal, ownerTeamId: team ?? null })) out.push(deal);
    }
    return out;
  }
}

/**
 * Whether moving the deal to `toStageId` goes backwards (`goesBackward`): to an earlier stage, or
 * out of won/lost to any other stage, lost to won included. Needs `deal.moveBackward`.
 */
export function isBackwardMove(pipeline: Pipeline, deal: DealRef, toStageId: string): boolean {
  return goesBackward(pipeline, deal.stageId, toStageId);
}

function checkActor(actor: Actor): void {
  if (typeof actor !== 'object' || actor === null || typeof actor.id !== 'string' || actor.id === '' || !Array.isArray(actor.roles)) {
    throw new DealflowError('INVALID_INPUT', 'an actor needs an id (non-empty string) and roles (an array of role names)');
  }
}
