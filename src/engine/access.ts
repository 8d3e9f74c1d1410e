import type { Deal } from '../model/deal.js';
import { DealflowError } from '../model/errors.js';
import type { Pipeline } from '../model/pipeline.js';
import type { AccessAction, AccessPolicy, AccessResource, Actor, DealRef } from '../ports/access.js';
import type { Directory } from '../ports/directory.js';

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
 * Whether moving from one stage to another goes backwards: to an earlier stage in the pipeline's
 * order, or out of a won/lost stage (reopening the deal).
 */
export function isBackwardMove(pipeline: Pipeline, deal: Deal, toStageId: string): boolean {
  const from = pipeline.stages.findIndex((s) => s.id === deal.stageId);
  const to = pipeline.stages.findIndex((s) => s.id === toStageId);
  if (from < 0 || to < 0 || from === to) return false;
  const fromStage = pipeline.stages[from]!;
  const toStage = pipeline.stages[to]!;
  const closed = (k: string) => k === 'won' || k === 'lost';
  if (closed(fromStage.kind) && !closed(toStage.kind)) return true;
  return to < from && !closed(toStage.kind);
}

function checkActor(actor: Actor): void {
  if (typeof actor !== 'object' || actor === null || typeof actor.id !== 'string' || actor.id === '' || !Array.isArray(actor.roles)) {
    throw new DealflowError('INVALID_INPUT', 'an actor needs an id (non-empty string) and roles (an array of role names)');
  }
}
