import { z } from 'zod';
import type { StoredRecord } from '../../core/types.js';
import type { Engine } from '../../engine/engine.js';
import { conditionText } from '../../engine/explain.js';
import type { ApprovalData, Approver, ExceptionData } from '../../model/approval.js';
import type { Deal } from '../../model/deal.js';
import { DealflowError } from '../../model/errors.js';
import type { Task } from '../../model/task.js';
import type { Actor } from '../../ports/access.js';
import { type ApiContext, may, type People, pipelineOf } from '../context.js';
import { jobView } from '../jobs.js';
import { parseBody } from '../parse.js';
import { timelineItems } from '../timeline.js';
import type { ApprovalView, DealView, ExplainView, TaskView } from '../views.js';

async function readDeal(c: ApiContext): Promise<Deal> {
  const deal = await c.engine.getDeal(c.params[0]!, { actor: c.actor });
  if (!deal) throw new DealflowError('NOT_FOUND', `no deal "${c.params[0]}"`);
  return deal;
}

/** `GET api/deals/:id`: the deal, its history in words, pending jobs, tasks, deadlines, exceptions and approvals. */
export async function getDeal(c: ApiContext): Promise<DealView> {
  const { engine, actor, people } = c;
  const deal = await readDeal(c);
  const options = { actor };
  const [log, jobs, tasks, approvals, exceptions, slas] = await Promise.all([
    engine.history(deal.id, options),
    engine.pendingJobs(deal.id, options),
    engine.tasks({ dealId: deal.id }, options),
    engine.records('approval', { dealId: deal.id }, options),
    engine.records('exception', { dealId: deal.id }, options),
    engine.records('sla', { dealId: deal.id }, options),
  ]);
  const pipeline = pipelineOf(engine, deal.pipelineId);
  const userIds = new Set<string>([deal.ownerId]);
  for (const e of log)
    for (const key of ['by', 'recipientId', 'requestedBy', 'requesterId', 'decidedBy', 'approverId', 'launchedBy']) {
      const v = e.data[key];
      if (typeof v === 'string') userIds.add(v);
    }
  await people.load(userIds);
  const timeline = timelineItems(log, { pipeline, rules: engine.rules, userName: (id) => people.known(id), zone: pipeline?.timezone ?? 'UTC' });
  const stage = pipeline?.stages.find((s) => s.id === deal.stageId);
  const flags = engine.exceptions;
  return {
    deal: {
      id: deal.id,
      title: deal.title,
      pipelineId: deal.pipelineId,
      stageId: deal.stageId,
      stageName: stage?.name ?? deal.stageId,
      owner: await people.person(deal.ownerId),
      amount: deal.amount,
      currency: deal.currency,
      fields: deal.fields,
      flags: deal.flags,
      createdAt: deal.createdAt,
      stageEnteredAt: deal.stageEnteredAt,
      closedAt: deal.closedAt,
      version: deal.version,
    },
    timeline,
    jobs: jobs.map((j) => jobView(engine, j, deal.title)),
    tasks: await Promise.all(tasks.map((t) => taskView(engine, actor, people, deal, t))),
    deadlines: slas.map((r) => ({
      id: r.id,
      slaId: String(r.data.slaId),
      name: typeof r.data.name === 'string' ? r.data.name : String(r.data.slaId),
      status: String(r.data.status),
      dueAt: typeof r.data.dueAt === 'string' ? r.data.dueAt : null,
      originalDueAt: typeof r.data.originalDueAt === 'string' ? r.data.originalDueAt : null,
    })),
    approvals: await Promise.all(approvals.map((r) => approvalView(engine, actor, people, deal, r))),
    exceptions: await Promise.all(
      exceptions.map(async (r) => {
        const x = r.data as unknown as ExceptionData;
        return { id: r.id, flag: x.flag, reason: x.reason ?? null, note: x.note ?? null, status: x.status, requestedBy: await people.maybe(x.requestedBy) };
      }),
    ),
    exceptionFlags: Object.entries(flags).map(([flag, config]) => ({ flag, reasons: [...config.reasons] })),
    can: {
      move: await may(engine, actor, 'deal.move', deal),
      moveBackward: await may(engine, actor, 'deal.moveBackward', deal),
      markException: await may(engine, actor, 'deal.markException', deal),
      update: await may(engine, actor, 'deal.update', deal),
    },
  };
}

async function taskView(engine: Engine, actor: Actor, people: People, deal: Deal, t: Task): Promise<TaskView> {
  const mine =
    (t.status === 'open' && (t.assigneeId === actor.id || t.coAssigneeIds.includes(actor.id))) ||
    (t.status === 'pending-approval' && t.approverId === actor.id);
  return {
    id: t.id,
    title: t.title,
    status: t.status,
    assignee: await people.maybe(t.assigneeId),
    dueAt: t.dueAt,
    overdue: t.dueAt !== null && t.status !== 'completed' && t.dueAt <= engine.clock.now().toISOString(),
    canComplete: mine && (await may(engine, actor, 'task.complete', deal)),
  };
}

/** Whether the actor is one of the approvers (the engine checks again when they decide). */
async function isApprover(engine: Engine, approvers: ReadonlyArray<Approver>, actor: Actor, deal: Deal): Promise<boolean> {
  for (const a of approvers) {
    if (a === 'owner' && actor.id === deal.ownerId) return true;
    if (a === 'manager' && (await engine.directory.get(deal.ownerId))?.managerId === actor.id) return true;
    if (typeof a === 'object' && 'user' in a && a.user === actor.id) return true;
    if (typeof a === 'object' && 'role' in a && actor.roles.includes(a.role)) return true;
  }
  return false;
}

/** An approval as shown, with approve / reject offered only to someone who may decide it. */
export async function approvalView(engine: Engine, actor: Actor, people: People, deal: Deal | undefined, r: StoredRecord): Promise<ApprovalView> {
  const a = r.data as unknown as ApprovalData;
  const canDecide =
    a.status === 'pending' &&
    deal !== undefined &&
    a.requesterId !== actor.id &&
    (await isApprover(engine, a.approvers, actor, deal)) &&
    (await may(engine, actor, 'approval.decide', deal, { requesterId: a.requesterId, name: a.name }));
  return {
    id: r.id,
    dealId: r.dealId,
    name: a.name,
    subject: a.subject,
    status: a.status,
    requester: await people.maybe(a.requesterId),
    requestedAt: a.requestedAt ?? null,
    decidedBy: await people.maybe(a.decidedBy),
    comment: a.comment ?? null,
    canDecide,
  };
}

/** `GET api/approvals`: pending approvals on deals the actor may read, oldest first. */
export async function listApprovals(c: ApiContext): Promise<ApprovalView[]> {
  const records = (await c.engine.records('approval', {}, { actor: c.actor })).filter((r) => (r.data as { status?: string }).status === 'pending');
  const deals = new Map((await c.engine.listDeals({}, { actor: c.actor })).map((d) => [d.id, d]));
  return Promise.all(records.map((r) => approvalView(c.engine, c.actor, c.people, r.dealId ? deals.get(r.dealId) : undefined, r)));
}

/** `GET api/deals/:id/explain?rule=`: why each rule did or did not fire for the deal. */
export async function explainDeal(c: ApiContext): Promise<ExplainView> {
  const rule = c.url.searchParams.get('rule');
  const x = await c.engine.explain(c.params[0]!, rule ?? undefined, { actor: c.actor });
  return {
    dealId: x.dealId,
    rules: x.rules.map((r) => ({
      ruleId: r.ruleId,
      name: r.name ?? r.ruleId,
      verdict: r.verdict,
      why: r.why,
      matches: r.matches.map((m) => ({
        at: m.at,
        outcome: m.outcome,
        reason: m.reason ?? null,
        conditions: m.conditions.map((t) => ({ ok: t.result, text: conditionText(t) })),
      })),
      jobs: r.jobs.map((j) => ({ actionId: j.actionId, status: j.status, dueAt: j.dueAt, reason: j.reason })),
    })),
  };
}

const ExceptionBody = z
  .object({ flag: z.string().min(1).max(100), reason: z.string().min(1).max(200).optional(), note: z.string().trim().min(1).max(2000).optional() })
  .strict();

/** `POST api/deals/:id/exception`: markException as the actor (rules may then ask for approval). */
export async function markException(c: ApiContext): Promise<{ id: string }> {
  const body = parseBody(ExceptionBody, c.body, 'the exception');
  const record = await c.engine.markException(c.params[0]!, body, { actor: c.actor });
  return { id: record.id };
}

const DecisionBody = z.object({ decision: z.enum(['approve', 'reject']), comment: z.string().trim().max(2000).optional() }).strict();

/** `POST api/approvals/:id/decide`: decideApproval as the actor; only an approver may, never the requester. */
export async function decideApproval(c: ApiContext): Promise<{ id: string; status: string }> {
  const body = parseBody(DecisionBody, c.body, 'the decision');
  const record = await c.engine.decideApproval(c.params[0]!, { decision: body.decision, actor: c.actor, ...(body.comment ? { comment: body.comment } : {}) });
  return { id: record.id, status: String(record.data.status) };
}

const CompleteBody = z.object({ comment: z.string().trim().max(2000).optional() }).strict();

/** `POST api/tasks/:id/complete`: completeTask as the actor. */
export async function completeTask(c: ApiContext): Promise<{ id: string; status: string }> {
  const body = parseBody(CompleteBody, c.body, 'the completion');
  const task = await c.engine.completeTask(c.params[0]!, { actor: c.actor, ...(body.comment ? { comment: body.comment } : {}) });
  return { id: task.id, status: task.status };
}
