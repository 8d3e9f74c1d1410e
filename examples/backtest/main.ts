/**
 * Backtest: what would happen if the 5-day proposal rule became a 3-day rule? A generated quarter
 * of sales history is replayed through both rule sets on a fake clock and compared deal by deal.
 * Run with `npx tsx examples/backtest/main.ts`.
 */
import { checkRules, diff, generateHistory, GENERATED_PIPELINE } from '../../src/simulation/index.js';
import fiveDays from '../proposal-deadline/rules.json' with { type: 'json' };
import threeDays from './rules-3-days.json' with { type: 'json' };

const pipelines = [GENERATED_PIPELINE];

// 1. Check the candidate statically before trying it.
const check = checkRules(threeDays, { pipelines });
console.log(`check rules-3-days.json: ${check.errors} error(s), ${check.warnings} warning(s)`);

// 2. A deterministic history: 1,500 deals over 90 days (the same seed gives the same history).
const events = generateHistory({ deals: 1500, days: 90, seed: 42 });
console.log(`history: ${events.length} events, ${events.filter((e) => e.type === 'created').length} deals`);

// 3. Replay it through both rule sets and compare.
const d = await diff(fiveDays, threeDays, { pipelines, events, to: '2025-04-06T00:00:00Z' });
const t = d.totals;
const line = (name: string, c: { a: number; b: number; added: number; removed: number; retimed?: number }) =>
  `  ${name.padEnd(14)} ${String(c.a).padStart(5)} → ${String(c.b).padStart(5)}   +${c.added} −${c.removed}${c.retimed === undefined ? '' : ` ~${c.retimed} retimed`}`;

console.log(`\n5-day rule (A) → 3-day rule (B): ${t.dealsChanged} of ${t.deals} deals change`);
console.log(line('notifications', t.notifications));
console.log(line('escalations', t.escalations));
console.log(line('violations', t.violations));
for (const s of t.sla) {
  const rate = (o: { met: number; breached: number }) => `${((o.met / (o.met + o.breached)) * 100).toFixed(1)}%`;
  const lateButInTime = d.deals.filter((x) => x.sla.some((o) => o.slaId === s.slaId && o.a === 'met' && o.b === 'breached')).length;
  console.log(`  deadline met   ${String(s.a.met).padStart(5)} → ${String(s.b.met).padStart(5)}   (${rate(s.a)} → ${rate(s.b)} on time)`);
  console.log(
    `  breached       ${String(s.a.breached).padStart(5)} → ${String(s.b.breached).padStart(5)}   (${lateButInTime} deals sent within 5 days but not within 3)`,
  );
}

// 4. A few deals that change, and why.
console.log('\nFor example:');
for (const deal of d.deals.filter((x) => x.sla.length > 0).slice(0, 3)) {
  const escalation = deal.escalations.added[0];
  console.log(
    `  ${deal.dealId}: ${deal.sla.map((s) => `${s.a} → ${s.b}`).join(', ')}${escalation ? `; the manager is told at ${escalation.at.slice(0, 16).replace('T', ' ')} UTC` : ''}`,
  );
}
