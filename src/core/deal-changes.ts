import { dealWith, type Deal, type DealPatch, type Json } from '../model/deal.js';
import { parseDealPath, readParsedPath } from '../model/deal-path.js';
import { DealflowError } from '../model/errors.js';
import { shown } from '../model/hints.js';
import { extensibleCopy, withKey } from '../model/records.js';
import { checkFieldValue, checkFields } from './field-types.js';
import type { PipelineInfo } from './pipelines.js';
import type { DealDraft, Job, Occurrence } from './types.js';
import { COMMAND, WorkState, type Cause } from './work.js';

// Changes to the deal itself: creating it (by command or by an action), setting its fields and
// flags, moving it, deleting it. Each change is logged and queued as an occurrence for the
// cascade (core/cascade.ts), the layer above, through the abstract `enqueue`.

const NO_EXTERNAL_DEALS: Readonly<Record<string, string>> = {};
const NO_JOBS: ReadonlyArray<Job> = [];

export abstract class DealChanges extends WorkState {
  /** For an event without a deal: deals earlier events created, by `pipelineId:externalId` (read only; a shared empty one by default). */
  protected externalDeals: Readonly<Record<string, string>> = NO_EXTERNAL_DEALS;

  protected abstract enqueue(occ: Occurrence, previous: Deal | null, event: Record<string, Json> | null, cause: Cause): void;

  protected create(draft: DealDraft, cause: Cause = COMMAND): void {
    if (this.deal) {
      throw new DealflowError('CONFLICT', `a deal with id "${this.deal.id}" already exists; pick another id or omit it`);
    }
    const info = this.env.pipelines.get(draft.pipelineId);
    if (!info) {
      throw new DealflowError('INVALID_INPUT', `unknown pipeline "${draft.pipelineId}"; configure it in createEngine({ pipelines })`);
    }
    const stageId = draft.stageId ?? info.pipeline.stages.find((s) => s.kind === 'open')?.id ?? info.pipeline.stages[0]!.id;
    const stage = info.stages.get(stageId);
    if (!stage) throw unknownStage(stageId, info);
    checkFields(draft.fields, info.pipeline);
    const now = this.env.now;
    const closed = stage.kind === 'won' || stage.kind === 'lost';
    const fields = withoutNulls(draft.fields);
    const deal: Deal = {
      id: draft.id ?? this.env.ids.next('deal'),
      pipelineId: draft.pipelineId,
      stageId,
      ownerId: draft.ownerId,
      title: draft.title,
      amount: draft.amount,
      currency: draft.currency,
      fields,
      flags: { ...draft.flags },
      createdAt: now,
      stageEnteredAt: now,
      updatedAt: now,
      closedAt: closed ? now : null,
      version: 1,
    };
    this.deal = deal;
    this.log('deal.created', cause.ruleId ? { deal, by: cause.ruleId } : { deal }, cause.ruleId ?? undefined);
    this.enqueue({ type: 'deal.created' }, null, null, cause);
    this.enqueue({ type: 'stage.entered', stage: stageId }, null, null, cause);
  }

  /**
   * An action creates the command's deal (an event without a deal: an incoming call, a web
   * order). A second event with the same external id finds the deal the first one created and
   * creates nothing; the existing deal's history says so.
   */
  private createFromAction(draft: DealDraft, externalId: string | undefined, cause: Cause): Deal | null {
    if (this.deal) {
      this.log('deal.notCreated', { reason: `the command already has deal "${this.deal.id}"` }, cause.ruleId ?? undefined);
      return null;
    }
    const key = externalId === undefined ? undefined : `${draft.pipelineId}:${externalId}`;
    const existing = key === undefined ? undefined : this.externalDeals[key];
    if (existing !== undefined) {
      this.log('deal.duplicate', { externalId, pipelineId: draft.pipelineId, dealId: existing }, cause.ruleId ?? undefined, existing);
      return null;
    }
    this.create(draft, cause);
    if (key !== undefined) this.putRecord('external-deal', key, { dealId: this.deal!.id, pipelineId: draft.pipelineId, externalId: externalId! });
    return this.deal;
  }

  protected update(patch: DealPatch): void {
    const deal = this.requireDeal();
    const info = this.pipelineOf(deal)!;
    if (patch.fields) checkFields(patch.fields, info.pipeline);
    const changes: Array<[string, Json]> = [];
    for (const key of ['title', 'amount', 'currency', 'ownerId'] as const) {
      if (patch[key] !== undefined) changes.push([key, patch[key] as Json]);
    }
    const firstField = changes.length;
    for (const [k, v] of Object.entries(patch.fields ?? {})) changes.push([`fields.${k}`, v]);
    const firstFlag = changes.length;
    for (const [k, v] of Object.entries(patch.flags ?? {})) changes.push([`flags.${k}`, v]);
    // The fields were checked above, all before any change; they are not checked again one by one.
    for (let i = 0; i < changes.length; i++) this.setField(changes[i]![0], changes[i]![1], i >= firstField && i < firstFlag);
  }

  protected remove(): void {
    const deal = this.requireDeal();
    for (const job of this.jobs.copy()) this.cancelJob(job, 'deal-deleted');
    this.log('deal.deleted', { deal });
    this.deal = null;
  }

  /** Sets a deal path; `checked`: a custom field's value was already checked against its declaration. */
  setField(path: string, value: Json, checked = false): void {
    const deal = this.requireDeal();
    const p = parseDealPath(path);
    if (typeof p === 'string') throw new DealflowError('INVALID_INPUT', p);
    const from = readParsedPath(deal, p);
    let next: Deal;
    if (p.kind === 'field') {
      if (!checked) checkFieldValue(p.name, value, this.pipelineOf(deal)!.pipeline);
      const fields = extensibleCopy(deal.fields);
      if (value === null) delete fields[p.name];
      else fields[p.name] = value;
      next = dealWith(deal, { fields });
    } else if (p.kind === 'flag') {
      if (typeof value !== 'boolean') throw new DealflowError('INVALID_INPUT', `flag "${p.name}" must be true or false, not ${shown(value)}`);
      next = dealWith(deal, { flags: withKey(deal.flags, p.name, value) });
    } else {
      next = setProperty(deal, p.name, value);
    }
    const to = readParsedPath(next, p);
    if (sameJsonValue(from, to)) return;
    this.deal = next;
    this.log(
      'deal.updated',
      { changes: [{ field: path, from: from ?? null, to: to ?? null }], by: this.cause.ruleId ?? 'command' },
      this.cause.ruleId ?? undefined,
    );
    this.enqueue({ type: 'field.changed', field: path, from, to }, deal, null, this.cause);
  }

  moveStage(stageId: string): void {
    const deal = this.requireDeal();
    const info = this.pipelineOf(deal)!;
    const stage = info.stages.get(stageId);
    if (!stage) throw unknownStage(stageId, info);
    if (deal.stageId === stageId) return;
    const closed = stage.kind === 'won' || stage.kind === 'lost';
    const from = deal.stageId;
    this.deal = dealWith(deal, { stageId, stageEnteredAt: this.env.now, closedAt: closed ? (deal.closedAt ?? this.env.now) : null });
    this.log('stage.changed', { from, to: stageId, by: this.cause.ruleId ?? 'command' }, this.cause.ruleId ?? undefined);
    for (const job of this.jobs.size === 0 ? NO_JOBS : this.jobs.copy()) {
      if (closed) this.cancelJob(job, 'deal-closed');
      else if (job.cancelOnStageLeave && job.stageId === from) this.cancelJob(job, 'left-stage');
    }
    this.enqueue({ type: 'stage.left', stage: from }, deal, null, this.cause);
    this.enqueue({ type: 'stage.entered', stage: stageId }, deal, null, this.cause);
  }

  /** An action asks for the command's deal to be created. */
  createDealFromAction(draft: DealDraft, externalId: string | undefined): Deal | null {
    return this.createFromAction(draft, externalId, this.cause);
  }
}

/** Equal as JSON: primitives by value (no serialising), objects and arrays by their JSON text. */
function sameJsonValue(a: Json | undefined, b: Json | undefined): boolean {
  if (a === b) return true;
  if ((typeof a !== 'object' || a === null) && (typeof b !== 'object' || b === null)) return false;
  return JSON.stringify(a) === JSON.stringify(b);
}

function setProperty(deal: Deal, name: string, value: Json): Deal {
  switch (name) {
    case 'title':
    case 'currency':
    case 'ownerId':
      if (typeof value !== 'string' || (name === 'ownerId' && value === '')) {
        throw new DealflowError('INVALID_INPUT', `${name} must be a non-empty string, not ${shown(value)}`);
      }
      return dealWith(deal, { [name]: value });
    case 'amount':
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        throw new DealflowError('INVALID_INPUT', `amount must be a finite number, not ${shown(value)}`);
      }
      return dealWith(deal, { amount: value });
    default:
      throw new DealflowError('INVALID_INPUT', `"${name}" cannot be set; use moveDeal for the stage`);
  }
}

function withoutNulls(fields: Record<string, Json>): Record<string, Json> {
  const out: Record<string, Json> = {};
  for (const k of Object.keys(fields)) {
    const v = fields[k]!;
    if (v !== null) out[k] = v;
  }
  return out;
}

function unknownStage(stageId: string, info: PipelineInfo): DealflowError {
  return new DealflowError(
    'UNKNOWN_STAGE',
    `unknown stage "${stageId}" in pipeline "${info.pipeline.id}"; its stages are ${info.pipeline.stages.map((s) => s.id).join(', ')}`,
    { details: { stageId, pipelineId: info.pipeline.id } },
  );
}
