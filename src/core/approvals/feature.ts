import type { AppliedOutcome, ApprovalData, ApprovalOutcome, ApprovalRequest, Decision, ExceptionData } from '../../model/approval.js';
import type { Json } from '../../model/deal.js';
import { DealflowError } from '../../model/errors.js';
import type { Recipient } from '../actions.js';
import type { CoreFeature, FeatureContext } from '../features.js';
import type { SlaFeature } from '../sla/feature.js';
import { checkOutcome } from './outcome.js';
import { describeValue } from '../../model/input.js';

export const APPROVAL_FEATURE = 'approval';
export const APPROVAL_RECORD = 'approval';
export const EXCEPTION_RECORD = 'exception';

/**
 * What the approvals feature takes, from the engine's commands or the `requestApproval` action.
 * The engine has already checked who may do it (AccessPolicy, approver list); the core still
 * refuses a requester deciding their own request, whoever calls it.
 */
export type ApprovalInput =
  | { op: 'request'; request: ApprovalRequest; requesterId: string | null; ruleId: string | null }
  | { op: 'decide'; approvalId: string; decision: Decision; actorId: string; comment: string | null }
  | { op: 'markException'; flag: string; reason: string | null; note: string | null; requestedBy: string | null };

type Rec<T> = { id: string; data: T };

/** The approval's values templates can name as `approval.*`. */
export function approvalView(id: string, a: ApprovalData): Record<string, unknown> {
  return {
    id,
    name: a.name,
    subject: a.subject,
    status: a.status,
    requesterId: a.requesterId,
    requestedAt: a.requestedAt,
    decidedBy: a.decidedBy,
    decidedAt: a.decidedAt,
    comment: a.comment,
  };
}

/**
 * Exceptions and approvals. A seller marks a deal an exception (a flag with a reason); a rule or
 * a command requests approval from the approvers; the decision applies its outcome (set flags or
 * fields, extend or exempt an SLA, move the stage) and raises `approval.decided`.
 * Records: kinds `approval` and `exception` (docs/approvals.md).
 */
export class ApprovalFeature implements CoreFeature {
  readonly name = APPROVAL_FEATURE;
  readonly recordKinds = [APPROVAL_RECORD, EXCEPTION_RECORD];

  constructor(private readonly slas: SlaFeature | null) {}

  onInput(ctx: FeatureContext, raw: unknown): void {
    const input = raw as ApprovalInput;
    switch (input.op) {
      case 'request':
        this.request(ctx, input);
        return;
      case 'decide':
        this.decide(ctx, input);
        return;
      case 'markException':
        this.markException(ctx, input);
        return;
      default:
        throw new DealflowError('INVALID_INPUT', `unknown approval operation ${describeValue((raw as { op?: unknown })?.op)}`);
    }
  }

  private request(ctx: FeatureContext, input: Extract<ApprovalInput, { op: 'request' }>): void {
    const deal = ctx.deal;
    if (!deal) throw new DealflowError('NOT_FOUND', 'an approval needs a deal');
    const { request } = input;
    if (ctx.pipeline) {
      checkOutcome(request.onApprove, ctx.pipeline, 'onApprove');
      checkOutcome(request.onReject, ctx.pipeline, 'onReject');
    }
    const source = input.ruleId ?? APPROVAL_FEATURE;
    const pending = this.approvals(ctx).find((a) => a.data.status === 'pending' && a.data.name === request.name);
    if (pending) {
      ctx.log('approval.skipped', { name: request.name, reason: 'already-pending', approvalId: pending.id }, source);
      return;
    }
    let exception: Rec<ExceptionData> | undefined;
    if (request.exception) {
      exception = this.openException(ctx, request.exception);
      if (!exception) exception = this.noteException(ctx, request.exception, null, null, input.requesterId ?? deal.ownerId);
    }
    const id = ctx.newId(APPROVAL_RECORD);
    const requesterId = input.requesterId ?? exception?.data.requestedBy ?? deal.ownerId;
    const draft = { id, name: request.name, requesterId };
    const subject = ctx.render(request.subject, { approval: draft }, source);
    const data: ApprovalData = {
      name: request.name,
      subject,
      status: 'pending',
      requesterId,
      approvers: request.approvers,
      requestedAt: ctx.now,
      ruleId: input.ruleId,
      exceptionId: exception?.id ?? null,
      onApprove: request.onApprove,
      onReject: request.onReject,
      data: request.data ?? {},
      decidedAt: null,
      decidedBy: null,
      comment: null,
      applied: null,
    };
    ctx.putRecord(APPROVAL_RECORD, id, data as unknown as Record<string, unknown>);
    this.slas?.pauseFor(ctx, id, slasNamedBy(request.onApprove, request.onReject));
    if (exception) this.saveException(ctx, { ...exception, data: { ...exception.data, status: 'pending', approvalId: id } });
    ctx.log(
      'approval.requested',
      { approvalId: id, name: request.name, requesterId, approvers: request.approvers, exceptionId: exception?.id ?? null },
      source,
    );
    const view = { approval: approvalView(id, data) };
    request.approvers.forEach((approver, i) => {
      ctx.notify(
        {
          to: approver as Recipient,
          template: request.template,
          subject: request.subject,
          text: request.text ?? request.subject,
          data: { approvalId: id, name: request.name, requesterId },
        },
        `${id}:request:${i}`,
        source,
        view,
      );
    });
    ctx.raise({ type: 'approval.requested', name: request.name }, eventOf(id, data));
  }

  private decide(ctx: FeatureContext, input: Extract<ApprovalInput, { op: 'decide' }>): void {
    const found = this.approvals(ctx).find((a) => a.id === input.approvalId);
    if (!found) throw new DealflowError('NOT_FOUND', `no approval "${input.approvalId}" on this deal`);
    const a = found.data;
    if (a.status !== 'pending') {
      throw new DealflowError('CONFLICT', `approval "${found.id}" was already ${a.status} by ${a.decidedBy} at ${a.decidedAt}`, {
        details: { approvalId: found.id, status: a.status },
      });
    }
    if (input.actorId === a.requesterId) {
      throw new DealflowError('FORBIDDEN', `${input.actorId} asked for approval "${found.id}" and may not decide it; one of its approvers must`, {
        details: { approvalId: found.id, actorId: input.actorId, action: 'approval.decide' },
      });
    }
    const status = input.decision === 'approve' ? 'approved' : 'rejected';
    let data: ApprovalData = { ...a, status, decidedAt: ctx.now, decidedBy: input.actorId, comment: input.comment };
    ctx.putRecord(APPROVAL_RECORD, found.id, data as unknown as Record<string, unknown>);
    // SLAs paused for this approval run again first, so an extension counts from the resumed due time.
    this.slas?.resumeFrom(ctx, found.id);
    const applied = this.apply(ctx, status === 'approved' ? a.onApprove : a.onReject, found.id, input.actorId);
    data = { ...data, applied };
    ctx.putRecord(APPROVAL_RECORD, found.id, data as unknown as Record<string, unknown>);
    if (a.exceptionId) {
      const ex = this.exceptions(ctx).find((e) => e.id === a.exceptionId);
      if (ex) {
        const slas: ExceptionData['slas'] = [];
        if (applied.extendedSla) slas.push({ sla: applied.extendedSla.sla, effect: 'extended', dueAt: applied.extendedSla.to });
        if (applied.exemptedSla) slas.push({ sla: applied.exemptedSla, effect: 'exempt', dueAt: null });
        this.saveException(ctx, {
          ...ex,
          data: { ...ex.data, status, decidedBy: input.actorId, decidedAt: ctx.now, comment: input.comment, slas, slaId: slas[0]?.sla ?? null },
        });
      }
    }
    ctx.log(
      'approval.decided',
      { approvalId: found.id, name: a.name, decision: status, decidedBy: input.actorId, comment: input.comment, applied },
      APPROVAL_FEATURE,
    );
    ctx.raise({ type: 'approval.decided', name: a.name, decision: status }, eventOf(found.id, data));
  }

  /** Applies a decision's outcome in a fixed order: set paths, SLA, stage. */
  private apply(ctx: FeatureContext, outcome: ApprovalOutcome, approvalId: string, actorId: string): AppliedOutcome {
    const applied: AppliedOutcome = { set: {}, extendedSla: null, exemptedSla: null, movedTo: null, skipped: [] };
    for (const [path, value] of Object.entries(outcome.set ?? {})) {
      ctx.setField(path, value);
      applied.set[path] = value;
    }
    if (outcome.extendSla) {
      const r = this.slas?.extend(ctx, { op: 'extend', sla: outcome.extendSla.sla, by: outcome.extendSla.by, actorId, approvalId }) ?? {
        skipped: 'no SLAs are configured',
      };
      if ('skipped' in r) applied.skipped.push(`extendSla ${r.skipped}`);
      else applied.extendedSla = { sla: outcome.extendSla.sla, from: r.from, to: r.to };
    }
    if (outcome.exemptSla) {
      const r = this.slas?.exempt(ctx, { op: 'exempt', sla: outcome.exemptSla, reason: 'approval', actorId, approvalId }) ?? {
        skipped: 'no SLAs are configured',
      };
      if ('skipped' in r) applied.skipped.push(`exemptSla ${r.skipped}`);
      else applied.exemptedSla = outcome.exemptSla;
    }
    if (outcome.moveStage) {
      ctx.moveStage(outcome.moveStage);
      applied.movedTo = outcome.moveStage;
    }
    return applied;
  }

  private markException(ctx: FeatureContext, input: Extract<ApprovalInput, { op: 'markException' }>): void {
    const deal = ctx.deal;
    if (!deal) throw new DealflowError('NOT_FOUND', 'an exception needs a deal');
    const open = this.openException(ctx, input.flag) ?? this.exceptions(ctx).find((e) => e.data.flag === input.flag && e.data.status === 'pending');
    if (open) {
      throw new DealflowError('CONFLICT', `deal ${deal.id} is already marked "${input.flag}" (exception ${open.id}, ${open.data.status})`, {
        details: { exceptionId: open.id, status: open.data.status },
      });
    }
    this.noteException(ctx, input.flag, input.reason, input.note, input.requestedBy ?? deal.ownerId);
    ctx.setField(`flags.${input.flag}`, true);
  }

  // ---- records -----------------------------------------------------------------------------------

  private noteException(ctx: FeatureContext, flag: string, reason: string | null, note: string | null, requestedBy: string): Rec<ExceptionData> {
    const deal = ctx.deal!;
    const id = ctx.newId(EXCEPTION_RECORD);
    const data: ExceptionData = {
      flag,
      reason,
      note,
      requestedBy,
      requestedAt: ctx.now,
      ownerId: deal.ownerId,
      pipelineId: deal.pipelineId,
      status: 'noted',
      approvalId: null,
      decidedBy: null,
      decidedAt: null,
      comment: null,
      slas: [],
      slaId: null,
    };
    const rec = { id, data };
    this.saveException(ctx, rec);
    ctx.log('exception.marked', { exceptionId: id, flag, reason, note, requestedBy }, APPROVAL_FEATURE);
    return rec;
  }

  private openException(ctx: FeatureContext, flag: string): Rec<ExceptionData> | undefined {
    return this.exceptions(ctx)
      .filter((e) => e.data.flag === flag && e.data.status === 'noted')
      .at(-1);
  }

  private saveException(ctx: FeatureContext, rec: Rec<ExceptionData>): void {
    ctx.putRecord(EXCEPTION_RECORD, rec.id, rec.data as unknown as Record<string, unknown>);
  }

  private approvals(ctx: FeatureContext): Array<Rec<ApprovalData>> {
    return ctx.records(APPROVAL_RECORD).map((r) => ({ id: r.id, data: r.data as unknown as ApprovalData }));
  }

  private exceptions(ctx: FeatureContext): Array<Rec<ExceptionData>> {
    return ctx.records(EXCEPTION_RECORD).map((r) => ({ id: r.id, data: r.data as unknown as ExceptionData }));
  }
}

/** The SLAs an approval is "on": those its outcomes extend or exempt. */
function slasNamedBy(...outcomes: ApprovalOutcome[]): string[] {
  return outcomes.flatMap((o) => [...(o.extendSla ? [o.extendSla.sla] : []), ...(o.exemptSla ? [o.exemptSla] : [])]);
}

/** What `approval.*` rules see as the event. */
function eventOf(id: string, a: ApprovalData): Record<string, Json> {
  return {
    approvalId: id,
    name: a.name,
    subject: a.subject,
    status: a.status,
    requesterId: a.requesterId,
    decidedBy: a.decidedBy,
    comment: a.comment,
    data: a.data,
  };
}
