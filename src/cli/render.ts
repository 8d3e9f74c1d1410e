import type { DealExplanation } from '../engine/explain.js';
import { conditionText } from '../engine/explain.js';
import { toTextTable } from '../reports/render.js';
import type { RuleSetDiff } from '../simulation/diff.js';
import type { SimulationResult } from '../simulation/simulate.js';
import type { TimelineEntry } from '../simulation/timeline.js';
import { counts, heading, table } from './format.js';

const day = (iso: string) => iso.slice(0, 16).replace('T', ' ');

export function renderSimulation(r: SimulationResult): string {
  const s = r.summary;
  const out: string[] = [];
  out.push(
    `Simulated ${day(r.from)} → ${day(r.to)} UTC: ${r.events.total} events, ${r.events.replayed} replayed, ${r.events.failed} refused, ${r.events.outside} outside the window; ${s.deals} deals`,
  );
  out.push(heading('Rules'));
  out.push(
    table(
      ['rule', 'fired', 'skipped', 'scheduled', 'ran', 'cancelled', 'notifications', 'pending'],
      s.rules.map((x) => [x.ruleId, x.fired, counts(x.skipped), x.scheduled, x.ran, counts(x.cancelled), x.notifications, x.pending]),
    ),
  );
  if (s.notifications.length > 0)
    out.push(
      heading('Notifications'),
      table(
        ['template', 'to', 'count'],
        s.notifications.map((n) => [n.template, n.to, n.count]),
      ),
    );
  if (s.cancellations.length > 0)
    out.push(
      heading('Cancelled jobs'),
      table(
        ['reason', 'count'],
        s.cancellations.map((c) => [c.reason, c.count]),
      ),
    );
  if (s.stageMoves.length > 0)
    out.push(
      heading('Stage moves by rules'),
      table(
        ['from', 'to', 'count'],
        s.stageMoves.map((m) => [m.from, m.to, m.count]),
      ),
    );
  if (s.violations.length > 0)
    out.push(
      heading('Violations'),
      table(
        ['name', 'count'],
        s.violations.map((v) => [v.name, v.count]),
      ),
    );
  out.push('', toTextTable(r.reports.slaCompliance).trimEnd(), '', toTextTable(r.reports.funnel).trimEnd());
  if (r.errors.length > 0) {
    out.push(heading(`Refused events (${r.errors.length})`));
    out.push(
      table(
        ['line', 'at', 'type', 'deal', 'code', 'why'],
        r.errors.slice(0, 20).map((e) => [e.line ?? e.index + 1, day(e.at), e.type, e.dealId ?? '–', e.code, e.message.split('\n')[0]!]),
      ),
    );
    if (r.errors.length > 20) out.push(`… and ${r.errors.length - 20} more (--json lists them all)`);
  }
  return `${out.join('\n')}\n`;
}

export function renderTimeline(entries: ReadonlyArray<TimelineEntry>): string {
  return entries.map((e) => `${day(e.at)}  ${e.dealId ?? '–'}  ${e.ruleId ?? ''}  ${e.text}`).join('\n') + (entries.length > 0 ? '\n' : '');
}

export function renderDiff(d: RuleSetDiff, limit: number): string {
  const t = d.totals;
  const out: string[] = [];
  out.push(`Compared ${day(d.from)} → ${day(d.to)} UTC: ${t.deals} deals, ${t.dealsChanged} with a different outcome under B`);
  out.push(heading('Totals (A → B)'));
  const row = (name: string, c: { a: number; b: number; added: number; removed: number; retimed?: number }) => [
    name,
    c.a,
    c.b,
    c.added,
    c.removed,
    c.retimed ?? 0,
  ];
  out.push(
    table(
      ['', 'A', 'B', 'added', 'removed', 'retimed'],
      [row('notifications', t.notifications), row('escalations', t.escalations), row('stage moves by rules', t.stageMoves), row('violations', t.violations)],
    ),
  );
  if (t.finalStageChanged > 0) out.push(`${t.finalStageChanged} deal(s) end in another stage`);
  if (t.sla.length > 0) {
    out.push(heading('Deadlines (SLA outcomes, A → B)'));
    out.push(
      table(
        ['sla', 'met', 'breached', 'exempt', 'cancelled', 'open', 'deals changed'],
        t.sla.map((s) => [
          s.slaId,
          `${s.a.met} → ${s.b.met}`,
          `${s.a.breached} → ${s.b.breached}`,
          `${s.a.exempt} → ${s.b.exempt}`,
          `${s.a.cancelled} → ${s.b.cancelled}`,
          `${s.a.open} → ${s.b.open}`,
          s.changed,
        ]),
      ),
    );
  }
  if (d.deals.length > 0) {
    out.push(heading(`Deals with a different outcome${d.deals.length > limit ? ` (first ${limit} of ${d.deals.length}; --limit or --json for more)` : ''}`));
    for (const deal of d.deals.slice(0, limit)) {
      const parts: string[] = [];
      for (const n of deal.notifications.added) parts.push(`+ notify ${n.to}: ${n.template} at ${day(n.at)}`);
      for (const n of deal.notifications.removed) parts.push(`- notify ${n.to}: ${n.template} at ${day(n.at)}`);
      for (const n of deal.notifications.retimed) parts.push(`~ notify ${n.to}: ${n.template} at ${day(n.atA)} → ${day(n.atB)}`);
      for (const m of deal.stageMoves.added) parts.push(`+ move ${m.from} → ${m.to} at ${day(m.at)}`);
      for (const m of deal.stageMoves.removed) parts.push(`- move ${m.from} → ${m.to} at ${day(m.at)}`);
      for (const v of deal.violations.added) parts.push(`+ violation ${v.name} at ${day(v.at)}`);
      for (const v of deal.violations.removed) parts.push(`- violation ${v.name} at ${day(v.at)}`);
      for (const s of deal.sla) parts.push(`~ ${s.slaId}: ${s.a ?? 'none'} → ${s.b ?? 'none'}`);
      if (deal.finalStage) parts.push(`~ ends in ${deal.finalStage.a ?? 'none'} → ${deal.finalStage.b ?? 'none'}`);
      out.push(`${deal.dealId}\n${parts.map((p) => `  ${p}`).join('\n')}`);
    }
  }
  return `${out.join('\n')}\n`;
}

export function renderExplanation(x: DealExplanation): string {
  const out: string[] = [];
  const deal = x.deal;
  out.push(deal ? `Deal ${x.dealId}: stage ${deal.stageId}, amount ${deal.amount} ${deal.currency}, owner ${deal.ownerId}` : `Deal ${x.dealId} (deleted)`);
  for (const r of x.rules) {
    out.push('', `${r.ruleId}${r.version === null ? '' : ` (v${r.version})`}: ${r.verdict.toUpperCase()}`, `  ${r.why}`);
    for (const m of r.matches) {
      out.push(`  ${day(m.at)}  ${m.outcome}${m.reason ? ` (${m.reason})` : ''} on ${JSON.stringify(m.trigger)}`);
      for (const c of m.conditions) out.push(`      ${c.result ? '✓' : '✗'} ${conditionText(c)}`);
    }
    for (const j of r.jobs) {
      const end = j.status === 'pending' ? `pending, due ${day(j.dueAt)}` : `${j.status} at ${day(j.endedAt!)}${j.reason ? `: ${j.reason}` : ''}`;
      out.push(`  job ${j.actionId} (scheduled ${day(j.scheduledAt)} for ${day(j.dueAt)}): ${end}`);
      for (const c of j.conditions) out.push(`      ${c.result ? '✓' : '✗'} ${conditionText(c)}`);
      for (const c of j.until) out.push(`      until ${c.result ? '✓' : '✗'} ${conditionText(c)}`);
      if (j.versions) out.push(`      versions: ${JSON.stringify(j.versions)}`);
    }
  }
  return `${out.join('\n')}\n`;
}
