import type { Deal } from '../../model/deal.js';
import { readDealPath } from '../../model/deal-path.js';
import type { Trigger } from '../../model/trigger.js';
import type { CompiledRule, RuleBook } from '../rulebook.js';
import { computeDueAt, dueAfter, dueFromAnchor, readAnchor } from '../schedule.js';
import type { Job, Occurrence } from '../types.js';
import type { BusinessCalendar } from './calendar.js';
import { toIso } from './business.js';
import { parseIso } from './iso.js';
import { CronSchedule } from './cron.js';
import type { HistoryLog } from '../history.js';

/*
 * Time-based triggers and anchored jobs, on the ordinary job mechanism:
 *
 * - `stage.idle` arms a timer job when the deal enters the stage and re-arms it on activity; when
 *   it comes due with the deal still in the stage, the rule fires. Once per idle stretch.
 * - `date.reached` keeps one timer job per rule at the time its date field (plus offset) names:
 *   armed when the field gets a future date, moved when the field or the owner changes, cancelled
 *   when the field is cleared. A date already past when it is set does not fire.
 * - Scheduled actions anchored to a date field (`at: { field }`) move with their field, or are
 *   cancelled when it is cleared.
 *
 * - `schedule` keeps one timer job per rule at the next time its cron names: armed when the deal
 *   is created (or reopened), re-armed for the following time each time it fires, cancelled when
 *   the deal closes. Time comes from the transition's `now`, never the wall clock.
 *
 * Timer jobs are owned by the core: `ruleId` is `time:<rule id>`, `actionIndex` −1 and `actionId`
 * the trigger type, so rule re-enrolment and versioning leave them alone.
 */

export const TIMER_PREFIX = 'time:';

export type TimerTrigger = Extract<Trigger, { type: 'stage.idle' } | { type: 'date.reached' } | { type: 'schedule' }>;
type ScheduleTrigger = Extract<Trigger, { type: 'schedule' }>;

export function isTimerJob(job: Job): boolean {
  return job.ruleId.startsWith(TIMER_PREFIX);
}

export function timerRuleId(job: Job): string {
  return job.ruleId.slice(TIMER_PREFIX.length);
}

/** What the timers need from the transition they run in. */
export interface TimerHost {
  readonly deal: Deal | null;
  readonly now: string;
  readonly rules: RuleBook;
  jobs(): Job[];
  newId(kind: string): string;
  /** Adds a new job, or replaces a pending one with the same id (a reschedule). */
  putJob(job: Job): void;
  cancelJob(job: Job, reason: string, extra?: Record<string, unknown>): void;
  log: HistoryLog<[ruleId?: string]>;
  /** The calendar a rule (or one of its actions) follows for the deal; logs when `owner` falls back. */
  calendarFor(choice: string | undefined): BusinessCalendar;
}

const timerRulesCache = new WeakMap<RuleBook, { all: CompiledRule[]; byPipeline: Map<string, CompiledRule[]> }>();

function timerRuleIndex(book: RuleBook): { all: CompiledRule[]; byPipeline: Map<string, CompiledRule[]> } {
  let index = timerRulesCache.get(book);
  if (!index) {
    const all = book.rules.filter((cr) => {
      const type = cr.rule.trigger.type;
      return type === 'stage.idle' || type === 'date.reached' || type === 'schedule';
    });
    timerRulesCache.set(book, (index = { all, byPipeline: new Map() }));
  }
  return index;
}

/** The enabled rules with a timer trigger, for a deal's pipeline. */
function timerRules(book: RuleBook, pipelineId: string): CompiledRule[] {
  const index = timerRuleIndex(book);
  let list = index.byPipeline.get(pipelineId);
  if (!list) {
    list = index.all.filter((cr) => cr.rule.enabled && (cr.rule.pipelineId === undefined || cr.rule.pipelineId === pipelineId));
    index.byPipeline.set(pipelineId, list);
  }
  return list;
}

/**
 * Whether the timers have anything to look at for this deal: a timer rule in the book, or a
 * pending job anchored to a date field. Most occurrences of most rule sets have neither.
 */
export function timersApply(book: RuleBook, jobs: Iterable<Job>): boolean {
  if (timerRuleIndex(book).all.length > 0) return true;
  for (const job of jobs) if (job.anchorField !== null) return true;
  return false;
}

const ownerCalendarCache = new WeakMap<RuleBook, boolean>();

/** Whether any rule or action follows the owner's calendar, so the engine must load the owner. */
export function usesOwnerCalendar(book: RuleBook): boolean {
  let v = ownerCalendarCache.get(book);
  if (v === undefined) {
    v = book.rules.some((cr) => cr.rule.calendar === 'owner' || cr.rule.actions.some((a) => a.calendar === 'owner'));
    ownerCalendarCache.set(book, v);
  }
  return v;
}

function timerOf(host: TimerHost, ruleId: string): Job | undefined {
  return host.jobs().find((j) => j.ruleId === TIMER_PREFIX + ruleId);
}

function newTimer(host: TimerHost, deal: Deal, cr: CompiledRule, dueAt: string, anchorField: string | null): Job {
  const t = cr.rule.trigger as TimerTrigger;
  return {
    id: host.newId('job'),
    dealId: deal.id,
    ruleId: TIMER_PREFIX + cr.rule.id,
    enrolmentId: 'time',
    actionIndex: -1,
    actionId: t.type,
    dueAt,
    stageId: deal.stageId,
    cancelOnStageLeave: t.type === 'stage.idle',
    anchorField,
    event: null,
    createdAt: host.now,
  };
}

// ---- stage.idle ---------------------------------------------------------------------------------

function armIdle(host: TimerHost, deal: Deal, cr: CompiledRule, reason: string): void {
  const t = cr.rule.trigger as Extract<Trigger, { type: 'stage.idle' }>;
  const existing = timerOf(host, cr.rule.id);
  // Several changes in one command re-arm once.
  if (existing && existing.createdAt === host.now && existing.stageId === deal.stageId) return;
  const cal = host.calendarFor(cr.rule.calendar);
  const dueAt = toIso(dueAfter(cal, parseIso(host.now), t.after, t.policy));
  if (existing) host.cancelJob(existing, 'activity');
  const job = newTimer(host, deal, cr, dueAt, null);
  host.putJob(job);
  host.log(
    'job.scheduled',
    { jobId: job.id, actionId: job.actionId, type: 'stage.idle', dueAt, stage: t.stage, armedBy: reason, calendar: cal.zone },
    job.ruleId,
  );
}

// ---- date.reached and anchored actions -----------------------------------------------------------

/** Keeps a `date.reached` rule's timer where its field says: arm, move or cancel it. */
function syncDateTimer(host: TimerHost, deal: Deal, cr: CompiledRule, why: string): void {
  const t = cr.rule.trigger as Extract<Trigger, { type: 'date.reached' }>;
  const existing = timerOf(host, cr.rule.id);
  const anchor = readAnchor(deal, t.field);
  if (!anchor) {
    if (existing) host.cancelJob(existing, 'anchor-cleared', { field: t.field });
    return;
  }
  const cal = host.calendarFor(cr.rule.calendar);
  const dueAt = toIso(dueFromAnchor(cal, anchor, t));
  if (existing?.dueAt === dueAt) return;
  if (dueAt <= host.now) {
    if (existing) host.cancelJob(existing, 'anchor-in-the-past', { field: t.field, dueAt });
    else if (why !== 'sync')
      host.log('trigger.skipped', { trigger: 'date.reached', field: t.field, dueAt, reason: 'the date is already past' }, TIMER_PREFIX + cr.rule.id);
    return;
  }
  if (existing) {
    host.putJob({ ...existing, dueAt });
    host.log(
      'job.rescheduled',
      { jobId: existing.id, actionId: existing.actionId, field: t.field, from: existing.dueAt, to: dueAt, reason: why },
      existing.ruleId,
    );
    return;
  }
  const job = newTimer(host, deal, cr, dueAt, t.field);
  host.putJob(job);
  host.log('job.scheduled', { jobId: job.id, actionId: job.actionId, type: 'date.reached', dueAt, field: t.field, calendar: cal.zone }, job.ruleId);
}

/** Moves the scheduled actions anchored to `field` (all anchored ones when `field` is null). */
function rescheduleAnchored(host: TimerHost, deal: Deal, field: string | null, why: string): void {
  for (const job of host.jobs()) {
    if (job.anchorField === null || isTimerJob(job) || job.actionIndex < 0) continue;
    if (field !== null && job.anchorField !== field) continue;
    const cr = host.rules.get(job.ruleId);
    const action = cr?.actions.find((a) => a.id === job.actionId);
    if (!cr || !action) continue;
    const cal = host.calendarFor(action.spec.calendar ?? cr.rule.calendar);
    const due = computeDueAt(action.spec, deal, host.now, cal);
    if ('skip' in due) {
      host.cancelJob(job, 'anchor-cleared', { field: job.anchorField });
      continue;
    }
    if (due.dueAt === job.dueAt) continue;
    // A date moved into the past makes the job due at once; it still gets its re-checks then.
    host.putJob({ ...job, dueAt: due.dueAt });
    host.log('job.rescheduled', { jobId: job.id, actionId: job.actionId, field: job.anchorField, from: job.dueAt, to: due.dueAt, reason: why }, job.ruleId);
  }
}

// ---- schedule (cron) -------------------------------------------------------------------------------

/** Compiled cron schedules per trigger and calendar (the working days are the rule's calendar's). */
const cronCache = new WeakMap<ScheduleTrigger, WeakMap<BusinessCalendar, CronSchedule>>();

function cronOf(t: ScheduleTrigger, cal: BusinessCalendar, ruleId: string): CronSchedule {
  let byCal = cronCache.get(t);
  if (!byCal) cronCache.set(t, (byCal = new WeakMap()));
  let cron = byCal.get(cal);
  if (!cron) {
    // Validated at parse against Monday–Friday; a rule calendar without a working day can still fail here.
    cron = CronSchedule.compile({ ...t, calendar: cal }, ['rules', ruleId, 'trigger']);
    byCal.set(cal, cron);
  }
  return cron;
}

/** Arms a `schedule` rule's timer at its next cron time after now, unless one is pending. */
function armSchedule(host: TimerHost, deal: Deal, cr: CompiledRule, reason: string): void {
  if (timerOf(host, cr.rule.id)) return;
  const t = cr.rule.trigger as ScheduleTrigger;
  const cal = host.calendarFor(cr.rule.calendar);
  // The rule's calendar's zone is the pipeline's timezone unless the calendar names another.
  const zone = t.timezone ?? cal.zone;
  const next = cronOf(t, cal, cr.rule.id).next(parseIso(host.now), zone);
  if (next === null) return;
  const dueAt = toIso(next);
  const job = newTimer(host, deal, cr, dueAt, null);
  host.putJob(job);
  host.log('job.scheduled', { jobId: job.id, actionId: job.actionId, type: 'schedule', dueAt, armedBy: reason, calendar: zone }, job.ruleId);
}

/** After a `schedule` timer fired: the next one, the same rule's next cron time. */
export function afterTimer(host: TimerHost, job: Job): void {
  const deal = host.deal;
  if (!deal || deal.closedAt !== null || job.actionId !== 'schedule') return;
  const cr = host.rules.get(timerRuleId(job));
  if (cr?.rule.enabled && cr.rule.trigger.type === 'schedule') armSchedule(host, deal, cr, 'fired');
}

/** A deal that closes stops its recurring timers at once (a reopened deal gets them back). */
function cancelSchedules(host: TimerHost): void {
  for (const job of host.jobs()) if (isTimerJob(job) && job.actionId === 'schedule') host.cancelJob(job, 'deal-closed');
}

// ---- reacting to what happened ---------------------------------------------------------------------

/**
 * Called after the rules of every occurrence. `byCommand`: the occurrence came from a command
 * (a person's update), not from a rule's action — only that counts as idle-resetting activity.
 */
export function onOccurrence(host: TimerHost, occ: Occurrence, byCommand: boolean): void {
  const deal = host.deal;
  if (!deal) return;
  if (deal.closedAt !== null) {
    if (occ.type === 'stage.entered') cancelSchedules(host);
    return;
  }
  switch (occ.type) {
    case 'deal.created':
      for (const cr of timerRules(host.rules, deal.pipelineId)) {
        if (cr.rule.trigger.type === 'date.reached') syncDateTimer(host, deal, cr, 'created');
        if (cr.rule.trigger.type === 'schedule') armSchedule(host, deal, cr, 'created');
      }
      return;
    case 'stage.entered': {
      if (occ.stage !== deal.stageId) return;
      for (const cr of timerRules(host.rules, deal.pipelineId)) {
        const t = cr.rule.trigger;
        if (t.type === 'stage.idle' && t.stage === occ.stage) armIdle(host, deal, cr, 'stage.entered');
        // A deal reopened from a closed stage gets its date timers back.
        if (t.type === 'date.reached') syncDateTimer(host, deal, cr, 'sync');
        if (t.type === 'schedule') armSchedule(host, deal, cr, 'stage.entered');
      }
      rescheduleAnchored(host, deal, 'stageEnteredAt', 'stage-entered');
      return;
    }
    case 'field.changed': {
      const ownerChanged = occ.field === 'ownerId';
      for (const cr of timerRules(host.rules, deal.pipelineId)) {
        const t = cr.rule.trigger;
        if (t.type === 'date.reached' && (t.field === occ.field || (ownerChanged && cr.rule.calendar === 'owner'))) {
          syncDateTimer(host, deal, cr, ownerChanged && t.field !== occ.field ? 'owner-changed' : 'anchor-changed');
        }
        if (t.type === 'stage.idle' && t.stage === deal.stageId && t.activity === 'any-update' && byCommand) armIdle(host, deal, cr, 'activity');
      }
      rescheduleAnchored(host, deal, ownerChanged ? null : occ.field, ownerChanged ? 'owner-changed' : 'anchor-changed');
      return;
    }
    default:
      return;
  }
}

/** A timer came due: the occurrence to raise, or why the timer is void. */
export function timerOccurrence(host: TimerHost, job: Job): { occ: Occurrence } | { cancel: string } {
  const deal = host.deal;
  if (!deal) return { cancel: 'deal-gone' };
  if (deal.closedAt !== null) return { cancel: 'deal-closed' };
  const cr = host.rules.get(timerRuleId(job));
  if (!cr) return { cancel: 'rule-removed' };
  if (!cr.rule.enabled) return { cancel: 'rule-disabled' };
  const t = cr.rule.trigger;
  if (t.type === 'stage.idle' && job.actionId === 'stage.idle') {
    if (deal.stageId !== t.stage) return { cancel: 'left-stage' };
    return { occ: { type: 'stage.idle', stage: t.stage, ruleId: cr.rule.id, since: job.createdAt } };
  }
  if (t.type === 'date.reached' && job.actionId === 'date.reached' && t.field === job.anchorField) {
    return { occ: { type: 'date.reached', field: t.field, ruleId: cr.rule.id, value: (readDealPath(deal, t.field) as string | undefined) ?? null } };
  }
  if (t.type === 'schedule' && job.actionId === 'schedule') return { occ: { type: 'schedule', ruleId: cr.rule.id, at: job.dueAt } };
  return { cancel: 'trigger-changed' };
}
