import type { Json } from '../../model/deal.js';
import { isBusinessDuration, type Duration } from '../../model/duration.js';
import { toMs } from '../time/business.js';
import { DealflowError } from '../../model/errors.js';
import type { SlaInstance } from '../../model/sla.js';
import type { ConditionTrace } from '../criteria.js';
import type { CoreFeature, FeatureContext } from '../features.js';
import type { Job, Occurrence, StoredRecord } from '../types.js';
import { SLA_FEATURE, SLA_RECORD, type CompiledSla, type CompiledStep, type SlaBook } from './book.js';
import { describeValue } from '../../model/input.js';

/** What the SLA feature takes as a command, or from the `extendSla` / `exemptSla` actions and approvals. */
export type SlaInput =
  | { op: 'extend'; sla: string; by: Duration; actorId: string | null; approvalId?: string | null }
  | { op: 'exempt'; sla: string; reason: string; actorId: string | null; approvalId?: string | null };

export type ExtendResult = { from: string; to: string } | { skipped: string };

type Instance = { id: string; data: SlaInstance };

const BREACH = 'breach';

/** The SLA instance's values templates can name as `sla.*`. */
export function slaView(id: string, s: SlaInstance): Record<string, unknown> {
  return {
    id: s.slaId,
    instanceId: id,
    name: s.name ?? s.slaId,
    status: s.status,
    startedAt: s.startedAt,
    dueAt: s.dueAt,
    originalDueAt: s.originalDueAt,
    extended: s.extended,
    breachedAt: s.breachedAt,
  };
}

/** The negated duration, for "before the due time". */
export function negate(d: Duration): Duration {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(d)) if (typeof v === 'number') out[k] = -v;
  return out as Duration;
}

/**
 * SLAs as a core feature. Instances start on their trigger, end `met` when their stop happens
 * (checked after every change), `exempt` when `exemptWhen` holds, and are `breached` when the due
 * time passes first; reminders and escalations are the feature's own durable jobs. Extensions
 * move the due time and re-arm what depends on it. Records: kind `sla` (docs/slas.md).
 */
export class SlaFeature implements CoreFeature {
  readonly name = SLA_FEATURE;
  /** Without SLAs there is nothing to load with each deal. */
  readonly recordKinds: string[];

  constructor(private readonly book: SlaBook) {
    this.recordKinds = book.size > 0 ? [SLA_RECORD] : [];
  }

  /** Due times are exact; reminders and escalations keep the default policy for their units. */
  private time(ctx: FeatureContext, c: CompiledSla, from: string, d: Duration, exact = false): string {
    const calendar = c.sla.calendar;
    return ctx.addTime(from, d, { ...(calendar ? { calendar } : {}), ...(exact ? { policy: 'exact' as const } : {}) });
  }

  onInput(ctx: FeatureContext, raw: unknown): void {
    const input = raw as SlaInput;
    if (input.op === 'extend') this.extend(ctx, input);
    else if (input.op === 'exempt') this.exempt(ctx, input);
    else throw new DealflowError('INVALID_INPUT', `unknown SLA operation ${describeValue((raw as { op?: unknown })?.op)}`);
  }

  listens(): boolean {
    return this.book.size > 0;
  }

  onOccurrence(ctx: FeatureContext, occ: Occurrence, event: Readonly<Record<string, Json>> | null): void {
    const deal = ctx.deal;
    if (!deal || this.book.size === 0) return;
    for (const inst of this.running(ctx)) this.review(ctx, inst, occ, event);
    for (const cr of this.book.starting(occ, deal.pipelineId)) {
      const c = this.book.get(cr.rule.id)!;
      const trace: ConditionTrace[] = [];
      if (!cr.when(ctx.facts(event), trace)) {
        ctx.log('sla.skipped', { slaId: c.sla.id, reason: 'criteria', trigger: occ, criteria: trace }, c.ruleId);
        continue;
      }
      if (this.running(ctx).some((i) => i.data.slaId === c.sla.id)) {
        ctx.log('sla.skipped', { slaId: c.sla.id, reason: 'already-running', trigger: occ }, c.ruleId);
        continue;
      }
      if (ctx.deal!.closedAt !== null) {
        ctx.log('sla.skipped', { slaId: c.sla.id, reason: 'deal-closed', trigger: occ }, c.ruleId);
        continue;
      }
      this.start(ctx, c, occ, event);
    }
  }

  onJob(ctx: FeatureContext, job: Job): void {
    const inst = this.instance(ctx, job.enrolmentId);
    const c = inst && this.book.get(inst.data.slaId);
    if (!inst || !c || inst.data.endedAt !== null) {
      ctx.log('sla.job.ignored', { jobId: job.id, actionId: job.actionId, reason: !inst ? 'no-instance' : !c ? 'sla-removed' : 'instance-ended' }, job.ruleId);
      return;
    }
    // Conditions that no change announced (host facts, the clock) are looked at again now.
    if (this.settle(ctx, c, inst, job.event)) return;
    const [kind, stepId] = job.actionId.split(':') as [string, string | undefined];
    if (kind === BREACH) return this.breach(ctx, c, inst, job.event);
    if (kind === 'reminder') {
      const step = c.reminders.find((r) => r.id === stepId);
      if (step) this.runStep(ctx, c, inst, step, 'reminder', job.event);
      return;
    }
    if (kind === 'escalation') {
      const step = c.escalations.find((e) => e.id === stepId);
      if (step) this.runStep(ctx, c, inst, step, 'escalation', job.event);
    }
  }

  // ---- lifecycle ---------------------------------------------------------------------------------

  private start(ctx: FeatureContext, c: CompiledSla, occ: Occurrence, event: Readonly<Record<string, Json>> | null): void {
    const deal = ctx.deal!;
    const now = ctx.now;
    const dueAt = this.time(ctx, c, now, c.sla.within, true);
    const id = ctx.newId(SLA_RECORD);
    const data: SlaInstance = {
      slaId: c.sla.id,
      name: c.sla.name ?? null,
      ownerId: deal.ownerId,
      pipelineId: deal.pipelineId,
      stageId: deal.stageId,
      status: 'open',
      startedAt: now,
      dueAt,
      originalDueAt: dueAt,
      extended: false,
      extensions: [],
      breachedAt: null,
      stoppedAt: null,
      endedAt: null,
      endReason: null,
      exemptApprovalId: null,
      remindersSent: [],
      escalationsRun: [],
    };
    const inst = { id, data };
    this.save(ctx, inst);
    ctx.log('sla.started', { slaId: c.sla.id, instanceId: id, dueAt, trigger: occ }, c.ruleId);
    if (this.settle(ctx, c, inst, event)) return;
    for (const step of c.reminders) {
      const at = step.spec.after ? this.time(ctx, c, now, step.spec.after) : this.time(ctx, c, dueAt, negate(step.spec.before!));
      this.arm(ctx, c, inst, `reminder:${step.id}`, at, event);
    }
    this.arm(ctx, c, inst, BREACH, dueAt, event);
  }

  /** Ends the instance if its stop condition or exemption holds now; true when it ended. */
  private settle(ctx: FeatureContext, c: CompiledSla, inst: Instance, event: Readonly<Record<string, Json>> | null): boolean {
    const facts = ctx.facts(event);
    if (c.stopWhen?.(facts)) {
      this.stop(ctx, c, inst, 'stopped');
      return true;
    }
    if (c.exemptWhen?.(facts)) {
      this.end(ctx, c, inst, 'exempt', 'exempt-when', null);
      return true;
    }
    return false;
  }

  /** After a change: did it stop the instance, exempt it, or close the deal under it? */
  private review(ctx: FeatureContext, inst: Instance, occ: Occurrence, event: Readonly<Record<string, Json>> | null): void {
    const c = this.book.get(inst.data.slaId);
    if (!c) return;
    if (c.stopTrigger) {
      const hit = this.book.stopping(occ, ctx.deal!.pipelineId).find((cr) => cr.rule.id === c.sla.id);
      if (hit?.when(ctx.facts(event))) return this.stop(ctx, c, inst, 'stopped');
    }
    if (this.settle(ctx, c, inst, event)) return;
    if (occ.type === 'stage.entered' && ctx.deal!.closedAt !== null) {
      // Closing the deal before the stop cancels the SLA; a breach stays a breach.
      this.end(ctx, c, inst, inst.data.status === 'breached' ? 'breached' : 'cancelled', 'deal-closed', null);
    }
  }

  private stop(ctx: FeatureContext, c: CompiledSla, inst: Instance, reason: string): void {
    const late = inst.data.status === 'breached';
    this.closePause(ctx, inst);
    inst.data = { ...inst.data, status: late ? 'breached' : 'met', stoppedAt: ctx.now, endedAt: ctx.now, endReason: late ? 'stopped-late' : reason };
    this.disarm(ctx, c, inst, late ? 'sla-stopped' : 'sla-met');
    this.save(ctx, inst);
    ctx.log(late ? 'sla.stopped' : 'sla.met', { slaId: c.sla.id, instanceId: inst.id, dueAt: inst.data.dueAt, late }, c.ruleId);
    if (!late) ctx.raise({ type: 'sla.met', sla: c.sla.id }, { slaId: c.sla.id, instanceId: inst.id });
  }

  private end(ctx: FeatureContext, c: CompiledSla, inst: Instance, status: SlaInstance['status'], reason: string, approvalId: string | null): void {
    this.closePause(ctx, inst);
    inst.data = { ...inst.data, status, endedAt: ctx.now, endReason: reason, exemptApprovalId: status === 'exempt' ? approvalId : inst.data.exemptApprovalId };
    this.disarm(ctx, c, inst, status === 'exempt' ? 'sla-exempt' : reason);
    this.save(ctx, inst);
    ctx.log(status === 'exempt' ? 'sla.exempted' : 'sla.ended', { slaId: c.sla.id, instanceId: inst.id, status, reason, approvalId }, c.ruleId);
  }

  private breach(ctx: FeatureContext, c: CompiledSla, inst: Instance, event: Readonly<Record<string, Json>> | null): void {
    inst.data = { ...inst.data, status: 'breached', breachedAt: ctx.now };
    this.save(ctx, inst);
    ctx.log('sla.breached', { slaId: c.sla.id, instanceId: inst.id, dueAt: inst.data.dueAt, ownerId: inst.data.ownerId }, c.ruleId);
    ctx.raise({ type: 'sla.breached', sla: c.sla.id }, { slaId: c.sla.id, instanceId: inst.id, dueAt: inst.data.dueAt });
    for (const step of c.escalations) {
      const at = step.spec.after ? this.time(ctx, c, inst.data.dueAt, step.spec.after) : ctx.now;
      if (at <= ctx.now) this.runStep(ctx, c, inst, step, 'escalation', event);
      else this.arm(ctx, c, inst, `escalation:${step.id}`, at, event);
    }
  }

  private runStep(
    ctx: FeatureContext,
    c: CompiledSla,
    inst: Instance,
    step: CompiledStep<unknown>,
    kind: 'reminder' | 'escalation',
    event: Readonly<Record<string, Json>> | null,
  ): void {
    const entry = { id: step.id, at: ctx.now };
    inst.data =
      kind === 'reminder'
        ? { ...inst.data, remindersSent: [...inst.data.remindersSent, entry] }
        : { ...inst.data, escalationsRun: [...inst.data.escalationsRun, entry] };
    this.save(ctx, inst);
    ctx.log(`sla.${kind}`, { slaId: c.sla.id, instanceId: inst.id, step: step.id, dueAt: inst.data.dueAt }, c.ruleId);
    ctx.runActions(step.rule, `${inst.id}/${kind}:${step.id}`, event, { sla: slaView(inst.id, inst.data) });
  }

  // ---- extensions and exemptions -----------------------------------------------------------------

  /** Moves the due time of the deal's open instance of `sla`; re-arms `before` reminders and the breach. */
  extend(ctx: FeatureContext, input: Extract<SlaInput, { op: 'extend' }>): ExtendResult {
    const c = this.book.get(input.sla);
    if (!c) throw new DealflowError('INVALID_INPUT', `no SLA "${input.sla}"; ${this.known()}`);
    const inst = this.running(ctx).find((i) => i.data.slaId === input.sla);
    const why = !inst ? 'no running instance' : inst.data.status !== 'open' ? `the instance is ${inst.data.status}` : null;
    if (!inst || why) {
      ctx.log('sla.extend.skipped', { slaId: input.sla, reason: why ?? 'no running instance', approvalId: input.approvalId ?? null }, c.ruleId);
      return { skipped: `${input.sla}: ${why}` };
    }
    const from = inst.data.dueAt;
    const to = this.time(ctx, c, from, input.by, true);
    const event = this.eventOf(ctx, c, inst);
    for (const job of this.jobsOf(ctx, c, inst)) {
      const step = job.actionId.startsWith('reminder:') ? c.reminders.find((r) => `reminder:${r.id}` === job.actionId) : undefined;
      // `after` reminders count from the start and stay; everything tied to the old due time goes.
      if (step?.spec.after) continue;
      ctx.cancelJob(job.id, 'sla-extended');
    }
    inst.data = {
      ...inst.data,
      dueAt: to,
      extended: true,
      extensions: [...inst.data.extensions, { at: ctx.now, by: input.actorId, approvalId: input.approvalId ?? null, from, to, duration: input.by }],
    };
    this.save(ctx, inst);
    ctx.log('sla.extended', { slaId: c.sla.id, instanceId: inst.id, from, to, by: input.actorId, approvalId: input.approvalId ?? null }, c.ruleId);
    // A paused instance arms its jobs when it resumes, against the due time it has then.
    if (inst.data.pausedAt) return { from, to };
    for (const step of c.reminders) {
      if (step.spec.before) this.arm(ctx, c, inst, `reminder:${step.id}`, this.time(ctx, c, to, negate(step.spec.before)), event);
    }
    this.arm(ctx, c, inst, BREACH, to, event);
    return { from, to };
  }

  /** Takes the deal out of `sla`: its running instance ends `exempt`. */
  exempt(ctx: FeatureContext, input: Extract<SlaInput, { op: 'exempt' }>): { instanceId: string } | { skipped: string } {
    const c = this.book.get(input.sla);
    if (!c) throw new DealflowError('INVALID_INPUT', `no SLA "${input.sla}"; ${this.known()}`);
    const inst = this.running(ctx).find((i) => i.data.slaId === input.sla);
    if (!inst) {
      ctx.log('sla.exempt.skipped', { slaId: input.sla, reason: 'no running instance', approvalId: input.approvalId ?? null }, c.ruleId);
      return { skipped: `${input.sla}: no running instance` };
    }
    this.end(ctx, c, inst, 'exempt', input.reason, input.approvalId ?? null);
    return { instanceId: inst.id };
  }

  // ---- pauses for pending approvals (pauseForApproval) ---------------------------------------------

  /**
   * Pauses the deal's open instances of those of `slaIds` that have `pauseForApproval`, for the
   * approval just requested: their reminders and breach are cancelled (`sla-paused`) and the
   * clock stops until the approval is decided.
   */
  pauseFor(ctx: FeatureContext, approvalId: string, slaIds: ReadonlyArray<string>): void {
    for (const slaId of new Set(slaIds)) {
      const c = this.book.get(slaId);
      if (!c?.sla.pauseForApproval) continue;
      const inst = this.running(ctx).find((i) => i.data.slaId === slaId);
      if (!inst) continue;
      if (inst.data.status !== 'open' || inst.data.pausedAt) {
        const reason = inst.data.pausedAt ? `already paused for approval "${inst.data.pausedFor}"` : `the instance is ${inst.data.status}`;
        ctx.log('sla.pause.skipped', { slaId, instanceId: inst.id, approvalId, reason }, c.ruleId);
        continue;
      }
      const event = this.startEvent(ctx, c, inst);
      this.disarm(ctx, c, inst, 'sla-paused');
      inst.data = { ...inst.data, pausedAt: ctx.now, pausedFor: approvalId, pausedEvent: event };
      this.save(ctx, inst);
      ctx.log('sla.paused', { slaId, instanceId: inst.id, approvalId, dueAt: inst.data.dueAt }, c.ruleId);
    }
  }

  /**
   * Resumes what the approval paused, before its outcome applies: the paused time (working time
   * for an SLA in business units) is added to the due time, and the breach and the reminders not
   * yet sent are armed again (`after` reminders move by the time paused so far, `before` ones
   * follow the due time).
   */
  resumeFrom(ctx: FeatureContext, approvalId: string): void {
    for (const inst of this.running(ctx)) {
      const from = inst.data.pausedAt;
      const c = this.book.get(inst.data.slaId);
      if (!from || inst.data.pausedFor !== approvalId || !c) continue;
      const event = this.eventOf(ctx, c, inst);
      const dueBefore = inst.data.dueAt;
      const dueAfter = this.shifted(ctx, c, dueBefore, [{ from, to: ctx.now }]);
      const pause = { approvalId, from, to: ctx.now, dueBefore, dueAfter };
      inst.data = { ...inst.data, dueAt: dueAfter, pausedAt: null, pausedFor: null, pausedEvent: null, pauses: [...(inst.data.pauses ?? []), pause] };
      this.save(ctx, inst);
      ctx.log('sla.resumed', { slaId: c.sla.id, instanceId: inst.id, approvalId, pausedAt: from, from: dueBefore, to: dueAfter }, c.ruleId);
      for (const step of c.reminders) {
        if (inst.data.remindersSent.some((r) => r.id === step.id)) continue;
        const at = step.spec.after
          ? this.shifted(ctx, c, this.time(ctx, c, inst.data.startedAt, step.spec.after), inst.data.pauses ?? [])
          : this.time(ctx, c, dueAfter, negate(step.spec.before!));
        this.arm(ctx, c, inst, `reminder:${step.id}`, at, event);
      }
      this.arm(ctx, c, inst, BREACH, dueAfter, event);
    }
  }

  /** `at` moved by the time the pauses took: elapsed minutes, or working minutes for an SLA in business units. */
  private shifted(ctx: FeatureContext, c: CompiledSla, at: string, pauses: ReadonlyArray<{ from: string; to: string }>): string {
    const calendar = c.sla.calendar ? { calendar: c.sla.calendar } : {};
    let minutes = 0;
    for (const p of pauses) {
      minutes += isBusinessDuration(c.sla.within) ? ctx.workingMinutes(p.from, p.to, calendar) : (toMs(p.to) - toMs(p.from)) / 60_000;
    }
    if (minutes === 0) return at;
    return this.time(ctx, c, at, isBusinessDuration(c.sla.within) ? { businessMinutes: minutes } : { minutes }, true);
  }

  /** An instance that ends while paused keeps the pause in `pauses`, its due time unmoved. */
  private closePause(ctx: FeatureContext, inst: Instance): void {
    const from = inst.data.pausedAt;
    if (!from) return;
    const pause = { approvalId: inst.data.pausedFor ?? '', from, to: ctx.now, dueBefore: inst.data.dueAt, dueAfter: inst.data.dueAt };
    inst.data = { ...inst.data, pausedAt: null, pausedFor: null, pausedEvent: null, pauses: [...(inst.data.pauses ?? []), pause] };
  }

  // ---- helpers -----------------------------------------------------------------------------------

  private arm(ctx: FeatureContext, c: CompiledSla, inst: Instance, actionId: string, dueAt: string, event: Readonly<Record<string, Json>> | null): void {
    if (dueAt <= ctx.now) {
      ctx.log('sla.step.skipped', { slaId: c.sla.id, instanceId: inst.id, step: actionId, dueAt, reason: 'already past' }, c.ruleId);
      return;
    }
    ctx.schedule({ ruleId: c.ruleId, actionId, enrolmentId: inst.id, dueAt, event: (event as Record<string, Json> | null) ?? null });
  }

  private disarm(ctx: FeatureContext, c: CompiledSla, inst: Instance, reason: string): void {
    for (const job of this.jobsOf(ctx, c, inst)) ctx.cancelJob(job.id, reason);
  }

  private jobsOf(ctx: FeatureContext, c: CompiledSla, inst: Instance): Job[] {
    return ctx.jobs().filter((j) => j.ruleId === c.ruleId && j.enrolmentId === inst.id);
  }

  /** The event the instance's jobs carry; kept on the instance while it is paused (its jobs are cancelled then). */
  private eventOf(ctx: FeatureContext, c: CompiledSla, inst: Instance): Readonly<Record<string, Json>> | null {
    return inst.data.pausedAt ? (inst.data.pausedEvent ?? null) : this.startEvent(ctx, c, inst);
  }

  /** The event the instance's jobs carry, so re-armed jobs see the same `event` in templates. */
  private startEvent(ctx: FeatureContext, c: CompiledSla, inst: Instance): Readonly<Record<string, Json>> | null {
    return this.jobsOf(ctx, c, inst)[0]?.event ?? null;
  }

  private running(ctx: FeatureContext): Instance[] {
    return ctx
      .records(SLA_RECORD)
      .filter((r) => (r.data as unknown as SlaInstance).endedAt === null)
      .map((r) => ({ id: r.id, data: r.data as unknown as SlaInstance }));
  }

  private instance(ctx: FeatureContext, id: string): Instance | undefined {
    const r: StoredRecord | undefined = ctx.records(SLA_RECORD).find((x) => x.id === id);
    return r ? { id: r.id, data: r.data as unknown as SlaInstance } : undefined;
  }

  private save(ctx: FeatureContext, inst: Instance): void {
    ctx.putRecord(SLA_RECORD, inst.id, inst.data as unknown as Record<string, unknown>);
  }

  private known(): string {
    const ids = this.book.all.map((c) => c.sla.id);
    return ids.length ? `the SLAs are ${ids.join(', ')}` : 'pass SLAs in createEngine({ slas })';
  }
}
