import type { PipelineIndex } from '../core/pipelines.js';
import { DealPatchSchema, NewDealSchema, type Deal, type DealPatch, type NewDeal } from '../model/deal.js';
import { DealflowError, issuesFromZod } from '../model/errors.js';
import { ExternalEventSchema, type ExternalEventInput } from '../model/event.js';
import type { AccessGuard, AccessOptions } from './access.js';
import { cloneDeal } from './clone.js';
import { draftChanges, patchChanges } from './deal-changes.js';
import type { CommandExecutor } from './executor.js';
import type { RuleSet } from './rule-set.js';
import { eventInput } from './workflow.js';

export interface CommandOptions extends AccessOptions {
  /** Refuse the command with CONFLICT unless the deal is at this version. */
  expectedVersion?: number;
}

/** What the deal commands need: the executor they run through, the access guard, the rules and pipelines. */
export interface DealCommandDeps {
  executor: CommandExecutor;
  access: AccessGuard;
  rules: RuleSet;
  pipelines: PipelineIndex;
}

/**
 * The deal commands: each checks its input, says what the actor must be allowed (checked inside
 * the transaction on the loaded deal) and runs through the executor; what it returns is a copy.
 * The documentation of each is on the Engine method that forwards to it.
 */
export class DealCommands {
  constructor(private readonly deps: DealCommandDeps) {}

  createDeal(input: NewDeal, options: AccessOptions): Promise<Deal> {
    const parsed = NewDealSchema.safeParse(input);
    if (!parsed.success) return Promise.reject(invalidInput('the new deal is invalid', parsed.error));
    const draft = parsed.data;
    const { actor } = options;
    const { access, rules } = this.deps;
    return this.deps.executor
      .run(
        draft.id ?? null,
        { type: 'create', draft },
        actor &&
          (() =>
            access.requireChange(
              actor,
              'deal.create',
              { id: draft.id ?? '(new)', pipelineId: draft.pipelineId, stageId: draft.stageId ?? '', ownerId: draft.ownerId },
              draftChanges(draft),
              { owned: rules.ownedPaths() },
            )),
      )
      .then(dealOf);
  }

  updateDeal(dealId: string, patch: DealPatch, options: CommandOptions): Promise<Deal> {
    const parsed = DealPatchSchema.safeParse(patch);
    if (!parsed.success) return Promise.reject(invalidInput('the deal update is invalid', parsed.error));
    const { actor } = options;
    const { access, rules } = this.deps;
    return this.deps.executor
      .run(
        dealId,
        { type: 'update', patch: parsed.data, ...versionOf(options) },
        actor && (({ deal, records }) => access.requireChange(actor, 'deal.update', deal!, patchChanges(parsed.data), { owned: rules.ownedPaths(records) })),
      )
      .then(dealOf);
  }

  moveDeal(dealId: string, stageId: string, options: CommandOptions): Promise<Deal> {
    if (typeof stageId !== 'string' || stageId === '') return Promise.reject(new DealflowError('INVALID_INPUT', 'moveDeal needs a stage id'));
    const { actor } = options;
    const { access, pipelines } = this.deps;
    return this.deps.executor
      .run(
        dealId,
        { type: 'move', stageId, ...versionOf(options) },
        actor &&
          (({ deal }) => access.requireChange(actor, 'deal.move', deal!, { stageId }, { pipeline: pipelines.get(deal!.pipelineId)?.pipeline, name: stageId })),
      )
      .then(dealOf);
  }

  deleteDeal(dealId: string, options: AccessOptions): Promise<void> {
    const { actor } = options;
    const { access } = this.deps;
    return this.deps.executor.run(dealId, { type: 'delete' }, actor && (({ deal }) => access.requireOnDeal(actor, 'deal.delete', deal!))).then(nothing);
  }

  emit(event: ExternalEventInput, options: AccessOptions): Promise<Deal | null> {
    const parsed = ExternalEventSchema.safeParse(event);
    if (!parsed.success) return Promise.reject(invalidInput('the event is invalid', parsed.error));
    const { actor } = options;
    const { access, rules } = this.deps;
    return this.deps.executor
      .run(
        parsed.data.dealId ?? null,
        (tx) => eventInput(tx, rules.book, parsed.data),
        actor &&
          (({ deal }) =>
            deal
              ? access.requireOnDeal(actor, 'event.emit', deal, { name: parsed.data.name })
              : access.require(actor, 'event.emit', { type: 'event', name: parsed.data.name })),
      )
      .then((out) => (out.snapshot.deal ? cloneDeal(out.snapshot.deal) : null));
  }

  launch(ruleId: string, dealId: string, options: AccessOptions): Promise<Deal> {
    const { actor } = options;
    const { access } = this.deps;
    return this.deps.executor
      .run(dealId, { type: 'launch', ruleId }, actor && (({ deal }) => access.requireOnDeal(actor, 'deal.launch', deal!, { name: ruleId })))
      .then(dealOf);
  }
}

function nothing(): void {}

/** The copy of the deal a command left, for the caller. */
function dealOf(out: { snapshot: { deal: Deal | null } }): Deal {
  return cloneDeal(out.snapshot.deal!);
}

function invalidInput(what: string, error: { issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }> }): DealflowError {
  const issues = issuesFromZod(error);
  return new DealflowError('INVALID_INPUT', `${what}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, { issues });
}

function versionOf(o: CommandOptions): { expectedVersion?: number } {
  return o.expectedVersion === undefined ? {} : { expectedVersion: o.expectedVersion };
}
