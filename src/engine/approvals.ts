import { z } from 'zod';
import { APPROVAL_FEATURE, APPROVAL_RECORD, EXCEPTION_RECORD, type ApprovalInput } from '../core/approvals/feature.js';
import type { SlaBook } from '../core/sla/book.js';
import { SLA_FEATURE, SLA_RECORD } from '../core/sla/book.js';
import type { SlaInput } from '../core/sla/feature.js';
import { templateProblem } from '../core/templates.js';
import type { CoreInput, Outcome } from '../core/transition.js';
import type { DealSnapshot, StoredRecord } from '../core/types.js';
import { ApprovalRequestSchema, DecisionSchema, type ApprovalData, type ApprovalOutcome, type ApprovalRequestInput, type Approver } from '../model/approval.js';
import type { Deal } from '../model/deal.js';
import type { Pipeline } from '../model/pipeline.js';
import { DurationSchema, type Duration } from '../model/duration.js';
import { DealflowError, issuesFromZod, type DealflowIssue } from '../model/errors.js';
import type { Actor } from '../ports/access.js';
import type { Directory } from '../ports/directory.js';
import type { Storage } from '../ports/storage.js';
import type { AccessGuard, AccessOptions } from './access.js';
import { outcomeChanges } from './deal-changes.js';

/**
 * The reasons a flag's exception may give, per flag: `{ complex: { reasons: ['special-warranty',
 * 'payment-terms'] } }`. A reason must come from the list; when none fits, `note` (free text) is
 * required instead — unless `freeText: false`, which makes a listed reason mandatory.
 */
export type ExceptionConfig = Readonly<Record<string, { reasons: ReadonlyArray<string>; freeText?: boolean }>>;

export interface ApprovalHost {
  storage: Storage;
  access: AccessGuard;
  directory: Directory;
  slas: () => SlaBook;
  exceptions: ExceptionConfig;
  pipeline(id: string): Pipeline | undefined;
  /** The deal paths approvals own, given the deal's records (see docs/access.md). */
  ownedPaths(records?: ReadonlyArray<StoredRecord>): ReadonlySet<string>;
  command(dealId: string, input: CoreInput, authorize?: (before: DealSnapshot) => Promise<void>): Promise<Outcome>;
}

/** An approver's decision on an approval, with an optional comment. */
export interface DecideApprovalInput {
  decision: 'approve' | 'reject';
  /** Who decides: must be one of the approval's approvers, and never its requester. */
  actor: Actor;
  comment?: string;
}

/** What `markException` takes: the exception flag, and a listed reason or a free-text note. */
export interface MarkExceptionInput {
  flag: string;
  /** One of the reasons configured for the flag. */
  reason?: string;
  /** Free text, when no listed reason fits. */
  note?: string;
}

const DecideSchema = z
  .object({
    decision: DecisionSchema,
    actor: z.object({ id: z.string().min(1), roles: z.array(z.string()), teamId: z.string().nullable().optional() }),
    comment: z.string().optional(),
  })
  .strict();

const MarkSchema = z
  .object({
    flag: z
      .string()
      .min(1)
      .regex(/^[^.]+$/, 'a flag name has no dots'),
    reason: z.string().min(1).optional(),
    note: z.string().min(1).optional(),
  })
  .strict();

/** The engine's approval and exception commands (docs/approvals.md). */
export class ApprovalCommands {
  constructor(private readonly host: ApprovalHost) {}

  /** Asks the approvers for approval on a deal; the actor (or the deal's owner) is the requester. */
  async requestApproval(dealId: string, request: ApprovalRequestInput, options: AccessOptions = {}): Promise<StoredRecord> {
    const parsed = ApprovalRequestSchema.safeParse(request);
    if (!parsed.success) throw invalid('the approval request is invalid', issuesFromZod(parsed.error));
    const problems: DealflowIssue[] = [];
    for (const key of ['subject', 'text'] as const) {
      const t = parsed.data[key];
      const problem = t === undefined ? undefined : templateProblem(t);
      if (problem) problems.push({ path: `$.${key}`, message: problem });
    }
    problems.push(...this.slaProblems(parsed.data.onApprove, '$.onApprove'), ...this.slaProblems(parsed.data.onReject, '$.onReject'));
    if (problems.length > 0) throw invalid('the approval request is invalid', problems);
    const { actor } = options;
    const input: ApprovalInput = { op: 'request', request: parsed.data, requesterId: actor?.id ?? null, ruleId: null };
    const out = await this.host.command(dealId, { type: 'feature', feature: APPROVAL_FEATURE, input }, async (before) => {
      if (actor) await this.host.access.requireOnDeal(actor, 'approval.request', before.deal!, { name: parsed.data.name });
      const pending = records(before, APPROVAL_RECORD).find((r) => approval(r).status === 'pending' && approval(r).name === parsed.data.name);
      if (pending) {
        throw new DealflowError('CONFLICT', `deal ${dealId} already has a pending "${parsed.data.name}" approval (${pending.id}); decide it first`, {
          details: { approvalId: pending.id },
        });
      }
    });
    return written(out, APPROVAL_RECORD).at(-1)!;
  }

  /**
   * Approves or rejects. Only one of the approval's approvers may decide — by role, as the deal
   * owner's manager, or by user id — and never the requester; the AccessPolicy is asked too
   * (`approval.decide`). Anyone else gets FORBIDDEN and nothing changes.
   */
  async decideApproval(approvalId: string, input: DecideApprovalInput): Promise<StoredRecord> {
    const parsed = DecideSchema.safeParse(input);
    if (!parsed.success) throw invalid('the decision is invalid', issuesFromZod(parsed.error));
    const { decision, actor, comment } = parsed.data;
    const found = await this.host.storage.transaction((tx) => tx.getRecord(APPROVAL_RECORD, approvalId));
    if (!found || found.dealId === null) throw new DealflowError('NOT_FOUND', `no approval "${approvalId}"`);
    const core: ApprovalInput = { op: 'decide', approvalId, decision, actorId: actor.id, comment: comment ?? null };
    const out = await this.host.command(found.dealId, { type: 'feature', feature: APPROVAL_FEATURE, input: core }, async (before) => {
      const current = records(before, APPROVAL_RECORD).find((r) => r.id === approvalId);
      if (!current) throw new DealflowError('NOT_FOUND', `no approval "${approvalId}"`);
      const a = approval(current);
      const deal = before.deal!;
      if (actor.id === a.requesterId) {
        throw forbidden(actor, approvalId, `${actor.id} asked for approval "${approvalId}" and may not decide it`);
      }
      if (!(await this.isApprover(a.approvers, actor, deal))) {
        throw forbidden(actor, approvalId, `${actor.id} is not an approver of "${approvalId}" (approvers: ${a.approvers.map(describe).join(', ')})`);
      }
      await this.host.access.requireOnDeal(actor as Actor, 'approval.decide', deal, { requesterId: a.requesterId, name: a.name });
      await this.requireOutcome(actor as Actor, deal, decision === 'approve' ? a.onApprove : a.onReject);
    });
    return written(out, APPROVAL_RECORD)
      .filter((r) => r.id === approvalId)
      .at(-1)!;
  }

  /**
   * Marks a deal an exception: sets `flags.<flag>` (rules may request approval on it) and records
   * the reason — one from the configured list, or free text when none fits — and who asked.
   */
  async markException(dealId: string, input: MarkExceptionInput, options: AccessOptions = {}): Promise<StoredRecord> {
    const parsed = MarkSchema.safeParse(input);
    if (!parsed.success) throw invalid('the exception is invalid', issuesFromZod(parsed.error));
    const { flag, reason, note } = parsed.data;
    const config = this.host.exceptions[flag];
    const reasons = config?.reasons ?? [];
    if (reason !== undefined && !reasons.includes(reason)) {
      throw invalid('the exception is invalid', [
        {
          path: '$.reason',
          message: `"${reason}" is not a reason for "${flag}"; use one of ${reasons.join(', ') || '(none configured)'}, or give a note instead`,
        },
      ]);
    }
    if (reason === undefined && note === undefined) {
      throw invalid('the exception is invalid', [
        { path: '$.reason', message: `give a reason (${reasons.join(', ') || 'none configured'}) or, when none fits, a note` },
      ]);
    }
    if (reason === undefined && config?.freeText === false) {
      throw invalid('the exception is invalid', [{ path: '$.reason', message: `"${flag}" needs a reason from the list: ${reasons.join(', ')}` }]);
    }
    const { actor } = options;
    const core: ApprovalInput = { op: 'markException', flag, reason: reason ?? null, note: note ?? null, requestedBy: actor?.id ?? null };
    // Setting the flag is the change: one an approval owns (the docs' `extensionApproved`) needs `approval.decide` too.
    const out = await this.host.command(
      dealId,
      { type: 'feature', feature: APPROVAL_FEATURE, input: core },
      actor &&
        (({ deal, records }) =>
          this.host.access.requireChange(
            actor,
            'deal.markException',
            deal!,
            { [`flags.${flag}`]: true },
            { owned: this.host.ownedPaths(records), name: flag },
          )),
    );
    // The first exception written is the one just marked (a rule may have linked it to an approval since).
    return written(out, EXCEPTION_RECORD)[0]!;
  }

  /**
   * Moves the due time of a deal's open SLA instance by hand. Granting more time is a manager's
   * call: with an actor, the AccessPolicy is asked for `approval.decide` on the deal.
   */
  async extendSla(dealId: string, sla: string, by: Duration, options: AccessOptions = {}): Promise<StoredRecord> {
    const parsed = DurationSchema.safeParse(by);
    if (!parsed.success) throw invalid('the extension is invalid', issuesFromZod(parsed.error, ['by']));
    if (!this.host.slas().get(sla)) throw invalid('the extension is invalid', [{ path: '$.sla', message: `no SLA "${sla}"` }]);
    const { actor } = options;
    const core: SlaInput = { op: 'extend', sla, by: parsed.data, actorId: actor?.id ?? null, approvalId: null };
    const out = await this.host.command(
      dealId,
      { type: 'feature', feature: SLA_FEATURE, input: core },
      actor && (({ deal }) => this.host.access.requireOnDeal(actor, 'approval.decide', deal!, { name: `sla:${sla}` })),
    );
    const inst = written(out, SLA_RECORD).at(-1);
    if (!inst) {
      throw new DealflowError('CONFLICT', `deal ${dealId} has no open "${sla}" SLA to extend`, { details: { sla } });
    }
    return inst;
  }

  /**
   * A decision does what its outcome says in the decider's name, so the decider must be allowed
   * to do it directly: set those paths (`deal.update`, `deal.reassign` for the owner) and move to
   * that stage (`deal.move`, `deal.moveBackward` for a move back or out of won/lost). The paths
   * approvals own are what deciding is for, so `approval.decide` (already asked) covers them; so
   * does extending or exempting an SLA (`extendSla` asks the same).
   */
  private async requireOutcome(actor: Actor, deal: Deal, outcome: ApprovalOutcome): Promise<void> {
    const { stageId, ...set } = outcomeChanges(outcome);
    if (Object.keys(set).length > 0) await this.host.access.requireChange(actor, 'deal.update', deal, set);
    if (typeof stageId === 'string') {
      await this.host.access.requireChange(actor, 'deal.move', deal, { stageId }, { pipeline: this.host.pipeline(deal.pipelineId), name: stageId });
    }
  }

  private async isApprover(approvers: ReadonlyArray<Approver>, actor: Actor, deal: Deal): Promise<boolean> {
    for (const a of approvers) {
      if (a === 'owner' && actor.id === deal.ownerId) return true;
      if (a === 'manager' && (await this.host.directory.get(deal.ownerId))?.managerId === actor.id) return true;
      if (typeof a === 'object' && 'user' in a && a.user === actor.id) return true;
      if (typeof a === 'object' && 'role' in a) {
        if (actor.roles.includes(a.role)) return true;
        if ((await this.host.directory.get(actor.id))?.roles?.includes(a.role)) return true;
      }
    }
    return false;
  }

  private slaProblems(outcome: ApprovalOutcome, at: string): DealflowIssue[] {
    const book = this.host.slas();
    const out: DealflowIssue[] = [];
    if (outcome.extendSla && !book.get(outcome.extendSla.sla)) out.push({ path: `${at}.extendSla.sla`, message: `no SLA "${outcome.extendSla.sla}"` });
    if (outcome.exemptSla && !book.get(outcome.exemptSla)) out.push({ path: `${at}.exemptSla`, message: `no SLA "${outcome.exemptSla}"` });
    return out;
  }
}

function records(snapshot: DealSnapshot, kind: string): StoredRecord[] {
  return (snapshot.records ?? []).filter((r) => r.kind === kind);
}

function approval(r: StoredRecord): ApprovalData {
  return r.data as unknown as ApprovalData;
}

/** The records of a kind the command wrote, last write per id, in first-write order. */
function written(out: Outcome, kind: string): StoredRecord[] {
  const byId = new Map<string, StoredRecord>();
  for (const e of out.effects) if (e.type === 'record' && e.record.kind === kind) byId.set(e.record.id, e.record);
  return structuredClone([...byId.values()]);
}

function describe(a: Approver): string {
  if (a === 'manager') return "the owner's manager";
  if (a === 'owner') return 'the owner';
  return 'role' in a ? `role ${a.role}` : `user ${a.user}`;
}

function forbidden(actor: Actor, approvalId: string, message: string): DealflowError {
  return new DealflowError('FORBIDDEN', message, { details: { actorId: actor.id, action: 'approval.decide', approvalId } });
}

function invalid(what: string, issues: DealflowIssue[]): DealflowError {
  return new DealflowError('INVALID_INPUT', `${what}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, { issues });
}
