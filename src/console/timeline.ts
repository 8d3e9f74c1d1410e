import { DateTime } from 'luxon';
import type { AnyHistoryEntry } from '../core/types.js';
import type { Pipeline } from '../model/pipeline.js';
import type { Rule } from '../model/rule.js';
import { occurrenceText, recipientText } from '../simulation/timeline.js';
import type { TimelineItem, TimelineTone } from './views.js';

/** What the words need: stage and rule names, user names, and the zone instants are written in. */
export interface TimelineContext {
  pipeline: Pipeline | undefined;
  rules: ReadonlyArray<Rule>;
  userName: (id: string) => string;
  zone: string;
}

/** Why a job was cancelled, in words; an unknown reason is shown as it is. */
const CANCEL_REASONS: Record<string, string> = {
  'sla-met': 'the deadline was met',
  'sla-stopped': 'the deadline was stopped',
  'left-stage': 'the deal left the stage',
  'deal-closed': 'the deal was closed',
  'deal-deleted': 'the deal was deleted',
  'deal-gone': 'the deal is gone',
  'replaced-by-reenrolment': 'the rule fired again and replaced it',
  until: 'its stop condition became true',
  'rule-changed': 'its rule changed, and the new version cancels pending jobs (onChange: cancel)',
  'rule-disabled': 'its rule was disabled',
  'rule-removed': 'its rule was removed',
  'rule-version-unavailable': 'the rule version that scheduled it is no longer loaded',
  'action-removed': 'its rule’s new version no longer has this action',
  'criteria-no-longer-hold': 'the rule’s conditions no longer hold',
  'until-met': 'its stop condition became true',
};

/** How a job scheduled by an earlier rule version ran: under which version, by which onChange policy. */
function versionNote(d: Record<string, unknown>): string {
  if (typeof d.scheduledVersion !== 'number' || typeof d.ruleVersion !== 'number' || (d.scheduledVersion === d.ruleVersion && d.policy !== 'keep')) return '';
  return d.policy === 'keep'
    ? ` as v${d.scheduledVersion} scheduled it (onChange: keep)`
    : ` re-checked under v${d.ruleVersion} (scheduled by v${d.scheduledVersion}; onChange: recheck)`;
}

const str = (v: unknown): string => (typeof v === 'string' ? v : v === null || v === undefined ? '—' : JSON.stringify(v));

/**
 * A deal's history in words, oldest first: what was done to it, which rule fired and why, what
 * was scheduled for when, cancelled and why, sent, delivered or given up on. Entries that only
 * repeat another (an action's bookkeeping) are left out.
 */
export function timelineItems(log: ReadonlyArray<AnyHistoryEntry>, context: TimelineContext): TimelineItem[] {
  const words = new Words(context);
  const out: TimelineItem[] = [];
  for (const entry of log) {
    const said = words.describe(entry);
    if (!said) continue;
    out.push({ id: entry.id, at: entry.at, type: entry.type, ruleId: entry.ruleId ?? null, text: said[0], tone: said[1] });
  }
  return out;
}

class Words {
  constructor(private readonly c: TimelineContext) {}

  stage(id: unknown): string {
    const stage = this.c.pipeline?.stages.find((s) => s.id === id);
    return stage ? stage.name : str(id);
  }

  rule(id: unknown): string {
    if (typeof id !== 'string') return 'a command';
    const rule = this.c.rules.find((r) => r.id === id);
    if (rule) return `“${rule.name ?? rule.id}”`;
    // Features schedule under their own ids: `sla:<id>/…`, `task:<id>`.
    const sla = /^sla:([^/]+)/.exec(id);
    return sla ? `deadline “${sla[1]}”` : `“${id}”`;
  }

  /** A job's action: its type when the rule's action has no id of its own (the id is then its index), else the id. */
  action(ruleId: string | undefined, actionId: unknown): string {
    const rule = this.c.rules.find((r) => r.id === ruleId);
    const action =
      rule?.actions.find((a) => a.id === actionId) ?? (typeof actionId === 'string' && /^\d+$/.test(actionId) ? rule?.actions[Number(actionId)] : undefined);
    return capital(action && action.id !== actionId ? action.type : str(actionId));
  }

  when(iso: unknown): string {
    if (typeof iso !== 'string') return str(iso);
    const t = DateTime.fromISO(iso, { zone: this.c.zone });
    return t.isValid ? t.toFormat('ccc d LLL HH:mm') : iso;
  }

  user(id: unknown): string {
    return typeof id === 'string' ? this.c.userName(id) : str(id);
  }

  by(by: unknown): string {
    if (by === undefined || by === null || by === 'command') return '';
    if (typeof by === 'string' && this.c.rules.some((r) => r.id === by)) return ` by rule ${this.rule(by)}`;
    return ` by ${this.user(by)}`;
  }

  describe(e: AnyHistoryEntry): [string, TimelineTone] | undefined {
    const d = e.data;
    switch (e.type) {
      case 'deal.created': {
        const deal = d.deal as { stageId?: string; ownerId?: string } | undefined;
        return [`Created in ${this.stage(deal?.stageId)}, owner ${this.user(deal?.ownerId)}`, 'info'];
      }
      case 'deal.updated': {
        const changes = (d.changes as Array<{ field: string; from: unknown; to: unknown }> | undefined) ?? [];
        const what = changes.map((c) => (c.field === 'title' ? `title set to “${str(c.to)}”` : `${c.field}: ${str(c.from)} → ${str(c.to)}`)).join(', ');
        return [`${capital(what || 'updated')}${this.by(d.by)}`, 'info'];
      }
      case 'stage.changed':
        return [`Moved from ${this.stage(d.from)} to ${this.stage(d.to)}${this.by(d.by)}`, 'good'];
      case 'deal.deleted':
        return ['Deleted', 'bad'];
      case 'event.received':
        return [`Event “${str(d.name)}” received`, 'info'];
      case 'rule.fired':
        return [`Rule ${this.rule(e.ruleId)} fired on ${occurrenceText(d.trigger)}`, 'info'];
      case 'rule.skipped':
        return d.reason === 'criteria' ? [`Rule ${this.rule(e.ruleId)} did not fire: its conditions were not met`, 'muted'] : undefined;
      case 'job.scheduled':
        // A deadline's own steps (breach, reminders) are named by their action id; a rule's by its action type.
        return e.ruleId?.startsWith('sla:')
          ? [`${this.action(e.ruleId, d.actionId)} of ${this.rule(e.ruleId)} scheduled for ${this.when(d.dueAt)}`, 'info']
          : [`${d.type ? capital(str(d.type)) : this.action(e.ruleId, d.actionId)} scheduled for ${this.when(d.dueAt)} (rule ${this.rule(e.ruleId)})`, 'info'];
      case 'job.rescheduled':
        return [`${this.action(e.ruleId, d.actionId)} of ${this.rule(e.ruleId)} rescheduled to ${this.when(d.dueAt ?? d.to)}`, 'info'];
      case 'job.ran':
        return [`${this.action(e.ruleId, d.actionId)} of ${this.rule(e.ruleId)} ran (due ${this.when(d.dueAt)})${versionNote(d)}`, 'info'];
      case 'job.overdue':
        return [`${this.action(e.ruleId, d.actionId)} of ${this.rule(e.ruleId)} ran late (was due ${this.when(d.dueAt)})`, 'warn'];
      case 'job.cancelled':
        return [
          `${this.action(e.ruleId, d.actionId)} of ${this.rule(e.ruleId)} due ${this.when(d.dueAt)} cancelled: ${CANCEL_REASONS[str(d.reason)] ?? str(d.reason)}`,
          'muted',
        ];
      case 'job.failed':
        return [`${this.action(e.ruleId, d.actionId)} of ${this.rule(e.ruleId)} failed: ${str(d.error)}`, 'bad'];
      case 'notification.queued':
        return [`Notification to ${recipientText(d.to)} queued (${str(d.template)})`, 'info'];
      case 'notification.held':
        return [`Notification held for ${this.user(d.recipientId)}’s digest`, 'info'];
      case 'outbox.delivered':
        return [`${d.kind === 'digest' ? 'Digest' : 'Notification'} delivered to ${this.user(d.recipientId)}`, 'good'];
      case 'outbox.failed':
        return [`Delivery to ${this.user(d.recipientId)} failed (attempt ${str(d.attempt)}): ${str(d.error)}`, 'warn'];
      case 'outbox.dead':
        return [`Delivery to ${this.user(d.recipientId)} given up: ${str(d.error)} (a dead letter)`, 'bad'];
      case 'outbox.retried':
        return ['Dead letter queued again', 'info'];
      case 'outbox.discarded':
        return ['Dead letter discarded', 'muted'];
      case 'violation.recorded':
        return [`Violation recorded: ${str(d.name)}`, 'bad'];
      case 'sla.started':
        return [`Deadline “${str(d.slaId)}” started: due ${this.when(d.dueAt)}`, 'info'];
      case 'sla.met':
        return [`Deadline “${str(d.slaId)}” met${d.late ? ' (late)' : ''}`, 'good'];
      case 'sla.breached':
        return [`Deadline “${str(d.slaId)}” missed (was due ${this.when(d.dueAt)})`, 'bad'];
      case 'sla.reminder':
        return [`Reminder “${str(d.step)}” of deadline “${str(d.slaId)}”`, 'warn'];
      case 'sla.escalation':
        return [`Escalation “${str(d.step)}” of deadline “${str(d.slaId)}”`, 'bad'];
      case 'sla.extended':
        return [`Deadline “${str(d.slaId)}” moved from ${this.when(d.from)} to ${this.when(d.to)}${this.by(d.by)}`, 'good'];
      case 'sla.ended':
        return [`Deadline “${str(d.slaId)}” ended: ${str(d.reason ?? d.endReason)}`, 'muted'];
      case 'exception.marked':
        return [`Marked “${str(d.flag)}” by ${this.user(d.requestedBy)}: ${str(d.reason ?? d.note)}`, 'warn'];
      case 'approval.requested':
        return [`Approval “${str(d.name)}” requested by ${this.user(d.requesterId)}`, 'warn'];
      case 'approval.decided':
        return [
          `Approval “${str(d.name)}” ${d.decision === 'approved' ? 'approved' : 'rejected'} by ${this.user(d.decidedBy)}`,
          d.decision === 'approved' ? 'good' : 'bad',
        ];
      case 'task.created':
        return [`Task “${str(d.title)}” created`, 'info'];
      case 'task.closeRequested':
        return [`${this.user(d.by)} asks ${this.user(d.approverId)} to confirm task ${str(d.taskId)}`, 'info'];
      case 'task.completed':
        return [`Task ${str(d.key ?? d.taskId)} completed by ${this.user(d.by)}`, 'good'];
      case 'task.overdue':
        return [`Task ${str(d.key ?? d.taskId)} is overdue (was due ${this.when(d.dueAt)})`, 'warn'];
      case 'goal.achieved':
        return [`Goal “${str(d.name)}” reached`, 'good'];
      case 'playbook.launched':
        return [`Playbook “${str(d.playbookId)}” launched by ${this.user(d.launchedBy)}`, 'info'];
      case 'action.executed':
      case 'outbox.queued':
      case 'task.assigned':
        return undefined; // repeats what the entries around it say
      default:
        return [
          capital(
            e.type
              .replace(/\./g, ' ')
              .replace(/([a-z])([A-Z])/g, '$1 $2')
              .toLowerCase(),
          ),
          'muted',
        ];
    }
  }
}

function capital(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
